FROM python:3.12-slim
WORKDIR /app
RUN pip install --no-cache-dir 'fastapi>=0.111' 'uvicorn[standard]>=0.30' 'sqlalchemy>=2; python_version >= "3.8"'
COPY . .
RUN pip install --no-cache-dir .
CMD ["notes-server"]
