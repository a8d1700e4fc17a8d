FROM node:18-bullseye-slim
RUN apt-get update \
    && apt-get install --no-install-recommends -y wget ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN apt-get update \
    && apt-get install --no-install-recommends -y openjdk-11-jre-headless \
    && rm -rf /var/lib/apt/lists/*
