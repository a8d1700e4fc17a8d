FROM eclipse-temurin:17-jdk
RUN apt-get update \
    && apt-get install -y tini \
    && rm -rf /var/lib/apt/lists/*
COPY target/app.jar /app.jar
ENTRYPOINT ["tini", "--", "java", "-jar", "/app.jar"]
