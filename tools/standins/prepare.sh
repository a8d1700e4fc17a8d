#!/usr/bin/env bash
# Local stand-ins for the official base images, built from Debian packages.
#
# TEST AND BENCHMARK INFRASTRUCTURE ONLY.  `dockerfix verify` needs no stand-ins
# on a machine that reaches a registry.  They exist for machines that reach
# Debian's archive (and PyPI/npm) but no image registry, such as CI here:
# with them, an unchanged `FROM python:3.11-slim` builds without pulling.
#
#   docker.io/library/debian:bookworm-slim  debootstrap minbase, slimmed like the official image
#   docker.io/library/debian:trixie-slim    the same for Debian 13 (trixie)
#   docker.io/library/python:3.11-slim      + Debian's python3 (3.11), pip, venv
#   docker.io/library/node:20-slim          + Debian's nodejs and npm (NOTE: Debian 12 ships Node 18)
#   docker.io/library/python:3.11           the slim one + compilers and headers (build-essential, python3-dev, libpq-dev...)
#   docker.io/library/golang:1.19           + Debian's Go toolchain (1.19, Debian 12's), gcc, git
#   gcr.io/distroless/static-debian12       no userland: CA certificates, tzdata, passwd (nonroot 65532), /tmp
#                                           (also tagged static-debian13: it holds data files only)
#
# Slimmed like the official slim images (debuerreotype): dpkg path-excludes for
# docs/man/info/locales, Debian's docker-clean apt configuration, no apt lists.
# Behind a TLS-intercepting proxy (or a corporate one), the host's extra local
# CA certificates (/usr/local/share/ca-certificates/*.crt, beside Debian's
# system store) are copied into each image and, where ca-certificates is
# installed, trusted; PIP_CERT, REQUESTS_CA_BUNDLE, SSL_CERT_FILE and
# NODE_EXTRA_CA_CERTS then point at the merged bundle.
#
# Needs root, debootstrap and buildah (apt-get install buildah debootstrap).
# About 11 minutes and 1.9 GB from nothing (only missing images are built).  Usage:
#   tools/standins/prepare.sh            # build the missing stand-ins
#   tools/standins/prepare.sh --force    # rebuild them all
#   tools/standins/prepare.sh --check    # exit 0 if all exist
#   tools/standins/prepare.sh --list     # the images' names
set -euo pipefail

# The Debian archive this machine's apt already uses (override with DEBIAN_MIRROR).
host_repo() { apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null | awk -v r="$1" '$2 == r {print $1; exit}'; }
MIRROR="${DEBIAN_MIRROR:-$(host_repo bookworm)}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-$(host_repo bookworm-security)}"
[[ -n "$MIRROR" ]] || { echo "no Debian bookworm archive in this machine's apt sources: set DEBIAN_MIRROR" >&2; exit 2; }
SUITE=bookworm
EXTRA_CA_DIR="${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"
BUILDAH=(buildah)  # storage driver: buildah's configuration or $STORAGE_DRIVER (overlay as root)
BOOKWORM_IMAGES=(docker.io/library/debian:bookworm-slim docker.io/library/python:3.11-slim docker.io/library/node:20-slim
        docker.io/library/python:3.11 docker.io/library/python:3.11-bookworm
        docker.io/library/golang:1.19 docker.io/library/golang:1.19-bookworm
        gcr.io/distroless/static-debian12 gcr.io/distroless/static-debian13)
TRIXIE_IMAGES=(docker.io/library/debian:trixie-slim)
IMAGES=("${BOOKWORM_IMAGES[@]}" "${TRIXIE_IMAGES[@]}")

