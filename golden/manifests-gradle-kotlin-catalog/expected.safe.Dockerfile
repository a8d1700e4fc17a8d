FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY settings.gradle.kts build.gradle.kts gradlew ./
COPY gradle/libs.versions.toml gradle/
COPY gradle/wrapper/gradle-wrapper.properties gradle/wrapper/gradle-wrapper.jar gradle/wrapper/
RUN ./gradlew --no-daemon dependencies
COPY . .
RUN ./gradlew bootJar --no-daemon

FROM eclipse-temurin:21-jre
COPY --from=build /src/build/libs/shop.jar /shop.jar
ENTRYPOINT ["java", "-jar", "/shop.jar"]
