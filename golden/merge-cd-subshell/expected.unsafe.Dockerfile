FROM debian:12
RUN (cd /usr/src/app && ./configure) \
    && { make install || true; }
