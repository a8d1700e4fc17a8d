FROM node:22-slim AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:22
WORKDIR /app
COPY --from=build /app/dist ./dist
HEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1
CMD ["node", "dist/index.js"]
