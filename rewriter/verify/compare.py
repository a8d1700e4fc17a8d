"""Are two final images equivalent, up to what the applied fixes promise?

Each difference between the original image and the rewritten one is put in
a category, and each rule family promises which categories it may change:

| difference | promised by |
|---|---|
| package-manager caches and apt lists removed | DF2xx (caches), DF4xx (left in the build stage) |
| what a cache that is still there holds | always allowed ("cache contents": never decides what the image does) |
| Debian packages removed (recommends, build toolchains) | DF2xx, DF3xx, DF4xx |
| Debian packages added or of another version | DF3xx (another base image) |
| language build tools removed, added or of another version (pip, uv, wheel...) | DF4xx |
| application files removed: sources the build stage copied and the runtime stage does not | DF4xx |
| a file the runtime stage copies that the build stage now builds otherwise (`CGO_ENABLED=0`) | DF4xx, if the smoke check ran and passed |
| what the runtime stage's base image brings or lacks: its own files, a Debian package at its version (not one the original pinned or upgraded) | DF4xx (read from both base images) |
| a new virtual environment's own files (pyvenv.cfg, interpreter links, entry points moved there) | DF4xx |
| a lock file an unfrozen install rewrote and the source copy restored (not Gemfile.lock) | DF1xx |
| environment variables the Dockerfile does not set, differing exactly as the two base images set them | DF3xx, DF4xx (read from both base images) |
| environment variables whose ENV line the rewrite changed | any fix (on purpose) |

A multi-stage split's promise is read from the two Dockerfiles and the two
base images (`rewriter.verify.split`): without them, a split may only remove
caches, packages and the entry points its virtual environment took over.
A base move's env is read from the two base images as well: without them,
no variable may differ.

Python packages are compared by name and version wherever they live, so an
application moved into a virtual environment keeps its packages.  An ELF
file that needs a shared library the rewritten image lacks is a failure
whatever the fixes promise.  Anything else (a changed or added application
file, a language package added, removed or of another version, another
entrypoint, cmd, workdir, user, exposed port or healthcheck) is a failure.
Paths that only describe packages (dpkg's database, alternatives, generated
CA links) and files owned by Debian
packages are judged through the package sets, not file by file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Iterable

from rewriter.outputs import plural
from rewriter.verify.builders import ImageConfig
from rewriter.verify.snapshot import Snapshot, category
from rewriter.verify.split import Bases, SplitPromise, within

# Language packages a split build may leave in the build stage: installers and
# build back ends, never imported by an application at run time.
BUILD_TOOLS = frozenset(
    {"pip", "setuptools", "wheel", "uv", "poetry", "poetry-core", "pip-tools", "build", "virtualenv", "hatchling", "flit-core", "cython", "npm", "corepack", "yarn", "pnpm"}
)


# Where packages' maintainer scripts write files no package owns (users, caches, enabled units).
_SYSTEM_AREAS = re.compile(r"^(?:(?:etc|var|bin|sbin|lib|lib64)(?:/|$)|usr/(?!local/))")


def _explained_by_packages(path: str, fingerprint: str) -> bool:
    """A path maintainer scripts write: system areas, and folders under /usr/local (Debian policy 9.1.2)."""
    return bool(_SYSTEM_AREAS.match(path)) or (path.startswith("usr/local/") and fingerprint.startswith("d "))


@dataclass(frozen=True)
class Difference:
    category: str
    """config, app, cache, debian, python, node, system."""
    change: str
    """added, removed, changed."""
    subject: str
    detail: str = ""
    allowed_by: str = ""
    """The rule family whose promise covers this difference, empty if none does."""
    needs_smoke: bool = False
    """Allowed only if the smoke check ran and passed: a file the split builds otherwise, judged by what it does."""

    @property
    def allowed(self) -> bool:
        return bool(self.allowed_by)

    def describe(self) -> str:
        text = f"{self.category}: {self.change} {self.subject}"
        return f"{text} ({self.detail})" if self.detail else text


def _families(codes: Iterable[str]) -> set[str]:
    """DF201 -> DF2."""
    return {code[:3] for code in codes}


def _first(families: set[str], *wanted: str) -> str:
    return next((f"{w}xx" for w in wanted if w in families), "")


def compare_config(
    original: ImageConfig, rewritten: ImageConfig, *, families: set[str], env_on_purpose: set[str], env_in_dockerfile: set[str], bases: Bases | None = None
) -> list[Difference]:
    """Entrypoint, cmd, workdir, user, exposed ports and healthcheck must match; env up to what the fixes changed.

    A base move (DF3xx) or a split's runtime stage (DF4xx) inherits another
    base image's env: a variable the Dockerfile does not set may differ
    exactly as the two bases' own values do (`bases`), and no other way.
    """
    out: list[Difference] = []
    for name in ("entrypoint", "cmd", "workdir", "user", "exposed_ports", "healthcheck"):
        before, after = getattr(original, name), getattr(rewritten, name)
        if before != after:
            out.append(Difference("config", "changed", name, f"{before!r} -> {after!r}"))
    env_before, env_after = original.env_dict(), rewritten.env_dict()
    for key in sorted(set(env_before) | set(env_after)):
        before, after = env_before.get(key), env_after.get(key)
        if before == after:
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        if key in env_on_purpose:
            allowed = "rewrite"
        elif key not in env_in_dockerfile and bases is not None and bases.env_as_set(key, before, after):
            allowed = _first(families, "DF4", "DF3")
        else:
            allowed = ""
        out.append(Difference("config", change, f"ENV {key}", f"{before!r} -> {after!r}", allowed))
    return out


def _dict_diff(category_: str, before: dict[str, str], after: dict[str, str]) -> Iterable[tuple[str, str, str]]:
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if old is None:
            yield "added", key, str(new)
        elif new is None:
            yield "removed", key, str(old)
        else:
            yield "changed", key, f"{old} -> {new}"


def compare_packages(original: Snapshot, rewritten: Snapshot, families: set[str], split: SplitPromise | None = None) -> list[Difference]:
    out: list[Difference] = []
    for change, name, detail in _dict_diff("debian", original.debian, rewritten.debian):
        allowed = _first(families, "DF2", "DF4", "DF3") if change == "removed" else _first(families, "DF3")
        if not allowed and "DF4" in families and split is not None:
            if split.debian_from_base(name, original.debian.get(name), rewritten.debian.get(name)):
                allowed, detail = "DF4xx", f"{detail}: the runtime stage's base image has it so"
            elif change == "changed" and (chosen := split.chosen_by_the_original(name)):
                detail = f"{detail}: {chosen}"
        out.append(Difference("debian", change, name, detail, allowed))
    for change, name, detail in _dict_diff("python", original.python, rewritten.python):
        # A split may leave build tools in the build stage, and its venv brings its own pip.
        allowed = _first(families, "DF4") if name in BUILD_TOOLS else ""
        out.append(Difference("python", change, name, detail, allowed))
    for change, name, detail in _dict_diff("node", original.node, rewritten.node):
        allowed = _first(families, "DF4") if change == "removed" and name.rsplit("node_modules/", 1)[-1] in BUILD_TOOLS else ""
        out.append(Difference("node", change, name, detail, allowed))
    return out


def compare_files(original: Snapshot, rewritten: Snapshot, families: set[str], split: SplitPromise | None = None) -> list[Difference]:
    """Application files by content; caches by presence; system files only if the package sets agree."""
    out: list[Difference] = []
    same_debian = original.debian == rewritten.debian
    venvs = {path.rsplit("/", 1)[0] for path in rewritten.files if path.endswith("/pyvenv.cfg")} - {
        path.rsplit("/", 1)[0] for path in original.files if path.endswith("/pyvenv.cfg")
    }
    splits = "DF4" in families
    for path in sorted(set(original.files) | set(rewritten.files)):
        before, after = original.files.get(path), rewritten.files.get(path)
        if before == after:
            continue
        kind = category(path, original if before is not None else rewritten)
        if kind in ("noise", "packages", "language"):
            continue  # judged by compare_packages
        if not same_debian and (kind == "system" or (kind == "app" and _explained_by_packages(path, before or after or ""))):
            continue  # explained by the package difference (maintainer scripts write here too), judged there
        if before is not None and after is not None and before.startswith("d ") and after.startswith("d "):
            if kind != "app":
                continue
        change = "added" if before is None else "removed" if after is None else "changed"
        detail, needs_smoke = _detail(before, after), False
        if splits and split is not None and split.from_bases(path, before, after):
            allowed, detail = "DF4xx", "the base images differ here: " + (detail or change)
        elif kind == "cache":
            # Removing a cache is what DF2xx/DF4xx promise; what a cache that is still there holds
            # (npm's timestamped logs, Go's build cache) never decides what the image does.
            parent = path.rsplit("/", 1)[0]
            if change == "removed" and parent not in rewritten.files:
                allowed = _first(families, "DF2", "DF4")
            else:
                allowed = "cache contents"
        elif kind == "app" and change == "changed" and path.rsplit("/", 1)[-1] in restored_locks():
            # DF1xx's promise (docs/layer-order.md): an unfrozen install may rewrite its lock file, and
            # the source copy puts the committed one back; nothing reads it at run time.
            allowed = _first(families, "DF1")
        elif splits and kind == "app" and change == "removed" and _moved_into_venv(path, venvs, rewritten):
            allowed, detail = "DF4xx", "an entry point the virtual environment holds now"
        elif splits and kind == "app" and change == "removed" and split is not None and split.left_behind(path):
            allowed, detail = "DF4xx", "left in the build stage"
        elif splits and kind == "app" and change == "changed" and before and after and before[0] == after[0] == "f" and split is not None and split.built_by_the_split(path):
            # Built anew with other flags (CGO_ENABLED=0): its bytes cannot match, what it does must.
            allowed, needs_smoke, detail = "DF4xx", True, f"{detail}: built otherwise by the split's build stage, judged by the smoke check"
        elif splits and kind == "app" and change == "added" and any(within(path, root) or within(root, path) for root in venvs):
            # The split's virtual environment: pyvenv.cfg, its interpreter links and the entry points
            # that lived in /usr/local/bin; its packages are compared by name and version above.
            allowed = "DF4xx"
        else:
            allowed = ""
        out.append(Difference("cache" if kind == "cache" else "app" if kind == "app" else "system", change, "/" + path, detail, allowed, needs_smoke))
    return _fold(_emptied_folders(out, original))


def _emptied_folders(differences: list[Difference], original: Snapshot) -> list[Difference]:
    """A removed folder is allowed when every removal below it is (/usr/local/bin, whose entry points the venv took)."""
    out = []
    for diff in differences:
        folder = diff.subject.lstrip("/")
        if not diff.allowed and diff.change == "removed" and (original.files.get(folder) or "").startswith("d "):
            below = [d for d in differences if d.subject.startswith(diff.subject + "/")]
            families = {d.allowed_by for d in below}
            if below and all(d.allowed and d.change == "removed" for d in below) and len(families) == 1:
                diff = Difference(diff.category, diff.change, diff.subject, "emptied: " + plural(len(below), "removal") + " below", families.pop())
        out.append(diff)
    return out


def _moved_into_venv(path: str, venvs: set[str], rewritten: Snapshot) -> bool:
    """An entry point pip had put in /usr/local/bin that the split's virtual environment now holds."""
    folder, _, name = path.rpartition("/")
    return folder == "usr/local/bin" and any(f"{venv}/bin/{name}" in rewritten.files for venv in venvs)


