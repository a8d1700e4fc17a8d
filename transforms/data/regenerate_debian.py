#!/usr/bin/env python3
"""Regenerate the Debian package data files used by dockerfix.

Maintainer tool, not imported by the package.  Standard library only.

It writes, next to this script:

* ``debian_recommends.toml``  -- for the apt packages most often installed in
  Dockerfiles: candidate version, Depends, Recommends, the recommends closure
  (Recommends of the package or of any package in its Depends closure), and a
  curated ``[functional_recommends]`` table whose every claim is checked
  against the metadata (the script aborts if a claim does not hold).
* ``debian_dev_runtime.toml`` -- for common ``-dev`` packages: the runtime
  shared-library package(s) each one stands for, derived from its Depends,
  plus a ``[compilers]`` table of build-stage-only toolchain packages.

All metadata comes from ``apt-cache`` on a Debian 12 (bookworm) machine.  The
script runs apt-cache with a private configuration that sees only the Debian
archive (bookworm, bookworm-updates, bookworm-security; component main) and an
empty dpkg status, so neither third-party repositories (e.g. NodeSource) nor
locally installed packages can leak into the data.  It reads the index files
that the system's ``apt-get update`` downloaded; it downloads nothing itself.

Usage (as root on Debian 12, or any user once the lists exist)::

    apt-get update
    python3 transforms/data/regenerate_debian.py [--date YYYY-MM-DD]

The output is deterministic for a given set of apt index files and date.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import deque
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECOMMENDS_OUT = HERE / "debian_recommends.toml"
DEV_RUNTIME_OUT = HERE / "debian_dev_runtime.toml"

def _host_repository(release: str) -> str:
    """The Debian archive this machine's apt already uses for `release` (empty if none)."""
    try:
        out = subprocess.run(
            ["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE)", "Created-By: Packages"],
            capture_output=True, text=True, check=False,
        ).stdout
    except OSError:
        return ""
    for line in out.splitlines():
        uri, _, rel = line.partition(" ")
        if rel == release:
            return uri.rstrip("/")
    return ""


DEFAULT_MIRROR = os.environ.get("DEBIAN_MIRROR") or _host_repository("bookworm")
DEFAULT_SECURITY_MIRROR = os.environ.get("DEBIAN_SECURITY_MIRROR") or _host_repository("bookworm-security")
SUITES = ("bookworm", "bookworm-updates", "bookworm-security")
COMPONENT = "main"

# --------------------------------------------------------------------------
# Curated package lists
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
    openjdk-17-jdk-headless openjdk-17-jre openjdk-17-jre-headless default-jre
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
    fonts-ipafont-gothic fonts-wqy-zenhei awscli
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
    },
    "gcc": {
        "libc6-dev": "without libc headers and crt files even hello.c fails (stdio.h: No such file / cannot find crt1.o)",
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
    },
    "graphicsmagick": {
        "ghostscript": "reading PDF, PS and EPS input is delegated to ghostscript (gs)",
    },
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

# --------------------------------------------------------------------------
# apt-cache access
# --------------------------------------------------------------------------

# Alternatives preferred when resolving or-groups: debootstrap installs
# usr-is-merged (not usrmerge, which would pull in perl) on merged-/usr
# systems such as the Debian 12 images, satisfying init-system-helpers'
# "usrmerge | usr-is-merged".
PREFER = {"usr-is-merged"}

PRIORITY_RANK = {"required": 0, "important": 1, "standard": 2,
                 "optional": 3, "extra": 4}
_REL_NAME = re.compile(r"^\s*([a-z0-9][a-z0-9+.\-]*)(?::[a-z0-9\-]+)?")


