ARG PYTHON_VERSION=3.13
FROM python:${PYTHON_VERSION}-slim AS base

FROM base AS tools
RUN apt-get update \
    && apt-get install --no-install-recommends -y jq \
    && rm -rf /var/lib/apt/lists/*
