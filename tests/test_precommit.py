"""A real pre-commit run of the hooks in .pre-commit-hooks.yaml, on a throw-away git repository.

pre-commit installs dockerfix from this checkout into its own environment
(from PyPI for the dependencies), so this is what a user's hook does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIRTY = "FROM python:3.12\nRUN pip install flask\n"
FIXED = "FROM python:3.12\nRUN pip install --no-cache-dir flask\n"


def pre_commit() -> list[str]:
    pytest.importorskip("pre_commit", reason="pre-commit (test dependency) not installed")
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    return [sys.executable, "-m", "pre_commit"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_hooks_check_then_fix(tmp_path: Path) -> None:
    command = pre_commit()
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "Dockerfile").write_text(DIRTY)
    (repo / ".dockerfix.toml").write_text("select = ['DF201']\n")
    git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("VIRTUAL_ENV", None)

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "try-repo", str(ROOT), hook, "--files", "Dockerfile", "--verbose"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=600,
        )

    check = try_repo("dockerfix")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "+RUN pip install --no-cache-dir flask" in check.stdout
    assert (repo / "Dockerfile").read_text() == DIRTY

    fix = try_repo("dockerfix-fix")
    assert (repo / "Dockerfile").read_text() == FIXED, fix.stdout + fix.stderr
    assert fix.returncode == 1, "pre-commit fails when a hook changed files, so the user can review"

    again = try_repo("dockerfix")
    assert again.returncode == 0, again.stdout + again.stderr
