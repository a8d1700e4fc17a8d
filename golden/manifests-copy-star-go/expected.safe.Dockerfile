FROM golang:1.22-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN CGO_ENABLED=0 go mod download
COPY * ./
RUN CGO_ENABLED=0 go build -o /bin/api .

FROM alpine:3.20
COPY --from=build /bin/api /bin/api
ENTRYPOINT ["/bin/api"]
