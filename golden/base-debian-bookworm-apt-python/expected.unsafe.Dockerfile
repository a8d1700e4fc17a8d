FROM python:3.11-slim-bookworm

RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt .
RUN pip install -r requirements.txt
CMD ["python", "-m", "app"]