class AptCache:
    """apt-cache restricted to the Debian archive and an empty dpkg status."""

    def __init__(self, mirror: str, security_mirror: str, arch: str | None):
        self.tmp = tempfile.TemporaryDirectory(prefix="dockerfix-apt-")
        t = Path(self.tmp.name)
        (t / "parts").mkdir()
        (t / "prefs").mkdir()
        (t / "status").write_text("")
        lines = [
            f"deb {mirror} {SUITES[0]} {COMPONENT}",
            f"deb {mirror} {SUITES[1]} {COMPONENT}",
            f"deb {security_mirror} {SUITES[2]} {COMPONENT}",
        ]
        (t / "sources.list").write_text("\n".join(lines) + "\n")
        self.opts = [
            "-o", f"Dir::Etc::SourceList={t / 'sources.list'}",
            "-o", f"Dir::Etc::SourceParts={t / 'parts'}",
            "-o", "Dir::Etc::Preferences=/dev/null",
            "-o", f"Dir::Etc::PreferencesParts={t / 'prefs'}",
            "-o", f"Dir::State::status={t / 'status'}",
            "-o", "Dir::Cache::pkgcache=",
            "-o", "Dir::Cache::srcpkgcache=",
        ]
        if arch:
            self.opts += ["-o", f"APT::Architecture={arch}"]
        self.records: dict[str, dict[str, str]] = {}
        self.missing: set[str] = set()
        self.providers: dict[str, list[str]] = {}

    def run(self, tool: str, *args: str) -> str:
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        p = subprocess.run([tool, *self.opts, *args], capture_output=True,
                           text=True, env=env)
        if p.returncode not in (0, 100):
            raise SystemExit(f"{tool} {' '.join(args[:3])}... failed: {p.stderr}")
        return p.stdout

    @staticmethod
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

    def fetch(self, names) -> None:
        """Load candidate records (apt-cache show --no-all-versions)."""
        todo = sorted({n for n in names
                       if n not in self.records and n not in self.missing})
        for i in range(0, len(todo), 400):
            chunk = todo[i:i + 400]
            text = self.run("apt-cache", "show", "--no-all-versions", *chunk)
            for rec in self.parse_paragraphs(text):
                self.records.setdefault(rec["Package"], rec)
            self.missing.update(n for n in chunk if n not in self.records)
        # Virtual packages: who provides them (apt-cache showpkg).
        virt = sorted(n for n in todo if n in self.missing
                      and n not in self.providers)
        for i in range(0, len(virt), 200):
            chunk = virt[i:i + 200]
            text = self.run("apt-cache", "showpkg", *chunk)
            self._parse_showpkg(text)
        provs = {p for v in virt for p in self.providers.get(v, [])}
        if provs - set(self.records):
            self.fetch(provs)
            # Keep only providers whose candidate really Provides the name.
            for v in virt:
                self.providers[v] = sorted(
                    p for p in self.providers.get(v, [])
                    if p in self.records and v in provided_names(self.records[p]))

    def _parse_showpkg(self, text: str) -> None:
        pkg, in_rp = None, False
        for line in text.splitlines():
            if line.startswith("Package: "):
                pkg, in_rp = line.split(":", 1)[1].strip(), False
                self.providers.setdefault(pkg, [])
            elif line.startswith("Reverse Provides:"):
                in_rp = True
            elif in_rp and line.strip() and pkg:
                prov = line.split()[0]
                if prov not in self.providers[pkg]:
                    self.providers[pkg].append(prov)
            elif not line.strip():
                in_rp = False

    def rec(self, name: str) -> dict[str, str] | None:
        return self.records.get(name)

    def policy_releases(self) -> list[str]:
        out = []
        for line in self.run("apt-cache", "policy").splitlines():
            line = line.strip()
            if line.startswith("release ") and "o=Debian" in line:
                out.append(line[len("release "):])
        return sorted(set(out))

    def release_dates(self) -> dict[str, str]:
        """Date: field of each suite's (In)Release file, from the lists dir."""
        text = self.run("apt-get", "indextargets", "Identifier: Packages")
        dates = {}
        for t in self.parse_paragraphs(text):
            fn = t.get("Filename", "")
            base = t.get("Base-URI", "")
            suite = t.get("Codename") or t.get("Release", "")
            if not fn or not base:
                continue
            stem = re.sub(r"^[a-z]+://", "", base).rstrip("/").replace("/", "_")
            for rel in ("InRelease", "Release"):
                p = Path(fn).parent / f"{stem}_{rel}"
                if p.exists():
                    for line in p.read_text(errors="replace").splitlines():
                        if line.startswith("Date:"):
                            dates[suite] = line.split(":", 1)[1].strip()
                            break
                    break
        return dates

    def required_names(self) -> list[str]:
        """Packages with Priority: required or Essential: yes (dumpavail)."""
        names = set()
        pkg = prio = ess = None
        for line in self.run("apt-cache", "dumpavail").splitlines():
            if not line.strip():
                if pkg and (prio == "required" or ess == "yes"):
                    names.add(pkg)
                pkg = prio = ess = None
            elif line.startswith("Package:"):
                pkg = line.split(":", 1)[1].strip()
            elif line.startswith("Priority:"):
                prio = line.split(":", 1)[1].strip()
            elif line.startswith("Essential:"):
                ess = line.split(":", 1)[1].strip()
        if pkg and (prio == "required" or ess == "yes"):
            names.add(pkg)
        return sorted(names)


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


