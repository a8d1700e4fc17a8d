FROM python:3.12-slim AS api
RUN apt-get update && apt-get install --no-install-recommends -y git openssh-client && rm -rf /var/lib/apt/lists/*

FROM node:22-bookworm-slim AS web
RUN apt-get update && apt-get install --no-install-recommends -y curl ca-certificates && rm -rf /var/lib/apt/lists/*
