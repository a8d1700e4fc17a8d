FROM python:3.12-bookworm AS build
COPY requirements.txt /
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN pip install -r requirements.txt
COPY . /

# Runtime stage (dockerfix DF402): copy the virtual environment and the application
FROM python:3.12-slim-bookworm
WORKDIR /
COPY --from=build /opt/venv /opt/venv
COPY requirements.txt /
COPY . /
ENV PATH="/opt/venv/bin:$PATH"
RUN out="$(find /opt/venv -name '*.so*' -type f -exec ldd {} + 2>&1)"; case "$out" in *'not found'*) printf '%s\n' "$out"; exit 1;; esac
CMD ["python", "worker.py"]
