FROM rust:1.83-slim-bookworm

COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release && cargo clean --release -p app && rm src/main.rs && rmdir -p --ignore-fail-on-non-empty src

# No WORKDIR: the project lands at the root of the image, next to /usr and /etc.
COPY . .

RUN cargo build --release

CMD ["./target/release/app"]
