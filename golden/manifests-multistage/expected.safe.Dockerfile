FROM node:20-slim AS assets
WORKDIR /ui
COPY ui/package.json ui/package-lock.json /ui/
RUN npm ci
COPY ui/ /ui
RUN npm run build

FROM python:3.12-slim AS app
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /ui/dist ./static
CMD ["python", "app.py"]