@lru_cache(maxsize=1)
def restored_locks() -> frozenset[str]:
    """Lock files that a layer-order fix may leave as committed where the install had rewritten them.

    From the package-manager data; a lock that a runtime reads (Bundler's Gemfile.lock) is not one.
    """
    from rewriter.context import load_data

    data = load_data("package_managers")
    return frozenset(
        name for spec in data.values() if isinstance(spec, dict) and not spec.get("lock_read_at_run_time") for name in spec.get("locks", [])
    )


def _detail(before: str | None, after: str | None) -> str:
    if before and after:
        b, a = before.split(" "), after.split(" ")
        if b[0] != a[0]:
            return f"{b[0]} -> {a[0]}"
        if b[0] in ("f", "d") and b[1:3] != a[1:3]:
            return f"mode/owner {' '.join(b[1:3])} -> {' '.join(a[1:3])}"
        if b[0] == "f":
            return "content differs"
        return f"{before} -> {after}"
    return ""


def _fold(differences: list[Difference], limit: int = 3) -> list[Difference]:
    """Many allowed removals under one folder (a pip cache) are shown as one line."""
    out: list[Difference] = []
    groups: dict[tuple[str, str, str, str], list[Difference]] = {}
    for diff in differences:
        if diff.allowed and (diff.change == "removed" or diff.category == "cache"):
            top = "/".join(diff.subject.split("/")[:4])
            groups.setdefault((diff.category, diff.change, diff.allowed_by, top), []).append(diff)
        else:
            out.append(diff)
    for (cat, change, allowed, top), members in groups.items():
        if len(members) <= limit:
            out.extend(members)
        else:
            out.append(Difference(cat, change, f"{top}/...", plural(len(members), "path"), allowed))
    return sorted(out, key=lambda d: (d.allowed, d.category, d.subject))


