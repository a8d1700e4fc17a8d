FROM debian:bookworm
RUN sed -i 's/deb.debian.org/mirrors.example.com/g' /etc/apt/sources.list
RUN apt-get update && apt-get install --no-install-recommends -y jq && rm -rf /var/lib/apt/lists/*
