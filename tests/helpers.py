"""Run dockerfix on a snippet, for focused tests that read like specifications.

    assert fixed('''
        FROM python:3.12
        RUN pip install flask
    ''', select="DF201") == '''
        FROM python:3.12
        RUN pip install --no-cache-dir flask
    '''

Snippets are dedented (as LibCST's assertCodemod does), so cases can be
indented with the test.  `files` builds a throw-away build context.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from rewriter.context import Settings
from rewriter.engine import Result, fix_source
from rewriter.rules import Diagnostic


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def run(
    text: str,
    *,
    select: str | tuple[str, ...] = (),
    unsafe: bool = False,
    files: dict[str, str] | None = None,
    cache_strategy: str = "delete",
    sort_packages: bool = False,
    raw: bool = False,
) -> Result:
    source = text if raw else dedent(text)
    selected = (select,) if isinstance(select, str) else tuple(select)
    settings = Settings(unsafe_fixes=unsafe, select=selected, cache_strategy=cache_strategy, sort_packages=sort_packages)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="dockerfix-test-") as tmp:
        root = Path(tmp)
        for name, content in (files or {}).items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dedent(content) if content else "")
        return fix_source(source.encode("utf-8"), settings=settings, context_dir=root, dockerfile_path=root / "Dockerfile")


def fixed(text: str, **kwargs: object) -> str:
    """The rewritten snippet (dedented)."""
    return run(text, **kwargs).output.decode("utf-8")  # type: ignore[arg-type]


def diagnostics(text: str, **kwargs: object) -> list[Diagnostic]:
    return run(text, **kwargs).diagnostics  # type: ignore[arg-type]


def codes(text: str, **kwargs: object) -> list[str]:
    return [d.rule for d in diagnostics(text, **kwargs)]
