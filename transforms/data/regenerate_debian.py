#!/usr/bin/env python3
"""Regenerate the Debian and Ubuntu package data used by dockerfix from the archives' own indexes.

Maintainer tool, not imported by the package.  Standard library only.

It downloads the ``Packages`` indexes of Debian 11 (bullseye), 12 (bookworm)
and 13 (trixie), component main, for amd64 and arm64, and of Ubuntu 18.04
(bionic), 20.04 (focal), 22.04 (jammy), 24.04 (noble) and 26.04 (resolute),
components main, restricted, universe and multiverse (the four the ubuntu
images enable), for amd64, each with suites RELEASE, RELEASE-updates and
RELEASE-security (every index checked against the SHA256 its ``InRelease``
file lists), and writes, next to this script:

* ``debian_recommends.json.gz`` -- for every binary package of those
  releases, the Recommends that ``apt-get install --no-install-recommends``
  would leave out on a minimal base system (the Recommends of the package or
  of anything in its Depends closure that nothing installed satisfies), with
  the package that recommends each; plus the curated judgement below
  (``FUNCTIONAL_RECOMMENDS``, ``JUDGED_PACKAGES``, ``HARMLESS``), every
  functional claim checked against the metadata.  A packed, versioned file
  (see ``pack``), read by ``transforms/apt.py`` only when it meets an
  ``apt-get install`` without the flag.  It also holds, per release, the
  names that are no package of the release but that its packages Provide
  (libssl3 on Debian 13, where libssl3t64 provides it), with their
  providers: apt installs the one provider of such a name in its place and
  refuses a name with several (Rust crates' and Haskell libraries' names
  left out, see UNLISTED_VIRTUAL_PREFIXES).
* ``debian_dev_runtime.toml`` -- for common ``-dev`` packages: the runtime
  shared-library package(s) each one stands for, derived from its Depends
  (Debian 12, amd64), plus a ``[compilers]`` table of build-stage-only
  toolchain packages.

The Debian archive is the one this machine's apt uses (``apt-get
indextargets``), or ``--mirror``/``--security-mirror``; Ubuntu's is
``--ubuntu-mirror``/``--ubuntu-security-mirror`` (Ubuntu's own by default).
Left out: Debian 10 (buster), which has left deb.debian.org for
archive.debian.org, and Ubuntu's arm64 indexes (ubuntu-ports), neither of
which the machines this was generated on reach; Ubuntu's interim releases,
supported for nine months only.  Third-party repositories and installed
packages play no part.

Usage::

    python3 transforms/data/regenerate_debian.py [--date YYYY-MM-DD] [--cache DIR]

The output is deterministic for a given set of indexes and date.
"""

from __future__ import annotations

import argparse
import array
import base64
import datetime as _dt
import gzip
import hashlib
import json
import lzma
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
RECOMMENDS_OUT = HERE / "debian_recommends.json.gz"
DEV_RUNTIME_OUT = HERE / "debian_dev_runtime.toml"
FORMAT = 3
"""Version of debian_recommends.json.gz's layout; transforms/debian_packages.py refuses another."""
UNJUDGED_LISTED = 4
"""How many unjudged dropped recommends the file lists per package (`dropped_cut` names the lists it cut):
one more than transforms/apt.py's UNJUDGED_KEPT_AT_MOST, the most a safe fix names, so that the cap is
the reader's and not the file's."""


class Distribution(NamedTuple):
    """What is read of one distribution's archive."""

    name: str
    """As the packed file and the notes spell it: "Debian", "Ubuntu"."""
    releases: dict[str, str]
    """Codename -> version, oldest first."""
    arches: tuple[str, ...]
    components: tuple[str, ...]


DEBIAN = Distribution("Debian", {"bullseye": "11", "bookworm": "12", "trixie": "13"}, ("amd64", "arm64"), ("main",))
UBUNTU = Distribution(
    "Ubuntu",
    {"bionic": "18.04", "focal": "20.04", "jammy": "22.04", "noble": "24.04", "resolute": "26.04"},
    ("amd64",),
    ("main", "restricted", "universe", "multiverse"),
)
DISTRIBUTIONS = (DEBIAN, UBUNTU)
RELEASES = {codename: version for d in DISTRIBUTIONS for codename, version in d.releases.items()}
DISTRIBUTION_OF = {codename: d for d in DISTRIBUTIONS for codename in d.releases}
UBUNTU_MIRROR, UBUNTU_SECURITY_MIRROR = "http://archive.ubuntu.com/ubuntu", "http://security.ubuntu.com/ubuntu"
DEV_RUNTIME_RELEASE, DEV_RUNTIME_ARCH = "bookworm", "amd64"


def _host_repository(suite: str) -> str:
    """The Debian archive this machine's apt already uses for `suite` (empty if none)."""
    try:
        out = subprocess.run(
            ["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE)", "Created-By: Packages"],
            capture_output=True, text=True, check=False,
        ).stdout
    except OSError:
        return ""
    for line in out.splitlines():
        uri, _, rel = line.partition(" ")
        if rel == suite:
            return uri.rstrip("/")
    return ""


# --------------------------------------------------------------------------
# Curated judgement
# --------------------------------------------------------------------------

# Packages commonly found in `apt-get install` lines of Dockerfiles.
COMMON_PACKAGES = sorted(set("""
    curl wget git git-lfs ca-certificates gnupg gpg dirmngr
    apt-transport-https lsb-release software-properties-common apt-utils
    openssh-client openssh-server rsync netcat-openbsd iputils-ping iproute2
    net-tools dnsutils socat openssl python3 python3-pip python3-venv
    python3-dev python3-setuptools python3-wheel python3-distutils
    python-is-python3 pipx python3-psycopg2 cython3 build-essential gcc g++
    make cmake ninja-build meson pkg-config autoconf automake libtool clang
    llvm gfortran gdb patch bison flex cargo rustc golang golang-go dpkg-dev
    libpq-dev default-libmysqlclient-dev libssl-dev libffi-dev libjpeg-dev
    zlib1g-dev libxml2-dev libxslt1-dev libsqlite3-dev libbz2-dev
    libreadline-dev libncurses-dev liblzma-dev libcurl4-openssl-dev
    libyaml-dev libpng-dev libfreetype6-dev libgdal-dev libgeos-dev
    libproj-dev libcairo2-dev libpq5 libmariadb3 libssl3 libffi8
    libjpeg62-turbo libgl1 libglib2.0-0 libsm6 libxext6 libxrender1 libgomp1
    libmagic1 libxml2 libxslt1.1 libsqlite3-0 libnss3 libatk1.0-0
    libatk-bridge2.0-0 libcups2 libxkbcommon0 libxrandr2 libgbm1 libasound2
    libgtk-3-0 libpango-1.0-0 libcairo2 unixodbc nodejs npm openjdk-17-jdk
    openjdk-17-jdk-headless openjdk-17-jre openjdk-17-jre-headless openjdk-11-jdk-headless
    openjdk-11-jre-headless openjdk-21-jdk-headless openjdk-21-jre-headless default-jre
    default-jre-headless default-jdk default-jdk-headless maven gradle ant
    ruby ruby-dev ruby-bundler php-cli php-fpm php-mysql php-pgsql php-curl
    php-xml php-mbstring php-zip php-gd composer perl cpanminus r-base unzip
    zip xz-utils bzip2 p7zip-full zstd tzdata locales sudo vim vim-tiny nano
    less procps htop lsof strace file tree supervisor cron tini dumb-init gosu
    gettext-base gettext bc jq fontconfig xvfb xauth nginx apache2 postgresql
    postgresql-client default-mysql-client mariadb-client mariadb-server
    redis-server redis-tools sqlite3 certbot ffmpeg imagemagick graphicsmagick
    ghostscript poppler-utils tesseract-ocr tesseract-ocr-eng libvips42 pandoc
    chromium chromium-driver firefox-esr graphviz sox libimage-exiftool-perl
    libreoffice-core fonts-liberation fonts-liberation2 fonts-dejavu-core
    fonts-noto-color-emoji fonts-noto-cjk fonts-freefont-ttf
    fonts-ipafont-gothic fonts-wqy-zenhei awscli autossh xdg-utils libgd-dev gnupg2
    protobuf-compiler
""".split()))

