FROM python:3.12-slim AS as-user
RUN useradd --create-home --uid 1500 app
WORKDIR /srv/app
USER app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
USER root
COPY . .
RUN chown -R app:app /srv/app
RUN chmod -R 0755 /srv/app
USER app
CMD ["python", "-m", "service"]

FROM python:3.12-slim AS as-root
WORKDIR /srv/app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN chmod -R g+w . && chgrp -R 0 .
CMD ["python", "-m", "service"]