class Resolver:
    def __init__(self, apt: AptCache):
        self.apt = apt
        self.base: set[str] = set()

    def choose(self, group: list[str], chosen: set[str],
               provided: dict[str, list[str]]) -> str | None:
        """apt-like choice for an or-group.  An alternative that is already
        chosen (or in the base system), or provided by a chosen package,
        satisfies the group; else the first alternative that is a real
        package; a virtual alternative resolves to the provider of highest
        Priority (then by name).  Version constraints are not evaluated."""
        self.apt.fetch(group)
        for alt in group:
            if (alt in chosen or alt in PREFER) and self.apt.rec(alt):
                return alt
            if provided.get(alt):
                return provided[alt][0]
        for alt in group:
            if self.apt.rec(alt):
                return alt
            provs = self.apt.providers.get(alt, [])
            if provs:
                return min(provs, key=lambda p: (
                    PRIORITY_RANK.get(self.apt.rec(p).get("Priority", "optional"), 9), p))
        return None

    def prefetch(self, roots) -> None:
        """Load records for everything reachable through any alternative of
        Pre-Depends/Depends/Recommends of `roots`, in a few batched calls
        (a superset of what the closures below need)."""
        seen: set[str] = set()
        frontier = set(roots)
        while frontier:
            self.apt.fetch(frontier)
            seen |= frontier
            nxt = set()
            for n in frontier:
                targets = [n] + self.apt.providers.get(n, [])
                for t in targets:
                    r = self.apt.rec(t)
                    if r:
                        nxt.add(t)
                        for g in hard_depends(r) + parse_relations(r.get("Recommends")):
                            nxt.update(g)
            frontier = nxt - seen

    def _provided_map(self, names) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for n in sorted(names):
            r = self.apt.rec(n)
            if r:
                for v in provided_names(r):
                    out.setdefault(v, []).append(n)
        return out

    def depends_closure(self, roots: list[str]) -> dict[str, str | None]:
        """Closure over Pre-Depends+Depends; returns {pkg: parent} in BFS
        order (roots -> None), so that `path` gives a shortest chain.

        The set is selected like apt's MarkInstall: depth-first in field
        order, where an or-group (or a dependency on a name that a selected
        package Provides) is satisfied by what is already selected or in the
        base system.  Conflicts/Breaks and version constraints are not
        evaluated."""
        chosen = set(self.base) | set(roots)
        provided = self._provided_map(chosen)
        selected: list[str] = list(roots)
        self.apt.fetch(roots)

        def mark(c: str) -> None:
            chosen.add(c)
            selected.append(c)
            for v in provided_names(self.apt.rec(c) or {}):
                provided.setdefault(v, []).append(c)

        stack = [(r, 0) for r in reversed(roots)]
        # iterative DFS: (package, index of next dependency group)
        while stack:
            pkg, i = stack.pop()
            r = self.apt.rec(pkg)
            groups = hard_depends(r) if r else []
            if i == 0 and groups:
                self.apt.fetch({n for g in groups for n in g})
            if i >= len(groups):
                continue
            stack.append((pkg, i + 1))
            c = self.choose(groups[i], chosen, provided)
            if c and c not in chosen:
                mark(c)
                stack.append((c, 0))
            elif c and c in self.base and c not in selected:
                selected.append(c)      # base member reached: keep in closure
                stack.append((c, 0))
        sel = set(selected)
        # Shortest-path parents within the selected set (BFS).
        parent: dict[str, str | None] = {r: None for r in roots}
        queue = deque(roots)
        prov_sel = self._provided_map(sel)
        while queue:
            p = queue.popleft()
            r = self.apt.rec(p)
            for g in (hard_depends(r) if r else []):
                c = self.choose(g, sel, prov_sel)
                if c and c in sel and c not in parent:
                    parent[c] = p
                    queue.append(c)
        return parent

    @staticmethod
    def path(parent: dict[str, str | None], node: str) -> list[str]:
        out = [node]
        while parent.get(out[-1]) is not None:
            out.append(parent[out[-1]])
        return out[::-1]


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
# debian_recommends.toml
# --------------------------------------------------------------------------

