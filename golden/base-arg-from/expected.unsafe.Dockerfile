ARG PYTHON_VERSION=3.11
ARG NODE_IMAGE=node:22-slim
FROM python:${PYTHON_VERSION}-slim AS api
RUN pip install --no-cache-dir fastapi

FROM ${NODE_IMAGE} AS web
RUN npm --version
