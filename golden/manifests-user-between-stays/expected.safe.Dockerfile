FROM python:3.12-slim
RUN useradd --create-home app
WORKDIR /srv
USER app
COPY requirements.txt ./
RUN pip install --user --no-cache-dir -r requirements.txt
USER root
COPY . .
RUN chmod +x entrypoint.sh
USER app
ENTRYPOINT ["./entrypoint.sh"]
