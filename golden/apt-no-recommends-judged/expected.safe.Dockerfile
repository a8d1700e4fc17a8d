FROM debian:bookworm-slim
RUN apt-get update && apt-get install --no-install-recommends -y \
        autossh \
        protobuf-compiler \
        xdg-utils \
        libprotobuf-dev \
    && rm -rf /var/lib/apt/lists/*
