FROM python:3.12-slim
ARG RELEASE
WORKDIR /app
COPY app.py ./
COPY src/ ./src/
COPY release-${RELEASE}.tar.gz /opt/
