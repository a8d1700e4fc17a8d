FROM debian:12
RUN apt-get update \
    && apt-get install --no-install-recommends -y \
        python3 \
        python3-pip \
        build-essential \
        python3-dev \
        netbase \
    && rm -rf /var/lib/apt/lists/*
