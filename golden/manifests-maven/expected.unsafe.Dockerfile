FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /build
COPY pom.xml ./
COPY .mvn/maven.config .mvn/
COPY app/pom.xml app/
COPY core/pom.xml core/
RUN mvn -B -DskipTests dependency:go-offline
COPY . .
RUN mvn -B package -DskipTests

FROM eclipse-temurin:21-jre
COPY --from=build /build/app/target/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
