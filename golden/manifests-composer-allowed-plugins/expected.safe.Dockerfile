FROM php:8.3-fpm-alpine
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /srv/app
COPY composer.json composer.lock ./
RUN composer install --no-dev --optimize-autoloader --no-interaction --no-scripts --no-autoloader
COPY . .
RUN composer install --no-dev --optimize-autoloader --no-interaction
CMD ["php-fpm"]
