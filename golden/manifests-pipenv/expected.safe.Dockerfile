FROM python:3.11-slim
RUN pip install --no-cache-dir pipenv
WORKDIR /usr/src/app
COPY Pipfile Pipfile.lock ./
RUN pipenv install --deploy --system
COPY . .
CMD ["python", "main.py"]
