FROM rust:1.82 AS build
WORKDIR /usr/src/app
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release && cargo clean --release -p app && rm src/main.rs && rmdir -p --ignore-fail-on-non-empty src
COPY . .
RUN cargo build --release
