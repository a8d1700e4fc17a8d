FROM golang:1.26 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 make build

# Runtime stage (dockerfix DF401): copy only the binary
FROM gcr.io/distroless/static-debian13
WORKDIR /src
COPY --from=build /src/bin/shop /src/bin/shop
EXPOSE 8080
CMD ["./bin/shop"]
