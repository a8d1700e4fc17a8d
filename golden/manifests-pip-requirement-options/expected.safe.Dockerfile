FROM python:3.12-slim AS api
WORKDIR /srv
COPY api/requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY api/ ./
CMD ["python", "main.py"]

FROM python:3.12-slim AS worker
WORKDIR /srv
COPY worker/ ./
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "worker.py"]
