#!/usr/bin/env python3
"""Regenerate debian_recommends_extra.toml: Recommends data for more Debian packages.

Maintainer tool, not imported by the package.  Standard library only.

debian_recommends.toml (regenerate_debian.py) covers the packages most
often installed in Dockerfiles, with curated functional recommends.  This
file adds, with the same apt-cache queries and the same minimal base system,
the `recommends_dropped` of more packages: the -dev packages of
debian_dev_runtime.toml, their runtime libraries, and EXTRA_PACKAGES below.
No functional curation is done here: dockerfix treats a package from this
file as safe under --no-install-recommends only when nothing it recommends
is dropped, or when every dropped recommend is in HARMLESS below (a dropped
ca-certificates is added to the install explicitly).

Usage (on Debian 12, after `apt-get update`)::

    python3 transforms/data/regenerate_debian_extra.py [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "debian_recommends_extra.toml"

# Packages often installed in Dockerfiles that debian_recommends.toml lacks.
EXTRA_PACKAGES = sorted(set("""
    libzip-dev libonig-dev libicu-dev libjpeg62-turbo-dev libglib2.0-dev libmariadb-dev
    libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev nlohmann-json3-dev
    libboost-all-dev libboost-dev libeigen3-dev libopencv-dev libgtest-dev
    libatspi2.0-0 libdrm2 libnspr4 libx11-xcb1 libxcomposite1 libxdamage1 libxss1 libxtst6
    libxfixes3 libxi6 libxrandr2 libxcursor1 libxkbcommon0 libgbm1 libasound2 libpangocairo-1.0-0
    libstdc++6 libcurl3-gnutls libcurl4 libncurses6 libtinfo6 libbz2-1.0 zlib1g
    postgresql-contrib acl mc nmap iptables binutils gdal-bin netcat-openbsd
    default-mysql-client postgresql-client-15 libpq5 libxml2-utils xz-utils
    php-pgsql php-sqlite3 php-redis php-bcmath php-soap php-opcache
    openjdk-17-jre-headless maven gradle unzip zip git-core build-essential
    python3-venv python3-dev python3-setuptools python3-wheel python3-numpy
    libffi-dev libssl-dev libpq-dev zlib1g-dev libxml2-dev libxslt1-dev libyaml-dev
    libsqlite3-dev libreadline-dev libbz2-dev liblzma-dev libncurses-dev libgdbm-dev uuid-dev
    tk-dev libgl1 libglib2.0-0 libsm6 libxext6 libxrender1 libgomp1 ffmpeg
    locales tzdata gosu tini dumb-init procps iputils-ping dnsutils telnet jq
    vim nano less wget curl git openssh-client rsync sudo supervisor cron
""".split()))

# Recommends whose absence does not change what a build or a container does:
# Kerberos locale files, the GPM console mouse library, the Public Suffix
# List file (libpsl has the list built in), LDAP client defaults, man pages,
# glibc's developer tools (mtrace, sotruss), XDG user folders, GLib
# translations.  Every `*-doc` and `*-l10n` package counts as harmless too.
# ca-certificates is not harmless: dockerfix adds it explicitly.
HARMLESS = sorted({
    "krb5-locales", "libgpm2", "publicsuffix", "libldap-common", "manpages", "manpages-dev",
    "libc-devtools", "xdg-user-dirs", "libglib2.0-data",
})


def _load_generator():
    spec = importlib.util.spec_from_file_location("regenerate_debian", HERE / "regenerate_debian.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--date", default=_dt.datetime.now(_dt.timezone.utc).date().isoformat())
    a = ap.parse_args(argv)
    gen = _load_generator()
    main_data = tomllib.loads((HERE / "debian_recommends.toml").read_text())
    dev = tomllib.loads((HERE / "debian_dev_runtime.toml").read_text()).get("dev", {})
    names = set(EXTRA_PACKAGES) | set(dev)
    for entry in dev.values():
        names.update(entry.get("runtime", []))
    names -= set(main_data.get("packages", {}))
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
    apt = gen.AptCache(gen.DEFAULT_MIRROR, gen.DEFAULT_SECURITY_MIRROR, arch)
    res = gen.Resolver(apt)
    required = apt.required_names()
    res.prefetch(sorted(set(required) | names))
    base = set(res.depends_closure(required))
    gen.COMMON_PACKAGES = sorted(names)
    gen.FUNCTIONAL_RECOMMENDS = {}
    packages, _, not_found = gen.build_recommends(apt, res, base)
    lines = gen.header(
        "dockerfix: Recommends data for more Debian packages (see regenerate_debian_extra.py)",
        apt, a.date, arch, """
Same fields as debian_recommends.toml's [packages.NAME] (only version,
recommends, recommends_dropped, recommends_via kept).  No functional
curation: [meta] harmless lists the dropped recommends that dockerfix
treats as not changing what the image does.
""")
    lines = [line.replace("regenerate_debian.py", "regenerate_debian_extra.py") for line in lines]
    gen.emit_table(lines, "meta", {"generated": a.date, "architecture": arch, "package_count": len(packages),
                                   "not_in_archive": sorted(not_found), "harmless": HARMLESS})
    for name in sorted(packages):
        entry = packages[name]
        kept = {k: entry[k] for k in ("version", "recommends", "recommends_dropped", "recommends_via") if k in entry}
        gen.emit_table(lines, f"packages.{gen.tkey(name)}", kept)
    OUT.write_text("\n".join(lines).rstrip("\n") + "\n")
    print(f"packages={len(packages)} not_found={len(not_found)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
