FROM debian:bookworm-slim
ARG RUNTIME_PACKAGES="\
    wget \
    jq"
RUN apt-get update \
    && apt-get install --no-install-recommends -y ${RUNTIME_PACKAGES} ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN PKGS="$RUNTIME_PACKAGES curl" \
    && apt-get update \
    && apt-get install -y $PKGS $RUNTIME_PACKAGES \
    && rm -rf /var/lib/apt/lists/*
