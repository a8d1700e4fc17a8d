FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
# NodeSource's script adds its repository and runs `apt-get update` itself:
# the nodejs installed next comes from there, whose metadata dockerfix lacks.
RUN curl -fsSL -o /tmp/nodesource_setup.sh https://deb.nodesource.com/setup_22.x \
    && bash /tmp/nodesource_setup.sh \
    && apt-get install --no-install-recommends -y nodejs ca-certificates
