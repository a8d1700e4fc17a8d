FROM python:3.8.18-slim-buster AS build
WORKDIR /srv
RUN apt-get update && apt-get install -y gcc
COPY requirements.txt .
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN pip install -r requirements.txt
COPY . .

# Runtime stage (dockerfix DF402): copy the virtual environment and the application
FROM python:3.8.18-slim-buster
WORKDIR /srv
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv /srv
ENV PATH="/opt/venv/bin:$PATH"
CMD ["python", "worker.py"]
