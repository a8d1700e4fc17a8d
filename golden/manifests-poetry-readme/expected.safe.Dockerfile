FROM python:3.13-slim
RUN pip install --no-cache-dir "poetry>=2,<3"
ENV POETRY_VIRTUALENVS_IN_PROJECT=true
WORKDIR /srv/notes
COPY pyproject.toml poetry.lock LICENSE ./
RUN poetry install --only main --no-interaction --no-root
COPY . .
RUN poetry install --only main --no-interaction
CMD [".venv/bin/notes"]
