"""Real builds: what `dockerfix verify` promises, checked with both real builders.

Marked `build` and run only when asked for (`pytest -m build`, as `.ci/run`
does).  Each test needs a builder that works here and the local base image
stand-ins (`tools/standins/prepare.sh`), and skips with the reason otherwise:

* buildah, as root (the stand-ins live in its storage);
* a real Docker engine: `dockerd` running, and a docker CLI that can build
  (Debian 12's docker.io, 20.10, has BuildKit built in; a newer CLI needs
  buildx), with the stand-ins copied into the daemon (`skopeo copy
  containers-storage:IMAGE docker-daemon:IMAGE`, which `.ci/run` does).

They prove: the same verify run twice gives the same honest rebuild figures
(layers from the first run cannot fake a cached install in the second); a
correct Python venv split verifies; a rewrite whose image lacks a library
the application needs is rejected (ELF scan and smoke check); and a docker
CLI without buildx is reported as a builder problem, not a broken Dockerfile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rewriter.context import Settings
from rewriter.verify import builders as builders_module
from rewriter.verify import run as run_module
from rewriter.verify.run import Inputs, verify

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "bench" / "images" / "apps" / "seed-article"
LIBPQ = ROOT / "tests" / "build_examples" / "python-libpq"
GO_TEMPLATE = ROOT / "tests" / "build_examples" / "go-template"
SLIM = "docker.io/library/python:3.11-slim"


def _asked_for(request: pytest.FixtureRequest) -> None:
    if "build" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("real builds run only when asked for: pytest -m build")


def _buildah(image: str) -> builders_module.BuildahBuilder:
    if os.geteuid() != 0 or shutil.which("buildah") is None:
        pytest.skip("buildah as root is needed (apt-get install buildah)")
    if subprocess.run(["buildah", "inspect", "--type", "image", image], capture_output=True).returncode != 0:
        pytest.skip(f"no local {image}: run tools/standins/prepare.sh")
    return builders_module.BuildahBuilder()


def _docker(image: str, monkeypatch: pytest.MonkeyPatch) -> builders_module.DockerBuilder:
    """The Docker engine with a CLI that builds: Debian's 20.10 when a newer one without buildx comes first."""
    for folder in ("/usr/bin", *os.environ.get("PATH", "").split(os.pathsep)):
        if os.access(os.path.join(folder, "docker"), os.X_OK):
            monkeypatch.setenv("PATH", os.pathsep.join([folder, os.environ.get("PATH", "")]))
            builder = builders_module.DockerBuilder()
            if builder.problem() is None:
                break
    else:
        pytest.skip("no docker CLI with a running daemon that can build here")
    if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode != 0:
        pytest.skip(f"the Docker engine has no {image}: copy the stand-in in (skopeo copy containers-storage:{image} docker-daemon:{image})")
    return builder


@pytest.fixture(params=["buildah", "docker"])
def builder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    _asked_for(request)
    return _buildah(SLIM) if request.param == "buildah" else _docker(SLIM, monkeypatch)


