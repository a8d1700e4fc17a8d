FROM debian:trixie-slim
RUN apt-get update && apt-get install --no-install-recommends -y musl-tools libc6-dev && rm -rf /var/lib/apt/lists/*
