FROM gradle:8.10-jdk17 AS build
WORKDIR /home/gradle/project
COPY --chown=gradle:gradle . .
RUN gradle bootJar --no-daemon

# Runtime stage (dockerfix DF404): copy only the jar
FROM eclipse-temurin:17-jre
WORKDIR /home/gradle/project
COPY --from=build /home/gradle/project/build/libs/*.jar /home/gradle/project/build/libs/
CMD java -jar build/libs/*.jar
