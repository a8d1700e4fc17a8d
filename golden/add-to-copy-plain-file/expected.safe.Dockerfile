FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
copy --chown=1000:1000 --chmod=755 app.py entrypoint.sh ./
COPY ["app.py", "/srv/app.py"]
CMD ["./entrypoint.sh"]
