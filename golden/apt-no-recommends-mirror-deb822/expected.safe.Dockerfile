FROM python:3.12-slim-bookworm
RUN sed -i 's|http://deb.debian.org|https://mirror.example.org|g' /etc/apt/sources.list.d/debian.sources \
    && apt-get update && apt-get install --no-install-recommends -y jq && rm -rf /var/lib/apt/lists/*
RUN echo "deb http://mirror.example.org/debian bookworm main" > /etc/apt/sources.list \
    && apt-get update && apt-get install --no-install-recommends -y file && rm -rf /var/lib/apt/lists/*
