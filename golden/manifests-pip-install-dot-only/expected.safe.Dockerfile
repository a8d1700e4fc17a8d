FROM python:3.12-slim
WORKDIR /src
RUN pip install --no-cache-dir numpy
COPY . .
RUN pip install --no-cache-dir .
