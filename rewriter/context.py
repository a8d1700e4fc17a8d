"""What a pass may know about a file: its tree, its build context, the settings.

Facts that several passes need (the shell of each RUN, the variables at an
instruction, the files of the build context) are computed here once per
file and lazily, like LibCST's metadata providers.  The working directory
depends on the base image, so it is computed with the image knowledge
(`transforms.base_images.stage.workdir_at`).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Callable, Hashable, Iterable, Iterator, Literal, Mapping, NamedTuple, TypeVar

from rewriter.shell import POSIX_SHELLS, ShellScript, shell_source
from rewriter.syntax import Document, Instruction, Stage
from rewriter.text import Span
from rewriter.variables import Environments, expand

CacheStrategy = Literal["delete", "mount"]
T = TypeVar("T")


class Settings(NamedTuple):
    unsafe_fixes: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    cache_strategy: CacheStrategy = "delete"
    """`delete`: remove package caches in the layer; `mount`: BuildKit cache mounts instead."""
    sort_packages: bool = False
    """Style option: one package per line, sorted, in apt/apk installs."""
    options: Mapping[str, Any] = MappingProxyType({})
    """Per-pass options from configuration, keyed by pass module name."""
    extend_safe_fixes: tuple[str, ...] = ()
    """Rule code prefixes whose unsafe fixes are applied as safe ones (ruff's `extend-safe-fixes`):
    set by the user for fixes they trust, and by `--prove` for fixes a real build proved."""


# -- .dockerignore -------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """moby/patternmatcher's translation of a .dockerignore pattern."""
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                i += 2
                if pattern.startswith("/", i):
                    out.append("(.*/)?")
                    i += 1
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            close = pattern.find("]", i + 1)
            if close < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : close].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = close
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return re.compile("".join(out))


class DockerIgnore:
    """Which paths of a build context BuildKit leaves out."""

    def __init__(self, text: str = "") -> None:
        self.patterns: list[tuple[bool, re.Pattern[str], str]] = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:].strip()
            cleaned = os.path.normpath(line.lstrip("/")).replace(os.sep, "/") if line.lstrip("/") else "."
            if cleaned == ".":
                continue
            self.patterns.append((negate, _pattern_regex(cleaned), cleaned))

    def excluded(self, relative: str) -> bool:
        if not self.patterns:
            return False
        path = relative.strip("/")
        parts = path.split("/")
        if "" in parts or "." in parts:  # `a//b`, `./a`: the path a listed one (already clean) would be
            parts = list(PurePosixPath(path).parts) or ["."]
        # The path and each folder above it: `a/b/c` is left out when `a` is.
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        result = False
        for negate, regex, _ in self.patterns:
            if any(regex.match(c) for c in candidates):
                result = not negate
        return result


def context_path(source: str) -> str | None:
    """The context path a COPY/ADD source names ("." for the whole context): BuildKit reads
    `/x` and `./x` as `x`.  None for a path that climbs out of the context."""
    import posixpath

    path = posixpath.normpath(source.strip("/") or ".")
    return None if path == ".." or path.startswith("../") else path


