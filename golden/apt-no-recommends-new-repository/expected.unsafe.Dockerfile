FROM debian:bookworm-slim
RUN echo "deb http://deb.debian.org/debian bookworm-backports main" > /etc/apt/sources.list.d/backports.list \
    && apt-get update && apt-get install --no-install-recommends -y jq && rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim AS vendor
RUN echo "deb https://packages.example.com/apt stable main" > /etc/apt/sources.list.d/example.list \
    && apt-get update && apt-get install --no-install-recommends -y jq && rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim AS copied
COPY example.list /etc/apt/sources.list.d/example.list
RUN apt-get update && apt-get install --no-install-recommends -y jq && rm -rf /var/lib/apt/lists/*
