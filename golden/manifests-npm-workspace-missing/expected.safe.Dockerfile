FROM node:20-slim
WORKDIR /repo
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
