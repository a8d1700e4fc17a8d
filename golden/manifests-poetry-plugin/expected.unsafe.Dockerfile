FROM python:3.12-slim
RUN pip install --no-cache-dir poetry "poetry-dynamic-versioning[plugin]"
WORKDIR /opt/ledger
COPY pyproject.toml poetry.lock ./
RUN poetry config virtualenvs.create false && poetry install --without dev --no-root
COPY . .
RUN poetry install --without dev
CMD ["python", "-m", "ledger"]