def compare_libraries(original: Snapshot, rewritten: Snapshot) -> list[Difference]:
    """ELF files of the rewritten image that need a shared library it lacks (and the original did not).

    No fix promises a missing library: a split that left `libpq5` behind, or
    a slim base without `libxml2`, breaks the application the first time it
    loads that module, whether or not a smoke test reaches it.
    """
    before = original.missing_libraries()
    out = []
    for path, missing in sorted(rewritten.missing_libraries().items()):
        new = [name for name in missing if name not in before.get(path, [])]
        if new:
            out.append(Difference("library", "missing", "/" + path, "needs " + ", ".join(new)))
    return out


def compare_images(
    original: tuple[ImageConfig, Snapshot],
    rewritten: tuple[ImageConfig, Snapshot],
    *,
    applied: Iterable[str],
    env_on_purpose: set[str] = frozenset(),  # type: ignore[assignment]
    env_in_dockerfile: set[str] = frozenset(),  # type: ignore[assignment]
    split: SplitPromise | None = None,
    bases: Bases | None = None,
) -> list[Difference]:
    """Every difference between the two final images, each marked allowed or not.

    `split`: a DF4xx split's promise; `bases`: the base images of the two final stages, read when a fix may have moved it."""
    families = _families(applied)
    return [
        *compare_config(original[0], rewritten[0], families=families, env_on_purpose=set(env_on_purpose), env_in_dockerfile=set(env_in_dockerfile), bases=bases),
        *compare_packages(original[1], rewritten[1], families, split),
        *compare_files(original[1], rewritten[1], families, split),
        *compare_libraries(original[1], rewritten[1]),
    ]
