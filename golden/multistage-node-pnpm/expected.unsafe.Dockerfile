FROM node:24-bookworm AS build
RUN corepack enable
WORKDIR /web
COPY package.json pnpm-lock.yaml ./
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build

# Runtime stage (dockerfix DF403): production dependencies and the build output
FROM node:24-bookworm-slim
RUN corepack enable
WORKDIR /web
COPY package.json pnpm-lock.yaml ./
RUN pnpm install --prod --frozen-lockfile
COPY . .
COPY --from=build /web/dist /web/dist
EXPOSE 4173
CMD ["pnpm", "start"]
