"""`dockerfix pr --prove` and `pr --format json`: only proven fixes, measured figures, a machine-readable account.

The bot runs against a local git remote and the fake GitHub API of
`test_bot_fakes`; the images are built by the in-memory builder of
`test_verify` (its python:3.13-slim cannot be pulled, so DF302 is never
provable here).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

import pytest
from test_bot_fakes import World, make_world
from test_prove import APP as PROVE_APP
from test_verify import FakeBuilder

from rewriter.verify import builders as builders_module

# DF216 (join the RUNs) is unsafe and provable; DF201 (pip's cache) is safe.
APP = PROVE_APP.replace("FROM python:3.13", "FROM python:3.11-slim")
FILES = {"requirements.txt": "flask==3.0.3\n", "app.py": "print('hello')\n"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    made = make_world(tmp_path, dict(os.environ), {"Dockerfile": APP, **FILES})
    yield made
    made.github.stop()


@pytest.fixture
def builder(monkeypatch: pytest.MonkeyPatch) -> FakeBuilder:
    fake = FakeBuilder()
    monkeypatch.setattr(builders_module, "detect", lambda choice="auto", pull="missing": fake)
    return fake


def test_the_pull_request_has_the_proven_fixes_and_the_measured_figures(world: World, builder: FakeBuilder) -> None:
    code, out, err = world.bot("--prove")
    assert code == 0, err
    dockerfile = world.remote_git("show", "dockerfix/main:Dockerfile")
    assert "pip install --no-cache-dir -r requirements.txt \\\n    && echo ready > /app/ready.txt" in dockerfile
    body = world.github.pulls[1]["body"]
    assert "Measured by building both images with fake 1.0 (the final images are equivalent):" in body
    size = next(line for line in body.splitlines() if line.startswith("| final image size |"))
    assert size.endswith("%) |") and "MB" in size
    assert "| rebuild after a one-line change to `app.py` |" in body
    assert "| steps from the cache on that rebuild |" in body and "<summary>Which steps came from the cache on the rebuild</summary>" in body
    assert "| DF216 `consecutive-runs` | –¹ | **proven:** Join with the RUN before it |" in body
    assert "| DF216 | proven, applied | – |" in body
    assert "Est. saving" not in body, "a measured file shows no estimates"
    assert "dockerfix --diff --prove Dockerfile" in body
    assert "Dockerfile: DF216 proven" in err
    assert not builder.images, "the images built for the proof are removed"


def test_an_unsafe_fix_that_cannot_be_built_here_is_left_out_and_said_so(world: World, builder: FakeBuilder) -> None:
    world.commit({"Dockerfile": APP.replace("python:3.11-slim", "python:3.13")})  # DF302 would move to python:3.13-slim
    code, out, err = world.bot("--prove", "--dry-run")
    assert code == 0, err
    assert "+FROM python:3.13-slim" not in out and "&& echo ready" in out
    assert "| DF302 | not provable here, not applied | cannot verify the rewrite: a base image is not available locally" in out
    assert "| DF216 | proven, applied | – |" in out


def test_without_a_builder_the_safe_fixes_alone_are_delivered_with_estimates(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builders_module.shutil, "which", lambda name: None)
    code, out, err = world.bot("--prove", "--dry-run")
    assert code == 0, err
    assert "nothing can be proven here (no image builder found" in err
    assert "+RUN pip install --no-cache-dir -r requirements.txt\n" in out and "&& echo ready" not in out
    assert "Not measured: nothing could be built for this file here; the savings below are estimates." in out
    assert "| DF216 | not provable here, not applied | no image builder found" in out
    assert "| Rule | Line | Change | Why | Est. saving |" in out


def test_new_timings_alone_do_not_update_the_pull_request(world: World, builder: FakeBuilder, monkeypatch: pytest.MonkeyPatch) -> None:
    assert world.bot("--prove")[0] == 0
    slower = FakeBuilder.build

    def build(self, context, dockerfile, tag, *, no_cache):  # type: ignore[no-untyped-def]
        outcome = slower(self, context, dockerfile, tag, no_cache=no_cache)
        outcome.seconds += 7
        return outcome

    monkeypatch.setattr(FakeBuilder, "build", build)
    code, _, err = world.bot("--prove")
    assert code == 0, err
    assert "#1 is up to date" in err
    assert [r.method for r in world.github.writes()].count("PATCH") == 0


def test_format_json_says_what_the_run_did(world: World, builder: FakeBuilder) -> None:
    code, out, err = world.bot("--prove", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["action"] == "opened" and report["pushed"] is True and not report["dry_run"]
    assert report["repository"] == "octo/app" and report["base"] == "main" and report["branch"] == "dockerfix/main"
    assert report["pull_request"] == {"number": 1, "url": "https://github.invalid/octo/app/pull/1"}
    (dockerfile,) = [f for f in report["files"] if f["path"] == "Dockerfile"]
    assert {(f["rule"], f["applicability"]) for f in dockerfile["fixes"]} >= {("DF201", "safe"), ("DF216", "proven")}
    assert dockerfile["proofs"] == [{"rule": "DF216", "verdict": "proven", "why": None, "log_tail": None}]
    assert dockerfile["measured"]["verdict"] == "verified" and dockerfile["measured"]["rewritten"]["size_mb"] is not None
    code, out, _ = world.bot("--prove", "--format", "json")
    assert json.loads(out)["action"] == "up to date"


def test_format_json_of_a_dry_run_has_the_body_and_the_diff(world: World) -> None:
    code, out, err = world.bot("--dry-run", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["action"] == "would open or update" and report["dry_run"] and report["pull_request"] is None
    assert report["body"].startswith("<!-- dockerfix pr -->") and "+RUN pip install --no-cache-dir" in report["diff"]
    assert report["files"][0]["proofs"] is None and report["files"][0]["measured"] is None


def test_format_json_of_an_error_says_so_on_both_streams(world: World) -> None:
    del world.env["GITHUB_TOKEN"]
    code, out, err = world.bot("--format", "json")
    assert code == 2
    assert json.loads(out)["action"] == "error" and "no token" in json.loads(out)["error"]
    assert err.startswith("dockerfix pr: error: no token")


def test_prove_and_unsafe_fixes_together_is_a_usage_error(world: World) -> None:
    code, out, err = world.bot("--prove", "--unsafe-fixes")
    assert (code, out) == (2, "") and err.count("\n") == 1
