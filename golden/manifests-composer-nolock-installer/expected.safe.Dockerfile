FROM php:8.2-apache
RUN curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin --filename=composer
WORKDIR /var/www/html
COPY composer.json ./
RUN composer install --no-dev --no-scripts --no-autoloader
COPY . .
RUN composer install --no-dev
