FROM python:3.12-slim AS same
WORKDIR /srv/app
COPY requirements.txt /srv/app/
RUN pip install --no-cache-dir -r requirements.txt
COPY . /srv/app/
WORKDIR /srv/app
COPY requirements.txt /srv/app/requirements.txt
CMD ["python", "app.py"]

FROM python:3.12-slim AS other_owner
COPY . /srv/app/
WORKDIR /srv/app
COPY --chown=1000:1000 requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "app.py"]
