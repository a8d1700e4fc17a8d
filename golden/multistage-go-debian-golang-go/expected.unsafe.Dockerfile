FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends golang-go ca-certificates git
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/pinger .

# Runtime stage (dockerfix DF401): copy only the binary
FROM gcr.io/distroless/static-debian13
WORKDIR /src
COPY --from=build /usr/local/bin/pinger /usr/local/bin/pinger
EXPOSE 8080
CMD ["pinger"]
