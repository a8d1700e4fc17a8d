FROM node:24-slim AS assets
RUN echo build

FROM ubuntu:26.04
RUN echo hi

FROM nginx
COPY --from=assets / /usr/share/nginx/html
