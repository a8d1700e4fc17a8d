FROM node:20-alpine
WORKDIR /app
RUN npm install -g pnpm@9.1.0
COPY . /app
RUN pnpm install
RUN pnpm build
CMD ["node", "dist/index.js"]
