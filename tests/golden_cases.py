"""Golden cases: `golden/<case>/` read like documentation of what dockerfix does.

A case folder holds:
- `Dockerfile`: the input;
- `context/`: the build context (optional; without it the context is empty);
- `case.toml`: optional `description`, `select`, `ignore`, `cache_strategy`;
- `expected.safe.Dockerfile`: output with safe fixes (missing: must stay unchanged);
- `expected.unsafe.Dockerfile`: output with `--unsafe-fixes` (missing: same as safe);
- `expected.report.txt`: what `dockerfix` reports for the input, safe mode.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
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

    @property
    def context(self) -> Path:
        path = self.path / "context"
        return path if path.is_dir() else _EMPTY_CONTEXT

    def settings(self, unsafe: bool) -> Settings:
        config = self.config
        return Settings(
            unsafe_fixes=unsafe,
            select=tuple(config.get("select", ())),
            ignore=tuple(config.get("ignore", ())),
            cache_strategy=config.get("cache_strategy", "delete"),
            sort_packages=config.get("sort_packages", False),
        )

    def run(self, unsafe: bool, source: bytes | None = None) -> Result:
        return fix_source(
            self.input if source is None else source,
            path="Dockerfile",
            settings=self.settings(unsafe),
            context_dir=self.context,
            dockerfile_path=self.path / "Dockerfile",
        )

    def report(self) -> str:
        result = self.run(unsafe=False)
        assert result.document is not None
        lines = [format_diagnostic("Dockerfile", result.document, d, Applicability.SAFE) for d in result.diagnostics]
        return "".join(line + "\n" for line in lines)


def cases() -> list[Case]:
    return sorted((Case(p.parent) for p in GOLDEN.glob("*/Dockerfile")), key=lambda c: c.name)
