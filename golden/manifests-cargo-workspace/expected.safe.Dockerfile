FROM rust:1.85
WORKDIR /src
COPY Cargo.toml ./
COPY model/Cargo.toml model/
COPY server/Cargo.toml server/
RUN mkdir -p model/src server/src && touch model/src/lib.rs && echo 'fn main() {}' > server/src/main.rs && cargo build --release -p server && cargo clean --release -p model -p server && rm model/src/lib.rs server/src/main.rs Cargo.lock && rmdir -p --ignore-fail-on-non-empty model/src server/src
COPY . .
RUN cargo build --release -p server
