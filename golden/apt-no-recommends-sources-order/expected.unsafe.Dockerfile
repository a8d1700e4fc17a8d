FROM debian:bookworm-slim
RUN echo "deb http://ftp.example.org/debian bookworm main" > /etc/apt/sources.list.d/mirror.list \
    && apt-get update \
    && apt-get install --no-install-recommends -y jq \
    && echo "deb [signed-by=/usr/share/keyrings/tools.gpg] https://apt.example.com/tools stable main" > /etc/apt/sources.list.d/tools.list \
    && apt-get install --no-install-recommends -y less \
    && rm -rf /var/lib/apt/lists/*
RUN apt-get update \
    && apt-get install --no-install-recommends -y jq \
    && rm -rf /var/lib/apt/lists/*
