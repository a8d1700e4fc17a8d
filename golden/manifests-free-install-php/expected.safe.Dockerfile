FROM php:8.3-apache
RUN docker-php-ext-install pdo pdo_mysql
RUN apt-get update \
    && apt-get install -y --no-install-recommends libzip-dev \
    && docker-php-ext-install zip
COPY . /var/www/html/
RUN chown -R www-data:www-data /var/www/html
