FROM python:3.12-slim
RUN useradd --create-home app
USER app
WORKDIR /app/var
COPY requirements.txt /app/
RUN pip install --user --no-cache-dir -r /app/requirements.txt
COPY . /app
CMD ["python", "/app/main.py"]
