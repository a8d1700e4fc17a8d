FROM php:8.3-cli AS composer_installer
WORKDIR /srv/app
RUN curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin --filename=composer
COPY composer.json composer.lock /srv/app/
RUN composer install --no-dev --no-scripts --no-autoloader
COPY . /srv/app
RUN composer install --no-dev

FROM php:8.3-cli AS symfony_cli
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /srv/app
RUN wget https://get.symfony.com/cli/installer -O - | bash
RUN mv /root/.symfony5/bin/symfony /usr/local/bin/symfony
COPY composer.json composer.lock /srv/app/
RUN composer install --no-dev --no-scripts --no-autoloader
COPY . /srv/app
RUN composer install --no-dev
CMD ["symfony", "serve"]

FROM php:8.3-cli AS unknown_script
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /srv/app
COPY . /srv/app
RUN curl -fsSL https://tools.example.com/setup.sh | sh
RUN composer install --no-dev
