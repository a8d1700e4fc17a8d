#!/usr/bin/env bash
# Start a real Docker engine here and give it the stand-in base images.
#
# TEST INFRASTRUCTURE ONLY (see README.md beside this file).  Installs Debian's
# docker.io (engine and a 20.10 CLI with BuildKit built in) unless a daemon
# already answers, starts dockerd with its default bridge and overlay2, and
# copies every stand-in from buildah's storage into the daemon with skopeo.
# Needs root, apt and the stand-ins (prepare.sh).  Exit 0 when the engine
# answers and has every stand-in.
set -euo pipefail
cd "$(dirname "$0")"
DOCKER=/usr/bin/docker  # Debian's CLI: another one first on PATH may lack buildx

answers() { "$DOCKER" info >/dev/null 2>&1; }

if [[ ! -x /usr/sbin/dockerd || ! -x $DOCKER ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
if ! answers; then
    nohup /usr/sbin/dockerd >/var/log/dockerfix-dockerd.log 2>&1 &
    for _ in $(seq 60); do answers && break; sleep 1; done
    answers || { tail -20 /var/log/dockerfix-dockerd.log >&2; exit 1; }
fi
for image in $(./prepare.sh --list); do
    [[ ${image##*/} == *:* ]] || image="$image:latest"  # docker-daemon: wants a tag
    if ! "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
        skopeo copy --quiet "containers-storage:$image" "docker-daemon:$image" 2>&1 | { grep -v 'level=info' >&2 || true; }
    fi
done
echo "docker engine: $("$DOCKER" info --format '{{.ServerVersion}} ({{.Driver}})'), stand-ins loaded"
