FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends jq \
    && apt-get install -y --no-install-recommends file \
    && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends gnupg \
    && echo "deb http://deb.example.com/ bookworm main" > /etc/apt/sources.list.d/example.list \
    && apt-get update && apt-get install -y --no-install-recommends example-tools \
    && rm -rf /var/lib/apt/lists/*
