FROM node:20-slim
WORKDIR /app
COPY package.json yarn.lock .yarnrc.yml ./
COPY .yarn/releases/yarn-4.5.0.cjs .yarn/releases/
RUN yarn install --immutable
COPY . .
RUN yarn build
