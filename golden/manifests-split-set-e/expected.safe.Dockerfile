FROM python:3.12-slim
WORKDIR /app
COPY backend/requirements.txt backend/
RUN set -eux \
    && cd backend \
    && PIP_NO_CACHE_DIR=1 pip install -r requirements.txt
COPY . .
RUN set -eux && cd backend && python -m compileall -q .
