FROM lukemathwalker/cargo-chef:latest-rust-1.86-slim-bookworm AS chef
WORKDIR /src

FROM chef AS builder
RUN apt-get update \
    && apt-get install --no-install-recommends -y jq \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release
