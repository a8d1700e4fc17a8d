FROM python:3.12-slim
USER app
RUN pip install --no-cache-dir --user flask==3.0.3
