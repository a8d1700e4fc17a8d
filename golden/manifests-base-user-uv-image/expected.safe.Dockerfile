FROM ghcr.io/astral-sh/uv:python3.12-alpine
WORKDIR /app
COPY pyproject.toml uv.lock /app/
RUN uv sync --locked --no-dev --no-install-project
COPY . /app
RUN uv sync --locked --no-dev
CMD ["uv", "run", "--no-sync", "tally"]
