"""What dockerfix prints: diagnostics in text, JSON, SARIF or GitHub annotations; diffs; errors.

Plain text is built with the standard library; rich is imported only to
colour output on a terminal, so piped output and the common path stay fast.

The JSON format is versioned (`"version": 1`) and documented in
`docs/output-formats.md`; SARIF follows the 2.1.0 standard that GitHub code
scanning reads.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any, Iterable, TextIO

from rewriter.rules import Applicability, Diagnostic
from rewriter.syntax import Document
from rewriter.text import Span

if TYPE_CHECKING:
    from rewriter.cli import FileReport
    from rewriter.engine import Outcome, Result

JSON_FORMAT_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def plural(n: int, word: str, plural: str | None = None) -> str:
    """`1 fix`, `2 fixes`: a count with its noun agreeing."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def unified_diff(path: str, before: bytes | None, after: bytes) -> str:
    """A unified diff that keeps line endings; `\\ No newline at end of file` as git prints it.

    `before` is None for a file the fix creates: `--- /dev/null`, as git shows a new file.
    """
    old = (before or b"").decode("utf-8", errors="surrogateescape").splitlines(keepends=True)
    new = after.decode("utf-8", errors="surrogateescape").splitlines(keepends=True)
    lines: list[str] = []
    for line in difflib.unified_diff(old, new, "/dev/null" if before is None else f"a/{path}", f"b/{path}"):
        if line.endswith("\n"):
            lines.append(line)
        else:
            lines.append(line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def display_path(path: str) -> str:
    """A created file's path as the user knows it: relative to the current folder when below it."""
    import os

    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def result_diff(path: str, result: Result) -> str:
    """The Dockerfile's diff, then one new-file diff per file the fixes create."""
    diff = unified_diff(path, result.source, result.output) if result.output != result.source else ""
    return diff + "".join(unified_diff(display_path(name), None, text.encode("utf-8")) for name, text in result.created.items())


def _created_json(files: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"path": display_path(name), "content": text} for name, text in files]


def _position(document: Document, offset: int) -> tuple[int, int]:
    return document.lines.line(offset), document.lines.column(offset)


def _range(document: Document, span: Span) -> tuple[int, int, int, int]:
    """1-based line and column of a span's start and (exclusive) end."""
    return (*_position(document, span.start), *_position(document, span.end))


def fix_marker(outcome: Outcome, threshold: Applicability) -> str:
    """` [*]` when this run resolves the diagnostic; otherwise what it would take."""
    if outcome.fixed:
        return " [*]"
    fix = (outcome.left if outcome.blocked else outcome.diagnostic).fix  # type: ignore[union-attr]
    if fix is not None and fix.applicability == Applicability.UNSAFE and threshold > Applicability.UNSAFE:
        return " [unsafe fix: --unsafe-fixes]"
    return ""


def explanation(outcome: Outcome, threshold: Applicability) -> str:
    """The note shown with a diagnostic this run leaves: why its fix was not applied, what to check."""
    if outcome.fixed:
        return ""
    if outcome.blocked:
        left = outcome.left
        assert left is not None
        if left.fix is not None and left.fix.applicability >= threshold:
            return "Not fixed: its fix could not be applied (see the internal error)."
        return _join("Not fixed: once the other fixes are made, its fix no longer applies.", left.note)
    fix = outcome.diagnostic.fix
    return outcome.diagnostic.note if fix is None or fix.applicability < threshold else ""


