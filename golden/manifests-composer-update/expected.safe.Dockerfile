FROM composer:2 AS platform-only
WORKDIR /srv/platform-only
COPY platform-only/composer.json platform-only/composer.lock ./
RUN composer update --no-interaction --no-scripts --no-autoloader
COPY platform-only/ ./
RUN composer update --no-interaction
RUN composer install --no-interaction

FROM composer:2 AS packages
WORKDIR /srv/packages
COPY packages/composer.json ./
RUN composer update --no-dev --no-scripts --no-autoloader
COPY packages/ ./
RUN composer update --no-dev && composer install --no-dev --optimize-autoloader

FROM composer:2 AS allowed
WORKDIR /srv/allowed
COPY allowed/ ./
RUN composer update
