FROM python:3.12 AS build
ENV PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN python manage.py collectstatic --noinput \
    && python manage.py compilemessages

# Runtime stage (dockerfix DF402): copy the virtual environment and the application
FROM python:3.12-slim
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --from=build /var/www/static /var/www/static
ENV PATH="/opt/venv/bin:$PATH"
RUN out="$(find /opt/venv -name '*.so*' -type f -exec ldd {} + 2>&1)"; case "$out" in *'not found'*) printf '%s\n' "$out"; exit 1;; esac
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "shop.wsgi"]
