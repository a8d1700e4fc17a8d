FROM python:3.12-slim
WORKDIR /app
# the app needs only these two
RUN pip install --no-cache-dir Flask gunicorn
COPY . .
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
