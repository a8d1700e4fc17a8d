FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS app
WORKDIR /app
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev
CMD ["uv", "run", "app"]

FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS inexact
WORKDIR /app
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --inexact --no-install-project
COPY . .
RUN uv sync --inexact
CMD ["/app/.venv/bin/app"]
