FROM python:3.11-slim

RUN pip install uv

WORKDIR /srv
COPY requirements.txt uv.toml ./
RUN uv pip install --system -r requirements.txt
COPY . .

EXPOSE 80
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "80"]
