FROM composer:2 AS vendor
WORKDIR /app
COPY composer.json composer.lock ./
RUN composer install --no-dev --prefer-dist --no-interaction --no-scripts --no-autoloader
COPY . .
RUN if [ -f composer.json ]; then composer install --no-dev --prefer-dist --no-interaction; fi
