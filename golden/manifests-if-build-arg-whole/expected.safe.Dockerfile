FROM node:20-alpine
WORKDIR /srv
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN if [ "$NODE_ENV" = "production" ]; then npm ci --omit=dev; else npm ci; fi
COPY . .
RUN npm run build
CMD ["npm", "start"]
