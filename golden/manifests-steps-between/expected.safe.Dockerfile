FROM node:20-slim
WORKDIR /home/node/app
ENV NODE_ENV=production
# pnpm through corepack
RUN corepack enable
USER node
COPY --chown=node:node package.json pnpm-lock.yaml ./
RUN pnpm install --frozen-lockfile --prod
COPY --chown=node:node . .
RUN pnpm run build
CMD ["node", "dist/server.js"]
