FROM nginx:1.27-alpine
COPY --link assets/ /usr/share/nginx/html/assets/
COPY . /srv/site
