FROM python:3.12-slim
RUN useradd --create-home app
COPY --chown=app:app requirements.txt /srv/app/
RUN pip install --no-cache-dir -r /srv/app/requirements.txt
COPY --chown=app:app . /srv/app/
USER app
CMD ["python", "/srv/app/app.py"]
