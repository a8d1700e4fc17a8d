FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /build
ARG RUN_TESTS=false
COPY pom.xml ./
RUN if [ "$RUN_TESTS" = "true" ]; then mvn -B dependency:go-offline; else mvn -B -DskipTests dependency:go-offline; fi
COPY . .
RUN if [ "$RUN_TESTS" = "true" ]; then mvn -B package; else mvn -B package -DskipTests; fi

FROM eclipse-temurin:21-jre
COPY --from=build /build/target/app-1.0.0.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
