FROM debian:12
RUN apt-get update && apt-get install --no-install-recommends -y curl ca-certificates && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL https://example.com/install.sh | sh
