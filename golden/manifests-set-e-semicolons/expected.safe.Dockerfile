FROM python:3.12-slim
WORKDIR /srv
COPY requirements.txt ./
RUN set -eux; \
    pip install --no-cache-dir -r requirements.txt
COPY . .
RUN set -eux; python manage.py collectstatic --noinput
CMD ["gunicorn", "blog.wsgi"]
