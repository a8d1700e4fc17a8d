FROM python:3.12-slim
ARG APP_USER=app
ENV APP_HOME=/home/app/web
RUN useradd --create-home $APP_USER
WORKDIR $APP_HOME
COPY --chown=app:app requirements.txt $APP_HOME/
RUN PIP_DISABLE_PIP_VERSION_CHECK=1 pip install --no-cache-dir --user -r requirements.txt
COPY --chown=app:app . $APP_HOME
USER app
