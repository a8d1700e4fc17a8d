FROM node:22-slim AS web
RUN npm install -g pnpm@9.12.0
WORKDIR /app
COPY web/package.json web/pnpm-lock.yaml web/pnpm-workspace.yaml ./
COPY web/patches/left-pad@1.3.0.patch patches/
RUN pnpm install --frozen-lockfile
COPY web/ .
RUN pnpm build

FROM node:22-slim AS admin
RUN npm install -g pnpm@9.12.0
WORKDIR /app
COPY admin/ .
RUN pnpm install --frozen-lockfile
