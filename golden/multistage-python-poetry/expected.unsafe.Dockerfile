FROM python:3.12 AS build
WORKDIR /code
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN pip install poetry==1.8.4
COPY pyproject.toml poetry.lock ./
RUN poetry config virtualenvs.create false \
    && poetry install --no-interaction --no-root --only main
COPY . .

# Runtime stage (dockerfix DF402): copy the virtual environment and the application
FROM python:3.12-slim
WORKDIR /code
COPY --from=build /opt/venv /opt/venv
COPY --from=build /code /code
ENV VIRTUAL_ENV=/opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN out="$(find /opt/venv -name '*.so*' -type f -exec ldd {} + 2>&1)"; case "$out" in *'not found'*) printf '%s\n' "$out"; exit 1;; esac
CMD ["poetry", "run", "uvicorn", "app.main:app", "--host", "0.0.0.0"]
