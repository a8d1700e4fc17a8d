FROM golang:1.22 AS build
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN case "$TARGETARCH" in \
      arm64) export GOARM64=v8.2 ;; \
      amd64) export GOAMD64=v3 ;; \
      *) echo "no tuning for $TARGETARCH" ;; \
    esac \
    && go mod download
COPY . .
RUN case "$TARGETARCH" in \
      arm64) export GOARM64=v8.2 ;; \
      amd64) export GOAMD64=v3 ;; \
      *) echo "no tuning for $TARGETARCH" ;; \
    esac && CGO_ENABLED=0 go build -o /out/api ./cmd/api

FROM gcr.io/distroless/static
COPY --from=build /out/api /api
ENTRYPOINT ["/api"]
