FROM gradle:jdk8 AS floating
RUN apt-get update && apt-get install --no-install-recommends -y gnupg2 jq libsasl2-modules && rm -rf /var/lib/apt/lists/*

FROM gradle:7.4-jdk8 AS pinned
RUN apt-get update && apt-get install --no-install-recommends -y jq && rm -rf /var/lib/apt/lists/*
