FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1
WORKDIR /app
RUN adduser --disabled-password --gecos "" appuser
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN rm -rf tests docs
RUN mkdir -p /app/static /app/media
RUN chmod +x docker-entrypoint.sh
USER appuser
ENTRYPOINT ["./docker-entrypoint.sh"]
