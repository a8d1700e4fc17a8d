FROM debian:12
RUN echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/99-no-recommends \
    && apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*
