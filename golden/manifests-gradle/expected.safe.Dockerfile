FROM eclipse-temurin:21-jdk AS build
WORKDIR /workspace
COPY settings.gradle build.gradle gradle.properties gradlew ./
COPY app/build.gradle app/
COPY gradle/wrapper/gradle-wrapper.properties gradle/wrapper/gradle-wrapper.jar gradle/wrapper/
RUN ./gradlew --no-daemon dependencies
COPY . .
RUN ./gradlew build --no-daemon -x test