def _join(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def format_diagnostic(path: str, document: Document, outcome: Outcome, threshold: Applicability) -> str:
    diagnostic = outcome.diagnostic
    line, column = _position(document, diagnostic.span.start)
    text = f"{path}:{line}:{column}: {diagnostic.rule} {diagnostic.message}{fix_marker(outcome, threshold)}"
    note = explanation(outcome, threshold)
    if note:
        text += "\n    note: " + note.replace("\n", "\n    ")
    return text


def _reported(result: Result, only_remaining: bool) -> tuple[Document, list[Outcome]]:
    """The diagnostics to report and the text their positions are in: the original's, or after
    `--write` what the written file still has, at its positions there."""
    if only_remaining:
        return result.output_document, result.written()
    assert result.document is not None
    return result.document, result.outcomes


def _with_results(reports: Iterable[FileReport]) -> Iterable[tuple[FileReport, Result]]:
    for report in reports:
        if report.result is not None:
            yield report, report.result


def render(fmt: str, reports: list[FileReport], *, only_remaining: bool = False) -> str:
    if fmt == "json":
        return render_json(reports, only_remaining)
    if fmt == "sarif":
        return render_sarif(reports, only_remaining)
    if fmt == "github":
        return render_github(reports, only_remaining)
    return render_text(reports, only_remaining)


def render_text(reports: list[FileReport], only_remaining: bool) -> str:
    lines: list[str] = []
    fixable = unsafe = blocked = suggestions = 0
    for report, result in _with_results(reports):
        document, outcomes = _reported(result, only_remaining)
        for outcome in outcomes:
            lines.append(format_diagnostic(report.path, document, outcome, result.threshold))
            if outcome.fixed:
                fixable += 1
            elif fix_marker(outcome, result.threshold):
                unsafe += 1
            elif outcome.blocked:
                blocked += 1
            else:
                suggestions += 1
    if not lines:
        return ""
    total = fixable + unsafe + blocked + suggestions
    parts = []
    if fixable:
        parts.append(f"{fixable} fixable with --write")
    if unsafe:
        parts.append(f"{unsafe} more with --unsafe-fixes")
    if blocked:
        parts.append(f"{blocked} not fixed after the other fixes")
    if suggestions:
        parts.append(plural(suggestions, "suggestion"))
    lines.append(f"Found {plural(total, 'issue')}: {', '.join(parts)}.")
    return "".join(line + "\n" for line in lines)


def _diagnostic_json(result: Result, document: Document, outcome: Outcome) -> dict[str, Any]:
    diagnostic = outcome.diagnostic
    line, column, end_line, end_column = _range(document, diagnostic.span)
    fix = diagnostic.fix
    return {
        "code": diagnostic.rule,
        "message": diagnostic.message,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "applicability": str(diagnostic.applicability),
        "note": diagnostic.note or None,
        "saving_mb": diagnostic.saving_mb,
        "fixed": outcome.fixed,
        "fix": None
        if fix is None
        else {
            "title": fix.title,
            "applicability": str(fix.applicability),
            "applied": outcome.applied,
            "not_applied_because": explanation(outcome, result.threshold) if outcome.blocked else None,
            "edits": [
                {"start": _position(document, e.span.start), "end": _position(document, e.span.end), "content": e.text}
                for e in fix.edits
            ],
            "creates": _created_json(fix.creates),
        },
    }


def render_json(reports: list[FileReport], only_remaining: bool) -> str:
    files = []
    for report in reports:
        entry: dict[str, Any] = {"path": report.path}
        if report.result is not None:
            entry["changed"] = report.result.changed
            entry["created"] = _created_json(report.result.created.items())
            document, outcomes = _reported(report.result, only_remaining)
            entry["diagnostics"] = [_diagnostic_json(report.result, document, o) for o in outcomes]
            entry["error"] = None
        else:
            entry["changed"] = False
            entry["created"] = []
            entry["diagnostics"] = []
            entry["error"] = {"line": report.error_line, "message": report.error}
        files.append(entry)
    from rewriter.cli import version

    document = {"version": JSON_FORMAT_VERSION, "tool": {"name": "dockerfix", "version": version()}, "files": files}
    return json.dumps(document, indent=2) + "\n"


def _sarif_level(diagnostic: Diagnostic) -> str:
    return "note" if diagnostic.applicability == Applicability.SUGGESTION else "warning"


def render_sarif(reports: list[FileReport], only_remaining: bool) -> str:
    from rewriter.cli import version
    from rewriter.rules import all_rules

    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    notifications = []
    for report in reports:
        if report.result is None:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": report.error or "error"},
                    "locations": [_sarif_location(report.path, report.error_line or 1, 1, report.error_line or 1, 1)],
                }
            )
            continue
        result = report.result
        document, outcomes = _reported(result, only_remaining)
        for outcome in outcomes:
            diagnostic = outcome.diagnostic
            line, column, end_line, end_column = _range(document, diagnostic.span)
            note = explanation(outcome, result.threshold) if outcome.blocked else diagnostic.note
            entry: dict[str, Any] = {
                "ruleId": diagnostic.rule,
                "level": _sarif_level(diagnostic),
                "message": {"text": diagnostic.message + (f" Note: {note}" if note else "")},
                "locations": [_sarif_location(report.path, line, column, end_line, end_column)],
                "properties": {"applicability": str(diagnostic.applicability), "fixed": outcome.fixed},
            }
            if diagnostic.rule in index:
                entry["ruleIndex"] = index[diagnostic.rule]
            if diagnostic.fix is not None:
                changes = [
                    {
                        "artifactLocation": {"uri": _uri(report.path)},
                        "replacements": [_sarif_replacement(document, e) for e in diagnostic.fix.edits],
                    }
                ] if diagnostic.fix.edits else []
                # A created file: an insertion at the start of an empty artifact.
                changes += [
                    {
                        "artifactLocation": {"uri": _uri(display_path(new.path))},
                        "replacements": [{"deletedRegion": {"charOffset": 0, "charLength": 0}, "insertedContent": {"text": new.text}}],
                    }
                    for new in diagnostic.fix.creates
                ]
                entry["fixes"] = [{"description": {"text": diagnostic.fix.title}, "artifactChanges": changes}]
            results.append(entry)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "dockerfix",
                "version": version(),
                "rules": [
                    {
                        "id": rule.code,
                        "name": rule.name,
                        "shortDescription": {"text": rule.summary},
                        "fullDescription": {"text": rule.summary},
                        "help": {"text": rule.documentation or rule.summary, "markdown": rule.documentation or rule.summary},
                        "defaultConfiguration": {"level": "note" if rule.applicability == Applicability.SUGGESTION else "warning"},
                        "properties": {"applicability": str(rule.applicability), "hadolint": list(rule.hadolint)},
                    }
                    for rule in rules
                ],
            }
        },
        "results": results,
    }
    if notifications:
        run["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": notifications}]
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path.replace("\\", "/").removeprefix("./"))


