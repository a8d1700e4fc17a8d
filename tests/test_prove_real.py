"""Real builds of proven fixes: `dockerfix --write --prove` and `dockerfix pr --prove --dry-run`.

Marked `build` and run only when asked for (`pytest -m build`, as `.ci/run`
does), with buildah and the local base image stand-ins
(`tools/standins/prepare.sh`); the first test also with a real Docker
engine where one runs (see `test_verify_real`).  The Dockerfiles only echo
into files, so each build takes seconds and needs no network.

They prove: a rewrite is proven and written; an unsafe fix whose image does
not do what the original did (its smoke check fails) is rejected while the
proven one is still written; and the bot's dry run shows what the builds
measured.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_bot_fakes import make_world
from test_verify_real import _asked_for, _buildah, _docker

from rewriter.cli import main

pytestmark = pytest.mark.build

SLIM = "docker.io/library/python:3.11-slim"
FULL = "docker.io/library/python:3.11"

# DF216 joins the two RUNs: unsafe by nature (a RUN's layer could matter), proven by the build.
TWO_RUNS = """\
FROM python:3.11-slim
WORKDIR /app
RUN echo one > /app/one.txt
RUN echo two > /app/two.txt
COPY app.py .
CMD ["python3", "app.py"]
"""
APP_PY = "print(open('one.txt').read() + open('two.txt').read())\n"

# DF302 moves to python:3.11-slim; it cannot see that the command looks for a C compiler, which slim lacks.
NEEDS_CC = """\
FROM python:3.11
RUN echo one > /one.txt
RUN echo two > /two.txt
CMD ["python3", "-c", "import shutil, sys; sys.exit(shutil.which('cc') is None)"]
"""


@pytest.fixture(params=["buildah", "docker"])
def builder_name(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    _asked_for(request)
    if request.param == "buildah":
        _buildah(SLIM)
    else:
        _docker(SLIM, monkeypatch)
    return request.param


def _app(folder: Path, dockerfile: str, files: dict[str, str] | None = None) -> Path:
    folder.mkdir()
    (folder / "Dockerfile").write_text(dockerfile)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    return folder


def test_a_rewrite_proven_by_building_is_written(builder_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = _app(tmp_path / "app", TWO_RUNS, {"app.py": APP_PY})
    assert main(["--write", "--prove", "--builder", builder_name, str(app / "Dockerfile")]) == 0
    err = capsys.readouterr().err
    assert f"prove: {app / 'Dockerfile'}: DF216 proven" in err, err
    assert "RUN echo one > /app/one.txt \\\n    && echo two > /app/two.txt\n" in (app / "Dockerfile").read_text()


def test_an_unsafe_fix_whose_image_fails_its_smoke_check_is_rejected_and_the_proven_one_written(
    request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _asked_for(request)
    _buildah(FULL)
    _buildah(SLIM)
    app = _app(tmp_path / "app", NEEDS_CC)
    assert main(["--write", "--prove", "--builder", "buildah", str(app / "Dockerfile")]) == 0
    err = capsys.readouterr().err
    assert f"{app / 'Dockerfile'}: DF302 rejected: smoke check: the image's command exited with status 1" in err, err
    assert f"{app / 'Dockerfile'}: DF216 proven" in err
    written = (app / "Dockerfile").read_text()
    assert written.startswith("FROM python:3.11\n"), "the rejected move to slim is not written"
    assert "RUN echo one > /one.txt \\\n    && echo two > /two.txt\n" in written, "the proven join is"


def test_pr_prove_dry_run_shows_what_the_builds_measured(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    _asked_for(request)
    _buildah(SLIM)
    world = make_world(tmp_path, dict(os.environ), {"Dockerfile": TWO_RUNS, "app.py": APP_PY})
    try:
        code, out, err = world.bot("--prove", "--dry-run", "--builder", "buildah")
    finally:
        world.github.stop()
    assert code == 0, err
    assert "Measured by building both images with buildah " in out and "(the final images are equivalent):" in out
    size = next(line for line in out.splitlines() if line.startswith("| final image size |"))
    assert size.count(" MB") == 2, size
    rebuild = next(line for line in out.splitlines() if line.startswith("| rebuild after a one-line change to `app.py` |"))
    assert rebuild.count(" s") >= 2, rebuild
    assert "| `COPY app.py .` | ran |" in out
    assert "| DF216 | proven, applied | – |" in out
    assert "+    && echo two > /app/two.txt" in out
    assert world.github.requests == []
