FROM golang:1.23-alpine AS build
WORKDIR /app
COPY go.mod go.sum ./
RUN CGO_ENABLED=0 go mod download
COPY . .
RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /bin/app .

FROM alpine:3.20
COPY --from=build /bin/app /bin/app
CMD ["/bin/app"]
