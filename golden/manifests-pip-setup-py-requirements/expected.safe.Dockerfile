FROM python:3.11-slim
WORKDIR /code
COPY requirements.txt /code/
RUN pip install --no-cache-dir -r requirements.txt
COPY . /code
RUN pip install --no-cache-dir -e .
CMD ["python", "-m", "worker"]
