FROM python:3.12 AS build
WORKDIR /
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev gcc && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /service/requirements.txt
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN pip install --no-cache-dir -r /service/requirements.txt
COPY service /service

# Runtime stage (dockerfix DF402): copy the virtual environment and the application
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
WORKDIR /
COPY --from=build /opt/venv /opt/venv
COPY --from=build /service /service
ENV PATH="/opt/venv/bin:$PATH"
RUN out="$(find /opt/venv -name '*.so*' -type f -exec ldd {} + 2>&1)"; case "$out" in *'not found'*) printf '%s\n' "$out"; exit 1;; esac
CMD ["gunicorn", "-b", "0.0.0.0:8000", "service.main:app"]
