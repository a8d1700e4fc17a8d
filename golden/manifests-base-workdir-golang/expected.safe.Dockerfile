FROM golang:1.23-bookworm AS builder
COPY go.mod go.sum /go/
RUN go mod download
COPY . /go
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12
COPY --from=builder /out/server /server
ENTRYPOINT ["/server"]
