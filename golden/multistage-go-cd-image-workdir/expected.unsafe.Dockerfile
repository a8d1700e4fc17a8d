FROM golang:1.26 AS build
COPY go.mod ./
COPY . .
RUN cd cmd/server && CGO_ENABLED=0 go build -o server .

# Runtime stage (dockerfix DF401): copy only the binary
FROM gcr.io/distroless/static-debian13
WORKDIR /go
COPY --from=build /go/cmd/server/server /go/cmd/server/server
CMD ["./cmd/server/server"]
