FROM node:18-alpine
WORKDIR /usr/src/app
COPY package.json yarn.lock .yarnrc ./
RUN yarn install --frozen-lockfile --production=false
COPY . .
RUN yarn build
CMD ["yarn", "start"]
