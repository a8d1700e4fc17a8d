FROM ubuntu:24.04
RUN apt-get update && apt-get upgrade --with-new-pkgs -y && apt-get install -y --no-install-recommends jq=1.7.1-3build1 && rm -rf /var/lib/apt/lists/*
RUN apt list --installed > /packages.txt