def _sarif_location(path: str, line: int, column: int, end_line: int, end_column: int) -> dict[str, Any]:
    region = {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": max(end_column, 1)}
    return {"physicalLocation": {"artifactLocation": {"uri": _uri(path)}, "region": region}}


def _sarif_replacement(document: Document, edit: Any) -> dict[str, Any]:
    line, column, end_line, end_column = _range(document, edit.span)
    return {
        "deletedRegion": {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column},
        "insertedContent": {"text": edit.text},
    }


def _escape_github(value: str, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_github(reports: list[FileReport], only_remaining: bool) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic."""
    lines = []
    for report in reports:
        if report.result is None:
            line = report.error_line or 1
            lines.append(f"::error file={_escape_github(report.path, True)},line={line}::{_escape_github(report.error or 'error')}")
            continue
        result = report.result
        document, outcomes = _reported(result, only_remaining)
        for outcome in outcomes:
            diagnostic = outcome.diagnostic
            line, column, end_line, end_column = _range(document, diagnostic.span)
            level = "notice" if diagnostic.applicability == Applicability.SUGGESTION else "warning"
            props = f"file={_escape_github(report.path, True)},line={line},col={column},endLine={end_line},endColumn={end_column},title={_escape_github(diagnostic.rule, True)}"
            message = diagnostic.message + fix_marker(outcome, result.threshold)
            note = explanation(outcome, result.threshold) if outcome.blocked else diagnostic.note
            if note:
                message += f"\n{note}"
            lines.append(f"::{level} {props}::{_escape_github(message)}")
    return "".join(line + "\n" for line in lines)


def statistics(reports: list[FileReport]) -> str:
    """Count per rule, most frequent first, as `ruff --statistics` prints it."""
    counts: Counter[str] = Counter()
    fixable: dict[str, bool] = {}
    for _, result in _with_results(reports):
        for outcome in result.outcomes:
            counts[outcome.diagnostic.rule] += 1
            if outcome.fixed:
                fixable[outcome.diagnostic.rule] = True
    from rewriter.rules import all_rules

    names = {rule.code: rule.name for rule in all_rules()}
    return "".join(
        f"{count:>5}\t{code}\t{'[*]' if fixable.get(code) else '   '}\t{names.get(code, '')}\n"
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )


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
