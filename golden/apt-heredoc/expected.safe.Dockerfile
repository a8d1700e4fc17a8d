FROM debian:12
RUN <<EOF
set -eux
apt-get update
apt-get install --no-install-recommends -y jq && rm -rf /var/lib/apt/lists/*
EOF
