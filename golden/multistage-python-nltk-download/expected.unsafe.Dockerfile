FROM python:3.11 AS build
WORKDIR /srv
COPY requirements.txt .
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN python download_models.py

# Runtime stage (dockerfix DF402): copy the virtual environment and the application
FROM python:3.11-slim
WORKDIR /srv
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv /srv
COPY --from=build /root/nltk_data /root/nltk_data
ENV PATH="/opt/venv/bin:$PATH"
RUN out="$(find /opt/venv -name '*.so*' -type f -exec ldd {} + 2>&1)"; case "$out" in *'not found'*) printf '%s\n' "$out"; exit 1;; esac
CMD ["python", "summarize.py"]
