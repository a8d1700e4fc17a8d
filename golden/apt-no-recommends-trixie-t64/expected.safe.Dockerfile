FROM python:3.12-slim
RUN apt-get update \
    && apt-get install --no-install-recommends -y libssl3 libmagic1 libcurl4 libsasl2-modules \
    && rm -rf /var/lib/apt/lists/*
