FROM python:3.11.3
RUN apt-get update \
    && apt-get install --no-install-recommends -y jq \
    && rm -rf /var/lib/apt/lists/*

FROM python:3.6.13
RUN apt-get update \
    && apt-get install --no-install-recommends -y jq \
    && rm -rf /var/lib/apt/lists/*
