FROM node:20-slim AS build
WORKDIR /app
ARG PREBUILT
COPY package.json package-lock.json ./
RUN if [ "$PREBUILT" != "1" ]; then \
      corepack enable && \
      npm ci --no-audit; \
    fi
COPY . .
# Outside CI, install and build here; CI hands in a built dist/.
RUN if [ "$PREBUILT" != "1" ]; then \
      npm run build; \
    else \
      echo "using the dist/ built by CI"; \
    fi

FROM node:20-slim
WORKDIR /app
COPY --from=build /app /app
CMD ["node", "dist/main.js"]
