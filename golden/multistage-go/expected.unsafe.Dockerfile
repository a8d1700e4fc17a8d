FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /usr/local/bin/shop ./cmd/shop
ENV PORT=8080

# Runtime stage (dockerfix DF401): copy only the binary
FROM gcr.io/distroless/static-debian13
WORKDIR /src
COPY --from=build /usr/local/bin/shop /usr/local/bin/shop
ENV PORT=8080
EXPOSE 8080
USER 65532:65532
# The API server
ENTRYPOINT ["/usr/local/bin/shop"]