# Recommends whose absence under `apt-get install --no-install-recommends`
# breaks common use.  Keys are packages of COMMON_PACKAGES; the inner key is
# the *name being recommended* (a real package, or a virtual package name
# as spelt in the Recommends field together with the real package that
# provides it, written "virtual=provider").  Every entry is verified: the
# name must occur in the package's recommends closure and must not already
# be pulled in by its Depends closure; otherwise the script aborts.
_CA = "ca-certificates"
FUNCTIONAL_RECOMMENDS: dict[str, dict[str, str]] = {
    "curl": {
        _CA: "HTTPS URLs fail ('unable to get local issuer certificate'): libcurl verifies against the system CA bundle",
    },
    "wget": {
        _CA: "HTTPS URLs fail certificate verification: wget verifies against the system CA bundle",
    },
    "git": {
        _CA: "git clone/fetch over https:// cannot verify the server certificate without the system CA bundle",
        "ssh-client=openssh-client": "ssh:// and git@host: remotes need the ssh binary (git's other Recommends, less and patch, are not needed)",
    },
    "git-lfs": {
        _CA: "LFS and git transfers over https:// cannot verify TLS without the system CA bundle",
        "ssh-client=openssh-client": "ssh:// and git@host: remotes need the ssh binary",
    },
    "python3": {
        _CA: "ssl/urllib/http.client default contexts verify against /etc/ssl/certs; HTTPS fails with CERTIFICATE_VERIFY_FAILED",
    },
    "python3-pip": {
        "build-essential": "installing an sdist, or a package with no matching wheel, compiles C extensions with gcc/g++/make",
        "python3-dev": "compiling C extensions needs Python.h (python3.11-dev)",
        # Ubuntu 18.04 only: later releases' python3-pip depends on both.
        "python3-setuptools": "pip 9 (Ubuntu 18.04) runs an sdist's setup.py, which imports setuptools: without it any sdist fails ('No module named setuptools')",
        "python3-wheel": "pip 9 builds a wheel of each sdist with bdist_wheel; without wheel it falls back to `setup.py install`, which installs other files (an .egg-info, no RECORD)",
    },
    "cython3": {
        "gcc": "the C files Cython generates must be compiled",
        "python3-dev": "compiling the generated C needs Python.h",
    },
    "npm": {
        "build-essential": "node-gyp native addons (no prebuilt binary for the platform) need gcc/g++/make",
        "git": "dependencies given as git URLs (git+https://, github:user/repo) need git",
    },
    "gpg": {
        "gnupg": "gnupg brings dirmngr (needed by gpg --recv-keys / keyservers) and gpg-agent (needed for any secret-key operation)",
        # One entry per package: a second "gpg" key in this literal replaced the first (and dropped gnupg everywhere).
        "dirmngr": "Ubuntu 24.04 recommends it instead of gnupg: gpg --recv-keys and every keyserver or WKD lookup go through dirmngr",
        "gpg-agent": "Ubuntu 24.04 recommends it instead of gnupg: any secret-key operation (--sign, --decrypt, --import of a secret key) needs gpg-agent",
    },
    "gcc": {
        "libc6-dev": "without libc headers and crt files even hello.c fails (stdio.h: No such file / cannot find crt1.o)",
        "libc-dev=libc6-dev": "without libc headers and crt files even hello.c fails (Debian 13 recommends the virtual name)",
    },
    "gnupg": {
        "gpgv": "Debian 13 moved it from gnupg's Depends to its Recommends: signature verification against a keyring (gpgv)",
        "gnupg-utils": "Debian 13 moved it from gnupg's Depends to its Recommends: gpgtar, gpgsplit, gpg-connect-agent's helpers",
        "gpg-wks-client": "Debian 13 moved it from gnupg's Depends to its Recommends: key lookup through Web Key Directories (gpg --locate-keys)",
    },
    "default-jre-headless": {
        "libfontconfig1": "Debian 13's OpenJDK 21 recommends what Debian 12's depended on: headless AWT (fonts metrics, image text, PDF/report rendering) loads fontconfig",
        "libfreetype6": "headless AWT rasterizes fonts with FreeType (Debian 12's OpenJDK depended on it)",
        "libharfbuzz0b": "headless AWT lays out text with HarfBuzz (Debian 12's OpenJDK depended on it)",
    },
    "golang-go": {
        "gcc": "cgo (import \"C\"; CGO_ENABLED=1 is the default for native builds) needs a C compiler",
        "libc6-dev": "cgo needs the C library headers and crt files",
    },
    "cmake": {
        "gcc": "project() probes a C compiler by default; configure fails with 'No CMAKE_C_COMPILER could be found'",
        "make": "the default Unix Makefiles generator needs make ('CMAKE_MAKE_PROGRAM is not set')",
        _CA: "file(DOWNLOAD)/FetchContent/ExternalProject over https verify against the system CA bundle",
    },
    "cargo": {
        _CA: "crates.io index and crate downloads over https verify against the system CA bundle",
    },
    "autoconf": {
        "automake": "autoreconf on projects with Makefile.am needs automake/aclocal",
    },
    "composer": {
        "unzip": "zip dist archives need the unzip (or 7z) command or PHP's zip extension; with none of them composer cannot extract packages",
        "git": "source installs and VCS repositories need git",
    },
    "php-curl": {
        _CA: "curl_* calls to https:// URLs verify against the system CA bundle",
    },
    "r-base": {
        "r-base-dev": "install.packages() installs CRAN source packages; any with C/C++/Fortran code needs the compilers and headers r-base-dev depends on",
    },
    "imagemagick": {
        "ghostscript": "reading PDF, PS and EPS input is delegated to ghostscript (gs)",
        "libmagickcore-6.q16-6-extra": "holds the svg, wmf, djvu, exr, dot and pango coder modules (per its file list); without it those formats are unavailable",
        "libmagickcore-7.q16-10-extra": "Debian 13's package of the same coder modules (svg, wmf, djvu, exr, dot, pango)",
    },
    "graphicsmagick": {
        "ghostscript": "reading PDF, PS and EPS input is delegated to ghostscript (gs)",
    },
    "protobuf-compiler": {
        "libprotobuf-dev": "the well-known types .proto files import (google/protobuf/timestamp.proto, any.proto...) are its /usr/include files; protoc fails with 'File not found' without them",
    },
    **{f"openjdk-{v}-jre-headless": {
        "libfontconfig1": "Ubuntu 24.04's and 26.04's OpenJDK recommends what Debian 12's depended on: headless AWT (font metrics, image text, PDF/report rendering) loads fontconfig",
        "libfreetype6": "headless AWT rasterizes fonts with FreeType",
        "libharfbuzz0b": "headless AWT lays out text with HarfBuzz",
    } for v in (11, 17, 21)},
    "xvfb": {
        "xauth": "xvfb-run exits with 'xauth command not found' without it",
    },
}


# Common -dev packages needed by pip/gem/npm native builds.
DEV_PACKAGES = sorted(set("""
    libpq-dev default-libmysqlclient-dev libmariadb-dev libmariadb-dev-compat
    libjpeg-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev libffi-dev
    libssl-dev libxml2-dev libxslt1-dev libcairo2-dev libpango1.0-dev
    librsvg2-dev libgdal-dev libgeos-dev libproj-dev libsqlite3-dev libbz2-dev
    liblzma-dev libzstd-dev liblz4-dev libreadline-dev libncurses-dev
    libyaml-dev libcurl4-openssl-dev libsasl2-dev libldap2-dev libldap-dev
    libkrb5-dev libtiff-dev libwebp-dev libfreetype6-dev libfreetype-dev
    liblcms2-dev libopenjp2-7-dev libharfbuzz-dev libfribidi-dev libxcb1-dev
    libmagic-dev libzmq3-dev libsnappy-dev libpcre3-dev libpcre2-dev
    libgmp-dev libmpfr-dev libhdf5-dev libblas-dev liblapack-dev
    libopenblas-dev libsndfile1-dev portaudio19-dev unixodbc-dev freetds-dev
    libsodium-dev libargon2-dev libevent-dev libuv1-dev libgirepository1.0-dev
    libdbus-1-dev libsystemd-dev libacl1-dev libcap-dev libseccomp-dev
    libusb-1.0-0-dev libudev-dev libgl1-mesa-dev libgl-dev libglib2.0-dev
    libexpat1-dev libgdbm-dev uuid-dev libvips-dev libavcodec-dev
    libgraphviz-dev libxmlsec1-dev libgpgme-dev libtesseract-dev
    libleptonica-dev libpoppler-cpp-dev libmaxminddb-dev libkrb5-dev
    libx11-dev libfontconfig-dev libicu-dev
""".split()))

# Toolchain packages that belong in a build stage only.
COMPILER_PACKAGES = sorted(set("""
    build-essential gcc g++ cpp make cmake ninja-build meson pkg-config
    pkgconf gfortran clang llvm lld autoconf automake libtool bison flex cargo
    rustc golang golang-go nasm yasm swig ccache dpkg-dev binutils node-gyp
    cython3 libc6-dev linux-libc-dev autoconf-archive scons
""".split()))


