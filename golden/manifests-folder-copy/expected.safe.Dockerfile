FROM python:3.12-slim
WORKDIR /srv/backend
COPY backend/requirements.txt /srv/backend/
RUN pip install --no-cache-dir -r requirements.txt
COPY backend/ /srv/backend
COPY frontend/dist /srv/static
