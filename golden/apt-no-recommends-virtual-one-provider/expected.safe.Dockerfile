FROM python:3.11.6-slim-bookworm
RUN apt-get update && apt-get install --no-install-recommends -y \
        gcc \
        libhdf5-serial-dev \
        libsasl2-modules \
    && rm -rf /var/lib/apt/lists/*