# Recommends whose absence does not change what a build or a container does.
# Every `*-doc` and `*-l10n` package counts as harmless too.  They are left
# out of the packed data.  ca-certificates is not harmless: dockerfix adds it
# explicitly (package_caches.toml, apt.always_functional).
HARMLESS = sorted({
    # Kerberos locale files, the GPM console mouse library, the Public Suffix
    # List file (libpsl has the list built in), LDAP client defaults, man
    # pages, glibc's developer tools (mtrace, sotruss), XDG user folders, GLib
    # translations, the JavaScript of Sphinx-built documentation.
    "krb5-locales", "libgpm2", "publicsuffix", "libldap-common", "manpages", "manpages-dev",
    "libc-devtools", "xdg-user-dirs", "libglib2.0-data", "libjs-sphinxdoc",
    # What only a booted host uses, never a container: clock synchronisation,
    # sysctl defaults (a container cannot set them), kernel module loading,
    # disk encryption units, systemd's NSS module for its dynamic users, the
    # per-user session bus of systemd --user, binfmt registration (the
    # host kernel's), sound card configuration.
    "systemd-timesyncd | time-daemon", "linux-sysctl-defaults", "libkmod2", "systemd-cryptsetup",
    "libnss-systemd", "dbus-user-session", "binfmt-support | systemd", "alsa-topology-conf",
    "alsa-ucm-conf",
    # The same on Ubuntu: device-mapper tools, systemd-networkd hooks, the
    # host's DNS resolver daemon (a container's resolv.conf comes from its
    # runtime), automatic upgrades of a running system; and Mesa's DRI
    # drivers for GPUs of before 2010 (amber), which no container drives.
    "dmsetup", "networkd-dispatcher", "systemd-resolved", "unattended-upgrades", "libgl1-amber-dri",
    # Apache/lighttpd aliases for /usr/share/javascript (a web server's
    # configuration snippet, inert unless that server is set up for it).
    "javascript-common",
    # Completion scripts for interactive shells; window decorations for
    # Wayland clients (SDL/GTK windows nobody opens in a container).
    "bash-completion", "default-libdecor-0-plugin-1 | libdecor-0-plugin-1",
    "libdecor-0-plugin-1-cairo | libdecor-0-plugin-1",
})

# Packages whose every dropped recommend on JUDGED_RELEASE was judged: the
# ones named in FUNCTIONAL_RECOMMENDS are needed, the others are not (git's
# less and patch, gnupg-l10n...).  The judgement covers those recommends
# only: one the package drops on another release, or after an update, is
# unjudged (the generator lists them for review).  Other packages are safe
# only when they drop nothing but HARMLESS recommends and the ones dockerfix
# adds explicitly.
JUDGED_PACKAGES = COMMON_PACKAGES
JUDGED_RELEASE = "bookworm"

# Recommends judged not needed on another release, per release, for
# JUDGED_PACKAGES that drop them there and not on JUDGED_RELEASE (the
# generator's review list): mostly Debian 12's judgement under Debian 11's or
# 13's names.  What the review lists and is not here stays unjudged, so
# unsafe: clang's libomp-11-dev on Debian 11 (-fopenmp needs it), xdg-utils'
# helpers behind npm, chromium's sandbox, nginx's GeoIP database...
_VULKAN_ICD = "mesa-vulkan-drivers | vulkan-icd"
# libdpkg-perl's helpers (dpkg-architecture behind pkg-config's cross
# wrappers) and GLib's MIME database (g_content_type_guess): a native
# build's pkg-config and headers read neither.
_DPKG_PERL_GLIB = ["bzip2", "libfile-fcntllock-perl", "liblocale-gettext-perl", "shared-mime-info", "xz-utils"]
# mailcap's (mime-support's) decompressors and file(1), for run-mailcap only.
_MAILCAP = ["bzip2", "file", "xz-utils"]
# dpkg-source's signature checks of source packages, under Ubuntu's spellings
# (gpgv is in every image: apt depends on it).
_GPG_OLD = ["gnupg | gnupg2"]
_GPG_NOBLE = ["gnupg | sq | sqop | pgpainless-cli | sequoia-chameleon-gnupg"]
_GPG_RESOLUTE = ["gnupg | sq | sqop | rsop | gosop | pgpainless-cli | gpg-sq"]
# gdb's remote-debugging server and its `compile` command's library: local debugging uses neither.
_GDB_EXTRAS = ["gdbserver", "libcc1-0"]
OTHER_RELEASE_NOT_NEEDED: dict[str, dict[str, list[str]]] = {
    "bullseye": {
        # dpkg-source's signature checks (Debian 12's "gnupg | sq | ..." is judged).
        "build-essential": ["gnupg"], "dpkg-dev": ["gnupg"],
        **{name: _DPKG_PERL_GLIB for name in ("pkg-config", "libcairo2-dev", "libgdal-dev")},
        # mailcap's decompressors and file(1), for run-mailcap only; PHP and
        # Apache never call it.
        **{name: ["bzip2", "file", "xz-utils"] for name in ("apache2", "composer", "php-cli", "php-fpm")},
        # Debugger wrappers (rust-gdb), not the compiler.
        "cargo": ["rust-gdb | rust-lldb"], "rustc": ["rust-gdb | rust-lldb"],
        # Vulkan drivers (Java2D, GLX under Xvfb and OpenCV's libGL do not use
        # Vulkan) and GLib's MIME database.
        "default-jdk": [_VULKAN_ICD, "shared-mime-info"], "default-jre": [_VULKAN_ICD, "shared-mime-info"],
        "openjdk-17-jdk": [_VULKAN_ICD], "openjdk-17-jre": [_VULKAN_ICD],
        "xvfb": [_VULKAN_ICD], "libgl1": [_VULKAN_ICD],
        # The system bus daemon, which no container starts, and GLib's MIME
        # database (Debian 12's OpenJDK 17 judgement).
        "openjdk-11-jdk-headless": ["dbus", "shared-mime-info"], "openjdk-11-jre-headless": ["dbus", "shared-mime-info"],
        # binfmt registration is the host kernel's; Debian 12's llvm-14-dev, judged.
        "llvm": ["binfmt-support", "llvm-11-dev"],
        # nip2 is a GUI for VIPS.
        "libvips42": ["nip2"],
    },
    "trixie": {
        # Debian 12's pkg-config, judged not needed for Go there.
        "golang": ["pkgconf"], "golang-go": ["pkgconf"],
        # Debian 12's clang-tools-14, libclang-rt-14-dev, llvm-14-dev.
        "clang": ["clang-tools-19", "libclang-rt-19-dev", "llvm-19-dev"],
        # dpkg-source's signature checks, Debian 12's "gnupg | sq | ...".
        "build-essential": ["sq | sqop | rsop | gosop | pgpainless-cli | gpg-sq | gnupg"],
        "dpkg-dev": ["sq | sqop | rsop | gosop | pgpainless-cli | gpg-sq | gnupg"],
        # rustc's LLVM tools (llvm-cov, lld for -C linker-plugin-lto), Debian 12's llvm-14.
        "cargo": ["rust-llvm"], "rustc": ["rust-llvm"],
        # Sound and printing for OpenJDK 21 (fonts are claimed above).
        **{name: ["libasound2t64", "libcups2t64"] for name in (
            "ant", "default-jdk-headless", "default-jre-headless", "gradle", "maven")},
        "openjdk-21-jdk-headless": ["libasound2t64", "libcups2t64"], "openjdk-21-jre-headless": ["libasound2t64", "libcups2t64"],
        "xvfb": [_VULKAN_ICD], "libgl1": [_VULKAN_ICD],
        # Another font family.
        "fonts-liberation": ["fonts-liberation-sans-narrow"], "fonts-liberation2": ["fonts-liberation-sans-narrow"],
        # systemd's system bus, which no container starts.
        "cron": ["default-dbus-system-bus | dbus-system-bus"],
        "openssh-server": ["default-dbus-system-bus | dbus-system-bus"],
    },
    # Ubuntu: the judgements above under Ubuntu's names, and Ubuntu's own.
    "bionic": {
        **{name: _MAILCAP for name in (
            "apache2", "composer", "cython3", "gdb", "meson", "php-cli", "php-fpm", "python3", "python3-dev",
            "python3-distutils", "python3-psycopg2", "python3-setuptools", "python3-venv", "supervisor", "vim")},
        "build-essential": _GPG_OLD, "dpkg-dev": _GPG_OLD,
        "gdb": [*_MAILCAP, *_GDB_EXTRAS],
        "libvips42": ["nip2"], "openssh-server": ["ssh-import-id"],
        "iproute2": ["libxtables12"], "llvm": ["llvm-6.0-dev"],
        # wheel 0.30's `wheel keygen`/`wheel sign` (keyring) and their key store (xdg); bdist_wheel,
        # which pip builds wheels with, imports neither (wheel 0.30.0's sources, read 2026-12-03).
        "python3-wheel": ["python3-keyring", "python3-keyrings.alt", "python3-xdg"],
    },
    "focal": {
        **{name: _MAILCAP for name in (
            "apache2", "composer", "cython3", "meson", "php-cli", "pipx", "python-is-python3", "python3", "python3-dev",
            "python3-distutils", "python3-pip", "python3-psycopg2", "python3-setuptools", "python3-venv",
            "python3-wheel", "supervisor", "vim")},
        "build-essential": _GPG_OLD, "dpkg-dev": _GPG_OLD,
        "gdb": [*_MAILCAP, *_GDB_EXTRAS],
        **{name: _DPKG_PERL_GLIB for name in ("pkg-config", "libgdal-dev")},
        "libcairo2-dev": ["bzip2", "file", "libfile-fcntllock-perl", "liblocale-gettext-perl", "xz-utils"],
        "libvips42": ["nip2"], "openssh-server": ["ssh-import-id"], "llvm": ["llvm-10-dev"],
        **{name: [_VULKAN_ICD] for name in ("libgl1", "xvfb", "openjdk-17-jdk", "openjdk-17-jre")},
        **{name: ["libasound2", "libcups2"] for name in ("openjdk-21-jdk-headless", "openjdk-21-jre-headless")},
    },
    "jammy": {
        **{name: _MAILCAP for name in ("apache2", "composer", "php-cli", "php-fpm")},
        **{name: _DPKG_PERL_GLIB for name in ("pkg-config", "libgd-dev")},
        "libcairo2-dev": ["bzip2", "libfile-fcntllock-perl", "liblocale-gettext-perl", "xz-utils"],
        "default-jdk": ["shared-mime-info"], "default-jre": ["shared-mime-info"],
        "openjdk-11-jdk-headless": ["dbus", "shared-mime-info"], "openjdk-11-jre-headless": ["dbus", "shared-mime-info"],
        "build-essential": ["gnupg"], "dpkg-dev": ["gnupg"],
        "libvips42": ["nip2"], "openssh-server": ["ssh-import-id"], "llvm": ["binfmt-support"],
        **{name: ["libasound2", "libcups2"] for name in ("openjdk-21-jdk-headless", "openjdk-21-jre-headless")},
    },
    "noble": {
        "build-essential": _GPG_NOBLE, "dpkg-dev": _GPG_NOBLE,
        "clang": ["libclang-rt-18-dev", "llvm-18-dev"], "llvm": ["llvm-18-dev"],
        "openssh-server": ["ssh-import-id"], "iproute2": ["libatm1t64"],
        **{name: [_VULKAN_ICD] for name in ("libgl1", "xvfb", "openjdk-17-jdk", "openjdk-17-jre")},
        **{name: ["libasound2t64", "libcups2t64"] for name in (
            "ant", "default-jdk-headless", "default-jre-headless", "gradle", "maven", "openjdk-11-jdk-headless",
            "openjdk-11-jre-headless", "openjdk-17-jdk-headless", "openjdk-17-jre-headless",
            "openjdk-21-jdk-headless", "openjdk-21-jre-headless")},
        "fonts-liberation": ["fonts-liberation-sans-narrow"], "fonts-liberation2": ["fonts-liberation-sans-narrow"],
        "cron": ["default-dbus-system-bus | dbus-system-bus"],
    },
    "resolute": {
        "build-essential": _GPG_RESOLUTE, "dpkg-dev": _GPG_RESOLUTE,
        "clang": ["clang-tools-21", "libclang-rt-21-dev", "llvm-21-dev"], "llvm": ["llvm-21-dev"],
        "golang": ["pkgconf"], "golang-go": ["pkgconf"],
        "openssh-server": ["default-dbus-system-bus | dbus-system-bus", "ssh-import-id"],
        **{name: [_VULKAN_ICD] for name in ("libgl1", "xvfb")},
        **{name: ["libasound2t64", "libcups2t64"] for name in (
            "ant", "default-jdk-headless", "default-jre-headless", "gradle", "maven", "openjdk-11-jdk-headless",
            "openjdk-11-jre-headless", "openjdk-17-jdk-headless", "openjdk-17-jre-headless",
            "openjdk-21-jdk-headless", "openjdk-21-jre-headless")},
        "fonts-liberation": ["fonts-liberation-sans-narrow"], "fonts-liberation2": ["fonts-liberation-sans-narrow"],
        "cron": ["default-dbus-system-bus | dbus-system-bus"],
        # php-common's session clean-up job: a container runs no cron daemon.
        **{name: ["cron | cron-daemon | anacron | systemd-sysv"] for name in (
            "php-cli", "php-curl", "php-mbstring", "php-mysql", "php-pgsql", "php-xml", "php-zip")},
    },
}