class BuildContext:
    """The files BuildKit would send for `docker build` from `root`."""

    MAX_FILES = 50_000

    def __init__(self, root: Path, dockerfile: Path | None = None, created: Mapping[str, str] = MappingProxyType({})) -> None:
        """`created`: files this run creates (full path to text), seen as if they were written."""
        self.root = root
        self.dockerfile = dockerfile
        self.ignore_file: Path | None = None
        """The ignore file BuildKit reads for this build, if there is one."""
        ignore = ""
        for candidate in self.ignore_candidates():
            text = created.get(str(candidate))
            try:
                ignore = text if text is not None else candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            self.ignore_file = candidate
            break
        self.ignore = DockerIgnore(ignore)
        self._files: list[str] | None = None
        self._memo: dict[Hashable, Any] = {}

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A fact about the context (a listing), computed once for all rounds and rules of a file."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    def ignore_candidates(self) -> list[Path]:
        """Where BuildKit looks for ignore patterns, first match wins: `<Dockerfile>.dockerignore`
        beside the Dockerfile, then `.dockerignore` at the context's root."""
        candidates = []
        if self.dockerfile is not None:
            candidates.append(self.dockerfile.with_name(self.dockerfile.name + ".dockerignore"))
        return candidates + [self.root / ".dockerignore"]

    def _resolve(self, relative: str) -> Path | None:
        rel = PurePosixPath(relative)
        if rel.is_absolute() or ".." in rel.parts:
            return None
        return self.root / rel

    def exists(self, relative: str) -> bool:
        """True if `relative` is in the context and not excluded by .dockerignore."""
        path = self._resolve(relative)
        return path is not None and path.exists() and not self.ignore.excluded(relative)

    def is_file(self, relative: str) -> bool:
        path = self._resolve(relative)
        return path is not None and path.is_file() and not self.ignore.excluded(relative)

    def read_text(self, relative: str) -> str | None:
        if not self.is_file(relative):
            return None
        path = self._resolve(relative)
        assert path is not None
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def head(self, relative: str, size: int) -> bytes | None:
        """The first `size` bytes of a context file (None if it is not one): enough to tell its format."""
        if not self.is_file(relative):
            return None
        path = self._resolve(relative)
        assert path is not None
        try:
            with path.open("rb") as handle:
                return handle.read(size)
        except OSError:
            return None

    def files(self) -> list[str]:
        """Every file sent to the builder, as sorted slash-separated relative paths."""
        if self._files is None:
            found: list[str] = []
            for dirpath, dirnames, filenames in os.walk(self.root):
                rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
                prefix = "" if rel_dir == "." else rel_dir + "/"
                dirnames[:] = sorted(d for d in dirnames if d != ".git")
                for name in sorted(filenames):
                    rel = prefix + name
                    if not self.ignore.excluded(rel):
                        found.append(rel)
                if len(found) > self.MAX_FILES:
                    break
            self._files = sorted(found)
        return self._files

    def glob(self, pattern: str) -> list[str]:
        regex = _pattern_regex(pattern)
        return [f for f in self.files() if regex.match(f)]

    def glob_folders(self, pattern: str) -> list[str]:
        """Folders with files sent to the builder that `pattern` matches (a wildcard source may name folders)."""
        regex = _pattern_regex(pattern)
        folders = {str(parent) for f in self.files() for parent in PurePosixPath(f).parents} - {"."}
        return sorted(f for f in folders if regex.match(f))


# -- shared facts of one file ---------------------------------------------------


DATA_DIR = Path(__file__).resolve().parent.parent / "transforms" / "data"


def toml_loads(text: str) -> dict[str, Any]:
    """Parse TOML (tomllib, or tomli on Python 3.10); imported on first use, it is not free."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(text)
    except RecursionError:  # arrays or tables nested past Python's limit
        raise ValueError("nested too deeply to read") from None


def json_loads(text: str) -> Any:
    """Parse JSON from the build context; nesting past Python's limit is a ValueError like any bad JSON."""
    import json

    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None


@lru_cache(maxsize=None)
def load_data(name: str) -> dict[str, Any]:
    """A knowledge file from `transforms/data/`, parsed once per process.

    TOML keeps the facts readable with their sources; parsing it is slow
    (tens of milliseconds for the larger files, most of a cold start), so
    the parsed form is cached per user, keyed by the file's contents.
    """
    raw = (DATA_DIR / f"{name}.toml").read_bytes()
    return parsed_once(name, raw, lambda: toml_loads(raw.decode("utf-8")))


