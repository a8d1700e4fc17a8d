FROM gradle:8.10-jdk21 AS build
WORKDIR /home/gradle/shop
COPY settings.gradle build.gradle ./
RUN gradle --no-daemon dependencies
COPY . .
RUN gradle build --no-daemon -x test