def build_recommends(apt: AptCache, res: Resolver, base: set[str]):
    apt.fetch(COMMON_PACKAGES)
    packages = {}
    closures = {}
    not_found = []
    for name in COMMON_PACKAGES:
        r = apt.rec(name)
        if not r:
            not_found.append(name)
            continue
        parent = res.depends_closure([name])
        closures[name] = parent
        dep_names = set(parent)
        satisfied_names = set()
        for n in dep_names | base:
            satisfied_names.add(n)
            if apt.rec(n):
                satisfied_names |= provided_names(apt.rec(n))
        # BFS order == insertion order of `parent`; the first recommender of a
        # group is therefore one with the shortest Depends path.
        via: dict[str, str] = {}
        nonbase_recommenders: dict[str, bool] = {}
        for p in parent:
            pr = apt.rec(p)
            if not pr:
                continue
            for g in parse_relations(pr.get("Recommends")):
                s = gstr(g)
                via.setdefault(s, p)
                if p not in base:
                    nonbase_recommenders[s] = True
        dropped = sorted(
            s for s in via
            if nonbase_recommenders.get(s)
            and not any(n in satisfied_names for n in s.split(" | ")))
        entry = {
            "version": r["Version"],
            "section": r.get("Section", ""),
            "depends": [gstr(g) for g in parse_relations(r.get("Depends"))],
            "recommends": [gstr(g) for g in parse_relations(r.get("Recommends"))],
            "depends_closure_size": len(parent) - 1,
            "recommends_closure": sorted(via),
            "recommends_via": {s: p for s, p in via.items() if p != name},
            "recommends_dropped": dropped,
        }
        pre = parse_relations(r.get("Pre-Depends"))
        if pre:
            entry["pre_depends"] = [gstr(g) for g in pre]
        if r.get("Source"):
            entry["source"] = r["Source"].split()[0]
        packages[name] = entry

    functional = {}
    failures: list[str] = []
    for pkg in sorted(FUNCTIONAL_RECOMMENDS):
        claims = FUNCTIONAL_RECOMMENDS[pkg]
        if pkg not in packages:
            raise SystemExit(f"functional_recommends: {pkg} not in package data")
        parent = closures[pkg]
        via_map = dict(packages[pkg]["recommends_via"])
        for s in packages[pkg]["recommends"]:
            via_map.setdefault(s, pkg)
        out = {}
        for target, reason in sorted(claims.items()):
            rec_name, _, provider = target.partition("=")
            groups = [s for s in packages[pkg]["recommends_closure"]
                      if rec_name in s.split(" | ")]
            if not groups:
                failures.append(f"claim {pkg} -> {rec_name}: not in its recommends closure")
                continue
            if rec_name in parent or (provider and provider in parent):
                failures.append(f"claim {pkg} -> {rec_name}: already in its Depends closure")
                continue
            if provider:
                apt.fetch([provider])
                if provider not in apt.providers.get(rec_name, []) and \
                        rec_name not in provided_names(apt.rec(provider) or {}):
                    failures.append(f"claim {pkg}: {provider} does not provide {rec_name}")
                    continue
            g = groups[0]
            recommender = via_map.get(g, pkg)
            item = {
                "reason": reason,
                "recommends_group": g,
                "path": Resolver.path(parent, recommender) + [rec_name],
            }
            if provider:
                item["provided_by"] = provider
            out[provider or rec_name] = item
        if out:
            functional[pkg] = out
    if failures:
        raise SystemExit("unverified functional_recommends claims:\n  "
                         + "\n  ".join(failures))
    return packages, functional, not_found


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

