FROM php:8.3-cli
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /srv/shop
COPY composer.json ./
RUN composer install --no-scripts --no-autoloader
COPY . .
RUN composer install
