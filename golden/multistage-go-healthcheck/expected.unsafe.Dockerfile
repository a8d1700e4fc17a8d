FROM golang:1.26-bookworm AS build
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o clock .

# Runtime stage (dockerfix DF401): copy only the binary
FROM debian:trixie-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/clock /app/clock
HEALTHCHECK --interval=30s CMD curl -fsS http://localhost:8080/healthz || exit 1
CMD ["./clock"]
