"""What a final image contains: its files, Debian packages and language packages.

Read from the image's filesystem (a mounted root or an exported tar), never by
running a container: nothing in the image is executed, and the same code
serves every builder.  Installed language packages come from their metadata
(`*.dist-info/METADATA`, `node_modules/*/package.json`), which is what
`pip list` and `npm ls` read too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable

from rewriter.verify.elf import ELF_MAGIC, needed_libraries

# Paths a build writes but no Dockerfile means: per-container files the
# builder bind-mounts, logs, bytecode.  Never compared.
_NOISE = re.compile(
    r"^(?:proc|sys|dev|run|tmp|var/tmp|var/log)(?:/|$)"
    r"|^etc/(?:hostname|hosts|resolv\.conf|mtab|ld\.so\.cache)$"
    r"|^var/cache/(?:ldconfig|debconf)(?:/|$)"
    r"|(?:^|/)__pycache__(?:/|$)|\.pyc$"
)
# The package managers' own records: compared through the package sets they describe.
_PACKAGE_RECORDS = re.compile(r"^var/lib/(?:dpkg|apt/extended_states|ucf|pam)(?:/|$)|^etc/alternatives/|^etc/ssl/certs/")
# Package manager caches and downloaded indexes: what DF2xx fixes remove.
_CACHES = re.compile(
    r"^(?:root|home/[^/]+)/(?:\.cache|\.npm|\.yarn|\.pnpm-store|\.cargo/registry|go/pkg/mod)(?:/|$)"
    r"|^var/cache/apt(?:/|$)|^var/lib/apt/lists(?:/|$)|^usr/local/share/\.cache(?:/|$)"
)
# Installed language packages: compared as name -> version, not file by file.
_LANGUAGE_DIRS = re.compile(r"(?:^|/)(?:site-packages|dist-packages|node_modules)(?:/|$)")
_DIST_INFO = re.compile(r"(?:site|dist)-packages/([^/]+)\.(?:dist-info|egg-info)/(?:METADATA|PKG-INFO)$")
_NODE_PACKAGE = re.compile(r"(?:^|/)node_modules/((?:@[^/]+/)?[^/@.][^/]*)/package\.json$")
_DPKG_LIST = re.compile(r"^var/lib/dpkg/info/([^/]+)\.list$")

MAX_METADATA_BYTES = 1 << 20
MAX_ELF_BYTES = 256 << 20
"""ELF files read for their needed libraries, up to this size (larger ones are not scanned)."""


@dataclass
class Snapshot:
    """The files of an image and the packages installed in it."""

    files: dict[str, str] = field(default_factory=dict)
    """Path (relative, no leading slash) -> fingerprint: kind, mode, owner and content hash or link target."""
    debian: dict[str, str] = field(default_factory=dict)
    """Installed Debian packages: name -> version (from /var/lib/dpkg/status)."""
    python: dict[str, str] = field(default_factory=dict)
    """Installed Python distributions: normalised name -> its versions (", "-joined, sorted), wherever they live.

    A package is the same package in /usr/local's site-packages or in a
    virtual environment: a multi-stage split moves the application's packages
    into /opt/venv, and the venv's own copy of pip is the same pip."""
    node: dict[str, str] = field(default_factory=dict)
    """Installed npm packages: `dir/node_modules/name` -> version."""
    dpkg_owned: set[str] = field(default_factory=set)
    """Paths some Debian package installed (from /var/lib/dpkg/info/*.list)."""
    elf_needs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """ELF files (dynamically linked) -> the shared libraries they need (DT_NEEDED)."""

    def missing_libraries(self) -> dict[str, list[str]]:
        """ELF files -> needed libraries that no file or link of the image provides.

        Any file of that name counts, wherever it lies: this can miss a library
        the loader would not find, never invent one it would.
        """
        present = {path.rsplit("/", 1)[-1] for path in self.files}
        out: dict[str, list[str]] = {}
        for path, needed in self.elf_needs.items():
            missing = [name for name in needed if name not in present]
            if missing:
                out[path] = missing
        return out


def category(path: str, snapshot: Snapshot) -> str:
    """Which comparison a path belongs to: noise, packages, cache, language, system or app."""
    if _NOISE.search(path):
        return "noise"
    if _PACKAGE_RECORDS.search(path):
        return "packages"
    if _CACHES.search(path):
        return "cache"
    if _LANGUAGE_DIRS.search(path):
        return "language"
    if path in snapshot.dpkg_owned or path.startswith(("usr/share/doc/", "usr/share/man/", "usr/share/locale/", "usr/share/info/")):
        return "system"
    return "app"


