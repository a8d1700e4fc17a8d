FROM php:8.3-fpm
RUN apt-get update \
    && apt-get install --no-install-recommends -y libzip-dev libonig-dev libicu-dev \
    && docker-php-ext-install zip mbstring intl \
    && rm -rf /var/lib/apt/lists/*
