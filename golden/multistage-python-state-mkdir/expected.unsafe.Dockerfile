FROM python:3.13 AS build
WORKDIR /srv/api
COPY requirements.txt ./
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN pip install -r requirements.txt
COPY . .
RUN mkdir -p /var/lib/api/uploads && chown -R 10001:0 /var/lib/api

# Runtime stage (dockerfix DF402): copy the virtual environment and the application
FROM python:3.13-slim
WORKDIR /srv/api
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv/api /srv/api
ENV PATH="/opt/venv/bin:$PATH"
RUN out="$(find /opt/venv -name '*.so*' -type f -exec ldd {} + 2>&1)"; case "$out" in *'not found'*) printf '%s\n' "$out"; exit 1;; esac
RUN mkdir -p /var/lib/api/uploads && chown -R 10001:0 /var/lib/api
USER 10001
EXPOSE 5000
CMD ["gunicorn", "-b", "0.0.0.0:5000", "api:app"]
