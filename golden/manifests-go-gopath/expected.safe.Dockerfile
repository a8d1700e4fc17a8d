FROM golang:1.12 AS gopath
WORKDIR /go/src/example.com/greeter
COPY . .
RUN go get -d -v ./...
RUN go install -v ./...

FROM golang:1.12 AS modules
ENV GO111MODULE=on
WORKDIR /go/src/example.com/greeter
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go get -d -v ./...
RUN go install -v ./...

FROM golang:1.10 AS old
WORKDIR /go/src/example.com/greeter
COPY . .
RUN go install -v ./...
