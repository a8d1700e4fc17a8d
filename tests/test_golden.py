"""Every golden case: expected output in safe and unsafe mode, a fixed point, parseable by BuildKit."""

from __future__ import annotations

import difflib
import shutil
import tempfile
from pathlib import Path

import pytest

from golden_cases import Case, cases
from rewriter.engine import Result
from rewriter.syntax import parse

CASES = cases()


def _diff(expected: bytes, actual: bytes) -> str:
    return "".join(
        difflib.unified_diff(
            expected.decode(errors="replace").splitlines(keepends=True),
            actual.decode(errors="replace").splitlines(keepends=True),
            "expected",
            "actual",
        )
    )


def _check_expected(request: pytest.FixtureRequest, path, actual: bytes, default: bytes) -> None:  # type: ignore[no-untyped-def]
    if request.config.getoption("--update-golden"):
        if actual == default:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(actual)
        return
    expected = path.read_bytes() if path.exists() else default
    assert actual == expected, f"{path.name} differs:\n{_diff(expected, actual)}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("mode", ["safe", "unsafe"])
def test_golden_output(case: Case, mode: str, request: pytest.FixtureRequest) -> None:
    unsafe = mode == "unsafe"
    result = case.run(unsafe)
    # A missing expected.unsafe file means "same as safe mode"; computing the
    # safe output (not reading its file) keeps --update-golden race-free under xdist.
    default = case.run(False).output if unsafe else case.input
    _check_expected(request, case.path / f"expected.{mode}.Dockerfile", result.output, default)
    assert not result.internal_errors
    created = case.created(result)
    default_created = case.created(case.run(False)) if unsafe else {}
    for name in sorted(set(created) | set(case.expected_created(mode)) | set(default_created)):
        _check_expected(request, case.path / f"expected.{mode}.{name}", created.get(name, b""), default_created.get(name, b""))


def _run_on_written(case: Case, mode: str, first: Result) -> Result:
    """A run over what `first` wrote: its output, in the context with the files it created."""
    if not first.created:
        return case.run(mode == "unsafe", source=first.output)
    with tempfile.TemporaryDirectory(prefix="dockerfix-golden-") as tmp:
        context = Path(tmp) / "context"
        shutil.copytree(case.context, context, symlinks=True)
        for path, text in first.created.items():
            (context / Path(path).relative_to(case.context)).write_text(text)
        return case.run(mode == "unsafe", source=first.output, context=context)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("mode", ["safe", "unsafe"])
def test_golden_fixed_point(case: Case, mode: str) -> None:
    """A second run over the output changes nothing."""
    first = case.run(mode == "unsafe")
    second = _run_on_written(case, mode, first)
    assert second.output == first.output, _diff(first.output, second.output)
    assert not second.created, f"a second run creates {sorted(second.created)} again"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_report(case: Case, request: pytest.FixtureRequest) -> None:
    path = case.path / "expected.report.txt"
    actual = case.report().encode()
    if request.config.getoption("--update-golden"):
        path.write_bytes(actual)
        return
    assert path.exists(), "missing expected.report.txt (run pytest --update-golden and review)"
    assert actual == path.read_bytes(), _diff(path.read_bytes(), actual)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_case_is_described(case: Case) -> None:
    assert case.config.get("description"), f"golden/{case.name}/case.toml needs a description"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("mode", ["safe", "unsafe"])
def test_golden_output_parses_with_buildkit(case: Case, mode: str) -> None:
    buildkit = pytest.importorskip("dockerfile", reason="BuildKit's parser (PyPI `dockerfile`) not installable here")
    output = case.run(mode == "unsafe").output
    commands = buildkit.parse_string(output.decode("utf-8"))
    assert len(commands) == len(parse(output).instructions)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("mode", ["safe", "unsafe"])
def test_golden_report_says_what_was_written(case: Case, mode: str) -> None:
    """The diagnostics reported as fixed are exactly those the written file no longer has: what it
    still has is, diagnostic for diagnostic, what the report left (so one fix never silently costs
    another).  A fix may only bring findings of a new kind, with no fix to apply (a JDK base makes
    the JRE suggestion DF302)."""
    result = case.run(mode == "unsafe")
    written = _run_on_written(case, mode, result)
    reported_rules = {d.rule for d in result.diagnostics}
    left = sorted((o.left.rule, o.left.span, o.left.message) for o in result.remaining() if o.left is not None)
    still_there = sorted(
        (d.rule, d.span, d.message)
        for d in written.diagnostics
        if d.rule in reported_rules or (d.fix is not None and d.fix.applicability >= written.threshold)
    )
    assert left == still_there
    assert [(o.diagnostic.rule, o.diagnostic.span) for o in result.written()] == [(d.rule, d.span) for d in written.diagnostics]
    assert all(o.left is not None for o in result.remaining())
    assert all(o.fixed for o in result.outcomes if o.applied)