have_image() { "${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1; }
needed() { [[ ${force:-0} == 1 ]] || ! have_image "$1"; }  # build this image's section?

if [[ "${1:-}" == "--list" ]]; then
    printf '%s\n' "${IMAGES[@]}"
    exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
    for image in "${IMAGES[@]}"; do have_image "$image" || { echo "missing: $image" >&2; exit 1; }; done
    exit 0
fi
force=0
[[ "${1:-}" == "--force" ]] && force=1
if [[ $force == 0 ]] && "$0" --check 2>/dev/null; then
    echo "stand-ins present: ${IMAGES[*]}"
    exit 0
fi
[[ $(id -u) == 0 ]] || { echo "must run as root (debootstrap, chroot)" >&2; exit 2; }
for tool in debootstrap buildah; do
    command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y --no-install-recommends buildah debootstrap" >&2; exit 2; }
done

WORK=$(mktemp -d /var/tmp/dockerfix-standins.XXXXXX)
cleanup() {
    for dir in "$WORK"/*/; do
        mountpoint -q "$dir/proc" 2>/dev/null && umount "$dir/proc" || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '[standins %s] %s\n' "$(date +%T)" "$*" >&2; }

slim() {  # $1 = rootfs: what debuerreotype's slimify and the docker-* apt configs do
    local root=$1
    cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
# as in the official slim images (debuerreotype's slimify)
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
CFG
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$root"/usr/share/{groff,info,linda,lintian,man}/* 2>/dev/null || true
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
    cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
    echo 'APT::AutoRemove::SuggestsImportant "false";' > "$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    echo 'Acquire::GzipIndexes "true";' > "$root/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Acquire::Languages "none";' > "$root/etc/apt/apt.conf.d/docker-no-languages"
}

sources() {  # $1 = rootfs, $2 = suite: the official image's deb822 sources
    local root=$1 suite=$2
    rm -f "$root/etc/apt/sources.list"
    cat > "$root/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}

extra_cas() {  # the host's local CAs, trusted once ca-certificates is installed
    local root=$1
    mkdir -p "$root/usr/local/share/ca-certificates"
    if compgen -G "$EXTRA_CA_DIR/*.crt" >/dev/null; then
        cp "$EXTRA_CA_DIR"/*.crt "$root/usr/local/share/ca-certificates/"
    fi
}

in_root() {  # $1 = rootfs, rest = command
    local root=$1; shift
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"
}

apt_install() {  # $1 = rootfs, rest = packages
    local root=$1; shift
    in_root "$root" apt-get update -qq
    in_root "$root" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

finish() {  # $1 = rootfs: leave nothing a fresh official image would not have
    local root=$1
    mountpoint -q "$root/proc" && umount "$root/proc"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    rm -rf "$root"/var/log/apt/* "$root"/var/log/*.log "$root"/tmp/* "$root"/var/tmp/* "$root"/root/.cache
    find "$root/dev" -mindepth 1 -delete
}

import_image() {  # $1 = rootfs, $2 = tag, rest = Dockerfile lines after ADD; an existing image is kept unless --force
    local root=$1 tag=$2; shift 2
    if ! needed "$tag"; then
        log "kept $tag (present)"
        return
    fi
    local ctx="$WORK/ctx-${tag//[^a-z0-9]/_}"
    mkdir -p "$ctx"
    tar --numeric-owner --xattrs -C "$root" -cf "$ctx/rootfs.tar" .
    {
        echo "FROM scratch"
        echo "ADD rootfs.tar /"
        echo "LABEL org.dockerfix.standin=\"local stand-in built by tools/standins/prepare.sh; not the official image\""
        printf '%s\n' "$@"
    } > "$ctx/Dockerfile"
    "${BUILDAH[@]}" rmi -f "$tag" >/dev/null 2>&1 || true
    "${BUILDAH[@]}" bud --isolation chroot --pull=never --layers=false -q -t "$tag" "$ctx" >/dev/null
    log "tagged $tag ($(du -sm "$ctx/rootfs.tar" | cut -f1) MB)"
    rm -rf "$ctx"
}

also_tag() {  # $1 = existing tag, rest = more names for it
    local tag=$1; shift
    for extra in "$@"; do have_image "$extra" || "${BUILDAH[@]}" tag "$tag" "$extra"; done
}

CA_ENV=()
if compgen -G "$EXTRA_CA_DIR/*.crt" >/dev/null; then
    BUNDLE=/etc/ssl/certs/ca-certificates.crt
    CA_ENV=("ENV PIP_CERT=$BUNDLE REQUESTS_CA_BUNDLE=$BUNDLE SSL_CERT_FILE=$BUNDLE NODE_EXTRA_CA_CERTS=$BUNDLE")
fi

base_system() {  # $1 = rootfs, $2 = suite: debootstrap minbase, slimmed, with the official image's sources
    local root=$1 suite=$2
    log "debootstrap --variant=minbase $suite (from $MIRROR)"
    debootstrap --variant=minbase "$suite" "$root" "$MIRROR" >"$WORK/debootstrap-$suite.log" 2>&1 || { tail -20 "$WORK/debootstrap-$suite.log" >&2; exit 1; }
    sources "$root" "$suite"
    slim "$root"
    extra_cas "$root"
    echo 'debian' > "$root/etc/hostname"
}

any_needed() { local image; for image in "$@"; do needed "$image" && return 0; done; return 1; }

if any_needed "${TRIXIE_IMAGES[@]}"; then
    # Debian 13, for real builds of rewrites judged with trixie's package metadata.
    TRIXIE="$WORK/trixie"
    base_system "$TRIXIE" trixie
    finish "$TRIXIE"
    import_image "$TRIXIE" docker.io/library/debian:trixie-slim "${CA_ENV[@]}" 'CMD ["bash"]'
fi
if ! any_needed "${BOOKWORM_IMAGES[@]}"; then
    log "done"
    exit 0
fi

BASE="$WORK/base"
base_system "$BASE" "$SUITE"
# Keep a pristine copy to derive the others from.
cp -a "$BASE" "$WORK/python"
cp -a "$BASE" "$WORK/node"
cp -a "$BASE" "$WORK/golang"
finish "$BASE"
import_image "$BASE" docker.io/library/debian:bookworm-slim "${CA_ENV[@]}" 'CMD ["bash"]'

if needed docker.io/library/python:3.11-slim || needed docker.io/library/python:3.11; then
    log "python:3.11-slim: Debian's python3, pip, venv"
    apt_install "$WORK/python" ca-certificates python3 python3-pip python3-venv python-is-python3
    # The official image's Python is not "externally managed" (PEP 668): pip install works there.
    rm -f "$WORK"/python/usr/lib/python3.*/EXTERNALLY-MANAGED
    py_version=$(chroot "$WORK/python" python3 -c 'import platform; print(platform.python_version())')
    umount "$WORK/python/proc"
    cp -a "$WORK/python" "$WORK/python-full"
    finish "$WORK/python"
    import_image "$WORK/python" docker.io/library/python:3.11-slim "${CA_ENV[@]}" \
        "ENV LANG=C.UTF-8 PYTHON_VERSION=$py_version" 'CMD ["python3"]'

    # The full image (buildpack-deps underneath): what a pip build of a C extension finds there.
    log "python:3.11: + compilers and the common headers"
    apt_install "$WORK/python-full" build-essential python3-dev pkg-config libpq-dev libffi-dev libssl-dev zlib1g-dev libjpeg-dev git curl wget
    finish "$WORK/python-full"
    import_image "$WORK/python-full" docker.io/library/python:3.11 "${CA_ENV[@]}" \
        "ENV LANG=C.UTF-8 PYTHON_VERSION=$py_version" 'CMD ["python3"]'
fi
also_tag docker.io/library/python:3.11 docker.io/library/python:3.11-bookworm

if needed docker.io/library/golang:1.19 || needed gcr.io/distroless/static-debian12; then
    log "golang:1.19: Debian's Go toolchain, gcc, git"
    apt_install "$WORK/golang" ca-certificates golang-go gcc libc6-dev git
    go_version=$(chroot "$WORK/golang" /usr/lib/go/bin/go version | awk '{print $3}')
    # The static runtime's files come from here (distroless/static: CA bundle, tzdata, passwd, /tmp).
    STATIC="$WORK/static"
    mkdir -p "$STATIC"/{etc/ssl/certs,usr/share,tmp,home/nonroot,dev}
    chmod 1777 "$STATIC/tmp"
    cp "$WORK/golang/etc/ssl/certs/ca-certificates.crt" "$STATIC/etc/ssl/certs/"
    cp -a "$WORK/golang/usr/share/zoneinfo" "$STATIC/usr/share/"
    cat > "$STATIC/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
    printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$STATIC/etc/group"
    chown 65532:65532 "$STATIC/home/nonroot"
    finish "$WORK/golang"
    import_image "$WORK/golang" docker.io/library/golang:1.19 "${CA_ENV[@]}" \
        "ENV GOLANG_VERSION=${go_version#go} GOPATH=/go PATH=/go/bin:/usr/lib/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        'WORKDIR /go'
    log "gcr.io/distroless/static-debian12: data files only, no shell"
    import_image "$STATIC" gcr.io/distroless/static-debian12 "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
fi
also_tag docker.io/library/golang:1.19 docker.io/library/golang:1.19-bookworm
also_tag gcr.io/distroless/static-debian12 gcr.io/distroless/static-debian13

if needed docker.io/library/node:20-slim; then
    log "node:20-slim: Debian's nodejs and npm, user node (uid 1000)"
    apt_install "$WORK/node" ca-certificates nodejs npm
    in_root "$WORK/node" groupadd --gid 1000 node
    in_root "$WORK/node" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
    node_version=$(chroot "$WORK/node" node --version)
    finish "$WORK/node"
    import_image "$WORK/node" docker.io/library/node:20-slim "${CA_ENV[@]}" \
        "ENV NODE_VERSION=${node_version#v}" 'CMD ["node"]'
fi

log "done"
