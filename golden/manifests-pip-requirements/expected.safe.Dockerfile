FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt constraints.txt ./
COPY requirements/base.txt requirements/
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
RUN python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "site.wsgi"]
