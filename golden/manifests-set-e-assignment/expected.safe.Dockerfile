FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt ./
RUN set -eux; \
    arch="$(uname -m)"; \
    pip install --no-cache-dir -r requirements.txt
COPY . .
RUN set -eux; arch="$(uname -m)"; python -m compileall -q app; \
    echo "built for $arch"
CMD ["gunicorn", "app:app"]
