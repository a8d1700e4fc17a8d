"""What dockerfix prints: diagnostics, unified diffs, error lines.

Plain text is built with the standard library; rich is imported only to
colour output on a terminal, so piped output and the common path stay fast.
"""

from __future__ import annotations

import difflib
import sys
from typing import TextIO

from rewriter.rules import Applicability, Diagnostic
from rewriter.syntax import Document


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    """A unified diff that keeps line endings; `\\ No newline at end of file` as git prints it."""
    old = before.decode("utf-8", errors="surrogateescape").splitlines(keepends=True)
    new = after.decode("utf-8", errors="surrogateescape").splitlines(keepends=True)
    lines: list[str] = []
    for line in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"):
        if line.endswith("\n"):
            lines.append(line)
        else:
            lines.append(line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def format_diagnostic(path: str, document: Document, diagnostic: Diagnostic, threshold: Applicability) -> str:
    line = document.lines.line(diagnostic.span.start)
    column = document.lines.column(diagnostic.span.start)
    fix = diagnostic.fix
    if fix is not None and fix.applicability >= threshold:
        marker = " [*]"
    elif fix is not None and fix.applicability == Applicability.UNSAFE:
        marker = " [unsafe fix available: --unsafe-fixes]"
    else:
        marker = ""
    text = f"{path}:{line}:{column}: {diagnostic.rule} {diagnostic.message}{marker}"
    if diagnostic.note and (fix is None or fix.applicability < threshold):
        text += "\n    note: " + diagnostic.note.replace("\n", "\n    ")
    return text


def use_color(stream: TextIO, no_color: bool) -> bool:
    import os

    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def write_diff(diff: str, stream: TextIO, color: bool) -> None:
    if not color:
        stream.write(diff)
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True, force_terminal=True)
    styles = {"+++": "bold", "---": "bold", "@@": "cyan", "+": "green", "-": "red", "\\": "dim"}
    for line in diff.splitlines():
        style = next((s for prefix, s in styles.items() if line.startswith(prefix)), "")
        console.print(Text(line, style=style))


def error_line(path: str, line: int | None, message: str) -> str:
    return f"{path}:{line}: {message}" if line is not None else f"{path}: {message}"


def stderr(text: str) -> None:
    sys.stderr.write(text + "\n")
