FROM python:3.12
RUN apt-get update && apt-get install --no-install-recommends -y curl git && rm -rf /var/lib/apt/lists/*
