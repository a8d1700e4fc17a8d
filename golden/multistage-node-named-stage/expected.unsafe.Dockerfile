FROM node:22-slim AS base
ENV PNPM_HOME="/pnpm"
ENV PATH="$PNPM_HOME:$PATH"
RUN corepack enable
COPY . /srv/web
WORKDIR /srv/web
RUN pnpm install --frozen-lockfile
RUN pnpm run build
ENV NODE_ENV=production

# Runtime stage (dockerfix DF403): production dependencies and the build output
FROM node:22-slim
ENV PNPM_HOME="/pnpm"
ENV PATH="$PNPM_HOME:$PATH"
RUN corepack enable
WORKDIR /srv/web
COPY . /srv/web
RUN pnpm install --prod --frozen-lockfile
COPY --from=base /srv/web/dist /srv/web/dist
ENV NODE_ENV=production
EXPOSE 8080
CMD ["pnpm", "start"]
