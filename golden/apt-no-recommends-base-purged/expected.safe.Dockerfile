FROM python:3.12 AS base
RUN apt-get purge -y --auto-remove openssh-client
RUN apt-get update && apt-get install --no-install-recommends -y git ca-certificates netbase openssh-client && rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim AS tools
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*

FROM tools
RUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*
