FROM node:20-slim AS build
ARG SKIP_BUILD
WORKDIR /app
COPY package.json package-lock.json ./
RUN if [ -z "$SKIP_BUILD" ]; then npm install; fi
COPY . .
RUN if [ -z "$SKIP_BUILD" ]; then npm run build; fi \
    && npm prune --omit=dev
