FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends ruby && rm -rf /var/lib/apt/lists/*
RUN gem install --no-document bundler
