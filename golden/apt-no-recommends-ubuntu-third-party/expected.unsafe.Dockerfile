FROM ubuntu:22.04
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
    && curl -fsSL https://apt.example.com/key.gpg | gpg --dearmor -o /usr/share/keyrings/example.gpg \
    && echo "deb [signed-by=/usr/share/keyrings/example.gpg] https://apt.example.com/ubuntu jammy main" \
        > /etc/apt/sources.list.d/example.list \
    && apt-get update && apt-get install --no-install-recommends -y example-agent jq \
    && rm -rf /var/lib/apt/lists/*
