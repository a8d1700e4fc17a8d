"""DF105's proofs, branch by branch: what keeps `.git`, what counts as a copy of the whole context, where the file goes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from helpers import dedent, run
from rewriter.context import Settings
from rewriter.engine import fix_source

GIT = {".git/HEAD": "ref: refs/heads/main\n"}


def ignored(text: str, files: dict[str, str], unsafe: bool = False) -> list[str] | None:
    """The patterns of the file DF105 creates (None when it creates none)."""
    result = run(text, select="DF105", files=files, unsafe=unsafe)
    if not result.created:
        return None
    (content,) = result.created.values()
    return [line for line in content.splitlines() if line and not line.startswith("#")]


@pytest.mark.parametrize(
    "command, files, kept",
    [
        pytest.param("go build -o /app ./cmd/server", {}, True, id="go build stamps VCS information"),
        pytest.param("go build -buildvcs=false -o /app .", {}, False, id="unless -buildvcs=false"),
        pytest.param("pip install .", {"pyproject.toml": "[tool.setuptools_scm]\n"}, True, id="setuptools-scm reads git"),
        pytest.param("pip install .", {"pyproject.toml": "[project]\nname = 'x'\n"}, False, id="a plain pyproject does not"),
        pytest.param("./build.sh", {"build.sh": "VERSION=$(git describe)\n"}, True, id="a script the RUN runs asks git"),
        pytest.param("npm ci", {"package.json": '{"repository": "git+https://example.org/x.git"}'}, False, id="a repository URL runs nothing"),
        pytest.param("npm ci", {"package.json": '{"scripts": {"prepare": "git rev-parse HEAD > v"}}'}, True, id="an npm script asks git"),
        pytest.param("make", {"Makefile": "v:\n\tgit log -1 > VERSION\n"}, True, id="make reads the Makefile"),
    ],
)
def test_git_folder_is_kept_when_the_build_may_read_it(command: str, files: dict[str, str], kept: bool) -> None:
    patterns = ignored(f"FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN {command}\n", {**GIT, **files})
    assert (patterns is None or ".git" not in patterns) == kept


@pytest.mark.parametrize(
    "copy",
    ["COPY . .", "COPY ./ /app/", "ADD . /app", 'COPY [".", "/app"]', "COPY --chown=app . .", "COPY / /app"],
)
def test_copies_of_the_whole_context(copy: str) -> None:
    assert ignored(f"FROM alpine\nWORKDIR /app\n{copy}\n", GIT) == [".git", ".dockerignore"]


@pytest.mark.parametrize(
    "copy",
    ["COPY src/ /app/src/", "COPY --from=build . /app", "COPY app.py .", "RUN --mount=type=bind,from=build,target=/b true"],
)
def test_other_copies_are_not_the_whole_context(copy: str) -> None:
    assert ignored(f"FROM alpine AS build\nFROM alpine\nWORKDIR /app\n{copy}\n", {**GIT, "src/a.py": "", "app.py": ""}) is None


def test_a_bind_mount_of_the_context_counts() -> None:
    assert ignored("FROM alpine\nRUN --mount=type=bind,target=/src cp -r /src /app\n", GIT) == [".git", ".dockerignore"]


def test_a_dockerfile_in_a_subfolder_beside_others_gets_its_own_file_which_excludes_itself() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("deploy/api/Dockerfile", "deploy/worker/Dockerfile", ".git/HEAD"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("FROM alpine\nCOPY . .\n")
        dockerfile = root / "deploy/api/Dockerfile"
        result = fix_source(dockerfile.read_bytes(), settings=Settings(select=("DF105",)), context_dir=root, dockerfile_path=dockerfile)
        ((path, content),) = result.created.items()
        assert path == str(root / "deploy/api/Dockerfile.dockerignore")
        patterns = [line for line in content.splitlines() if not line.startswith("#")]
        assert patterns == [".git", "deploy/api/Dockerfile", "deploy/worker/Dockerfile", "deploy/api/Dockerfile.dockerignore"]


def test_a_named_path_is_never_excluded() -> None:
    text = dedent(
        """
        FROM python:3.12-slim
        COPY . .
        CMD ["sh", "-c", ". ./.env && python app.py"]
        """
    )
    assert ignored(text, {".env": "A=1\n", "app.py": ""}, unsafe=True) is None


def test_a_symlinked_folder_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "ctx").mkdir()
    (tmp_path / "outside" / "node_modules").mkdir(parents=True)
    os.symlink(tmp_path / "outside", tmp_path / "ctx" / "vendor")
    result = fix_source(b"FROM node:22\nCOPY . .\nRUN npm ci\n", settings=Settings(select=("DF105",)), context_dir=tmp_path / "ctx")
    assert result.created == {}


def _missing(tmp_path: Path) -> str:
    """What DF105 says the existing ignore file of `tmp_path/ctx` misses."""
    result = fix_source(b"FROM alpine\nCOPY . .\n", settings=Settings(select=("DF105",)), context_dir=tmp_path / "ctx")
    (diagnostic,) = result.diagnostics
    assert not result.created and diagnostic.note is not None
    return diagnostic.note


def test_the_ignore_file_is_not_reported_missing_from_itself_even_through_a_symlink(tmp_path: Path) -> None:
    """The ignore file is read from outside the context through a symlink, and a second symlink
    inside it names it too: both paths are the ignore file, not build files it misses."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "ignore").write_text(".git\n")
    (tmp_path / "ctx" / "deploy").mkdir(parents=True)
    (tmp_path / "ctx" / "Dockerfile").write_text("FROM alpine\n")
    os.symlink(tmp_path / "shared" / "ignore", tmp_path / "ctx" / ".dockerignore")
    os.symlink("../.dockerignore", tmp_path / "ctx" / "deploy" / "copy.dockerignore")
    assert _missing(tmp_path).splitlines()[1:] == ["Dockerfile"]


