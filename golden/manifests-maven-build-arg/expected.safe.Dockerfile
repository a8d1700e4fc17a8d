FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /build
ARG PROFILE=local
COPY pom.xml ./
RUN mvn -B -P ${PROFILE} -DskipTests dependency:go-offline
COPY . .
RUN mvn -B clean install -P ${PROFILE} -DskipTests

FROM eclipse-temurin:21-jre
COPY --from=build /build/target/app-1.0.0.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
