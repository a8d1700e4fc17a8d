FROM debian:12
RUN apt-get update && apt-get install --no-install-recommends -y wget libfoo-tools ca-certificates && rm -rf /var/lib/apt/lists/*
