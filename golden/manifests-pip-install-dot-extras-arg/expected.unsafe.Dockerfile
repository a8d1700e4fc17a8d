FROM python:3.12-alpine
ARG BACKENDS=sqlite
WORKDIR /opt/tide
RUN apk add --no-cache build-base libffi-dev \
    && python -m venv /opt/tide/.venv && /opt/tide/.venv/bin/pip install --no-cache-dir 'starlette>=0.37' aiosqlite
COPY . /opt/tide
RUN /opt/tide/.venv/bin/pip install --no-cache-dir ".[${BACKENDS}]"
CMD ["/opt/tide/.venv/bin/tidepool"]
