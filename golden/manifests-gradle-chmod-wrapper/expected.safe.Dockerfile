FROM eclipse-temurin:21-jdk AS build
WORKDIR /workspace
COPY settings.gradle build.gradle gradle.properties gradlew ./
COPY app/build.gradle app/
COPY gradle/wrapper/gradle-wrapper.properties gradle/wrapper/gradle-wrapper.jar gradle/wrapper/
RUN chmod +x gradlew
RUN ./gradlew --no-daemon dependencies
COPY . .
RUN chmod +x gradlew
RUN ./gradlew bootJar --no-daemon

FROM eclipse-temurin:21-jre
COPY --from=build /workspace/build/libs/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
