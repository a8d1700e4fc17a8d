# syntax=docker/dockerfile:1
FROM node:22-slim
RUN --mount=type=cache,target=/root/.npm npm install -g pnpm
