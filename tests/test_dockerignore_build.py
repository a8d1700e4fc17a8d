"""Real builds: the .dockerignore DF105 writes keeps the layer cache and the image clean.

Marked `build`, run only when asked for (`pytest -m build`), with the skip
logic of `test_verify_build.py` (root, buildah, the python:3.11-slim stand-in
of `tools/standins/prepare.sh`).  A small project at the root of its "git
repository" is built twice with buildah's layer cache, once with the file
dockerfix writes and once without, and between the builds a commit happens,
the editor saves its settings and the compose file changes.  With the file,
the source copy and the step after it come from the cache and the image has
no Dockerfile, .git or editor folder; without it, they are rebuilt and
shipped.  README.md is an application file as far as anyone can prove, so it
is kept, and a change to it rebuilds the copy either way.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from rewriter import files
from rewriter.context import Settings
from rewriter.engine import fix_source
from test_verify_build import _buildah_ready

pytestmark = pytest.mark.build

BASE = "docker.io/library/python:3.11-slim"
DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN python3 -c "import uuid; print(uuid.uuid4())" > /build-id
CMD ["python3", "app.py"]
"""
PROJECT = {
    "Dockerfile": DOCKERFILE,
    "app.py": "print('hello')\n",
    "README.md": "# hello\n",
    "docker-compose.yml": "services:\n  web:\n    build: .\n",
    ".vscode/settings.json": "{}\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/refs/heads/main": "1111111111111111111111111111111111111111\n",
}


def _buildah(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["buildah", *args], capture_output=True, text=True)


def _build(context: Path, tag: str) -> None:
    built = _buildah("bud", "--layers", "--pull=never", "--isolation", "chroot", "-t", tag, str(context))
    assert built.returncode == 0, built.stderr[-3000:]


def _run(tag: str, *argv: str) -> str:
    created = _buildah("from", "--pull=never", "--quiet", tag)
    assert created.returncode == 0, created.stderr
    container = created.stdout.strip()
    try:
        ran = _buildah("run", "--isolation", "chroot", container, "--", *argv)
        assert ran.returncode == 0, ran.stderr
        return ran.stdout
    finally:
        _buildah("rm", container)


def _everyday_changes(context: Path) -> None:
    """A commit, an editor saving its settings, an edit of the compose file: none touches the application."""
    (context / ".git/refs/heads/main").write_text("2222222222222222222222222222222222222222\n")
    (context / ".vscode/settings.json").write_text('{"editor.tabSize": 4}\n')
    (context / "docker-compose.yml").write_text("services:\n  web:\n    build: .\n    ports: ['8000:8000']\n")


@pytest.mark.parametrize("with_dockerignore", [True, False], ids=["written", "none"])
def test_written_dockerignore_keeps_the_copy_cached_and_the_image_clean(
    with_dockerignore: bool, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if "build" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("real builds run only when asked for: pytest -m build")
    reason = _buildah_ready(BASE)
    if reason:
        pytest.skip(reason)
    context = tmp_path / "project"
    for name, text in PROJECT.items():
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text(text)
    result = fix_source(DOCKERFILE.encode(), settings=Settings(select=("DF105",)), context_dir=context, dockerfile_path=context / "Dockerfile")
    assert list(result.created) == [str(context / ".dockerignore")]
    if with_dockerignore:
        files.create_all(result.created)
    tag = f"localhost/dockerfix-dockerignore-{uuid.uuid4().hex[:8]}"
    try:
        _build(context, tag + ":first")
        first = _run(tag + ":first", "cat", "/build-id")
        _everyday_changes(context)
        _build(context, tag + ":second")
        second = _run(tag + ":second", "cat", "/build-id")
        listing = _run(tag + ":second", "ls", "-A", "/app").split()
        print(f"\n{'with' if with_dockerignore else 'without'} .dockerignore: /app has {sorted(listing)}; RUN after COPY cached: {first == second}")
        if with_dockerignore:
            assert first == second, "the source copy and the RUN after it were rebuilt"
            assert sorted(listing) == ["README.md", "app.py"]
        else:
            assert first != second  # the control: without the file every such change rebuilds
            assert {"Dockerfile", ".git", ".vscode", "docker-compose.yml"} <= set(listing)
        (context / "README.md").write_text("# hello, documented\n")
        _build(context, tag + ":third")
        assert _run(tag + ":third", "cat", "/build-id") != second, "README.md is the application's: a change to it must rebuild"
    finally:
        for suffix in ("first", "second", "third"):
            _buildah("rmi", "-f", f"{tag}:{suffix}")
        shutil.rmtree(context, ignore_errors=True)
