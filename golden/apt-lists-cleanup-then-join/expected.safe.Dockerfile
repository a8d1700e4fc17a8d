FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends locales && apt-get clean && rm -rf /var/lib/apt/lists/*
RUN rm -rf /var/lib/apt/lists/* && localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8
ENV LANG=en_US.utf8