# Recommends needed whichever package recommends them: dockerfix names them
# in the install explicitly when --no-install-recommends would drop them.
ALWAYS_FUNCTIONAL = {
    "ca-certificates": "TLS clients verify servers against the CA bundle in /etc/ssl/certs",
    "netbase": "/etc/services and /etc/protocols: service and protocol names resolve (getservbyname, getaddrinfo with a service name)",
    "libsasl2-modules": "the SASL mechanisms (PLAIN, LOGIN, CRAM-MD5...) LDAP, SMTP and IMAP clients authenticate with",
}


# ALWAYS_FUNCTIONAL recommends that a judged package was judged not to need,
# and why: recommend -> (the packages of the closure it may come through
# only, the reason).  The bulk judgement of JUDGED_PACKAGES does not cover
# ALWAYS_FUNCTIONAL: curl, git or postgresql-client dropping netbase or
# libsasl2-modules keep them, added to the install as for any package,
# unless every way their closure reaches the recommending package goes
# through one of the packages named here (checked on every release).
ALWAYS_FUNCTIONAL_NOT_NEEDED_THROUGH: dict[str, tuple[re.Pattern[str], str]] = {
    "libsasl2-modules": (
        re.compile(r"libcurl[0-9].*|libpq[0-9]+"),
        "reached only through the libldap of libcurl or libpq, which never use Cyrus SASL's modules: curl binds "
        "to LDAP servers with a simple bind and runs SASL for SMTP, IMAP and POP3 in its own code; libpq looks "
        "connection parameters up in LDAP with an anonymous simple bind",
    ),
}


def harmless(group: str) -> bool:
    return group in HARMLESS or all(a.endswith(("-doc", "-l10n")) for a in group.split(" | "))

# --------------------------------------------------------------------------
# The archive's indexes
# --------------------------------------------------------------------------

# Alternatives preferred when resolving or-groups: debootstrap installs
# usr-is-merged (not usrmerge, which would pull in perl) on merged-/usr
# systems such as the Debian images, satisfying init-system-helpers'
# "usrmerge | usr-is-merged".
PREFER = {"usr-is-merged"}
PRIORITY_RANK = {"required": 0, "important": 1, "standard": 2, "optional": 3, "extra": 4}
_REL_NAME = re.compile(r"^\s*([a-z0-9][a-z0-9+.\-]*)(?::[a-z0-9\-]+)?")


