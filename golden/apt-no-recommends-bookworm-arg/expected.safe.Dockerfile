ARG DEBIAN_TAG=12-slim
FROM debian:${DEBIAN_TAG}
RUN apt-get update && apt-get install --no-install-recommends -y jq && rm -rf /var/lib/apt/lists/*
