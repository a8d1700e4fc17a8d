ARG DEBIAN_CODENAME=bookworm

FROM mcr.microsoft.com/devcontainers/python:3.12 AS dev
RUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*

FROM mcr.microsoft.com/devcontainers/base:${DEBIAN_CODENAME} AS tools
RUN apt-get update && apt-get install --no-install-recommends -y git openssh-client && rm -rf /var/lib/apt/lists/*

FROM mcr.microsoft.com/devcontainers/python:1-3.12 AS pinned
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