def parse_paragraphs(text: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    cur: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.strip():
            if cur:
                out.append(cur)
            cur, key = {}, None
        elif line[0] in " \t":
            if key is not None:
                cur[key] += "\n" + line.strip()
        else:
            key, _, val = line.partition(":")
            cur[key] = val.strip()
    if cur:
        out.append(cur)
    return out


def version_compare(a: str, b: str) -> int:
    """dpkg's version order (deb-version(7)): epoch, then upstream and revision by its rules."""
    def split(v: str) -> tuple[int, str, str]:
        epoch, _, rest = v.rpartition(":") if ":" in v else ("0", "", v)
        upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
        return int(epoch or 0), upstream, revision

    def order(c: str) -> int:
        if c == "~":
            return -1
        if c.isalpha():
            return ord(c)
        return ord(c) + 256

    def part(x: str, y: str) -> int:
        while x or y:
            xs = re.match(r"\D*", x).group(0)
            ys = re.match(r"\D*", y).group(0)
            for i in range(max(len(xs), len(ys))):
                cx = order(xs[i]) if i < len(xs) else 0
                cy = order(ys[i]) if i < len(ys) else 0
                if cx != cy:
                    return -1 if cx < cy else 1
            x, y = x[len(xs):], y[len(ys):]
            xd = re.match(r"\d*", x).group(0)
            yd = re.match(r"\d*", y).group(0)
            if int(xd or 0) != int(yd or 0):
                return -1 if int(xd or 0) < int(yd or 0) else 1
            x, y = x[len(xd):], y[len(yd):]
        return 0

    ea, ua, ra = split(a)
    eb, ub, rb = split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return part(ua, ub) or part(ra, rb)


class Archive:
    """One release of a distribution for one architecture: candidate records of its suites and components.

    The record with the highest version wins across RELEASE, -updates and
    -security, as apt's candidate would with default pins.
    """

    def __init__(self, release: str, arch: str, mirror: str, security_mirror: str, cache: Path | None):
        self.release, self.arch = release, arch
        self.distribution = DISTRIBUTION_OF[release]
        self.records: dict[str, dict[str, str]] = {}
        self.providers: dict[str, list[str]] = {}
        self.release_info: dict[str, dict[str, str]] = {}
        self._fields: dict[str, dict[str, str]] = {}
        for suite, base in ((release, mirror), (f"{release}-updates", mirror), (f"{release}-security", security_mirror)):
            for component in self.distribution.components:
                for rec in parse_paragraphs(self._index(base, suite, component, cache)):
                    name = rec["Package"]
                    old = self.records.get(name)
                    if old is None or version_compare(rec["Version"], old["Version"]) > 0:
                        self.records[name] = rec
        for name in sorted(self.records):
            for virtual in provided_names(self.records[name]):
                self.providers.setdefault(virtual, []).append(name)
        for virtual, names in self.providers.items():
            names.sort(key=lambda p: (PRIORITY_RANK.get(self.records[p].get("Priority", "optional"), 9), p))

    def _release_fields(self, base: str, suite: str, cache: Path | None) -> dict[str, str]:
        """The fields of the suite's InRelease (read once per suite)."""
        if suite not in self._fields:
            release_text = _download(f"{base}/dists/{suite}/InRelease", cache).decode("utf-8", "replace")
            fields = parse_paragraphs(release_text.split("\n\n", 1)[1] if release_text.startswith("-----BEGIN") else release_text)[0]
            self._fields[suite] = fields
            self.release_info[suite] = {k: fields.get(k, "") for k in ("Version", "Codename", "Date", "Suite")}
        return self._fields[suite]

    def _index(self, base: str, suite: str, component: str, cache: Path | None) -> str:
        """The suite's Packages index of one component, checked against its InRelease."""
        fields = self._release_fields(base, suite, cache)
        path = f"{component}/binary-{self.arch}/Packages.xz"
        sha = next((line.split()[0] for line in fields.get("SHA256", "").splitlines() if line.split()[-1:] == [path]), None)
        if sha is None:
            raise SystemExit(f"{suite}: InRelease lists no {path}")
        data = _download(f"{base}/dists/{suite}/{path}", cache)
        if hashlib.sha256(data).hexdigest() != sha:
            raise SystemExit(f"{suite}/{path}: SHA256 does not match InRelease")
        return lzma.decompress(data).decode("utf-8")

    # The questions build_dev_runtime asks (once of apt-cache).
    def fetch(self, names) -> None:
        """Everything is loaded already."""

    def rec(self, name: str) -> dict[str, str] | None:
        return self.records.get(name)

    def required_names(self) -> list[str]:
        """Packages with Priority: required or Essential: yes, and apt.

        Ubuntu gives apt Priority important; an image that runs apt-get has it.
        """
        return sorted(n for n, r in self.records.items() if r.get("Priority") == "required" or r.get("Essential") == "yes" or n == "apt")


def _download(url: str, cache: Path | None) -> bytes:
    target = None
    if cache is not None:
        target = cache / re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1])
        if target.exists():
            return target.read_bytes()
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    if target is not None:
        cache.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return data


def parse_relations(value: str | None) -> list[list[str]]:
    """'a (>= 1) | b, c:any' -> [['a', 'b'], ['c']] (names only, deduped)."""
    groups: list[list[str]] = []
    if not value:
        return groups
    for grp in value.replace("\n", " ").split(","):
        names = []
        for alt in grp.split("|"):
            m = _REL_NAME.match(alt)
            if m and m.group(1) not in names:
                names.append(m.group(1))
        if names and names not in groups:
            groups.append(names)
    return groups


def provided_names(rec: dict[str, str]) -> set[str]:
    return {n for g in parse_relations(rec.get("Provides")) for n in g}


def gstr(group: list[str]) -> str:
    return " | ".join(group)


def hard_depends(rec: dict[str, str]) -> list[list[str]]:
    return parse_relations(rec.get("Pre-Depends")) + parse_relations(rec.get("Depends"))


# --------------------------------------------------------------------------
# Depends closures and the Recommends they leave out
# --------------------------------------------------------------------------


class Closures:
    """What `apt-get install NAME` adds to a minimal system, with and without its Recommends.

    The base system is the Depends closure of every Priority: required or
    Essential: yes package, like a ``debootstrap --variant=minbase`` image
    (the Debian images hold that and a little more, so a recommend it
    already satisfies is counted as dropped: the safe direction).  A closure
    is selected like apt's MarkInstall: depth-first in field order, where an
    or-group, or a name that a selected package Provides, is satisfied by
    what is already selected or in the base system, else by the first real
    alternative (usr-is-merged preferred, as on debootstrapped systems; a
    virtual name: its highest-Priority provider).  Version constraints and
    Conflicts are not evaluated.
    """

    def __init__(self, archive: Archive):
        self.archive = archive
        records = archive.records
        self.depends = {n: tuple(tuple(g) for g in hard_depends(r)) for n, r in records.items()}
        self.recommends = {n: tuple(tuple(g) for g in parse_relations(r.get("Recommends"))) for n, r in records.items()}
        self.provides = {n: frozenset(provided_names(r)) for n, r in records.items()}
        self.base: frozenset[str] = frozenset()
        self.base_provided: frozenset[str] = frozenset()
        order, _, provided = self.closure(archive.required_names())
        self.base, self.base_provided = frozenset(order), frozenset(provided)

    def _satisfied(self, group: tuple[str, ...], chosen: set[str], provided: set[str]) -> bool:
        return any(a in chosen or a in provided or a in self.base or a in self.base_provided for a in group)

    def _choose(self, group: tuple[str, ...]) -> str | None:
        records, providers = self.archive.records, self.archive.providers
        for alt in group:
            if alt in PREFER and alt in records:
                return alt
        for alt in group:
            if alt in records:
                return alt
            if providers.get(alt):
                return providers[alt][0]
        return None

    def closure(self, roots: list[str]) -> tuple[list[str], set[str], set[str]]:
        """(selected packages outside the base system in selection order, that set, the names they provide)."""
        order = [r for r in roots if r in self.archive.records]
        chosen = set(order)
        provided: set[str] = set()
        for r in order:
            provided |= self.provides[r]
        stack = [(r, 0) for r in reversed(order) if r not in self.base]
        while stack:
            pkg, i = stack.pop()
            groups = self.depends[pkg]
            if i >= len(groups):
                continue
            stack.append((pkg, i + 1))
            group = groups[i]
            if self._satisfied(group, chosen, provided):
                continue
            choice = self._choose(group)
            if choice is None or choice in chosen:
                continue
            chosen.add(choice)
            order.append(choice)
            provided |= self.provides[choice]
            stack.append((choice, 0))
        return order, chosen, provided

    def dropped(self, name: str) -> dict[str, str]:
        """Recommends groups `--no-install-recommends NAME` leaves out -> the package recommending each.

        A group counts when no alternative is selected, provided or in the
        base system, and one can be installed at all.
        """
        return self.dropped_and_covered(name, frozenset())[0]

    def dropped_and_covered(self, name: str, targets: frozenset[str]) -> tuple[dict[str, str], set[str]]:
        """dropped(name), and which of `targets` NAME's Depends closure installs anyway."""
        order, chosen, provided = self.closure([name])
        covered = {t for t in targets if t in chosen or t in provided}
        records, providers = self.archive.records, self.archive.providers
        out: dict[str, str] = {}
        for pkg in order:
            if pkg in self.base:
                continue
            for group in self.recommends[pkg]:
                if self._satisfied(group, chosen, provided):
                    continue
                if not any(a in records or providers.get(a) for a in group):
                    continue
                out.setdefault(" | ".join(group), pkg)
        return out, covered

    def reaches(self, root: str, target: str, avoiding: re.Pattern[str]) -> bool:
        """Whether root's Depends closure leads to target by some way that passes no package named by `avoiding`."""
        _, chosen, _ = self.closure([root])
        seen, queue = {root}, [root]
        for pkg in queue:
            if pkg == target:
                return True
            for group in self.depends.get(pkg, ()):
                for alt in group:
                    for candidate in (alt, *self.archive.providers.get(alt, ())):
                        if candidate in chosen and candidate not in seen and not avoiding.fullmatch(candidate):
                            seen.add(candidate)
                            queue.append(candidate)
        return False

    def path(self, root: str, target: str) -> list[str]:
        """A shortest Depends chain from root to target within root's closure."""
        _, chosen, _ = self.closure([root])
        parent: dict[str, str | None] = {root: None}
        queue = [root]
        for pkg in queue:
            for group in self.depends.get(pkg, ()):
                for alt in group:
                    for candidate in (alt, *self.archive.providers.get(alt, ())):
                        if candidate in chosen and candidate not in parent:
                            parent[candidate] = pkg
                            queue.append(candidate)
        if target not in parent:
            return [root, target] if target != root else [root]
        out = [target]
        while parent[out[-1]] is not None:
            out.append(parent[out[-1]])
        return out[::-1]


def kept_targets() -> frozenset[str]:
    """The packages dockerfix may add to an install: functional claims' targets and ALWAYS_FUNCTIONAL."""
    names = set(ALWAYS_FUNCTIONAL)
    for claims in FUNCTIONAL_RECOMMENDS.values():
        for target in claims:
            names.add(target.partition("=")[2] or target)
    return frozenset(names)


