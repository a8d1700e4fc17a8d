FROM python:3.12-slim
RUN pip install --no-cache-dir uv
RUN uv pip install --no-cache --system flask
ENV UV_NO_CACHE=1
RUN uv pip install --system gunicorn
