FROM debian:12
RUN apt-get update \
    && apt-get install -y --no-install-recommends jq \
    && apt-get purge -y python3 \
    && apt-get -qq install --no-install-recommends file \
    && rm -rf /var/lib/apt/lists/*