def with_their_recommends(closures: Closures, targets: frozenset[str]) -> frozenset[str]:
    """TARGETS and every name their dropped recommends name, to a fixpoint.

    dockerfix judges the recommends of each package it adds as apt would
    install them; `covered` must then say which of those names the install's
    own Depends closure has already (gnupg-utils, added for gnupg on Debian
    13, recommends gpg, which gnupg Depends on), or they would be counted as
    left out.
    """
    names = set(targets)
    queue = sorted(names)
    while queue:
        name = queue.pop()
        if name not in closures.archive.records:
            continue
        for group in closures.dropped(name):
            for alternative in group.split(" | "):
                if alternative not in names:
                    names.add(alternative)
                    queue.append(alternative)
    return frozenset(names)


_KERNEL_BUILD = re.compile(r"linux-.*\d+\.\d+\.\d+-\d+")


def kernel_build(name: str) -> bool:
    """A package of one kernel build (linux-modules-5.15.0-91-generic): Ubuntu's archive has some 50,000 of them.

    They are left out of the packed names (an install naming one is
    unknown, so unsafe); the metapackages that follow the newest build
    (linux-headers-generic) stay.
    """
    return _KERNEL_BUILD.match(name) is not None


def release_recommends(archives: list[Archive]) -> tuple[dict[str, dict[str, str]], dict[str, set[str]], set[str], set[str], dict[str, Closures]]:
    """Per package of a release: its dropped recommends (union over the architectures) and the kept targets its Depends install (intersection)."""
    dropped: dict[str, dict[str, str]] = {}
    covered: dict[str, set[str]] = {}
    names: set[str] = set()
    everywhere: set[str] = set()
    closures = {}
    for k, archive in enumerate(archives):
        c = Closures(archive)
        closures[archive.arch] = c
        targets = with_their_recommends(c, kept_targets())
        listed = [name for name in archive.records if not kernel_build(name)]
        names |= set(listed)
        everywhere = set(listed) if k == 0 else everywhere & set(listed)
        for name in listed:
            found, installs = c.dropped_and_covered(name, targets)
            found = {g: via for g, via in found.items() if not harmless(g)}
            if found:
                merged = dropped.setdefault(name, {})
                for group, via in found.items():
                    merged.setdefault(group, via)
            covered[name] = installs if k == 0 or name not in covered else covered[name] & installs
    return dropped, {n: t for n, t in covered.items() if t}, names, everywhere, closures


def check_claims(release: str, dropped: dict[str, dict[str, str]], closures: Closures) -> tuple[list[list], list[str]]:
    """FUNCTIONAL_RECOMMENDS as they hold on one release: [owner, target, group, recommender, path] each.

    A claim holds when the recommended name is in a group that
    `--no-install-recommends OWNER` drops; one that does not hold needs no
    action on that release (the recommend is not installed either way, or
    comes through Depends), and is reported.
    """
    out, notes = [], []
    for owner in sorted(FUNCTIONAL_RECOMMENDS):
        for target, _ in sorted(FUNCTIONAL_RECOMMENDS[owner].items()):
            name, _, provider = target.partition("=")
            groups = [g for g in dropped.get(owner, {}) if name in g.split(" | ")]
            if not groups:
                notes.append(f"{release}: {owner} -> {name} is not dropped")
                continue
            if provider and provider not in closures.archive.providers.get(name, []):
                raise SystemExit(f"{release}: {provider} does not provide {name}")
            for group in groups:
                recommender = dropped[owner][group]
                path = closures.path(owner, recommender) + [name]
                out.append([owner, provider or name, group, recommender, path])
    return out, notes


def through_only(release: str, dropped: dict[str, dict[str, str]], closures: Closures) -> set[tuple[str, str]]:
    """(judged package, ALWAYS_FUNCTIONAL recommend) pairs whose recommender only ALWAYS_FUNCTIONAL_NOT_NEEDED_THROUGH's packages lead to."""
    out = set()
    for name in JUDGED_PACKAGES:
        for group, recommender in dropped.get(name, {}).items():
            through = ALWAYS_FUNCTIONAL_NOT_NEEDED_THROUGH.get(group)
            if through is not None and not closures.reaches(name, recommender, avoiding=through[0]):
                out.add((name, group))
    return out


def not_needed(releases: dict[str, dict]) -> dict[str, list[str]]:
    """JUDGED_PACKAGES -> the recommends they drop on JUDGED_RELEASE that no functional claim names, and OTHER_RELEASE_NOT_NEEDED.

    ALWAYS_FUNCTIONAL recommends are left out (so kept), but where
    ALWAYS_FUNCTIONAL_NOT_NEEDED_THROUGH holds on every release that drops them.
    """
    judged = releases[JUDGED_RELEASE]
    claimed = {(c[0], c[2]) for c in judged["claims"]}

    def judged_not_needed(name: str, group: str) -> bool:
        if (name, group) in claimed:
            return False
        if group not in ALWAYS_FUNCTIONAL:
            return True
        return all((name, group) in r["through_only"] for r in releases.values() if group in r["dropped"].get(name, {}))

    out = {name: set(g for g in judged["dropped"].get(name, {}) if judged_not_needed(name, g))
           for name in JUDGED_PACKAGES if name in judged["names"]}
    for release, table in OTHER_RELEASE_NOT_NEEDED.items():
        for name, groups in table.items():
            if name not in JUDGED_PACKAGES:
                raise SystemExit(f"OTHER_RELEASE_NOT_NEEDED {release} {name}: not a judged package")
            missing = [g for g in groups if g not in releases[release]["dropped"].get(name, {})]
            if missing:
                print(f"review OTHER_RELEASE_NOT_NEEDED {release} {name}: {missing} not dropped (stale judgement)", file=sys.stderr)
            out.setdefault(name, set()).update(g for g in groups if g not in missing)
    return {name: sorted(groups) for name, groups in sorted(out.items())}


# Virtual names left out of the packed data: Rust crates' (librust-serde+derive-dev,
# librust-serde-1-dev) and Haskell libraries' (libghc-text-dev-2.0.2-a1b2c) Debian
# packaging names, some 120,000 of the 135,000 over the releases and half the file.
# Dockerfiles get crates and Haskell libraries from cargo and cabal, not apt; an
# install naming one of these names is unknown, so unsafe.
UNLISTED_VIRTUAL_PREFIXES = ("libghc-", "librust-")


def virtual_names(archives: list[Archive], names: set[str]) -> dict[str, list[str]]:
    """Names that are no package of the release but that its packages Provide -> their providers.

    Over the architectures: a name real on one of them is a package
    (``names``), and the providers are the union, so the few names one
    package provides on each architecture but not the same one
    (linux-headers-generic on Debian 13: linux-headers-amd64,
    linux-headers-arm64) count as provided by several.  apt counts a
    provider only through its candidate version, the record kept here.
    Kernel builds are left out as providers (see kernel_build): a name only
    they provide (Ubuntu's linux-image, spl-modules) is listed without
    providers, which dockerfix reads as unknown; so are the names of
    UNLISTED_VIRTUAL_PREFIXES, left out altogether.
    """
    out: dict[str, set[str]] = {}
    for archive in archives:
        for virtual, providers in archive.providers.items():
            if virtual in names or kernel_build(virtual) or virtual.startswith(UNLISTED_VIRTUAL_PREFIXES):
                continue
            out.setdefault(virtual, set()).update(p for p in providers if not kernel_build(p))
    return {virtual: sorted(providers) for virtual, providers in sorted(out.items())}


def _needed_for_decisions(release: dict) -> dict[str, dict[str, str]]:
    """The dropped recommends dockerfix's decision reads, to keep the file small.

    A judged package keeps all of them (its judgement is compared with
    them); any other keeps those a functional claim or ALWAYS_FUNCTIONAL
    names (they are added) and the first UNJUDGED_LISTED others, which the
    reader names in the install when there are few enough, or calls the
    fix unsafe for.
    """
    claimed = {c[2] for c in release["claims"]}
    out = {}
    for name, entry in release["dropped"].items():
        if name in JUDGED_PACKAGES:
            out[name] = entry
            continue
        kept = {g: v for g, v in entry.items() if g in claimed or g in ALWAYS_FUNCTIONAL}
        for group in sorted(g for g in entry if g not in kept)[:UNJUDGED_LISTED]:
            kept[group] = entry[group]
        out[name] = kept
    return out


def _u32(values: list[int]) -> str:
    """Little-endian uint32s, base64: decoded in C by the reader (array.frombytes)."""
    data = array.array("I", values)
    assert data.itemsize == 4
    if sys.byteorder == "big":
        data.byteswap()
    return base64.b64encode(data.tobytes()).decode()


