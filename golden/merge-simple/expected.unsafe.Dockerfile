FROM debian:12
RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz \
# unpack and remove the archive in the same layer
    && tar -xzf /tmp/tool.tgz -C /usr/local && rm /tmp/tool.tgz
