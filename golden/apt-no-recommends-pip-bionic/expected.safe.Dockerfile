FROM ubuntu:18.04
RUN apt-get update \
    && apt-get install --no-install-recommends -y python3-pip build-essential python3-dev python3-setuptools python3-wheel netbase \
    && rm -rf /var/lib/apt/lists/*
RUN pip3 install flask