def _bitmap(size: int, members: list[int]) -> str:
    """Bit i (byte i // 8, bit i % 8) set when name i is a member, base64: tested without decoding."""
    bits = bytearray((size + 7) // 8)
    for i in members:
        bits[i >> 3] |= 1 << (i & 7)
    return base64.b64encode(bytes(bits)).decode()


def _deltas(values: list[int]) -> list[int]:
    return [b - a for a, b in zip([0] + values, values)]


def pack(releases: dict[str, dict], date: str) -> bytes:
    """debian_recommends.json.gz, format FORMAT (read by transforms/debian_packages.py).

    Package names and recommends groups are interned in two sorted tables
    (newline-joined strings), so a name's index is found by bisection.  A
    release holds `packages`, a bitmap of the names it has (see _bitmap),
    `packages_everywhere` of those every architecture read has (a name DF204
    writes into an install must be installable on each),
    and uint32 arrays (see _u32): `dropped_packages`, the indices of the
    packages that drop recommends, delta-encoded; `dropped_counts`, how many each drops;
    `dropped_pairs`, (group index, recommender index) pairs in that order;
    `dropped_cut`, the packages whose list _needed_for_decisions cut;
    `covered_packages`, `covered_counts` and `covered_targets` the same for
    the packages dockerfix may add (kept_targets) that a package's Depends
    closure installs anyway, on every architecture; `provided_names`,
    `provided_counts` and `provided_by` the same for the names the release
    has no package of but that its packages Provide (virtual_names), and
    their providers (none: unknown); `unlisted_virtual_prefixes` says which
    names are left out of those (UNLISTED_VIRTUAL_PREFIXES).
    gzip's mtime is 0, so equal data gives equal bytes.
    """
    decided = {release: _needed_for_decisions(r) for release, r in releases.items()}
    recommenders = {via for d in decided.values() for entry in d.values() for via in entry.values()}
    provided = {release: r["provided"] for release, r in releases.items()}
    virtual = {n for table in provided.values() for n in table}
    names = sorted(set().union(*(r["names"] for r in releases.values()), recommenders, virtual))
    index = {n: i for i, n in enumerate(names)}
    out_releases = {}
    groups = sorted({g for d in decided.values() for entry in d.values() for g in entry})
    gindex = {g: i for i, g in enumerate(groups)}
    for release, r in releases.items():
        dropped = decided[release]
        order = sorted((index[n] for n in dropped if dropped[n]))
        pairs: list[int] = []
        counts = []
        for i in order:
            entry = dropped[names[i]]
            counts.append(len(entry))
            for group in sorted(entry):
                pairs += [gindex[group], index[entry[group]]]
        covering = sorted(index[n] for n in r["covered"])
        providing = sorted(index[n] for n in provided[release])
        out_releases[release] = {
            "covered_packages": _u32(_deltas(covering)),
            "covered_counts": _u32([len(r["covered"][names[i]]) for i in covering]),
            "covered_targets": _u32([index[t] for i in covering for t in sorted(r["covered"][names[i]])]),
            "distribution": r["distribution"].name,
            "version": RELEASES[release],
            "architectures": list(r["distribution"].arches),
            "components": list(r["distribution"].components),
            "suites": r["suites"],
            "packages": _bitmap(len(names), [index[n] for n in r["names"]]),
            "packages_everywhere": _bitmap(len(names), [index[n] for n in r["everywhere"]]),
            "provided_names": _u32(_deltas(providing)),
            "provided_counts": _u32([len(provided[release][names[i]]) for i in providing]),
            "provided_by": _u32([index[p] for i in providing for p in provided[release][names[i]]]),
            "dropped_packages": _u32(_deltas(order)),
            "dropped_counts": _u32(counts),
            "dropped_pairs": _u32(pairs),
            "dropped_cut": _u32(_deltas(sorted(index[n] for n, e in r["dropped"].items() if len(e) > len(dropped.get(n, {}))))),
            "claims": r["claims"],
        }
    doc = {
        "format": FORMAT,
        "unjudged_listed": UNJUDGED_LISTED,
        "always_functional": ALWAYS_FUNCTIONAL,
        "generated": date,
        "source": "Packages indexes of Debian and Ubuntu (components and architectures: per release), "
                  "suites RELEASE, RELEASE-updates, RELEASE-security; regenerate with transforms/data/regenerate_debian.py",
        "not_needed": not_needed(releases),
        "functional": {owner: {t.partition("=")[2] or t.partition("=")[0]: reason for t, reason in sorted(claims.items())}
                       for owner, claims in sorted(FUNCTIONAL_RECOMMENDS.items())},
        "names": "\n".join(names),
        "unlisted_virtual_prefixes": list(UNLISTED_VIRTUAL_PREFIXES),
        "groups": "\n".join(groups),
        "releases": out_releases,
    }
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    return gzip.compress(raw, compresslevel=9, mtime=0)


# --------------------------------------------------------------------------
# TOML emission (small, deterministic)
# --------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def tkey(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=True)


def tval(v, indent: str = "") -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=True)
    if isinstance(v, list):
        if not v:
            return "[]"
        items = [tval(x) for x in v]
        one = "[" + ", ".join(items) + "]"
        if len(one) <= 88:
            return one
        return "[\n" + "".join(f"{indent}  {x},\n" for x in items) + indent + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{tkey(k)} = {tval(v[k])}" for k in sorted(v)) + " }"
    raise TypeError(type(v))


def emit_table(lines: list[str], header: str, table: dict) -> None:
    """Emit [header] with scalar/list values; dict values become sub-tables."""
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    subs = {k: v for k, v in table.items() if isinstance(v, dict) and v}
    if scalars or not subs:
        lines.append(f"[{header}]")
        for k in sorted(scalars):
            lines.append(f"{tkey(k)} = {tval(scalars[k])}")
        lines.append("")
    for k in sorted(subs):
        emit_table(lines, f"{header}.{tkey(k)}", subs[k])


def comment_block(text: str) -> list[str]:
    return [("# " + l).rstrip() for l in text.strip("\n").splitlines()]


# --------------------------------------------------------------------------
# debian_dev_runtime.toml
# --------------------------------------------------------------------------

_NOT_RUNTIME_SUFFIX = ("-dev", "-multidev", "-doc", "-common", "-data", "-bin",
                       "-tools", "-utils", "-dbg", "-headers", "-locales",
                       "-l10n", "-dev-bin")


def soname_like(name: str) -> bool:
    """A lib* shared-library package name: lib + stem containing a digit
    (libpq5, zlib1g, libglib2.0-0, libjpeg62-turbo, libevent-2.1-7)."""
    if name.startswith("zlib"):
        name = "lib" + name
    if not name.startswith("lib") or name.endswith(_NOT_RUNTIME_SUFFIX):
        return False
    return bool(re.search(r"\d", name[3:]))


def build_dev_runtime(apt: AptCache, base: set[str]):
    apt.fetch(DEV_PACKAGES)
    out = {}
    not_found = []

    def src(name: str) -> str:
        r = apt.rec(name) or {}
        return (r.get("Source") or name).split()[0]

    def libs_of(name: str) -> tuple[list[str], list[str]]:
        """(same-source soname-like lib deps, other-source ones)."""
        r = apt.rec(name)
        groups = parse_relations(r.get("Depends")) + parse_relations(r.get("Pre-Depends"))
        names = [n for g in groups for n in g]
        apt.fetch(names)
        same, other = [], []
        for n in names:
            if not apt.rec(n) or not soname_like(n):
                continue
            if src(n) == src(name):
                same.append(n)
            elif n not in base:
                other.append(n)
        return sorted(set(same)), sorted(set(other))

    def dev_deps(name: str) -> list[str]:
        r = apt.rec(name)
        res = []
        for g in parse_relations(r.get("Depends")):
            apt.fetch(g)
            for n in g:
                if apt.rec(n) and re.search(r"-(multi)?dev(-|$)", n):
                    res.append(n)
                    break
                if not apt.rec(n) and apt.providers.get(n):
                    res.append(apt.providers[n][0])
                    break
        return res

    for name in DEV_PACKAGES:
        r = apt.rec(name)
        if not r:
            virt = apt.providers.get(name, [])
            not_found.append(name if not virt else f"{name} (virtual: {', '.join(virt)})")
            continue
        notes = []
        same, other = libs_of(name)
        followed = []
        runtime = list(same)
        if not runtime:
            # Metapackage / transitional / header-only wrapper: follow the
            # -dev packages it depends on, up to two levels.
            frontier = [name]
            for _ in range(2):
                nxt = []
                for f in frontier:
                    for d in dev_deps(f):
                        if d in followed or d == name:
                            continue
                        # follow only the packaging-related chain: same source,
                        # or the sole/first -dev dependency of a wrapper
                        if src(d) == src(f) or len(dev_deps(f)) == 1 or \
                                "metapackage" in (apt.rec(f).get("Description", "")
                                                   + apt.rec(f).get("Section", "")) or \
                                "transitional" in apt.rec(f).get("Description", "") or \
                                "dummy" in apt.rec(f).get("Description", ""):
                            followed.append(d)
                            nxt.append(d)
                for d in nxt:
                    s2, _ = libs_of(d)
                    runtime.extend(s2)
                if runtime:
                    break
                frontier = nxt
            runtime = sorted(set(runtime))
            if followed:
                notes.append(
                    f"{name} has no lib dependency of its own "
                    f"({r.get('Description', '').strip()}); followed its "
                    "development-package dependencies: " + ", ".join(followed))
        if not runtime and other:
            notes.append("no same-source runtime library; listing other-source "
                         "soname-like dependencies")
            runtime = list(other)
        if not runtime:
            notes.append("no soname-like lib* dependency found: header-only, "
                         "static, or the runtime is not a separate package")
        nonlib = [n for n in runtime
                  if apt.rec(n) and apt.rec(n).get("Section") not in ("libs", "oldlibs")]
        if nonlib:
            notes.append("runtime candidate(s) not in Section libs: " + ", ".join(
                f"{n} (Section {apt.rec(n).get('Section', '?')}: "
                f"{apt.rec(n).get('Description', '').splitlines()[0]})" for n in nonlib))
        if len(runtime) > 1:
            notes.append(f"{len(runtime)} runtime libraries; an application "
                         "usually needs only the one(s) it links")
        entry = {
            "version": r["Version"],
            "source": src(name),
            "section": r.get("Section", ""),
            "depends": [gstr(g) for g in parse_relations(r.get("Depends"))],
            "runtime": runtime,
        }
        if followed:
            entry["via"] = followed
        if other and runtime != other:
            entry["other_lib_depends"] = other
        if notes:
            entry["note"] = "; ".join(notes)
        out[name] = entry

    compilers = {}
    apt.fetch(COMPILER_PACKAGES)
    for name in COMPILER_PACKAGES:
        r = apt.rec(name)
        if not r:
            not_found.append(name)
            continue
        e = {"version": r["Version"],
             "description": r.get("Description", "").splitlines()[0].strip(),
             "section": r.get("Section", "")}
        if r.get("Source"):
            e["source"] = r["Source"].split()[0]
        compilers[name] = e
    return out, compilers, not_found


