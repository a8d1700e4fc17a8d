# syntax=docker/dockerfile:1
FROM node:20-slim
WORKDIR /home/node/app
COPY --link --chmod=644 package.json package-lock.json ./
RUN npm ci --omit=dev
COPY --link --chmod=644 ./ ./
CMD ["node", "index.js"]
