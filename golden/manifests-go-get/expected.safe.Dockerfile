FROM golang:1.22-alpine
WORKDIR /src
RUN apk add --no-cache git
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go get -d -v ./... && go build -o /usr/local/bin/greeter .
CMD ["greeter"]
