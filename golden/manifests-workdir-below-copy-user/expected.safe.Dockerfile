FROM python:3.12-slim
RUN useradd --create-home app
COPY api/requirements.txt /app/api/
USER app
WORKDIR /app/api
RUN pip install --user --no-cache-dir -r requirements.txt
COPY . /app
CMD ["python", "main.py"]
