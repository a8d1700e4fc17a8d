FROM rust:1.85 AS build
WORKDIR /usr/src/tally
COPY Cargo.toml rust-toolchain.toml ./
RUN mkdir -p src/bin tools && echo 'fn main() {}' > build.rs && echo 'fn main() {}' > src/bin/report.rs && touch src/lib.rs && echo 'fn main() {}' > src/main.rs && echo 'fn main() {}' > tools/admin.rs && RUSTFLAGS="-C target-cpu=x86-64-v2" cargo build --release && RUSTFLAGS="-C target-cpu=x86-64-v2" cargo clean --release -p tally && rm build.rs src/bin/report.rs src/lib.rs src/main.rs tools/admin.rs Cargo.lock && rmdir -p --ignore-fail-on-non-empty src/bin tools
COPY . .
RUN RUSTFLAGS="-C target-cpu=x86-64-v2" cargo install --locked --path . --root /usr/local

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/tally /usr/local/bin/tally
CMD ["tally"]
