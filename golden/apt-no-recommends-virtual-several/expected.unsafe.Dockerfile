FROM debian:12
RUN apt-get update && apt-get install --no-install-recommends -y curl netcat ca-certificates && rm -rf /var/lib/apt/lists/*
