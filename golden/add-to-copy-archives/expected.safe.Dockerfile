FROM debian:bookworm-slim
# a gzip-compressed tar: ADD extracts it, so it stays ADD
ADD vendor.tar.gz /opt/
# an uncompressed tar whose name says nothing: BuildKit looks at the content
ADD bundle.bin /opt/bundle/
# one archive among the sources keeps the whole instruction
ADD config.yaml vendor.tar.gz /etc/app/
COPY config.yaml /etc/app/config.yaml
