FROM alpine:3.20
RUN apk add --no-cache --virtual .build-deps gcc musl-dev \
    && apk add --no-cache curl \
    && apk del .build-deps
