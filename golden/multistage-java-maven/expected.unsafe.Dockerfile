FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /build
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B package -DskipTests

# Runtime stage (dockerfix DF404): copy only the jar
FROM eclipse-temurin:21-jre
WORKDIR /build
COPY --from=build /build/target/orders-1.4.2.jar /build/target/orders-1.4.2.jar
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "target/orders-1.4.2.jar"]
