FROM debian:bookworm-slim
RUN apt-get update \
  && apt-get install --no-install-recommends -y \
  libxslt1.1 `# lxml's runtime` \
  libpq5 \
  libsasl2-modules \
  && rm -rf /var/lib/apt/lists/*
