FROM php:8.1-cli
COPY --from=composer:2.1 /usr/bin/composer /usr/bin/composer
WORKDIR /srv/shop
COPY composer.json ./
RUN composer install --no-dev --no-scripts --no-autoloader
COPY . .
RUN composer install --no-dev
