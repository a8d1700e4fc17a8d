"""The GitHub Action (action.yml): its `pr` mode runs `dockerfix pr` and turns the JSON report into outputs and a summary.

The step's shell script is run as Actions would run it, with a stand-in
`dockerfix` on PATH that records its arguments and prints a report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rewriter.bot.actions import summary

ROOT = Path(__file__).resolve().parent.parent

REPORT = {
    "action": "opened",
    "repository": "octo/app",
    "pull_request": {"number": 7, "url": "https://github.invalid/octo/app/pull/7"},
    "files": [
        {
            "path": "Dockerfile",
            "changed": True,
            "fixes": [{"rule": "DF201"}, {"rule": "DF216"}],
            "proofs": [{"rule": "DF216", "verdict": "proven"}, {"rule": "DF302", "verdict": "rejected"}],
            "measured": {"original": {"size_mb": 412.3}, "rewritten": {"size_mb": 148.2}},
        },
        {"path": "docs/Dockerfile", "changed": False, "fixes": [], "proofs": None, "measured": None},
    ],
}


def test_the_summary_says_what_the_bot_did_and_what_was_measured() -> None:
    assert summary(REPORT) == (
        "**dockerfix pr** in octo/app: opened, https://github.invalid/octo/app/pull/7\n"
        "- `Dockerfile`: 2 fixes, final image 412 MB → 148 MB (measured); unsafe fixes DF216 proven, DF302 rejected\n"
    )
    assert summary({"action": "error", "error": "no token"}) == "**dockerfix pr**: error: no token\n"


def test_mode_pr_runs_the_bot_with_prove_and_sets_the_outputs(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    script = next(step["run"] for step in steps if step.get("id") == "run")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dockerfix").write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path / 'args'}\ncat {tmp_path / 'report.json'}\n")
    (bin_dir / "dockerfix").chmod(0o755)
    (bin_dir / "python").symlink_to(sys.executable)
    (tmp_path / "report.json").write_text(json.dumps(REPORT))
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "DOCKERFIX_MODE": "pr",
        "DOCKERFIX_PROVE": "true",
        "DOCKERFIX_PATH": "services/api",
        "DOCKERFIX_ARGS": "--labels docker",
        "DOCKERFIX_SARIF": "unused",
        "GITHUB_TOKEN": "t",
    }
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "args").read_text() == "pr --format json --prove --labels docker services/api\n"
    report = tmp_path / "dockerfix-pr.json"
    assert (tmp_path / "output").read_text() == f"pull-request-url=https://github.invalid/octo/app/pull/7\nreport={report}\n"
    assert (tmp_path / "summary").read_text() == summary(REPORT)