def header(kind: str, apt: AptCache, date: str, arch: str, extra: str) -> list[str]:
    rel = apt.policy_releases()
    dates = apt.release_dates()
    lines = [
        f"# {kind}",
        "# GENERATED FILE -- do not edit by hand.",
        "#",
        "# Source: Debian 12 bookworm apt metadata via `apt-cache show --no-all-versions`",
        f"#   (candidate versions), archive suites {', '.join(SUITES)}, component {COMPONENT},",
        f"#   architecture {arch}; third-party repositories and installed packages ignored.",
    ]
    for r in rel:
        lines.append(f"#   release {r}")
    for s in sorted(dates):
        lines.append(f"#   {s} Release Date: {dates[s]}")
    lines += [
        f"# Generated: {date}",
        "# Regenerate (on Debian 12): apt-get update && "
        "python3 transforms/data/regenerate_debian.py",
        "#",
    ]
    lines += comment_block(extra)
    lines.append("")
    return lines


def self_check(apt: AptCache, res: Resolver) -> None:
    """Compare depends_closure with apt's own simulation from an empty dpkg
    status.  The only expected difference is usr-is-merged (preferred here)
    versus usrmerge and the perl it pulls in (apt's choice on an empty
    system)."""
    saved, res.base = res.base, set()
    usr = {"usr-is-merged", "usrmerge"}
    bad = 0
    for p in COMMON_PACKAGES:
        if not apt.rec(p):
            continue
        out = apt.run("apt-get", "-o", "Debug::NoLocking=1", "-s", "install",
                      "--no-install-recommends", p)
        sim = {l.split()[1] for l in out.splitlines() if l.startswith("Inst ")}
        ours = set(res.depends_closure([p]))
        diff = (ours ^ sim) - usr
        if diff and not ({"usr-is-merged", "usrmerge"} & (ours ^ sim)):
            bad += 1
            print(f"self-check {p}: only ours {sorted(ours - sim)}, "
                  f"only apt {sorted(sim - ours)}", file=sys.stderr)
    res.base = saved
    print(f"self-check: {bad} unexplained differences in {len(COMMON_PACKAGES)} closures",
          file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--date", default=_dt.datetime.now(_dt.timezone.utc).date().isoformat(),
                    help="date written into the headers (default: today, UTC)")
    ap.add_argument("--mirror", default=DEFAULT_MIRROR)
    ap.add_argument("--security-mirror", default=DEFAULT_SECURITY_MIRROR)
    ap.add_argument("--arch", default=None, help="default: dpkg --print-architecture")
    ap.add_argument("--outdir", default=str(HERE))
    ap.add_argument("--self-check", action="store_true",
                    help="also compare every Depends closure with apt-get -s install "
                         "--no-install-recommends on an empty system (slow)")
    a = ap.parse_args(argv)
    arch = a.arch or subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                                    text=True, check=True).stdout.strip()
    apt = AptCache(a.mirror, a.security_mirror, arch)
    apt.fetch(["libc6"])
    if not apt.rec("libc6"):
        raise SystemExit("apt-cache sees no Debian bookworm packages: run `apt-get update` "
                         "(and pass --mirror if your sources use another mirror)")
    res = Resolver(apt)
    required = apt.required_names()
    res.prefetch(sorted(set(required) | set(COMMON_PACKAGES) | set(DEV_PACKAGES)
                        | set(COMPILER_PACKAGES)))
    base = set(res.depends_closure(required))
    res.base = base

    if a.self_check:
        self_check(apt, res)
    packages, functional, nf1 = build_recommends(apt, res, base)
    lines = header(
        "dockerfix: apt Depends/Recommends data for packages common in Dockerfiles",
        apt, a.date, arch, f"""
Fields of [packages.NAME]:
  version            candidate version in the suites above
  source             source package (when it differs from NAME)
  section            Debian archive section
  pre_depends/depends  relation names; alternatives kept as "a | b";
                     version constraints and :any qualifiers dropped
  recommends         the package's own Recommends, same format
  depends_closure_size  number of packages in its Depends+Pre-Depends closure,
                     excluding NAME (base-system members included).  The
                     closure is selected like apt's MarkInstall: depth-first
                     in field order; an or-group, or a name that a selected
                     package Provides, is satisfied by what is already
                     selected or in the base system, else by the first real
                     alternative (a virtual name: its highest-Priority
                     provider); usr-is-merged is preferred to usrmerge as on
                     debootstrapped bookworm systems.  Version constraints and
                     Conflicts are not evaluated.  `--self-check` compares it
                     with `apt-get -s install --no-install-recommends`.
  recommends_closure every Recommends group of the package or of any package
                     in its Depends closure (one level of Recommends, not
                     recursive)
  recommends_via     group -> the package in the Depends closure that
                     recommends it (the one with the shortest Depends path;
                     groups recommended by NAME itself are omitted)
  recommends_dropped the part of recommends_closure that
                     `apt-get install --no-install-recommends NAME` leaves out
                     on a minimal base system: groups not satisfied by the
                     Depends closure nor by the base system, and recommended by
                     at least one non-base package.  The base system is the
                     Depends closure of all Priority: required / Essential:
                     yes packages ({len(base)} packages, listed in [meta]), like
                     a debootstrap --variant=minbase image.
[functional_recommends.PKG.NAME]: curated recommends whose absence breaks
common use.  Every entry was checked by the generator against this metadata:
NAME appears in PKG's recommends_closure (recommends_group) and is not pulled
in by PKG's Depends closure.  `path` is the Depends chain from PKG to the
package that recommends NAME, ending in NAME.
""")
    meta = {
        "generated": a.date,
        "architecture": arch,
        "suites": list(SUITES),
        "package_count": len(packages),
        "not_in_archive": nf1,
        "base_system": sorted(base),
    }
    emit_table(lines, "meta", meta)
    for name in sorted(packages):
        emit_table(lines, f"packages.{tkey(name)}", packages[name])
    lines += comment_block("""
functional_recommends: recommended packages that --no-install-recommends
drops and whose absence breaks common use.  Recommends judged not functional
are deliberately absent (e.g. git's less and patch; gnupg-l10n; man pages).
""")
    for pkg in sorted(functional):
        for tgt in sorted(functional[pkg]):
            emit_table(lines, f"functional_recommends.{tkey(pkg)}.{tkey(tgt)}",
                       functional[pkg][tgt])
    outdir = Path(a.outdir)
    (outdir / RECOMMENDS_OUT.name).write_text("\n".join(lines).rstrip("\n") + "\n")

    dev, compilers, nf2 = build_dev_runtime(apt, base)
    lines = header(
        "dockerfix: -dev package -> runtime library package(s), and build-only toolchains",
        apt, a.date, arch, """
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
  version/source/section/depends  as in debian_recommends.toml
[compilers.NAME]: toolchain packages that belong only in a build stage;
  description is Debian's short package description.
""")
    meta = {"generated": a.date, "architecture": arch, "suites": list(SUITES),
            "dev_count": len(dev), "compiler_count": len(compilers),
            "not_in_archive": nf2}
    emit_table(lines, "meta", meta)
    for name in sorted(dev):
        emit_table(lines, f"dev.{tkey(name)}", dev[name])
    for name in sorted(compilers):
        emit_table(lines, f"compilers.{tkey(name)}", compilers[name])
    (outdir / DEV_RUNTIME_OUT.name).write_text("\n".join(lines).rstrip("\n") + "\n")
    print(f"packages={len(packages)} functional={sum(len(v) for v in functional.values())} "
          f"dev={len(dev)} compilers={len(compilers)} not_found={nf1 + nf2}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
