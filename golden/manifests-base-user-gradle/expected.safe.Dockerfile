FROM gradle:4.10.3-jdk8 AS build
COPY settings.gradle build.gradle gradle.properties gradlew /workspace/
COPY app/build.gradle /workspace/app/
COPY gradle/wrapper/gradle-wrapper.properties gradle/wrapper/gradle-wrapper.jar /workspace/gradle/wrapper/
WORKDIR /workspace
RUN gradle --no-daemon dependencies
COPY . /workspace
RUN gradle build --no-daemon -x test