def _normalise_python(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_METADATA_NAMES = frozenset({"METADATA", "PKG-INFO", "package.json"})


def _keeps_metadata(path: str) -> bool:
    """Files whose text says what is installed: dist-info METADATA, a node package's package.json, dpkg's records."""
    return bool(_DIST_INFO.search(path) or _NODE_PACKAGE.search(path) or _DPKG_LIST.match(path) or path == "var/lib/dpkg/status")


def _parse_metadata(text: str) -> tuple[str, str] | None:
    name = version = None
    for line in text.splitlines():
        if not line:
            break
        if line.startswith("Name:"):
            name = line[5:].strip()
        elif line.startswith("Version:"):
            version = line[8:].strip()
    return (_normalise_python(name), version or "") if name else None


def _parse_dpkg_status(text: str) -> dict[str, str]:
    installed: dict[str, str] = {}
    for paragraph in text.split("\n\n"):
        fields = dict(re.findall(r"^([A-Za-z-]+): ?(.*)$", paragraph, re.M))
        if fields.get("Status", "").endswith(" installed") and "Package" in fields:
            arch = fields.get("Architecture", "")
            installed[fields["Package"]] = fields.get("Version", "") + (f" ({arch})" if arch else "")
    return installed


class _Collector:
    """Builds a Snapshot from (path, kind, mode, uid, gid, content-or-target) entries."""

    def __init__(self) -> None:
        self.snapshot = Snapshot()
        self._texts: dict[str, str] = {}
        """Small metadata-named files (METADATA, package.json...) wherever they lie: a hard link met later
        in a tar stream (uv links site-packages to its cache) reads its package from its target's text."""

    def hardlink(self, path: str, target: str) -> None:
        """A tar stream's hard link: the same file as `target`, which came earlier in the stream."""
        path, target = (p[2:] if p.startswith("./") else p for p in (path, target))
        path, target = path.strip("/"), target.strip("/")
        if target not in self.snapshot.files:
            self.snapshot.files[path] = f"l hardlink:{target}"
            return
        self.snapshot.files[path] = self.snapshot.files[target]
        if target in self.snapshot.elf_needs:
            self.snapshot.elf_needs[path] = self.snapshot.elf_needs[target]
        text = self._texts.get(target)
        if text is not None and _keeps_metadata(path):
            self._metadata(path, text)

    def add(self, path: str, kind: str, mode: int, owner: str, reader: Iterable[bytes] | None, target: str = "") -> None:
        path = (path[2:] if path.startswith("./") else path).strip("/")
        if not path:
            return
        if kind == "l":
            self.snapshot.files[path] = f"l {target}"
            return
        if kind == "d":
            self.snapshot.files[path] = f"d {mode:o} {owner}"
            return
        if kind != "f":
            self.snapshot.files[path] = f"{kind} {mode:o} {owner}"
            return
        digest = hashlib.sha256()
        keep = _keeps_metadata(path) or path.rsplit("/", 1)[-1] in _METADATA_NAMES
        kept = bytearray()
        elf: bytearray | None = None
        for number, chunk in enumerate(reader or ()):
            if number == 0 and chunk.startswith(ELF_MAGIC):
                elf = bytearray()  # kept whole: the dynamic section may lie anywhere in the file
            digest.update(chunk)
            if keep and len(kept) < MAX_METADATA_BYTES * 8:
                kept.extend(chunk)
            if elf is not None and len(elf) <= MAX_ELF_BYTES:
                elf.extend(chunk)
        self.snapshot.files[path] = f"f {mode:o} {owner} {digest.hexdigest()}"
        if keep:
            text = bytes(kept).decode("utf-8", "replace")
            if _keeps_metadata(path):
                self._metadata(path, text)
            elif len(text) <= MAX_METADATA_BYTES:
                self._texts[path] = text
        if elf is not None and len(elf) <= MAX_ELF_BYTES:
            needs = needed_libraries(bytes(elf))
            if needs is not None and needs.needed:
                self.snapshot.elf_needs[path] = needs.needed

    def _metadata(self, path: str, text: str) -> None:
        snapshot = self.snapshot
        if path == "var/lib/dpkg/status":
            snapshot.debian = _parse_dpkg_status(text)
        elif match := _DPKG_LIST.match(path):
            snapshot.dpkg_owned.update(line.strip().lstrip("/") for line in text.splitlines() if line.strip() not in ("", "/."))
        elif match := _DIST_INFO.search(path):
            parsed = _parse_metadata(text)
            if parsed:
                name, version = parsed
                versions = set(filter(None, snapshot.python.get(name, "").split(", "))) | {version}
                snapshot.python[name] = ", ".join(sorted(versions))
        elif match := _NODE_PACKAGE.search(path):
            try:
                version = str(json.loads(text).get("version", ""))
            except (ValueError, AttributeError, RecursionError):
                version = "?"
            snapshot.node[path[: -len("/package.json")]] = version


def _chunks(handle: IO[bytes], size: int = 1 << 20) -> Iterable[bytes]:
    while chunk := handle.read(size):
        yield chunk


def snapshot_of_dir(root: Path) -> Snapshot:
    """Walk a mounted image root (buildah mount) without following links."""
    collector = _Collector()
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        prefix = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = [d for d in dirnames if not _NOISE.search(prefix + d)]
        for name in dirnames + filenames:
            rel = prefix + name
            if _NOISE.search(rel):
                continue
            full = os.path.join(dirpath, name)
            info = os.lstat(full)
            owner = f"{info.st_uid}:{info.st_gid}"
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                collector.add(rel, "l", mode, owner, None, os.readlink(full))
            elif stat.S_ISDIR(info.st_mode):
                collector.add(rel, "d", mode, owner, None)
            elif stat.S_ISREG(info.st_mode):
                with open(full, "rb") as handle:
                    collector.add(rel, "f", mode, owner, _chunks(handle))
            else:
                collector.add(rel, "s", mode, owner, None)
    return collector.snapshot


def snapshot_of_tar(stream: IO[bytes]) -> Snapshot:
    """Read an exported container filesystem (docker/podman export) as it streams."""
    collector = _Collector()
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            if _NOISE.search(member.name.removeprefix("./").strip("/")):
                continue
            owner = f"{member.uid}:{member.gid}"
            if member.issym():
                collector.add(member.name, "l", member.mode, owner, None, member.linkname)
            elif member.islnk():
                collector.hardlink(member.name, member.linkname)
            elif member.isdir():
                collector.add(member.name, "d", member.mode, owner, None)
            elif member.isfile():
                handle = archive.extractfile(member)
                collector.add(member.name, "f", member.mode, owner, _chunks(handle) if handle else ())
            else:
                collector.add(member.name, "s", member.mode, owner, None)
    return collector.snapshot
