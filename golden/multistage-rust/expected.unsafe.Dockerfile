FROM rust:1.88 AS build
RUN apt-get update && apt-get install -y pkg-config libssl-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /usr/src/app
COPY . .
RUN cargo build --release --locked

# Runtime stage (dockerfix DF405): copy only the binary
FROM gcr.io/distroless/cc-debian13
WORKDIR /usr/src/app
COPY --from=build /usr/src/app/target/release/quotes /usr/src/app/target/release/quotes
EXPOSE 3000
CMD ["/usr/src/app/target/release/quotes"]
