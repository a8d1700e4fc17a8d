"""The words of a dockerfix pull request: what a maintainer reads before deciding to merge."""

from __future__ import annotations

import pytest

from rewriter.bot import body
from rewriter.bot.fixes import Change, FileReport, Suggestion
from rewriter.rules import all_rules

RULES = {rule.code: rule for rule in all_rules()}
OPTIONS = body.Options(version="1.2.3")


def report(path: str = "Dockerfile", changes: list[Change] | None = None, suggestions: list[Suggestion] | None = None) -> FileReport:
    return FileReport(path, "100644", b"before\n", b"after\n" if changes else b"before\n", changes or [], suggestions or [])


PIP = Change("DF201", 2, "Add `--no-cache-dir`", "`pip install` without `--no-cache-dir` ships pip's cache", None)


def test_each_change_is_a_row_with_rule_line_change_why_and_saving() -> None:
    text = body.body([report(changes=[PIP, Change("DF302", 1, "Use `python:3.12-slim`", "full image", 345.0, True, "Check: no compilers.")])], RULES, OPTIONS, base="main")
    assert text.startswith(body.MARKER + "\n")
    assert "| Rule | Line | Change | Why | Est. saving |" in text
    assert "| DF201 `pip-install-cache` | 2 | Add `--no-cache-dir` | `pip install` without `--no-cache-dir` ships pip's cache | – |" in text
    assert "| DF302 `full-base-image` | 1 | **unsafe:** Use `python:3.12-slim` | full image<br><sub>Check: no compilers.</sub> | ~345 MB |" in text
    assert "estimated to save ~345 MB of image size (counting the 1 fix whose saving can be estimated)" in text


def test_cells_cannot_break_the_table() -> None:
    change = Change("DF201", 3, "Pipe `a | b`", "two\nlines", None)
    text = body.body([report(changes=[change])], RULES, OPTIONS, base="main")
    assert "| Pipe `a \\| b` | two lines |" in text


def test_why_comes_from_the_rule_documentation_as_paragraphs() -> None:
    text = body.body([report(changes=[PIP])], RULES, OPTIONS, base="main")
    section = text.split("## Why these rules", 1)[1].split("</details>", 1)[0]
    assert "<summary><b>DF201</b> pip-install-cache:" in section
    assert "pip keeps every wheel" in section
    assert "**Fix safety.** Safe:" in section
    paragraphs = [p for p in section.split("\n\n") if p.strip()]
    assert all("\n" not in p.strip() for p in paragraphs[1:])  # no hard breaks from the docstring's wrapping


def test_suggestions_are_listed_as_not_changed() -> None:
    suggestion = Suggestion("DF302", 1, "`python:3.12` is the full image", "Check the stage.", "Use `python:3.12-slim`")
    text = body.body([report(changes=[PIP]), report("other/Dockerfile", suggestions=[suggestion])], RULES, OPTIONS, base="main")
    assert "## Not changed" in text
    assert (
        "| `other/Dockerfile` | 1 | DF302 `full-base-image` | `python:3.12` is the full image"
        "<br>Unsafe fix with `--unsafe-fixes`: Use `python:3.12-slim`<br><sub>Check the stage.</sub> |"
    ) in text
    assert "### `other/Dockerfile`" not in text  # unchanged files have no change table


def test_fix_found_after_another_fix_has_no_line_and_says_why() -> None:
    text = body.body([report(changes=[Change("DF205", None, "Append `rm`", "lists", None)])], RULES, OPTIONS, base="main")
    assert "| DF205 `apt-lists-in-layer` | –¹ |" in text
    assert "¹ found after an earlier fix" in text


def test_reproduce_section_repeats_the_options() -> None:
    options = body.Options(unsafe_fixes=True, select=("DF2",), ignore=("DF216",), cache_strategy="mount", context="ctx dir", version="1.2.3")
    text = body.body([report("svc/my app/Dockerfile", changes=[PIP])], RULES, options, base="develop")
    assert "On a checkout of `develop`:" in text
    assert "pip install 'dockerfix==1.2.3'" in text
    assert "dockerfix --diff --unsafe-fixes --select DF2 --ignore DF216 --cache-strategy mount --context 'ctx dir' 'svc/my app/Dockerfile'" in text
    assert "This run included **unsafe fixes**" in text


def test_commit_message_lists_the_rules_and_signs() -> None:
    changed = [report(changes=[PIP, PIP]), report("b/Dockerfile", changes=[PIP])]
    message = body.commit_message(changed, RULES, OPTIONS)
    assert message.splitlines()[0] == "dockerfix: 3 fixes in 2 Dockerfiles"
    assert "- DF201 pip-install-cache (3x): pip install keeps its download cache in the layer" in message
    assert message.rstrip().endswith(f"{body.SIGNATURE} (dockerfix 1.2.3)")


def test_same_scan_same_body() -> None:
    files = [report(changes=[PIP])]
    assert body.body(files, RULES, OPTIONS, base="main") == body.body(files, RULES, OPTIONS, base="main")


@pytest.mark.parametrize("count", [300])
def test_body_stays_under_githubs_limit(count: int) -> None:
    files = [report(f"services/s{i}/Dockerfile", changes=[PIP, PIP]) for i in range(count)]
    text = body.body(files, RULES, OPTIONS, base="main")
    assert len(text) <= body.MAX_BODY
    assert text.startswith(body.MARKER)
