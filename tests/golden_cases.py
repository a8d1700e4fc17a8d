"""Golden cases: `golden/<case>/` read like documentation of what dockerfix does.

A case folder holds:
- `Dockerfile`: the input;
- `context/`: the build context (optional; without it the context is empty);
- `case.toml`: optional `description`, `select`, `ignore`, `cache_strategy`, and
  `context_files` (path = text) for context files git cannot hold (`.git/HEAD`),
  made in a temporary copy of the context;
- `expected.safe.Dockerfile`: output with safe fixes (missing: must stay unchanged);
- `expected.unsafe.Dockerfile`: output with `--unsafe-fixes` (missing: same as safe);
- `expected.safe.dockerignore` (`expected.unsafe.dockerignore`): a `.dockerignore`
  the fixes create at the context root (missing: none is created; unsafe:
  same as safe); a file created elsewhere is named after its path relative
  to the context, with `expected.<mode>.` in place of a leading dot
  (`expected.safe.Dockerfile.dockerignore`);
- `expected.report.txt`: what `dockerfix` reports for the input, safe mode.

The Dockerfile is built as if it were `context/Dockerfile`, where most
Dockerfiles live (it need not exist there: a case that shows what happens to
the copy of the Dockerfile in the context puts one there).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rewriter.context import Settings
from rewriter.engine import Result, fix_source
from rewriter.outputs import format_diagnostic
from rewriter.rules import Applicability

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"
_EMPTY_CONTEXT = Path(tempfile.mkdtemp(prefix="dockerfix-empty-context-"))


@dataclass(frozen=True)
class Case:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def input(self) -> bytes:
        return (self.path / "Dockerfile").read_bytes()

    @property
    def config(self) -> dict:
        path = self.path / "case.toml"
        return tomllib.loads(path.read_text()) if path.exists() else {}

    @cached_property
    def context(self) -> Path:
        path = self.path / "context"
        extra = self.config.get("context_files", {})
        if not extra:
            return path if path.is_dir() else _EMPTY_CONTEXT
        # Paths git cannot hold (a `.git` folder) are made in a copy of the context.
        copy = Path(tempfile.mkdtemp(prefix=f"dockerfix-{self.name}-")) / "context"
        if path.is_dir():
            shutil.copytree(path, copy, symlinks=True)
        for name, text in extra.items():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / name).write_text(text)
        return copy

    def settings(self, unsafe: bool) -> Settings:
        config = self.config
        return Settings(
            unsafe_fixes=unsafe,
            select=tuple(config.get("select", ())),
            ignore=tuple(config.get("ignore", ())),
            cache_strategy=config.get("cache_strategy", "delete"),
            sort_packages=config.get("sort_packages", False),
        )

    def run(self, unsafe: bool, source: bytes | None = None, context: Path | None = None) -> Result:
        context = context or self.context
        return fix_source(
            self.input if source is None else source,
            path="Dockerfile",
            settings=self.settings(unsafe),
            context_dir=context,
            dockerfile_path=context / "Dockerfile",
        )

    def created(self, result: Result) -> dict[str, bytes]:
        """The files the run creates, by the name of their expected file (`dockerignore` for `.dockerignore`)."""
        return {expected_name(Path(path).relative_to(self.context).as_posix()): text.encode() for path, text in result.created.items()}

    def expected_created(self, mode: str) -> dict[str, bytes]:
        """The `expected.<mode>.*` files other than the Dockerfile's, by name."""
        prefix = f"expected.{mode}."
        return {
            p.name[len(prefix) :]: p.read_bytes()
            for p in self.path.glob(prefix + "*")
            if p.name != prefix + "Dockerfile"
        }


    def report(self) -> str:
        result = self.run(unsafe=False)
        assert result.document is not None
        lines = [format_diagnostic("Dockerfile", result.document, o, Applicability.SAFE) for o in result.outcomes]
        return "".join(line + "\n" for line in lines)


def cases() -> list[Case]:
    return sorted((Case(p.parent) for p in GOLDEN.glob("*/Dockerfile")), key=lambda c: c.name)


def expected_name(relative: str) -> str:
    if "/" in relative:
        raise ValueError(f"golden cases name created files at the context root only, not {relative}")
    return relative.removeprefix(".")
