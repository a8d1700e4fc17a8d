FROM python:3.13-slim
RUN apt-get update && apt-get install --no-install-recommends -y \
        git \
        gnupg \
        openssh-client \
        gnupg-utils \
        gpg-wks-client \
        gpgv \
        libsasl2-modules \
    && rm -rf /var/lib/apt/lists/*
