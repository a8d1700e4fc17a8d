FROM node:22 AS build
WORKDIR /srv/web
COPY apps/web/package.json apps/web/package-lock.json ./
RUN npm ci
COPY apps/web/ ./
RUN npm run build

# Runtime stage (dockerfix DF403): production dependencies and the build output
FROM node:22-slim
WORKDIR /srv/web
COPY apps/web/package.json apps/web/package-lock.json ./
RUN npm ci --omit=dev
COPY apps/web/ ./
COPY --from=build /srv/web/out /srv/web/out
EXPOSE 8080
CMD ["node", "out/main.js"]
