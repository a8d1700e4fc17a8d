FROM python:3.12-slim
WORKDIR /srv/tide
RUN python -m venv /srv/tide/venv && /srv/tide/venv/bin/pip install --no-cache-dir 'starlette>=0.37' uvicorn==0.30.1 'asyncpg>=0.29' 'typer>=0.12' 'rich>=13'
COPY . .
RUN /srv/tide/venv/bin/pip install --no-cache-dir ".[postgres,cli]"
ENV PATH=/srv/tide/venv/bin:$PATH
CMD ["tidepool", "serve"]
