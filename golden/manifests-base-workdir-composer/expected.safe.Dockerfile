FROM composer:2 AS vendor
COPY composer.json composer.lock /app/
RUN composer install --no-dev --no-interaction --no-scripts --no-autoloader
COPY . /app