def test_the_same_verify_run_twice_gives_the_same_honest_answer(builder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = tmp_path / "app"
    shutil.copytree(SEED, app)
    answers = []
    for _ in range(2):
        result = verify(Inputs(app / "Dockerfile", app, Settings(), keep_images=False), builder)
        assert result.exit_code == 0, (result.problems, result.errors)
        answers.append((result.original.dependency_install_cached, result.rewritten.dependency_install_cached, "DF101" in result.applied))
    assert answers == [(False, True, True)] * 2
    assert (app / "app.py").read_bytes() == (SEED / "app.py").read_bytes(), "the user's context is never touched"


def test_a_correct_python_venv_split_verifies(builder) -> None:  # type: ignore[no-untyped-def]
    result = verify(Inputs(LIBPQ / "Dockerfile", LIBPQ, Settings(unsafe_fixes=True, select=("DF4",)), rebuild=False), builder)
    assert "DF402" in result.applied
    assert result.exit_code == 0, (result.problems, [d.describe() for d in result.differences if not d.allowed])
    assert result.smoke["original"].exit_code == result.smoke["rewritten"].exit_code == 0


def test_a_go_split_onto_distroless_verifies_within_its_promise() -> None:
    """golang:1.19 -> distroless static: the bases' env and files differ, the binary is rebuilt with CGO_ENABLED=0.

    buildah only (one more real build pair, no rebuild): the promise is the builder's business only through
    the base images it describes, which the Docker half of `test_a_correct_python_venv_split_verifies` covers.
    """
    builder = _buildah("docker.io/library/golang:1.19")
    _buildah("gcr.io/distroless/static-debian13")
    result = verify(Inputs(GO_TEMPLATE / "Dockerfile", GO_TEMPLATE, Settings(unsafe_fixes=True, select=("DF4",)), rebuild=False, blame=False), builder)
    assert result.applied == ["DF401"]
    assert result.exit_code == 0, (result.problems, [d.describe() for d in result.differences if not d.allowed])
    allowed = {d.subject: d for d in result.differences}
    assert allowed["ENV GOPATH"].allowed_by == "DF4xx", "golang's own variable, which distroless does not set"
    assert allowed["/app/greeter"].needs_smoke and result.smoke["rewritten"].exit_code == result.smoke["original"].exit_code == 0
    assert allowed["/app/main.go"].detail == "left in the build stage"


PSYCOPG2 = """\
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3-psycopg2 && rm -rf /var/lib/apt/lists/*
CMD ["python3", "-c", "import psycopg2; print(psycopg2.__libpq_version__)"]
"""


def test_a_rewrite_whose_image_lacks_a_library_the_application_needs_is_rejected(
    builder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text(PSYCOPG2)
    # A stand-in for a bad fix: it removes the package that holds libpq.so.5 (a DF2 promise covers removed packages).
    broken = PSYCOPG2.replace("rm -rf /var/lib/apt/lists/*", "rm -rf /var/lib/apt/lists/* && dpkg --remove --force-depends libpq5")
    monkeypatch.setattr(run_module, "rewrite", lambda source, inputs, settings=None: (broken.encode(), ["DF204"], []))
    result = verify(Inputs(app / "Dockerfile", app, Settings(), rebuild=False, blame=False), builder)
    assert result.exit_code == 1
    missing = [d for d in result.differences if d.category == "library"]
    assert missing and all("libpq.so.5" in d.detail and not d.allowed for d in missing)
    assert result.smoke_failed and result.smoke["rewritten"].exit_code != 0 and result.smoke["original"].exit_code == 0


def test_a_docker_cli_without_buildx_is_a_builder_problem(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _asked_for(request)
    newer = next((f for f in os.environ.get("PATH", "").split(os.pathsep) if os.access(os.path.join(f, "docker"), os.X_OK)), None)
    if newer is None:
        pytest.skip("no docker CLI here")
    version = subprocess.run([os.path.join(newer, "docker"), "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True).stdout
    has_buildx = subprocess.run([os.path.join(newer, "docker"), "buildx", "version"], capture_output=True).returncode == 0
    if has_buildx or int(version.split(".")[0] or 0) < 23:
        pytest.skip(f"the first docker CLI on PATH ({version.strip()}) is not one without buildx")
    if subprocess.run([os.path.join(newer, "docker"), "info"], capture_output=True).returncode != 0:
        pytest.skip("no running Docker daemon")
    monkeypatch.setenv("PATH", os.pathsep.join([newer, os.environ.get("PATH", "")]))
    monkeypatch.delenv("DOCKER_BUILDKIT", raising=False)
    problem = builders_module.DockerBuilder().problem()
    assert problem is not None and "no buildx component" in problem
    with pytest.raises(builders_module.BuilderError, match="no buildx component"):
        builders_module.detect("docker")
