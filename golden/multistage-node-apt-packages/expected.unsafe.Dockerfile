FROM node:22 AS build
RUN apt-get update && apt-get install -y ffmpeg libvips-dev g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# Runtime stage (dockerfix DF403): production dependencies and the build output
FROM node:22-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg libvips42 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
COPY --from=build /app/dist /app/dist
CMD ["node", "dist/server.js"]