def parsed_once(name: str, raw: bytes, parse: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`parse()` of a knowledge file's bytes `raw`, from the per-user cache when its contents are unchanged.

    For every knowledge file, whatever its format: TOML, and the packed
    Debian metadata (gunzip and JSON cost ~27 ms, the cache ~1 ms).
    """
    cache = _data_cache_path(name, raw)
    if cache is not None:
        try:
            return _load_cached(cache.read_bytes())
        except Exception:  # missing, stale format, truncated: parse again
            pass
    data = parse()
    if cache is not None:
        _store_cached(cache, data)
    return data


def _data_cache_path(name: str, raw: bytes) -> Path | None:
    import sys
    import zlib

    root = os.environ.get("DOCKERFIX_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "dockerfix"
    )
    if root in ("", "0", "off"):
        return None
    key = f"{zlib.crc32(raw):08x}{len(raw):x}-py{sys.version_info[0]}{sys.version_info[1]}"
    return Path(root) / f"{name}-{key}.pickle"


def _load_cached(data: bytes) -> dict[str, Any]:
    """Unpickle only the types TOML produces (no code can be smuggled into the cache)."""
    import datetime
    import io
    import pickle

    allowed = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timezone"), ("datetime", "timedelta")}

    class _Restricted(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) in allowed:
                return getattr(datetime, name)
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a data cache")

    value = _Restricted(io.BytesIO(data)).load()
    if not isinstance(value, dict):
        raise ValueError("not a data cache")
    return value


def _store_cached(path: Path, data: dict[str, Any]) -> None:
    import pickle
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for stale in path.parent.glob(f"{path.name.rsplit('-', 2)[0]}-*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)  # an older version of this file
    except OSError:
        pass  # a read-only home: just parse each time


class FileContext:
    """Everything a rule may look at for one Dockerfile."""

    def __init__(
        self,
        document: Document,
        *,
        path: str = "Dockerfile",
        settings: Settings | None = None,
        build_context: BuildContext | None = None,
    ) -> None:
        self.document = document
        self.path = path
        self.settings = settings or Settings()
        self.build_context = build_context
        self._shells: dict[int, ShellScript | None] = {}
        self._memo: dict[Hashable, Any] = {}

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A fact that several rules share, computed once for this file (and this round).

        Key it by the computing function so passes cannot collide:
        `context.memo(_find, lambda: list(_find(context)))`.
        """
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        return self.document.text

    def slice(self, span: Span) -> str:
        return self.document.text[span.start : span.end]

    def line(self, offset: int) -> int:
        return self.document.lines.line(offset)

    def stage(self, instruction: Instruction) -> Stage | None:
        return self.document.stage_of(instruction)

    def runs(self) -> Iterator[Instruction]:
        """RUN instructions, in order (not the ones inside ONBUILD)."""
        return (i for i in self.document.instructions if i.name == "RUN")

    def scripts(self, instructions: Iterable[Instruction] | None = None) -> Iterator[tuple[Instruction, ShellScript]]:
        """The RUNs (of the file, or of `instructions`) whose shell dockerfix can read.

        RUNs in exec form, for another shell or interpreter, or whose script
        has syntax errors are left out: a pass must not guess at them.
        """
        for instruction in self.runs() if instructions is None else instructions:
            if instruction.name != "RUN":
                continue
            script = self.shell(instruction)
            if script is not None and not script.has_errors:
                yield instruction, script

    def shell(self, instruction: Instruction) -> ShellScript | None:
        """The parsed shell of a RUN, or None where it is not a POSIX shell script."""
        key = instruction.index
        if key not in self._shells:
            script = None
            if self._posix_shell(instruction):
                source = shell_source(instruction, self.document.text)
                script = ShellScript(source) if source is not None else None
            self._shells[key] = script
        return self._shells[key]

    def _posix_shell(self, instruction: Instruction) -> bool:
        shell = self._shell_forms().get(instruction.index)
        return shell is None or shell[0].rsplit("/", 1)[-1] in POSIX_SHELLS

    def _shell_forms(self) -> dict[int, tuple[str, ...]]:
        """The SHELL (exec form) each instruction runs under, where a SHELL before it in its stage set one."""

        def walk() -> dict[int, tuple[str, ...]]:
            table: dict[int, tuple[str, ...]] = {}
            for stage in self.document.stages:
                shell: tuple[str, ...] | None = None
                for ins in stage.instructions:
                    if shell is not None:
                        table[ins.index] = shell
                    if ins.name == "SHELL" and ins.json:
                        shell = ins.json
            return table

        return self.memo(FileContext._shell_forms, walk)

    def shell_instruction_before(self, instruction: Instruction) -> Instruction | None:
        """The last SHELL instruction before `instruction` in its stage, if any."""

        def walk() -> dict[int, Instruction]:
            table: dict[int, Instruction] = {}
            for stage in self.document.stages:
                last: Instruction | None = None
                for ins in stage.instructions:
                    if last is not None:
                        table[ins.index] = last
                    if ins.name == "SHELL":
                        last = ins
            return table

        return self.memo(FileContext.shell_instruction_before, walk).get(instruction.index)

    def env_at(self, instruction: Instruction) -> dict[str, str | None]:
        """Variables visible to the instruction (see `rewriter.variables.Environments`), computed once per file."""
        return dict(self.memo(Environments, lambda: Environments(self.document)).before(instruction))

    def expand(self, word: str, instruction: Instruction) -> str | None:
        return expand(word, self.env_at(instruction), self.document.escape)
