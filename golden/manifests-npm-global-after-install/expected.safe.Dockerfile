FROM node:20-slim
WORKDIR /srv/site
COPY package.json package-lock.json ./
RUN npm install
COPY . .
RUN npm run build
RUN npm install --global http-server@14
CMD ["http-server", "dist"]
