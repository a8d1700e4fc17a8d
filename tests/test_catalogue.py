"""The rule catalogue: every rule documented, exemplified and pinned by a golden case; docs never stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rewriter.catalogue import markdown
from rewriter.cli import main
from rewriter.rules import Applicability, all_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = all_rules()
REPORTS = "".join(p.read_text() for p in ROOT.glob("golden/*/expected.report.txt"))
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Fix safety")


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    assert all(re.fullmatch(r"DF[1-4]\d\d", c) for c in codes), codes
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names), names


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_is_documented_with_an_example(rule) -> None:  # type: ignore[no-untyped-def]
    doc = rule.documentation
    missing = [s for s in SECTIONS if s not in doc]
    assert not missing, f"{rule.code} docstring lacks {missing}"
    assert "```dockerfile" in doc, f"{rule.code} has no Dockerfile example"
    assert rule.summary and isinstance(rule.applicability, Applicability)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_a_golden_case(rule) -> None:  # type: ignore[no-untyped-def]
    assert f": {rule.code} " in REPORTS, f"no golden case reports {rule.code}"


def test_docs_page_is_generated_from_the_rules() -> None:
    path = ROOT / "docs" / "rules.md"
    assert path.read_text() == markdown(), "docs/rules.md is stale: run `dockerfix rules --format markdown > docs/rules.md`"


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "DF201"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("DF201 (pip-install-cache)") and "## Fix safety" in out
    assert main(["explain", "pip-install-cache"]) == 0
    capsys.readouterr()
    assert main(["explain", "DF999"]) == 2


def test_completion_scripts_know_every_option(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The scripts call dockerfix back, so what they offer is the command line itself (typer's protocol)."""
    protocol = {
        "bash": {"COMP_WORDS": "dockerfix --", "COMP_CWORD": "1"},
        "zsh": {"_TYPER_COMPLETE_ARGS": "dockerfix --"},
        "fish": {"_TYPER_COMPLETE_ARGS": "dockerfix --", "_TYPER_COMPLETE_FISH_ACTION": "get-args"},
    }
    for shell, variables in protocol.items():
        assert main(["completion", shell]) == 0
        assert "_DOCKERFIX_COMPLETE" in capsys.readouterr().out, shell
        with monkeypatch.context() as patch:
            for name, value in {**variables, "_DOCKERFIX_COMPLETE": f"complete_{shell}"}.items():
                patch.setenv(name, value)
            with pytest.raises(SystemExit) as exited:
                main([])
        assert exited.value.code == 0
        offered = capsys.readouterr().out
        for option in ("--unsafe-fixes", "--cache-strategy", "--format"):
            assert option in offered, (shell, option)
