"""Fixes that create a file (DF105's `.dockerignore`): every output and mode shows it, and nothing is ever overwritten."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rewriter import files
from rewriter.cli import main

DOCKERFILE = "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "package.json").write_text("{}\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--select", "DF105", *args, "Dockerfile"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_diff_shows_a_new_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--diff")
    assert code == 1
    assert out.startswith("--- /dev/null\n+++ b/.dockerignore\n@@ -0,0 +1,")
    assert "\n+.git\n" in out and "\n+Dockerfile\n" in out
    assert not (project / ".dockerignore").exists()


def test_check_counts_a_file_to_create_as_a_change(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--check")[:2] == (1, "")
    assert not (project / ".dockerignore").exists()


def test_write_creates_it_once(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--write")
    assert code == 0 and "created .dockerignore" in err
    written = (project / ".dockerignore").read_text()
    assert ".git\n" in written and (project / "Dockerfile").read_text() == DOCKERFILE
    assert run(capsys, "--check")[0] == 0  # a fixed point: the second run creates nothing
    assert not [p for p in os.listdir(project) if p.endswith(".dockerfix")]


def test_json_lists_the_file_and_the_fix_that_creates_it(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "json")
    (entry,) = json.loads(out)["files"]
    assert entry["changed"] is True
    (created,) = entry["created"]
    assert created["path"] == ".dockerignore" and ".git\n" in created["content"]
    (diagnostic,) = entry["diagnostics"]
    assert diagnostic["fix"]["edits"] == [] and diagnostic["fix"]["creates"] == [created]


def test_sarif_describes_the_new_file_as_an_insertion(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "sarif")
    (result,) = json.loads(out)["runs"][0]["results"]
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == ".dockerignore"
    assert change["replacements"][0]["deletedRegion"] == {"charOffset": 0, "charLength": 0}


def test_create_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / ".dockerignore"
    path.write_text("mine\n")
    with pytest.raises(files.Exists):
        files.create(path, b"theirs\n")
    assert path.read_text() == "mine\n"
    assert os.listdir(tmp_path) == [".dockerignore"]


def test_a_file_that_appears_meanwhile_is_kept_and_the_dockerfile_too(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rewriter import engine

    real = engine.fix_source

    def racing(*args: object, **kwargs: object) -> engine.Result:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        (project / ".dockerignore").write_text("someone else's\n")
        return result

    monkeypatch.setattr(engine, "fix_source", racing)
    code, _, err = run(capsys, "--write", "--select", "DF105,DF212")
    assert code == 2 and ".dockerignore" in err and "left unchanged" in err
    assert (project / ".dockerignore").read_text() == "someone else's\n"
    assert (project / "Dockerfile").read_text() == DOCKERFILE


def test_engine_refuses_a_fix_that_would_replace_a_file(tmp_path: Path) -> None:
    from rewriter.engine import _created
    from rewriter.rules import Applicability, Diagnostic, Fix, NewFile
    from rewriter.text import Span

    existing = tmp_path / "taken"
    existing.write_text("")
    fix = Fix((), Applicability.SAFE, "create", (NewFile(str(existing), "x"),))
    result = engine_result()
    assert _created([(Diagnostic("DF105", "m", Span(0, 0), fix), fix)], result) == {}
    assert result.internal_errors == [f"DF105: its fix would replace {existing}; skipped"]


def engine_result():  # type: ignore[no-untyped-def]
    from rewriter.context import Settings
    from rewriter.engine import Result
    from rewriter.syntax import parse

    return Result(b"FROM alpine\n", parse(b"FROM alpine\n"), Settings())
