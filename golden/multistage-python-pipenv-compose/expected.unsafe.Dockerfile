FROM python:3.11 AS build
ENV PYTHONUNBUFFERED=1
WORKDIR /srv/board
COPY Pipfile Pipfile.lock ./
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN pip install pipenv && pipenv install --system --deploy
COPY . .

# Runtime stage (dockerfix DF402): copy the virtual environment and the application
FROM python:3.11-slim
WORKDIR /srv/board
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv/board /srv/board
ENV PATH="/opt/venv/bin:$PATH"
RUN out="$(find /opt/venv -name '*.so*' -type f -exec ldd {} + 2>&1)"; case "$out" in *'not found'*) printf '%s\n' "$out"; exit 1;; esac
ENV PYTHONUNBUFFERED=1