# --------------------------------------------------------------------------

def header(kind: str, archive: Archive, date: str, extra: str) -> list[str]:
    suites = sorted(archive.release_info)
    lines = [
        f"# {kind}",
        "# GENERATED FILE -- do not edit by hand.",
        "#",
        f"# Source: {archive.distribution.name} {RELEASES[archive.release]} {archive.release} Packages indexes, suites {', '.join(suites)},",
        f"#   component {', '.join(archive.distribution.components)}, architecture {archive.arch} (candidate: highest version over the suites);",
        "#   third-party repositories and installed packages play no part.",
    ]
    for suite in suites:
        info = archive.release_info[suite]
        lines.append(f"#   {suite} {info['Version'] or '(no version)'}, Release Date: {info['Date']}")
    lines += [
        f"# Generated: {date}",
        "# Regenerate: python3 transforms/data/regenerate_debian.py",
        "#",
    ]
    lines += comment_block(extra)
    lines.append("")
    return lines


def write_dev_runtime(archive: Archive, base: frozenset[str], date: str, outdir: Path) -> str:
    dev, compilers, not_found = build_dev_runtime(archive, set(base))
    lines = header(
        "dockerfix: -dev package -> runtime library package(s), and build-only toolchains",
        archive, date, """
[dev.NAME]: a -dev package needed by native builds (pip/gem/npm) and the
runtime shared-library package(s) it stands for, for use in the final stage
of a multi-stage build.
  runtime   lib* packages in NAME's Depends whose name carries a soname-like
            suffix (lib + stem containing a digit, e.g. libpq5, zlib1g,
            libglib2.0-0) and that come from the same source package as NAME.
            For metapackages/transitional/wrapper -dev packages without such a
            dependency the -dev packages they depend on are followed (at most
            two levels), recorded in `via`.
  other_lib_depends  soname-like lib dependencies from other source packages,
            excluding the base system (libc6, libstdc++6, ...); usually pulled
            in through the runtime library anyway
  note      present where the derivation is ambiguous or indirect
  version   candidate version; source, section: the archive's fields
  depends   relation names; alternatives kept as "a | b"; version
            constraints and :any qualifiers dropped
[compilers.NAME]: toolchain packages that belong only in a build stage;
  description is Debian's short package description.
""")
    meta = {"generated": date, "architecture": archive.arch,
            "suites": [archive.release, f"{archive.release}-updates", f"{archive.release}-security"],
            "dev_count": len(dev), "compiler_count": len(compilers), "not_in_archive": not_found}
    emit_table(lines, "meta", meta)
    for name in sorted(dev):
        emit_table(lines, f"dev.{tkey(name)}", dev[name])
    for name in sorted(compilers):
        emit_table(lines, f"compilers.{tkey(name)}", compilers[name])
    (outdir / DEV_RUNTIME_OUT.name).write_text("\n".join(lines).rstrip("\n") + "\n")
    return f"dev={len(dev)} compilers={len(compilers)} not_found={len(not_found)}"


def review(releases: dict[str, dict]) -> None:
    """Print what a maintainer should look at: judged packages whose dropped recommends differ by release."""
    first = JUDGED_RELEASE
    others = [r for r in releases if r != first]
    for name in sorted(JUDGED_PACKAGES):
        base = set(releases[first]["dropped"].get(name, {}))
        for other in others:
            dropped = releases[other]["dropped"].get(name, {})
            claimed = {(c[2], c[3]) for c in releases[other]["claims"]}
            now = {g for g, via in dropped.items() if (g, via) not in claimed and g not in ALWAYS_FUNCTIONAL}
            now -= set(OTHER_RELEASE_NOT_NEEDED.get(other, {}).get(name, ()))
            if now - base:
                print(f"review {name}: {other} drops {sorted(now - base)} that {first} does not", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--date", default=_dt.datetime.now(_dt.timezone.utc).date().isoformat(),
                    help="date written into the outputs (default: today, UTC)")
    ap.add_argument("--mirror", default=_host_repository("bookworm") or _host_repository("trixie"),
                    help="Debian archive URL (default: the one apt uses here)")
    ap.add_argument("--security-mirror", default=_host_repository("bookworm-security") or _host_repository("trixie-security"),
                    help="Debian security archive URL (default: the one apt uses here)")
    ap.add_argument("--ubuntu-mirror", default=UBUNTU_MIRROR, help="Ubuntu archive URL (amd64)")
    ap.add_argument("--ubuntu-security-mirror", default=UBUNTU_SECURITY_MIRROR, help="Ubuntu security archive URL (amd64)")
    ap.add_argument("--cache", type=Path, default=None, help="keep downloaded indexes in DIR and reuse them")
    ap.add_argument("--outdir", type=Path, default=HERE)
    a = ap.parse_args(argv)
    if not a.mirror or not a.security_mirror:
        raise SystemExit("no Debian archive in apt's sources here: pass --mirror and --security-mirror")
    mirrors = {DEBIAN.name: (a.mirror, a.security_mirror), UBUNTU.name: (a.ubuntu_mirror, a.ubuntu_security_mirror)}
    releases: dict[str, dict] = {}
    dev_archive = None
    for release, distribution in DISTRIBUTION_OF.items():
        mirror, security = (m.rstrip("/") for m in mirrors[distribution.name])
        archives = [Archive(release, arch, mirror, security, a.cache) for arch in distribution.arches]
        dropped, covered, names, everywhere, closures = release_recommends(archives)
        claims, notes = check_claims(release, dropped, closures[distribution.arches[0]])
        for note in notes:
            print(f"claim not needed on {note}", file=sys.stderr)
        releases[release] = {
            "distribution": distribution,
            "names": names,
            "everywhere": everywhere,
            "provided": virtual_names(archives, names),
            "dropped": dropped,
            "covered": covered,
            "claims": claims,
            "through_only": through_only(release, dropped, closures[distribution.arches[0]]),
            "suites": {s: {"version": i["Version"], "date": i["Date"]} for s, i in sorted(archives[0].release_info.items())},
        }
        if release == DEV_RUNTIME_RELEASE:
            dev_archive = next(x for x in archives if x.arch == DEV_RUNTIME_ARCH)
            dev_base = closures[DEV_RUNTIME_ARCH].base
        print(f"{release}: packages={len(names)} with_dropped_recommends={len(dropped)} claims={len(claims)} "
              f"provided_only={len(releases[release]['provided'])}")
    held = {(c[0], c[1]) for r in releases.values() for c in r["claims"]}
    never = [f"{o} -> {t}" for o, ts in FUNCTIONAL_RECOMMENDS.items() for t in ts
             if (o, t.partition("=")[2] or t) not in held]
    if never:
        raise SystemExit("functional_recommends claims that hold on no release:\n  " + "\n  ".join(never))
    review(releases)
    (a.outdir / RECOMMENDS_OUT.name).write_bytes(pack(releases, a.date))
    assert dev_archive is not None
    print(write_dev_runtime(dev_archive, dev_base, a.date, a.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
