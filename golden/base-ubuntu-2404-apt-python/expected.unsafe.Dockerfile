FROM python:3.12-slim

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y build-essential

WORKDIR /srv
COPY requirements.txt .
RUN pip3 install -r requirements.txt
COPY . .
HEALTHCHECK CMD curl -fs http://localhost:8000/health || exit 1
CMD ["python3", "-m", "gunicorn", "app:app"]
