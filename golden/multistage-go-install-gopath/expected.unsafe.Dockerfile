FROM golang:1.13-alpine AS build

WORKDIR /go/src/app
COPY . .

RUN go get -d -v ./...
RUN CGO_ENABLED=0 go install -v ./...

# Runtime stage (dockerfix DF401): copy only the binary
FROM gcr.io/distroless/static-debian13
WORKDIR /go/src/app
COPY --from=build /go/bin/app /usr/local/bin/app
CMD ["app"]
