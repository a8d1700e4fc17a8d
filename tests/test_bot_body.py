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


MEASURED = {
    "builder": "buildah 1.28.2",
    "verdict": "verified",
    "changed_source": "app.py",
    "original": {
        "size_mb": 412.3, "layers": 9, "cold_build_seconds": 58.0, "rebuild_seconds": 40.1, "dependency_install_cached": False,
        "rebuild": {"steps": [{"instruction": "COPY . /app", "cached": False}, {"instruction": "RUN pip install -r requirements.txt", "cached": False}]},
    },
    "rewritten": {
        "size_mb": 148.2, "layers": 7, "cold_build_seconds": 41.2, "rebuild_seconds": 2.3, "dependency_install_cached": True,
        "rebuild": {"steps": [{"instruction": "RUN pip install --no-cache-dir -r requirements.txt", "cached": True}, {"instruction": "COPY . /app", "cached": False}]},
    },
    "smoke": {"original": {"exit_code": None, "still_running": True}, "rewritten": {"exit_code": None, "still_running": True}},
}


def test_measured_figures_replace_the_estimates_of_their_file_only() -> None:
    from rewriter.verify.prove import Proof

    measured = report(changes=[PIP, Change("DF302", 1, "Use `python:3.12-slim`", "full image", 345.0, proven=True)])
    measured.measured, measured.proofs = MEASURED, [Proof("DF302", "proven")]
    estimated = report("other/Dockerfile", changes=[Change("DF204", 3, "Add `--no-install-recommends`", "recommends", 12.0)])
    text = body.body([measured, estimated], RULES, body.Options(prove=True), base="main")
    assert text.splitlines()[1] == (
        "dockerfix rewrote 2 Dockerfiles on `main` with 3 fixes; building the images measured the final image at 148 MB "
        "instead of 412 MB (−64%; 1 of the 2 Dockerfiles measured); the others are estimated to save ~12 MB of image size."
    )
    assert "| final image size | 412 MB | 148 MB (−64%) |" in text
    assert "| rebuild after a one-line change to `app.py` | 40.1 s | 2.3 s (−94%) |" in text
    assert "| steps from the cache on that rebuild | 0 of 2 | 1 of 2 |" in text
    assert "| dependency install from the cache | no | yes |" in text
    assert "| `RUN pip install --no-cache-dir -r requirements.txt` | cache |" in text
    assert "| DF302 `full-base-image` | 1 | **proven:** Use `python:3.12-slim` | full image |" in text, "no estimate where it was measured"
    assert "| DF204 `apt-no-install-recommends` | 3 | Add `--no-install-recommends` | recommends | ~12 MB |" in text
    assert "dockerfix --diff --prove Dockerfile other/Dockerfile" in text


def test_a_rejected_fix_shows_why_and_the_failing_builds_last_lines() -> None:
    from rewriter.verify.prove import Proof

    rejected = report(changes=[PIP])
    rejected.proofs = [Proof("DF302", "rejected", "the rewritten Dockerfile does not build", "STEP 3/4: RUN gcc -o x x.c\n/bin/sh: gcc: not found")]
    text = body.body([rejected], RULES, body.Options(prove=True), base="main")
    assert "| DF302 | **rejected**, not applied | the rewritten Dockerfile does not build |" in text
    assert "<details><summary>DF302: the last lines of the failing build</summary>\n\n~~~~\nSTEP 3/4: RUN gcc -o x x.c\n/bin/sh: gcc: not found\n~~~~" in text
    assert "Not measured: nothing could be built for this file here" in text


def test_bodies_that_differ_only_in_measured_figures_are_the_same() -> None:
    first = report(changes=[PIP])
    first.measured = MEASURED
    second = report(changes=[PIP])
    second.measured = {**MEASURED, "original": {**MEASURED["original"], "cold_build_seconds": 61.5}}
    a, b = (body.body([r], RULES, OPTIONS, base="main") for r in (first, second))
    assert a != b and body.same_body(a, b)
    assert not body.same_body(a, a.replace("Add `--no-cache-dir`", "Add `--no-cache`"))


def test_a_verdict_that_changed_is_a_different_body() -> None:
    verified = report(changes=[PIP])
    verified.measured = MEASURED
    failed = report(changes=[PIP])
    failed.measured = {**MEASURED, "verdict": "failed"}
    a, b = (body.body([r], RULES, OPTIONS, base="main") for r in (verified, failed))
    assert not body.same_body(a, b)