def test_a_file_named_like_an_ignore_file_elsewhere_is_a_build_file(tmp_path: Path) -> None:
    (tmp_path / "ctx" / "deploy").mkdir(parents=True)
    (tmp_path / "ctx" / ".dockerignore").write_text(".git\n")
    (tmp_path / "ctx" / "deploy" / ".dockerignore").write_text("*\n")
    assert _missing(tmp_path).splitlines()[1:] == ["deploy/.dockerignore"]


def test_the_context_is_listed_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each fix round plans the ignore file again; listing the context and checking each path
    against its ignore file (most of a run's time on a large context) is done once."""
    from rewriter.context import DockerIgnore

    checked: list[str] = []
    excluded = DockerIgnore.excluded
    monkeypatch.setattr(DockerIgnore, "excluded", lambda self, path: checked.append(path) or excluded(self, path))
    text = "FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt\n"
    result = run(text, files={".dockerignore": ".git\n", "requirements.txt": "flask\n", "app.py": ""})
    rounds = len({d.rule for d in result.applied})  # each rule fixes in its own round
    assert rounds > 1 and checked.count("app.py") == 1


@pytest.mark.parametrize("name", ["Dockerfile", "weird[1].Dockerfile", "*.Dockerfile", "#notes.env", "!important.env", "a?b.pem"])
def test_written_patterns_match_exactly_the_path(name: str) -> None:
    from rewriter.context import DockerIgnore
    from transforms.dockerignore import ignore_pattern

    pattern = ignore_pattern(name)
    assert pattern is not None
    ignore = DockerIgnore(pattern + "\n")
    assert ignore.excluded(name)
    assert not ignore.excluded("other.Dockerfile") and not ignore.excluded("x" + name)


def test_inline_ignore_and_configuration_turn_it_off() -> None:
    text = "FROM alpine\n# dockerfix: ignore[DF105]\nCOPY . .\n"
    assert ignored(text, GIT) is None
    assert run("FROM alpine\nCOPY . .\n", select="DF1", files=GIT).created  # selected by prefix
    result = run("FROM alpine\nCOPY . .\n", select="DF106", files=GIT)
    assert not result.created and not result.diagnostics
