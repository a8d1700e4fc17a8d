"""Find the Dockerfiles below a directory, as a user of ruff or hadolint expects."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from rewriter.context import DockerIgnore
from rewriter.files import is_regular_file

DOCKERFILE_PATTERNS = ("Dockerfile", "Containerfile", "*.Dockerfile", "*.dockerfile", "Dockerfile.*", "Containerfile.*")
# Dockerfile.* also matches Dockerfile.dockerignore, which is not a Dockerfile.
_NOT_DOCKERFILES = ("*.dockerignore", "*.md", "*.txt", "*.orig", "*.rej", "*.swp", "*~")
ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".tox", ".mypy_cache"})


def is_dockerfile_name(name: str) -> bool:
    if any(fnmatch.fnmatchcase(name, p) for p in _NOT_DOCKERFILES):
        return False
    return any(fnmatch.fnmatchcase(name, p) for p in DOCKERFILE_PATTERNS)


class _GitIgnore:
    """The .gitignore files met on the way down, each applying below its folder."""

    def __init__(self) -> None:
        self._specs: list[tuple[Path, object]] = []

    def push(self, folder: Path) -> None:
        path = folder / ".gitignore"
        if path.is_file():
            import pathspec

            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return
            self._specs.append((folder, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        for folder, spec in self._specs:
            try:
                rel = path.relative_to(folder).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + ("/" if is_dir else "")):  # type: ignore[attr-defined]
                return True
        return False


def find_dockerfiles(root: Path) -> list[Path]:
    """Dockerfiles below `root`, skipping VCS folders, what .gitignore ignores,
    folders that the root's .dockerignore leaves out of the build context, and
    whatever is not a regular file (a FIFO named Dockerfile would hang the read)."""
    try:
        dockerignore = DockerIgnore((root / ".dockerignore").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        dockerignore = DockerIgnore()
    gitignore = _GitIgnore()
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        folder = Path(dirpath)
        gitignore.push(folder)
        kept = []
        for name in sorted(dirnames):
            sub = folder / name
            rel = sub.relative_to(root).as_posix()
            if name in ALWAYS_SKIPPED or gitignore.ignored(sub, True) or dockerignore.excluded(rel):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = folder / name
            if is_dockerfile_name(name) and not gitignore.ignored(path, False) and is_regular_file(path):
                found.append(path)
    return found
