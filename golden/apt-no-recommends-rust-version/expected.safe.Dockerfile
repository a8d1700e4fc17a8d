FROM rust:1.75-slim AS bookworm
RUN apt-get update && apt-get install --no-install-recommends -y gnupg libsasl2-modules && rm -rf /var/lib/apt/lists/*

FROM rust:1.89 AS trixie
RUN apt-get update && apt-get install --no-install-recommends -y gnupg gnupg-utils gpg-wks-client gpgv libsasl2-modules && rm -rf /var/lib/apt/lists/*

FROM rust:1.36 AS stretch
RUN apt-get update && apt-get install -y gnupg && rm -rf /var/lib/apt/lists/*
