FROM python:3.12-slim
RUN useradd --create-home app
COPY requirements.txt /app/
USER app
WORKDIR /app
RUN pip install --user --no-cache-dir -r requirements.txt
COPY . /app
CMD ["python", "app.py"]
