ARG VARIANT=slim
ARG ACCELERATOR
FROM debian:bookworm-slim AS runtime-slim
FROM debian:trixie AS runtime-full
FROM ubuntu:24.04 AS runtime-cuda

FROM runtime-${VARIANT} AS app
RUN apt-get update \
    && apt-get install --no-install-recommends -y jq \
    && rm -rf /var/lib/apt/lists/*

FROM runtime-${ACCELERATOR:-full} AS worker
RUN apt-get update \
    && apt-get install --no-install-recommends -y jq \
    && rm -rf /var/lib/apt/lists/*
