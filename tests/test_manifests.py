"""DF101/DF102: dependency manifests before source copies.

Golden cases (`golden/manifests-*`) show one whole Dockerfile per ecosystem
and per bail-out; these tests pin the shell and path semantics the reorder
depends on, and every place the pass declines (`# timid:` in the code).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest

from helpers import dedent, diagnostics, fixed, run
from rewriter.context import BuildContext
from transforms.manifests.common import Project

SELECT = ("DF101", "DF102")
PKG = json.dumps({"name": "app", "version": "1.0.0"})
LOCK = json.dumps({"lockfileVersion": 3, "packages": {}})
REQ = {"requirements.txt": "flask==3.0.3\n"}


def fix(text: str, files: dict[str, str], unsafe: bool = False) -> str:
    return fixed(text, select=SELECT, files=files, unsafe=unsafe)


def notes(text: str, files: dict[str, str]) -> list[str]:
    return [d.note for d in diagnostics(text, select=SELECT, files=files)]


# -- the rewrite -----------------------------------------------------------------


def test_moves_a_pip_install_before_the_source_copy() -> None:
    before = """
        FROM python:3.12-slim
        WORKDIR /app
        COPY . .
        RUN pip install -r requirements.txt
        CMD ["python", "app.py"]
    """
    assert fix(before, REQ) == dedent(
        """
        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt ./
        RUN pip install -r requirements.txt
        COPY . .
        CMD ["python", "app.py"]
        """
    )


def test_second_run_changes_nothing() -> None:
    before = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n"
    files = {"package.json": PKG, "package-lock.json": LOCK}
    once = fix(before, files)
    assert once != dedent(before)
    assert fix(once, files) == once
    assert diagnostics(once, select=SELECT, files=files) == []


def test_split_keeps_flags_of_the_run_on_both_parts() -> None:
    before = """
        FROM python:3.12
        WORKDIR /app
        COPY . .
        RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt && python -m compileall .
    """
    assert fix(before, REQ) == dedent(
        """
        FROM python:3.12
        WORKDIR /app
        COPY requirements.txt ./
        RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
        COPY . .
        RUN --mount=type=cache,target=/root/.cache/pip python -m compileall .
        """
    )


def test_cd_before_the_install_is_repeated_for_the_rest() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN cd api && pip install -r requirements.txt && python -m pytest\n"
    assert fix(before, {"api/requirements.txt": "flask\n"}).splitlines()[2:] == [
        "COPY api/requirements.txt api/",
        "RUN cd api && pip install -r requirements.txt",
        "COPY . .",
        "RUN cd api && python -m pytest",
    ]


def test_activating_a_virtualenv_is_repeated_for_the_rest() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN . /venv/bin/activate && pip install -r requirements.txt && python manage.py check\n"
    assert fix(before, REQ).splitlines()[2:] == [
        "COPY requirements.txt ./",
        "RUN . /venv/bin/activate && pip install -r requirements.txt",
        "COPY . .",
        "RUN . /venv/bin/activate && python manage.py check",
    ]


def test_relative_destination_below_the_workdir() -> None:
    before = "FROM python:3.12\nWORKDIR /srv\nCOPY . app/\nRUN pip install -r app/requirements.txt\n"
    # The manifest copy now creates /srv/app, as the source copy would have: BuildKit gives it 0755 and the
    # copy's owner either way (see `manifests-pip-no-workdir`).
    assert fix(before, REQ).splitlines()[2:4] == ["COPY requirements.txt app/", "RUN pip install -r app/requirements.txt"]


def test_context_free_commands_move_with_the_install() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN apt-get update && apt-get install -y libpq5 && pip install -r requirements.txt\n"
    out = fix(before, REQ)
    assert "RUN apt-get update && apt-get install -y libpq5 && pip install -r requirements.txt\nCOPY . .\n" in out


def test_an_index_update_moves_with_the_dependency_install_it_leads() -> None:
    """Where an apt install of the chain stays after the copy, DF101 still moves the `apt-get update` before it with
    the dependency install: the split is what DF101 is for, and the apt install still finds the lists in the image.
    DF103 leaves such a chain alone (`_separates_index_update`)."""
    before = "FROM python:3.12\nARG DEPS=curl\nWORKDIR /app\nCOPY . .\nRUN apt-get update && pip install -r requirements.txt && apt-get install -y $DEPS\n"
    assert fix(before, REQ).splitlines()[3:] == [
        "COPY requirements.txt ./",
        "RUN apt-get update && pip install -r requirements.txt",
        "COPY . .",
        "RUN apt-get install -y $DEPS",
    ]


def test_a_run_that_reads_nothing_of_the_project_moves_along() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install pipenv\nRUN pipenv install --deploy --system\n"
    files = {"Pipfile": "[packages]\n", "Pipfile.lock": "{}\n"}
    assert fix(before, files).splitlines()[2:] == [
        "RUN pip install pipenv",
        "COPY Pipfile Pipfile.lock ./",
        "RUN pipenv install --deploy --system",
        "COPY . .",
    ]


def test_a_cleaned_apt_run_moves_along_like_the_runs_it_was_merged_from() -> None:
    """What DF202/DF204/DF205 make of `RUN apt-get update` + `RUN apt-get install -y curl` reads nothing of
    the project either: `rm -rf` of a folder outside the copy's destination is free."""
    apt = "RUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*"
    before = f"FROM python:3.12\nWORKDIR /app\nCOPY . .\n{apt}\nRUN pip install -r requirements.txt\n"
    assert fix(before, REQ).splitlines()[2:] == [apt, "COPY requirements.txt ./", "RUN pip install -r requirements.txt", "COPY . ."]


@pytest.mark.parametrize(
    "step, dest",
    [
        ("RUN chmod +x *.sh", "."),  # moved above the copy, the glob would match nothing and chmod fail
        ("RUN rm -rf build/*", "."),
        ("RUN chown -R app:app /home/app", "/home/app/src/"),  # a folder above the destination holds the copy
        ("RUN rm -rf /home/*/cache", "/home/app/src/"),
    ],
)
def test_a_run_that_may_change_copied_files_is_not_moved_above_the_copy(step: str, dest: str) -> None:
    before = f"FROM python:3.12\nWORKDIR /home/app/src\nCOPY . {dest}\n{step}\nRUN pip install -r requirements.txt\n"
    lines = fix(before, {**REQ, "run.sh": "echo hi\n", "build/x": ""}).splitlines()
    assert lines.index(step) > lines.index(f"COPY . {dest}")


def test_env_between_moves_before_the_install_or_is_repeated_when_a_step_stays_after_the_copy() -> None:
    before = "FROM node:20\nWORKDIR /app\nCOPY . .\nENV NODE_ENV=production\nRUN npm ci\n"
    out = fix(before, {"package.json": PKG, "package-lock.json": LOCK})
    assert out.splitlines()[2:] == [
        "ENV NODE_ENV=production",
        "COPY package.json package-lock.json ./",
        "RUN npm ci",
        "COPY . .",
    ]
    # The chmod stays after the copy and ran with NODE_ENV unset: the ENV stays after it too.
    out = fix(before.replace("COPY . .\n", "COPY . .\nRUN chmod +x start.sh\n"), {"package.json": PKG, "package-lock.json": LOCK, "start.sh": ""})
    assert out.splitlines()[2:] == [
        "ENV NODE_ENV=production",
        "COPY package.json package-lock.json ./",
        "RUN npm ci",
        "COPY . .",
        "RUN chmod +x start.sh",
        "ENV NODE_ENV=production",
    ]


def test_requirements_includes_are_followed_relative_to_the_including_file() -> None:
    files = {"reqs/prod.txt": "-r base.txt\n-c ../constraints.txt\ngunicorn\n", "reqs/base.txt": "django\n", "constraints.txt": "urllib3<3\n"}
    out = fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r reqs/prod.txt\n", files)
    assert "COPY constraints.txt ./\nCOPY reqs/prod.txt reqs/base.txt reqs/\n" in out


def test_uv_pip_install_reads_requirements_like_pip() -> None:
    out = fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv pip install --system -r requirements.txt\n", REQ)
    assert out.splitlines()[2] == "COPY requirements.txt ./"


@pytest.mark.parametrize(
    ("tool_step", "install", "files"),
    [
        pytest.param("RUN pip install uv", "RUN uv pip install --system -r requirements.txt", REQ, id="pip-install-uv"),
        pytest.param("RUN pip install --upgrade pip", "RUN pip install -r requirements.txt", REQ, id="pip-upgrade-pip"),
        pytest.param("RUN npm config set fund false", "RUN npm ci", {"package.json": PKG, "package-lock.json": LOCK}, id="npm-config"),
    ],
)
def test_a_tool_step_before_the_copy_does_not_count_as_an_ordered_install(tool_step: str, install: str, files: dict[str, str]) -> None:
    """Only a step that reads the project shows the file is ordered; `pip install uv` reads nothing of it."""
    before = f"FROM python:3.12\n{tool_step}\nWORKDIR /app\nCOPY . .\n{install}\n"
    manifests, moved, source = fix(before, files).splitlines()[3:6]
    assert manifests.startswith("COPY ") and manifests != "COPY . ."
    assert (moved, source) == (install, "COPY . .")


def test_uv_pip_messages_name_uv() -> None:
    found = diagnostics("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv pip install --system -r requirements.txt\n", select=SELECT, files=REQ)
    assert found[0].message == "`COPY . .` comes before the uv pip dependency install, so any source change reinstalls every dependency"


@pytest.mark.parametrize(
    ("install", "files", "copied"),
    [
        pytest.param("uv pip sync requirements.txt", REQ, ["COPY requirements.txt ./"], id="sync-positional-file"),
        pytest.param("uv pip install --system -r requirements.txt", {**REQ, "uv.toml": 'index-url = "https://pypi.example/simple"\n'}, ["COPY requirements.txt uv.toml ./"], id="uv-toml"),
        pytest.param("uv pip install --system -r requirements.txt", {**REQ, "pyproject.toml": '[project]\nname = "a"\nreadme = "./README.md"\n'}, ["COPY requirements.txt ./"], id="pyproject-without-tool-uv-is-ignored"),
        pytest.param("uv pip install --system -r requirements.txt", {**REQ, "pyproject.toml": '[project]\nname = "a"\n[[tool.uv.index]]\nurl = "https://x.example/simple"\n'}, ["COPY requirements.txt pyproject.toml ./"], id="pyproject-tool-uv"),
        pytest.param("uv pip install --system -r requirements.txt", {**REQ, ".python-version": "3.12\n"}, ["COPY requirements.txt .python-version ./"], id="python-version"),
        pytest.param("uv pip install --no-config --system -r requirements.txt", {**REQ, "uv.toml": 'find-links = ["./wheels"]\n'}, ["COPY requirements.txt ./"], id="no-config"),
        pytest.param("uv pip install --system -r requirements.txt", {**REQ, ".venv/pyvenv.cfg": ""}, ["COPY requirements.txt ./"], id="system-ignores-dot-venv"),
        pytest.param("uv pip install --system --config-file ci/uv.toml -r requirements.txt", {**REQ, "ci/uv.toml": ""}, ["COPY requirements.txt ./", "COPY ci/uv.toml ci/"], id="config-file"),
        pytest.param("cd api && uv pip install --system -r requirements.txt", {"api/requirements.txt": "flask\n", "uv.toml": ""}, ["COPY uv.toml ./", "COPY api/requirements.txt api/"], id="config-in-a-parent-folder"),
        pytest.param("pip install --target /opt/deps -r requirements.txt", REQ, ["COPY requirements.txt ./"], id="target-outside-the-copy"),
    ],
)
def test_uv_pip_copies_what_uv_reads_and_stays_safe(install: str, files: dict[str, str], copied: list[str]) -> None:
    before = f"FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN {install}\n"
    lines = fix(before, files).splitlines()
    assert lines[2:] == [*copied, f"RUN {install}", "COPY . ."]


def test_uv_pip_install_from_a_static_pyproject_is_unsafe() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv pip install --system -r pyproject.toml\n"
    files = {"pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["flask>=3"]\n'}
    assert fix(before, files) == before
    assert fix(before, files, unsafe=True).splitlines()[2:5] == ["COPY pyproject.toml ./", "RUN uv pip install --system -r pyproject.toml", "COPY . ."]
    assert "statically" in notes(before, files)[0]


def test_trailing_slash_is_added_to_the_destination_folder() -> None:
    out = fix("FROM python:3.12\nWORKDIR /srv/app\nCOPY . /srv/app\nRUN pip install -r requirements.txt\n", REQ)
    assert "COPY requirements.txt /srv/app/\n" in out


@pytest.mark.parametrize(
    ("between", "moved"),
    [
        pytest.param("WORKDIR /app\nENV PORT=8000\nUSER app", True, id="workdir-env-user"),
        pytest.param("EXPOSE $PORT\nENV PORT=8000", False, id="a-crossed-expose-reads-the-env"),
        pytest.param("RUN chmod +x /app/requirements.txt\nENV PORT=8000", False, id="a-step-stays-after-the-copy"),
    ],
)
def test_steps_between_move_instead_of_being_repeated_when_nothing_they_cross_reads_them(between: str, moved: bool) -> None:
    """A second `WORKDIR /app` after the copy changes nothing, and a reviewer would ask why it is there."""
    out = fix(f"FROM python:3.12\nWORKDIR /app\nCOPY . /app\n{between}\nRUN pip install -r requirements.txt\n", REQ)
    after_copy = out.split("COPY . /app\n", 1)[1]
    assert ("ENV PORT=8000" not in after_copy) is moved
    assert out.count("ENV PORT=8000") == (1 if moved else 2)


def test_a_repeated_workdir_that_creates_the_destination_goes_after_the_manifest_copy() -> None:
    before = "FROM registry.example.com/team/python-base\nCOPY . /app\nWORKDIR /app\nRUN pip install -r requirements.txt\n"
    # Before the manifest copy, the WORKDIR would create /app as the base image's user, which is not known;
    # after it, /app exists, made by the manifest copy as the source copy made it.
    assert fix(before, REQ) == dedent(
        """
        FROM registry.example.com/team/python-base
        COPY requirements.txt /app/
        WORKDIR /app
        RUN pip install -r requirements.txt
        COPY . /app
        """
    )
    official = before.replace("registry.example.com/team/python-base", "python:3.12")
    assert "WORKDIR /app\nCOPY requirements.txt /app/" in fix(official, REQ)  # root creates it either way: as it was
    inherited = "FROM python:3.12 AS base\nUSER app\n\nFROM base\nCOPY . /app\nWORKDIR /app\nRUN pip install -r requirements.txt\n"
    home = "FROM python:3.12\nCOPY --chown=app:app . /home/app/src\nWORKDIR /home/app/src\nRUN pip install -r requirements.txt\n"
    assert notes(inherited, REQ) == [""]
    assert "COPY requirements.txt /app/\nWORKDIR /app\nRUN pip" in fix(inherited, REQ)
    assert notes(home, REQ) == [""]
    assert "COPY --chown=app:app requirements.txt /home/app/src/\nWORKDIR /home/app/src\nRUN pip" in fix(home, REQ)
    below = before.replace("WORKDIR /app", "WORKDIR /app/api")  # the manifest copy of api/requirements.txt creates /app/api
    assert notes(below, {"api/requirements.txt": "flask==3.0.3\n"}) == [""]
    other = before.replace("WORKDIR /app", "WORKDIR /app/var").replace("-r requirements.txt", "-r /app/requirements.txt")
    assert "owned by the base image's user, which is not known" in notes(other, REQ)[0]  # /app/var: not followed
    elsewhere = before.replace("WORKDIR /app", "WORKDIR /opt/tools").replace("-r requirements.txt", "-r /app/requirements.txt")
    assert fix(elsewhere, REQ) != elsewhere  # it creates no folder the source copy made


def test_lowercase_keywords_and_indentation_are_kept() -> None:
    before = "from python:3.12\nworkdir /app\n  copy . .\n  run pip install -r requirements.txt\n"
    assert fix(before, REQ) == "from python:3.12\nworkdir /app\n  copy requirements.txt ./\n  run pip install -r requirements.txt\n  copy . .\n"


def test_go_build_gets_a_download_step_with_the_builds_environment() -> None:
    before = "FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN GOPROXY=direct go build -o /app .\n"
    files = {"go.mod": "module x\n", "go.sum": ""}
    assert "COPY go.mod go.sum ./\nRUN GOPROXY=direct go mod download\nCOPY . .\n" in fix(before, files)


@pytest.mark.parametrize(
    ("files", "env", "why"),
    [
        pytest.param({"go.work": "go 1.23\nuse ./cmd\n"}, "", "`go.work` makes this a workspace", id="go-work-above-the-module"),
        pytest.param({}, "ENV GOWORK=/src/go.work\n", "GOWORK=/src/go.work makes this a workspace", id="gowork-env"),
    ],
)
def test_go_download_declines_where_the_build_reads_modules_of_the_project(files: dict[str, str], env: str, why: str) -> None:
    before = f"FROM golang:1.23\nWORKDIR /src/cmd\n{env}COPY . /src\nRUN go build -o /app .\n"
    context = {"cmd/go.mod": "module x\n", "cmd/go.sum": "", **files}
    assert fix(before, context, unsafe=True) == before
    assert why in notes(before, context)[0]


def test_a_vendored_go_build_downloads_nothing_so_nothing_is_reported() -> None:
    before = "FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
    assert notes(before, {"go.mod": "module x\n", "vendor/example.com/m/m.go": ""}) == []


def test_manifests_an_earlier_copy_put_in_place_are_not_copied_again() -> None:
    before = "FROM golang:1.23\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go env -w GOPROXY=https://proxy.golang.org\nCOPY . .\nRUN go build -o /app .\n"
    files = {"go.mod": "module x\n", "go.sum": ""}
    assert fix(before, files, unsafe=True).splitlines()[2:] == [
        "COPY go.mod go.sum ./",
        "RUN go env -w GOPROXY=https://proxy.golang.org",
        "RUN go mod download",
        "COPY . .",
        "RUN go build -o /app .",
    ]


@pytest.mark.parametrize(
    "earlier",
    [
        pytest.param("COPY go.mod go.sum ./\nRUN sed -i s/x/y/ go.mod", id="run-that-edits-the-project"),
        pytest.param("COPY go.mod go.sum ./\nCOPY vendor.mod go.mod", id="copy-that-may-overwrite"),
        pytest.param("COPY go.mod go.sum /tmp/", id="other-folder"),
        pytest.param("COPY --chmod=600 go.mod go.sum ./", id="other-flags"),
    ],
)
def test_an_earlier_manifest_copy_counts_only_while_it_provably_holds_the_manifests(earlier: str) -> None:
    before = f"FROM golang:1.23\nWORKDIR /src\n{earlier}\nCOPY . .\nRUN go build -o /app .\n"
    files = {"go.mod": "module x\n", "go.sum": "", "vendor.mod": ""}
    assert f"{earlier}\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n" in fix(before, files, unsafe=True)


def test_bundle_config_frozen_in_the_chain_makes_the_install_safe() -> None:
    before = "FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle config set frozen true && bundle install\n"
    out = fix(before, {"Gemfile": "source 'https://rubygems.org'\ngem 'rack'\n", "Gemfile.lock": "GEM\n"})
    assert "COPY Gemfile Gemfile.lock ./\nRUN bundle config set frozen true && bundle install\nCOPY . .\n" in out


def test_messages_name_the_copy_and_the_tool() -> None:
    found = diagnostics("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", select=SELECT, files=REQ)
    assert [(d.rule, d.message) for d in found] == [
        ("DF101", "`COPY . .` comes before the pip dependency install, so any source change reinstalls every dependency")
    ]


def test_an_if_on_a_manifest_the_context_lacks_takes_the_else_branch() -> None:
    before = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN if [ -f yarn.lock ]; then yarn install --frozen-lockfile; else npm ci; fi\n"
    out = fix(before, {"package.json": PKG, "package-lock.json": LOCK})
    assert out.startswith("FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN if [ -f yarn.lock ]")


def test_set_e_with_pipefail_heads_a_chain_that_splits() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN set -euo pipefail; pip install -r requirements.txt; python -m compileall .\n"
    out = fix(before, REQ)
    assert "RUN set -euo pipefail; pip install -r requirements.txt\nCOPY . .\nRUN set -euo pipefail; python -m compileall .\n" in out


# -- declines: a suggestion that says why -----------------------------------------


@pytest.mark.parametrize(
    ("dockerfile", "files", "why"),
    [
        pytest.param("RUN pip install -r requirements.txt", {"requirements.txt": "-e ./lib\n"}, "installs from the project's own files", id="editable"),
        pytest.param("RUN pip install -r requirements.txt", {"requirements.txt": "./wheels/x.whl\n"}, "local path", id="local-wheel"),
        pytest.param("RUN pip install -r requirements.txt", {"requirements.txt": "-f ./wheels\nx\n"}, "project's own files", id="find-links-local"),
        pytest.param("RUN pip install -e .", {"setup.py": ""}, "`pip install -e .` installs the project itself, and `setup.py` does not call", id="pip-e-dot-unreadable-setup"),
        pytest.param("RUN pip install .", {"setup.py": "from setuptools import setup\nsetup(install_requires=read_requirements())\n"}, "code the pass does not evaluate", id="setup-py-computed"),
        pytest.param("RUN pip install .", {"setup.py": "from setuptools import setup\nreqs = ['a']\nreqs.append('b')\nsetup(install_requires=reqs)\n"}, "other than once", id="setup-py-list-changed"),
        pytest.param("RUN pip install .", {"pyproject.toml": "[tool.poetry]\nname = 'a'\n"}, "no `[project]` table", id="pyproject-without-project"),
        pytest.param("RUN pip install -r requirements.txt", {"requirements.txt": "--extra-index-url file:///app/wheels\nx\n"}, "package index", id="local-index-in-file"),
        pytest.param("RUN pip install --find-links file:///app/wheels -r requirements.txt", REQ, "project's own files", id="local-find-links"),
        pytest.param("RUN pip install -r requirements.txt", {}, "not in the build context", id="missing-file"),
        pytest.param("RUN pip install -r requirements.txt", {"requirements.txt": "x\n", ".dockerignore": "requirements.txt\n"}, "not in the build context", id="dockerignored"),
        pytest.param("RUN npm ci", {"package.json": json.dumps({"scripts": {"prepare": "node scripts/hooks.js"}}), "package-lock.json": LOCK}, "`prepare` script", id="npm-prepare"),
        pytest.param("RUN npm ci", {"package.json": json.dumps({"dependencies": {"lib": "file:./lib"}}), "package-lock.json": LOCK}, "local path", id="npm-file-dep"),
        pytest.param("RUN npm ci", {"package.json": PKG}, "needs package-lock.json", id="npm-ci-no-lock"),
        pytest.param("RUN yarn install --immutable", {"package.json": PKG, "yarn.lock": "", ".yarnrc.yml": "", ".yarn/cache/a.zip": ""}, "zero-installs", id="yarn-zero-install"),
        pytest.param("RUN npm ci", {"package.json": PKG, "package-lock.json": LOCK, ".npmrc": "@acme:registry=https://npm.acme.dev/\ncafile=./certs/ca.pem\n"}, "`cafile` to `./certs/ca.pem`", id="npmrc-local-file"),
        pytest.param("RUN yarn install --frozen-lockfile", {"package.json": PKG, "yarn.lock": "", ".yarnrc": 'yarn-offline-mirror "./npm-cache"\n'}, "offline-mirror", id="yarn-offline-mirror"),
        pytest.param("RUN poetry install", {"pyproject.toml": "[tool.poetry.dependencies]\nlib = {path = \"../lib\"}\n", "poetry.lock": ""}, "path dependency", id="poetry-path-dep"),
        pytest.param("RUN composer install", {"composer.json": json.dumps({"repositories": [{"type": "path", "url": "../pkg"}]})}, "`path` repository", id="composer-path-repo"),
        pytest.param("RUN composer install", {"composer.json": "{}", "vendor/autoload.php": ""}, "`vendor` is in the build context", id="composer-vendor-in-context"),
        pytest.param("RUN go mod download", {"go.mod": "module x\n", "go.work": "go 1.23\n"}, "workspace", id="go-work"),
        pytest.param("RUN dotnet restore", {"app.csproj": "<Project/>", "obj/project.assets.json": ""}, "without the restore's cache file", id="dotnet-obj-without-cache"),
        pytest.param("RUN dotnet restore", {"app.csproj": "<Project/>", "obj/project.nuget.cache": ""}, "no later build of the project", id="dotnet-obj-not-restored-again"),
        pytest.param("RUN dotnet restore\nRUN cd /app && dotnet publish", {"app.csproj": "<Project/>", "obj/project.nuget.cache": ""}, "no later build", id="dotnet-obj-restored-elsewhere"),
        pytest.param("RUN dotnet restore a.csproj\nRUN dotnet publish b.csproj", {"a.csproj": "<Project/>", "b.csproj": "<Project/>", "obj/project.nuget.cache": ""}, "no later build", id="dotnet-obj-other-project"),
        pytest.param("RUN ./gradlew build", {"settings.gradle": "", "gradlew": "", "buildSrc/build.gradle": ""}, "buildSrc", id="gradle-buildsrc"),
        pytest.param("RUN bundle install", {"Gemfile": "eval_gemfile 'Gemfile.local'\n", "Gemfile.lock": ""}, "eval_gemfile", id="gemfile-eval"),
        pytest.param("RUN uv pip install --system -r requirements.txt", {**REQ, "uv.toml": 'find-links = [\n  "./wheels",\n]\n'}, "`find-links` to `./wheels`", id="uv-toml-local-find-links"),
        pytest.param("RUN uv pip install --system -r requirements.txt", {**REQ, "pyproject.toml": '[tool.uv.sources]\nlib = { path = "../lib" }\n'}, "`path` to `../lib`", id="uv-sources-path"),
        pytest.param("RUN uv pip install --system -r requirements.txt", {**REQ, "pyproject.toml": '[tool]\nuv.index-url = "https://x"\n'}, "dotted keys", id="uv-dotted-keys"),
        pytest.param("RUN uv pip install -r requirements.txt", {**REQ, ".venv/pyvenv.cfg": ""}, "uv installs into it", id="uv-finds-dot-venv"),
        pytest.param("ENV VIRTUAL_ENV=/app/.venv\nRUN uv pip install -r requirements.txt", {**REQ, ".venv/pyvenv.cfg": ""}, "`VIRTUAL_ENV` points into the copied folder", id="uv-virtual-env-in-copy"),
        pytest.param("RUN uv pip install --system -r setup.py", {"setup.py": ""}, "builds the project's metadata", id="uv-requirements-setup-py"),
        pytest.param("RUN uv pip install --system -r pyproject.toml", {"pyproject.toml": '[project]\nname = "a"\ndynamic = ["dependencies"]\n'}, "no static `[project]` dependencies", id="uv-dynamic-dependencies"),
        pytest.param("RUN uv pip install --system -r pyproject.toml", {"pyproject.toml": '[project]\nname = "a"\ndependencies = ["lib @ file:///app/lib"]\n'}, "local path `file:///app/lib`", id="uv-pyproject-file-dependency"),
        pytest.param("RUN uv pip sync requirements.txt ./lib", {**REQ, "lib/x.py": ""}, "a folder of the project", id="uv-sync-folder"),
        pytest.param("RUN pip install --target ./deps -r requirements.txt", {**REQ, "deps/x.py": ""}, "`--target ./deps` installs into the copied folder", id="pip-target-in-copy"),
        pytest.param("RUN pip install -r requirements.txt || true", REQ, "plain `&&` chain", id="or-list"),
        pytest.param("RUN if [ -f /etc/debian_version ]; then pip install -r requirements.txt; fi", REQ, "tests `[ -f /etc/debian_version ]`, which runs a command or reads a file", id="if-on-the-image"),
        pytest.param("RUN if [ -f requirements.txt ]; then pip install -r requirements.txt; python -m compileall .; fi", REQ, "plain `&&` chain", id="if-two-commands"),
        pytest.param("RUN set -e; pip install -r requirements.txt && python -m compileall .; echo done", REQ, "plain `&&` chain", id="set-e-list-with-and"),
        pytest.param("RUN set -e; set +e; pip install -r requirements.txt; python -m compileall .", REQ, "plain `&&` chain", id="set-e-turned-off"),
        pytest.param("RUN ./configure && pip install -r requirements.txt", REQ, "`./configure` runs before the install in the same RUN", id="source-command-first"),
        pytest.param("SHELL [\"/bin/bash\", \"-c\"]\nRUN pip install -r requirements.txt", REQ, "runs between the copy and the install", id="shell-between"),
        pytest.param("USER app\nRUN ./configure\nRUN pip install -r requirements.txt", {**REQ, "configure": ""}, "runs between", id="source-step-between"),
        pytest.param("RUN chmod +x run.sh /usr/local/bin/tool\nRUN pip install -r requirements.txt", {**REQ, "run.sh": ""}, "runs between", id="step-touches-the-image-too"),
        pytest.param("RUN chmod +x run.sh\nENV PATH=/venv/bin:$PATH\nRUN pip install -r requirements.txt", {**REQ, "run.sh": ""}, "runs between", id="env-not-idempotent-after-a-step-left-in-place"),
        pytest.param("RUN rm -rf *\nRUN pip install -r requirements.txt", REQ, "changes `*`", id="step-removes-everything"),
        pytest.param("RUN touch .npmrc\nRUN pip install -r requirements.txt", REQ, "changes `.npmrc`", id="step-creates-a-config-file"),
        pytest.param("COPY --from=busybox:1.36 / /\nRUN pip install -r requirements.txt", REQ, "runs between", id="copy-over-the-destination-parent"),
    ],
)
def test_declines_with_a_reason(dockerfile: str, files: dict[str, str], why: str | None) -> None:
    text = f"FROM python:3.12\nWORKDIR /app\nCOPY . .\n{dockerfile}\n"
    for unsafe in (False, True):
        assert fix(text, files, unsafe=unsafe) == text
    found = notes(text, files)
    if why is None:
        assert found == []  # the chain starts with a step that needs the source: nothing to move
    else:
        assert len(found) == 1 and why in found[0], found


def test_symlinked_manifest_is_declined(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from rewriter.context import Settings
    from rewriter.engine import fix_source

    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "base.txt").write_text("flask\n")
    (tmp_path / "requirements.txt").symlink_to(Path("reqs") / "base.txt")
    source = b"FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
    result = fix_source(source, settings=Settings(select=SELECT, unsafe_fixes=True), context_dir=tmp_path, dockerfile_path=tmp_path / "Dockerfile")
    assert result.output == source
    assert "symbolic link" in result.diagnostics[0].note


# -- no diagnostic at all ----------------------------------------------------------


@pytest.mark.parametrize(
    ("dockerfile", "files"),
    [
        pytest.param("COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN python -m compileall .", REQ, id="already-ordered"),
        pytest.param("COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN pip install --no-deps -e .", REQ, id="ordered-then-project"),
        pytest.param("COPY requirements.txt .\nRUN uv pip install --system -r requirements.txt\nCOPY . .\nRUN pip install --no-deps -e .", REQ, id="ordered-with-uv-then-project"),
        pytest.param("COPY --from=build /out /app\nRUN pip install -r /app/requirements.txt", REQ, id="copy-from-stage"),
        pytest.param("COPY src tests ./\nRUN pip install -r requirements.txt", REQ, id="several-sources"),
        pytest.param("COPY *.py ./\nRUN pip install -r requirements.txt", REQ, id="wildcard-source"),
        pytest.param("COPY --exclude=*.md . .\nRUN pip install -r requirements.txt", REQ, id="exclude-flag"),
        pytest.param("COPY . $UNKNOWN\nRUN pip install -r requirements.txt", REQ, id="unknown-variable"),
        pytest.param("COPY . .\nRUN [\"pip\", \"install\", \"-r\", \"requirements.txt\"]", REQ, id="exec-form"),
        pytest.param("COPY . .\nRUN --mount=type=bind,target=/src pip install -r requirements.txt", REQ, id="bind-mount"),
        pytest.param("COPY . .\nRUN pip install flask", REQ, id="no-manifest-read"),
        pytest.param("COPY . .\nRUN npm install -g pnpm", {"package.json": PKG}, id="global-install"),
        pytest.param("COPY . .\nRUN npm install express", {"package.json": PKG}, id="adds-a-package"),
        pytest.param("COPY . .\nRUN yarn --version", {"package.json": PKG}, id="yarn-version"),
        pytest.param("COPY . .\nRUN go install golang.org/x/tools/cmd/goimports@latest", {"go.mod": "module x\n"}, id="go-install-at-version"),
    ],
)
def test_leaves_alone(dockerfile: str, files: dict[str, str]) -> None:
    text = f"FROM python:3.12\nWORKDIR /app\n{dockerfile}\n"
    result = run(text, select=SELECT, files=files, unsafe=True)
    assert result.output.decode() == text
    assert result.diagnostics == []


def test_an_install_in_a_heredoc_script_is_left_with_a_note() -> None:
    """The pass cuts only a RUN's own command line; it leaves an install in a heredoc script, and says so."""
    text = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN <<EOF\npip install -r requirements.txt\nEOF\n"
    result = run(text, select=SELECT, files=REQ, unsafe=True)
    assert result.output.decode() == text
    assert [(d.rule, d.fix) for d in result.diagnostics] == [("DF101", None)] and "has a heredoc" in result.diagnostics[0].note


GO = {"go.mod": "module x\n\ngo 1.22\n", "go.sum": "", "main.go": "package main\n"}


def test_a_listing_of_the_working_folder_moves_with_the_install() -> None:
    """`ls` without operands only prints (the WORKDIR exists before the copy too); `ls src` may fail there."""
    before = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN ls && go mod download && go build -o /app .\n"
    assert "COPY go.mod go.sum ./\nRUN ls && go mod download\nCOPY . .\nRUN go build -o /app .\n" in fix(before, GO)
    named = before.replace("RUN ls &&", "RUN ls src &&")
    assert fix(named, GO) == named


CARGO = {"Cargo.toml": "[package]\nname='a'\nversion='0.1.0'\n", "Cargo.lock": "", "src/main.rs": ""}


def test_dotnet_build_after_an_inserted_restore_restores_the_context_obj_again() -> None:
    """The publish after the copy decides from the context's obj/ in both orders (see dotnet.stale_restore_outputs)."""
    before = "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -c Release -o /app\n"
    files = {"app.csproj": "<Project/>", "obj/app.csproj.nuget.cache": "", "obj/project.assets.json": "", "bin/Debug/app.dll": ""}
    assert "COPY app.csproj ./\nRUN dotnet restore\nCOPY . .\n" in fix(before, files)


@pytest.mark.parametrize(
    "run",
    [
        pytest.param("mvn -f ${POM} package", id="pom-path"),
        pytest.param("mvn -s${SETTINGS} package", id="glued-settings-path"),
        pytest.param("mvn ${GOALS}", id="goal"),
    ],
)
def test_maven_leaves_alone_a_goal_or_a_file_only_the_shell_knows(run: str) -> None:
    text = f"FROM maven:3.9\nWORKDIR /b\nCOPY . .\nARG POM=pom.xml SETTINGS=s.xml GOALS=package\nRUN {run}\n"
    assert fix(text, {"pom.xml": "<project/>"}) == text


def test_maven_with_an_absolute_pom_needs_no_working_directory() -> None:
    before = "FROM maven:3.9\nCOPY . /home/app\nRUN mvn -f /home/app/pom.xml clean package\n"
    after = fix(before, {"pom.xml": "<project/>"})
    assert "COPY pom.xml /home/app/\nRUN mvn -f /home/app/pom.xml dependency:go-offline\nCOPY . /home/app\n" in after


def test_cargo_chef_orders_the_file() -> None:
    chef = "FROM rust:1.82 AS chef\nRUN cargo install cargo-chef\nWORKDIR /app\nCOPY . .\nRUN cargo chef prepare --recipe-path recipe.json\nCOPY . .\nRUN cargo build --release\n"
    assert diagnostics(chef, select=SELECT, files=CARGO) == []


@pytest.mark.parametrize(
    ("manifest", "files", "stubs"),
    [
        pytest.param("", ["src/main.rs", "src/lib.rs"], "mkdir -p src && touch src/lib.rs && echo 'fn main() {}' > src/main.rs", id="lib-and-bin"),
        pytest.param("autobins = false\n[lib]\npath = 'lib.rs'\n", ["src/main.rs", "lib.rs"], "touch lib.rs", id="declared-lib-no-autobins"),
        pytest.param("[[bin]]\nname = 'a'\n", ["src/main.rs"], "mkdir -p src && echo 'fn main() {}' > src/main.rs", id="bin-named-like-the-package"),
        pytest.param("[[example]]\nname = 'demo'\n", ["src/lib.rs", "examples/demo.rs"], "mkdir -p examples src && echo 'fn main() {}' > examples/demo.rs && touch src/lib.rs", id="declared-example"),
        pytest.param("build = false\n", ["src/main.rs", "build.rs"], "mkdir -p src && echo 'fn main() {}' > src/main.rs", id="build-script-off"),
    ],
)
def test_cargo_stubs_every_target_cargo_loads(manifest: str, files: list[str], stubs: str) -> None:
    package, _, rest = manifest.partition("[")
    cargo_toml = f"[package]\nname = 'a'\nversion = '0.1.0'\n{package}" + (f"[{rest}" if rest else "")
    text = "FROM rust:1.82\nWORKDIR /app\nCOPY . .\nRUN cargo build\n"
    out = fix(text, {"Cargo.toml": cargo_toml, "Cargo.lock": "", **{f: "" for f in files}})
    assert f"RUN {stubs} && cargo build && cargo clean -p a && rm " in out


def test_cargo_stub_build_runs_cargo_as_written_with_the_builds_variables() -> None:
    text = "FROM rust:1.82\nWORKDIR /app\nCOPY . .\nRUN RUSTFLAGS=-g /usr/local/cargo/bin/cargo build --release\n"
    out = fix(text, CARGO)
    assert (
        "RUSTFLAGS=-g /usr/local/cargo/bin/cargo build --release && RUSTFLAGS=-g /usr/local/cargo/bin/cargo clean --release -p a"
        " && rm src/main.rs && rmdir -p --ignore-fail-on-non-empty src\n"
    ) in out


def test_cargo_stub_build_removes_only_what_it_made() -> None:
    # The image already holds a generated file beside the stub: the chain must leave it (the copy would not bring it back).
    text = "FROM rust:1.82\nWORKDIR /app\nCOPY --from=gen /out/proto.rs src/proto.rs\nCOPY . .\nRUN cargo build\n"
    out = fix(text, CARGO)
    assert "&& rm src/main.rs && rmdir -p --ignore-fail-on-non-empty src\n" in out and "rm -r" not in out


def test_cargo_stub_for_a_target_the_context_lacks_declines() -> None:
    files = {**CARGO, "Cargo.toml": CARGO["Cargo.toml"] + "[[bin]]\nname = 'tool'\npath = 'bin/tool.rs'\n"}
    (found,) = diagnostics("FROM rust:1.82\nWORKDIR /app\nCOPY . .\nRUN cargo build\n", select=SELECT, files=files)
    assert found.fix is None and "`bin/tool.rs` of `Cargo.toml` is not a file of the build context" in found.note


@pytest.mark.parametrize(
    ("run", "files", "why"),
    [
        pytest.param("cargo test --release", CARGO, "`cargo test` builds more than the stub targets", id="test"),
        pytest.param("cargo build --manifest-path x/Cargo.toml", CARGO, "names a manifest", id="manifest-path"),
        pytest.param("cargo build", {**CARGO, "target/release/a": ""}, "`target` is in the build context", id="target-in-context"),
        pytest.param("cargo build", {**CARGO, ".cargo/config.toml": "[source.vendored]\ndirectory = 'vendor'\n"}, "vendored directory", id="vendored"),
        pytest.param("cd svc && cargo build", {**{f"svc/{k}": v for k, v in CARGO.items()}, "Cargo.toml": "[workspace]\n"}, "may make it a workspace member", id="workspace-above"),
    ],
)
def test_cargo_declines_what_the_stubs_cannot_stand_for(run: str, files: dict[str, str], why: str) -> None:
    found = diagnostics(f"FROM rust:1.82\nWORKDIR /app\nCOPY . .\nRUN {run}\n", select=SELECT, files=files, unsafe=True)
    assert [(d.rule, d.fix) for d in found] == [("DF102", None)] and why in found[0].note and "cargo-chef" in found[0].note


def test_cargo_stubs_in_the_root_folder_are_new_folders_of_the_image() -> None:
    """With no WORKDIR the copy lands at `/`: /src and /target are the build's own, so the stub build is safe."""
    out = fix("FROM rust:1.82\nCOPY . .\nRUN cargo build --release\n", CARGO)
    assert out.startswith("FROM rust:1.82\nCOPY Cargo.toml Cargo.lock ./\nRUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release")


def test_cargo_declines_stubs_in_a_system_folder_of_the_image() -> None:
    files = {"Cargo.toml": "[workspace]\nmembers = ['lib/core']\n", "Cargo.lock": "", "lib/core/Cargo.toml": "[package]\nname = 'core'\nversion = '0.1.0'\n", "lib/core/src/lib.rs": ""}
    found = diagnostics("FROM rust:1.82\nWORKDIR /\nCOPY . .\nRUN cargo build\n", select=SELECT, files=files, unsafe=True)
    assert [(d.rule, d.fix) for d in found] == [("DF102", None)] and "the image's own `lib` folder" in found[0].note


def test_cargo_configuration_above_the_package_is_copied_too() -> None:
    files = {**{f"svc/{k}": v for k, v in CARGO.items()}, ".cargo/config.toml": "[build]\nrustflags = ['-Dwarnings']\n", "rust-toolchain.toml": ""}
    out = fix("FROM rust:1.82\nWORKDIR /src\nCOPY . .\nRUN cd svc && cargo build\n", files)
    assert "COPY rust-toolchain.toml ./\nCOPY .cargo/config.toml .cargo/\nCOPY svc/Cargo.toml svc/Cargo.lock svc/\nRUN cd svc && mkdir -p src" in out


def test_cargo_workspace_members_are_globbed_and_excluded() -> None:
    crate = "[package]\nname = '{}'\nversion = '0.1.0'\n"
    files = {
        "Cargo.toml": "[workspace]\nmembers = ['crates/*']\nexclude = ['crates/old']\n",
        "Cargo.lock": "",
        **{f"crates/{n}/Cargo.toml": crate.format(n) for n in ("api", "core", "old")},
        **{f"crates/{n}/src/lib.rs": "" for n in ("api", "core", "old")},
    }
    out = fix("FROM rust:1.82\nWORKDIR /w\nCOPY . .\nRUN cargo build --release\n", files)
    assert "COPY crates/api/Cargo.toml crates/api/\nCOPY crates/core/Cargo.toml crates/core/\nRUN mkdir" in out
    assert "cargo clean --release -p api -p core && rm crates/api/src/lib.rs crates/core/src/lib.rs && rmdir -p --ignore-fail-on-non-empty crates/api/src crates/core/src\n" in out


def test_cargo_declines_a_member_without_its_manifest() -> None:
    files = {"Cargo.toml": "[workspace]\nmembers = ['api']\n", "api/src/lib.rs": ""}
    found = diagnostics("FROM rust:1.82\nWORKDIR /w\nCOPY . .\nRUN cargo build\n", select=SELECT, files=files)
    assert [(d.rule, d.fix) for d in found] == [("DF102", None)] and "`api`, which has no package manifest" in found[0].note


def test_cargo_install_of_a_registry_crate_is_not_the_project() -> None:
    text = "FROM rust:1.82\nWORKDIR /app\nCOPY . .\nRUN cargo install sqlx-cli\n"
    assert diagnostics(text, select=SELECT, files=CARGO, unsafe=True) == []


def test_the_dependency_only_command_keeps_the_program_path_as_written() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN /opt/poetry/bin/poetry install --only main\n"
    out = fix(before, {"pyproject.toml": "[tool.poetry]\nname = 'a'\n", "poetry.lock": ""}, unsafe=True)
    assert "RUN /opt/poetry/bin/poetry install --only main --no-root\nCOPY . .\nRUN /opt/poetry/bin/poetry install --only main\n" in out


POETRY_APP = "[tool.poetry]\nname = 'a'\nversion = '1.0'\nreadme = 'README.md'\npackages = [{include = 'a'}]\n[tool.poetry.dependencies]\nhttpx = '*'\n"


@pytest.mark.parametrize(
    ("pyproject", "files", "copied", "why"),
    [
        pytest.param(POETRY_APP, {}, "pyproject.toml poetry.lock", "", id="readme-and-packages-are-not-read-without-the-root"),
        pytest.param("[project]\nname = 'a'\nversion = '1'\nlicense = {file = 'COPYING'}\n", {"COPYING": "text"}, "pyproject.toml poetry.lock COPYING", "", id="license-file-copied"),
        pytest.param("[project]\nname = 'a'\nversion = '1'\nlicense = {file = 'COPYING'}\n", {}, "", "names the license file `COPYING`", id="license-file-missing"),
        pytest.param(POETRY_APP + "[tool.poetry.requires-plugins]\npoetry-plugin-export = '>=1.8'\n", {}, "", "requires poetry plugins", id="project-plugins"),
        pytest.param(POETRY_APP + "[tool.poetry_bumpversion]\nfile = 'a/__init__.py'\n", {}, "", "plugin `poetry_bumpversion`", id="plugin-table"),
        pytest.param("[tool.poetry\n", {}, "", "is not valid TOML", id="invalid-toml"),
    ],
)
def test_poetry_install_without_the_root_reads_only_the_manifests_and_a_license_file(pyproject: str, files: dict[str, str], copied: str, why: str) -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN poetry install --only main\n"
    context = {"pyproject.toml": pyproject, "poetry.lock": "", "README.md": "# a\n", "a/__init__.py": "", **files}
    if why:
        assert fix(before, context) == before
        assert why in notes(before, context)[0]
    else:
        assert f"COPY {copied} ./\nRUN poetry install --only main --no-root\nCOPY . .\n" in fix(before, context)


@pytest.mark.parametrize(
    ("pyproject", "why"),
    [
        pytest.param("[tool.poetry.dependencies]\nshared = { file = 'wheels/shared-1.0-py3-none-any.whl' }\n", "`shared` at the local file `wheels/", id="file"),
        pytest.param("[tool.poetry.group.dev.dependencies.tools]\npath = 'tools'\ndevelop = true\n", "`tools` at the local path `tools`", id="sub-table-in-a-group"),
        pytest.param("[tool.poetry.dependencies]\nlib = [{ version = '^1', python = '<3.12' }, { path = 'lib', python = '>=3.12' }]\n", "`lib` at the local path", id="multiple-constraints"),
        pytest.param("[project]\nname = 'a'\nversion = '1'\ndependencies = ['shared @ file:///src/shared']\n", "`shared @ file:///src/shared`", id="pep508-file-url"),
    ],
)
def test_poetry_declines_dependencies_on_files_of_the_project(pyproject: str, why: str) -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN poetry install --only main\n"
    context = {"pyproject.toml": pyproject, "poetry.lock": ""}
    assert fix(before, context, unsafe=True) == before
    assert why in notes(before, context)[0]


def test_poetry_install_of_the_root_alone_fetches_nothing_first() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN poetry install --only-root\n"
    assert fix(before, {"pyproject.toml": POETRY_APP, "poetry.lock": ""}, unsafe=True) == before


COMPOSER_LOCK = json.dumps({"packages": [{"name": "monolog/monolog", "type": "library"}], "packages-dev": []})
PLUGIN_LOCK = json.dumps({"packages": [{"name": "php-http/discovery", "type": "composer-plugin"}], "packages-dev": []})


@pytest.mark.parametrize(
    ("composer_json", "files", "why"),
    [
        pytest.param({"config": {"allow-plugins": True}}, {"composer.lock": PLUGIN_LOCK}, "has the plugin `php-http/discovery`", id="locked-plugin"),
        pytest.param({"type": "composer-plugin"}, {"composer.lock": COMPOSER_LOCK}, "is itself a `composer-plugin`", id="root-plugin"),
        pytest.param({"scripts": {"post-package-install": "App\\Installer::done"}}, {"composer.lock": COMPOSER_LOCK}, "`post-package-install` scripts", id="package-event"),
        pytest.param({"config": {"allow-plugins": {"acme/*": True}}}, {}, "there is no composer.lock", id="no-lock"),
    ],
)
def test_composer_is_safe_only_without_plugins_or_package_events(composer_json: dict[str, object], files: dict[str, str], why: str) -> None:
    before = "FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install --no-dev\n"
    context = {"composer.json": json.dumps(composer_json), **files}
    assert fix(before, context) == before
    assert why in notes(before, context)[0]
    disallowed = {"config": {"allow-plugins": {"php-http/discovery": False}}}
    assert fix(before, {"composer.json": json.dumps(disallowed), "composer.lock": COMPOSER_LOCK}) != before
    # Allowed plugins that the lock does not list are never installed, so they cannot run.
    allowed = {"config": {"allow-plugins": {"php-http/discovery": True, "pestphp/pest-plugin": True}}}
    assert fix(before, {"composer.json": json.dumps(allowed), "composer.lock": COMPOSER_LOCK}) != before


GEMFILE = 'source "https://rubygems.org"\ngem "sinatra", "~> 4.0"\n'


def gemfile_lock(platforms: str, dependencies: str = "sinatra (~> 4.0)") -> str:
    return f"GEM\n  remote: https://rubygems.org/\n  specs:\n    sinatra (4.0.0)\n\nPLATFORMS\n{platforms}\n\nDEPENDENCIES\n  {dependencies}\n"


@pytest.mark.parametrize(
    ("image", "files", "why"),
    [
        pytest.param("ruby:3.3-slim", {"Gemfile": GEMFILE}, "", id="no-lock-written-in-both-orders"),
        pytest.param("ruby:3.3-slim", {"Gemfile": GEMFILE, "Gemfile.lock": gemfile_lock("  ruby")}, "", id="platform-ruby"),
        pytest.param("--platform=linux/amd64 ruby:3.3", {"Gemfile": GEMFILE, "Gemfile.lock": gemfile_lock("  x86_64-linux")}, "", id="one-platform-built-for"),
        pytest.param("ruby:3.3-alpine", {"Gemfile": GEMFILE, "Gemfile.lock": gemfile_lock("  aarch64-linux\n  x86_64-linux")}, "do not cover x86_64-linux-musl", id="alpine-needs-musl"),
        pytest.param("ruby:3.3-alpine", {"Gemfile": GEMFILE, "Gemfile.lock": gemfile_lock("  aarch64-linux-musl\n  x86_64-linux-musl")}, "", id="alpine-musl"),
        pytest.param("ruby:3.3", {"Gemfile": GEMFILE, "Gemfile.lock": gemfile_lock("  ruby", "sinatra (~> 3.0)")}, "requirement for `sinatra` differs", id="requirement-changed"),
        pytest.param("ruby:3.3", {"Gemfile": GEMFILE + 'gem "pg" if ENV["DB"]\n', "Gemfile.lock": gemfile_lock("  ruby")}, "uses `if`", id="conditional-gemfile"),
    ],
)
def test_unfrozen_bundler_is_safe_when_the_committed_lock_satisfies_it(image: str, files: dict[str, str], why: str) -> None:
    before = f"FROM {image}\nWORKDIR /app\nCOPY . .\nRUN bundle install\n"
    if why:
        assert fix(before, files) == before
        assert why in notes(before, files)[0]
    else:
        assert fix(before, files) != before


def test_msbuild_imports_are_followed_in_namespaced_project_files() -> None:
    legacy = (
        '<Project ToolsVersion="15.0" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">\n'
        '  <Import Project="$(MSBuildProjectDirectory)\\..\\shared\\Common.targets" />\n'
        '  <Import Project="..\\optional.props" Condition="Exists(\'..\\optional.props\')" />\n'
        "</Project>\n"
    )
    files = {"app/App.csproj": legacy, "shared/Common.targets": "<Project><Import Project=\"Inner.props\" /></Project>", "shared/Inner.props": "<Project/>"}
    before = "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore app/App.csproj\n"
    copied = [line for line in fix(before, files).splitlines() if line.startswith("COPY") and line != "COPY . ."]
    assert copied == ["COPY app/App.csproj app/", "COPY shared/Common.targets shared/Inner.props shared/"]


def test_copy_star_is_a_source_copy_only_for_top_level_manifests() -> None:
    text = "FROM node:20\nWORKDIR /app\nCOPY * ./\nRUN npm ci\n"
    files = {"package.json": json.dumps({"workspaces": ["web"]}), "package-lock.json": LOCK, "web/package.json": PKG}
    found = notes(text, files)
    assert fix(text, files, unsafe=True) == text
    assert len(found) == 1 and "copies the contents of folders" in found[0], found
    top_level = {"package.json": PKG, "package-lock.json": LOCK, "src/index.js": ""}
    assert "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY * ./\n" in fix(text, top_level)


@pytest.mark.parametrize(
    ("files", "inserted", "safe"),
    [
        pytest.param(
            {"setup.py": "from setuptools import setup\nsetup(name='a', install_requires=open('requirements.txt').read().splitlines())\n", **REQ},
            "COPY requirements.txt ./\nRUN pip install -r requirements.txt\n", True, id="setup-py-open-inline",
        ),
        pytest.param(
            {"setup.py": "import os\nfrom setuptools import setup\nhere = os.path.dirname(__file__)\nwith open(os.path.join(here, 'requirements.txt')) as f:\n    reqs = [l for l in f.read().splitlines() if l]\nsetup(install_requires=reqs)\n", **REQ},
            "COPY requirements.txt ./\nRUN pip install -r requirements.txt\n", True, id="setup-py-with-open-join",
        ),
        pytest.param(
            {"pyproject.toml": '[build-system]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "a"\ndynamic = ["dependencies"]\n[tool.setuptools.dynamic]\ndependencies = {file = ["requirements.in"]}\n', "requirements.in": "flask\n"},
            "COPY requirements.in ./\nRUN pip install -r requirements.in\n", True, id="setuptools-dynamic-file",
        ),
        pytest.param(
            {"setup.py": "from setuptools import setup\nsetup(install_requires=open('requirements.txt').read().splitlines())\n", "requirements.txt": "-r base.txt\n", "base.txt": "flask\n"},
            "COPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\n", False, id="requirements-with-options-is-unsafe",
        ),
    ],
)
def test_pip_install_dot_installs_the_declared_dependencies_first(files: dict[str, str], inserted: str, safe: bool) -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\n"
    expected = f"FROM python:3.12\nWORKDIR /app\n{inserted}COPY . .\nRUN pip install .\n"
    assert fix(before, files, unsafe=True) == expected
    assert (fix(before, files) == expected) is safe


EXTRAS_PROJECT = '[project]\nname = "Shop_Core"\nversion = "1"\ndependencies = ["flask"]\n[project.optional-dependencies]\n'


@pytest.mark.parametrize(
    ("extras", "target", "inserted", "why"),
    [
        pytest.param('pg = ["psycopg"]\n', ".[pg]", "flask psycopg", "", id="listed"),
        pytest.param('pg = ["psycopg"]\nall = ["shop-core[pg]", "redis"]\n', ".[all]", "flask redis psycopg", "", id="self-reference-expands"),
        pytest.param('pg = ["psycopg"]\n', ".[PG,missing]", "flask psycopg", "", id="names-normalized-and-undeclared-adds-nothing"),
        pytest.param('all = ["shop-core[pg]; python_version < \'3.13\'"]\n', ".[all]", "flask", "with a condition", id="conditional-self-reference"),
        pytest.param('pg = "psycopg"\n', ".[pg]", "flask", "as a list of strings", id="not-a-list"),
    ],
)
def test_pip_install_dot_with_extras_installs_their_requirements_too(extras: str, target: str, inserted: str, why: str) -> None:
    before = f"FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install {target}\n"
    files = {"pyproject.toml": EXTRAS_PROJECT + extras}
    assert f"WORKDIR /app\nRUN pip install {inserted}\nCOPY . .\n" in fix(before, files, unsafe=True)
    assert (fix(before, files) == before) == bool(why)
    if why:
        assert why in notes(before, files)[0]


def test_pip_install_dot_with_dynamic_extras_is_unsafe() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .[pg]\n"
    files = {"pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["flask"]\ndynamic = ["optional-dependencies"]\n'}
    assert fix(before, files) == before
    assert "declares its extras `dynamic`" in notes(before, files)[0]


@pytest.mark.parametrize(
    ("venv", "moved"),
    [
        pytest.param("/app/venv", True, id="new-folder-in-the-copy"),
        pytest.param("--prompt shop /app/.venv", True, id="option-with-a-value"),
        pytest.param("/app/env", False, id="context-has-the-folder"),
        pytest.param("/app/lib/venv", False, id="context-has-a-parent"),
        pytest.param("/app", False, id="the-destination-itself"),
        pytest.param("$VENV", False, id="only-the-shell-knows"),
    ],
)
def test_a_virtual_environment_in_the_copy_moves_only_where_the_context_has_nothing(venv: str, moved: bool) -> None:
    before = f"FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN python -m venv {venv} && /app/venv/bin/pip install -r requirements.txt\n"
    files = {**REQ, "env/keep.txt": "", "lib/x.py": ""}
    assert (fix(before, files) != before) is moved


@pytest.mark.parametrize(
    ("files", "why"),
    [
        pytest.param({".mvn/extensions.xml": "<extensions/>"}, "loads core extensions", id="core-extensions"),
        pytest.param({"pom.xml": "<project><build><plugins><plugin><extensions>true</extensions></plugin></plugins></build></project>"}, "loads build extensions", id="build-extensions"),
    ],
)
def test_maven_go_offline_is_unsafe_where_extensions_run_code(files: dict[str, str], why: str) -> None:
    before = "FROM maven:3.9\nWORKDIR /build\nCOPY . .\nRUN mvn -B package\n"
    context = {"pom.xml": "<project><modelVersion>4.0.0</modelVersion></project>", **files}
    assert fix(before, context) == before
    assert why in notes(before, context)[0]


def test_installing_a_tool_before_the_copy_is_not_its_dependency_step() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nRUN pip install poetry\nCOPY . /app/\nRUN poetry install --no-interaction\n"
    files = {"pyproject.toml": '[tool.poetry]\nname = "app"\n', "poetry.lock": ""}
    assert "COPY pyproject.toml poetry.lock /app/\nRUN poetry install --no-interaction --no-root\n" in fix(before, files, unsafe=True)


def test_an_install_after_an_item_the_pass_cannot_read_is_declined_with_a_reason() -> None:
    before = 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN set -eux; version="$(cat VERSION)"; pip install -r requirements.txt\n'
    found = notes(before, {**REQ, "VERSION": "1.0\n"})
    assert len(found) == 1 and '`version="$(cat VERSION)"` runs before the install in the same RUN' in found[0], found


def test_a_global_install_of_a_scoped_package_moves_with_the_install() -> None:
    before = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm i -g @nestjs/cli@10\nRUN npm ci\n"
    out = fix(before, {"package.json": PKG, "package-lock.json": LOCK})
    assert out.startswith("FROM node:20\nWORKDIR /app\nRUN npm i -g @nestjs/cli@10\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n")


# -- composer without composer.lock: which Composer runs decides whether a plugin can ------------------

COMPOSER_JSON = {"composer.json": json.dumps({"require": {"monolog/monolog": "^3.5"}})}


def composer_note(header: str, files: dict[str, str] = COMPOSER_JSON) -> str:
    text = f"{header}\nWORKDIR /srv/app\nCOPY . .\nRUN composer install --no-dev\n"
    found = diagnostics(text, select=SELECT, files=files)
    assert [d.rule for d in found] == ["DF102"]
    return found[0].note or ""


@pytest.mark.parametrize(
    "header",
    [
        "FROM composer:2",
        "FROM composer:2.2",
        "FROM composer:lts",
        "FROM php:8.3-cli\nCOPY --from=composer:latest /usr/bin/composer /usr/bin/composer",
        "FROM php:8.3-cli\nCOPY --from=composer /usr/bin/composer /usr/local/bin/composer",
        "FROM php:8.3-cli\nCOPY --from=composer:2.2.15 /usr/bin/composer /usr/bin/composer",
        "FROM php:8.3-cli\nCOPY --from=composer:2.3.9 /usr/bin/composer /usr/bin/composer",
        "FROM php:8.3-cli\nCOPY --from=composer:2.5 /usr/bin/composer /usr/bin/composer",
        "FROM composer:2 AS tools\nFROM php:8.3-cli\nCOPY --from=tools /usr/bin/composer /usr/bin/composer",
        "FROM php:7.1-cli\nRUN curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin --filename=composer",
        "FROM php:8.3-cli\nRUN curl -sSL https://getcomposer.org/installer | php -- --2 --install-dir=/usr/local/bin --filename=composer",
        "FROM php:8.3-cli\nRUN curl -o /usr/local/bin/composer https://getcomposer.org/download/2.7.9/composer.phar && chmod +x /usr/local/bin/composer",
        "FROM php:8.3-cli\nRUN curl -o /usr/local/bin/composer https://getcomposer.org/download/latest-2.2.x/composer.phar && chmod +x /usr/local/bin/composer",
    ],
)
def test_composer_from_2_2_15_on_runs_no_plugin_that_allow_plugins_leaves_unset(header: str) -> None:
    assert composer_note(header) == ""


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("FROM composer:1", "Composer 1.10.27 runs plugins"),
        ("FROM php:8.3-cli\nCOPY --from=composer:2.1 /usr/bin/composer /usr/bin/composer", "Composer 2.1 runs plugins"),
        ("FROM php:8.3-cli\nCOPY --from=composer:2.2.14 /usr/bin/composer /usr/bin/composer", "Composer 2.2.14 runs plugins"),
        ("FROM php:8.3-cli\nCOPY --from=composer:2.3 /usr/bin/composer /usr/bin/composer", "Composer 2.3 runs plugins"),  # 2.3.0 to 2.3.8 did
        ("FROM php:8.3-cli\nRUN curl -sS https://getcomposer.org/installer | php -- --1 --install-dir=/usr/bin --filename=composer", "Composer 1.10.27"),
        ("FROM php:8.3-cli\nRUN curl -sS https://getcomposer.org/installer | php -- --version=2.0.14 --install-dir=/usr/bin --filename=composer", "Composer 2.0.14"),
        ("FROM php:8.3-cli\nRUN apt-get update && apt-get install -y composer", "which Composer the stage runs is not known"),
        ("FROM php:8.3-cli\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nRUN composer self-update --2.1", "not known"),
        ("FROM php:8.3-cli\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nRUN composer config --global allow-plugins true", "not known"),
        ("FROM php:8.3-cli\nCOPY --from=composer:${COMPOSER} /usr/bin/composer /usr/bin/composer", "not known"),
        ("FROM acme/php-base:8.3\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer", "not known"),  # its own Composer configuration?
        ("FROM php:8.3-cli\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nENV SHELL_INTERACTIVE=1", "`SHELL_INTERACTIVE`"),
    ],
)
def test_composer_that_may_run_an_unlisted_plugin_keeps_a_lockless_install_unsafe(header: str, why: str) -> None:
    assert why in composer_note(header)


@pytest.mark.parametrize(
    ("config", "safe"),
    [({"allow-plugins": False}, True), ({"allow-plugins": {}}, True), ({"allow-plugins": {"acme/x": False}}, True), ({"allow-plugins": True}, False), ({"allow-plugins": {"acme/*": True}}, False)],
)
def test_allow_plugins_that_allows_none_is_as_good_as_unset(config: dict[str, object], safe: bool) -> None:
    files = {"composer.json": json.dumps({"require": {"acme/x": "^1.0"}, "config": config})}
    assert (composer_note("FROM composer:2", files) == "") is safe


def test_a_lock_from_before_composer_2_2_still_runs_unlisted_plugins() -> None:
    plugin = {"name": "acme/installer", "type": "composer-plugin", "version": "1.0.0"}
    old = {"packages": [plugin], "packages-dev": []}
    assert "acme/installer" in composer_note("FROM composer:2", {**COMPOSER_JSON, "composer.lock": json.dumps(old)})
    new = {**old, "plugin-api-version": "2.6.0"}  # the plugin would stop the install, in either order
    assert composer_note("FROM composer:2", {**COMPOSER_JSON, "composer.lock": json.dumps(new)}) == ""


def test_a_binary_of_the_lock_named_like_a_file_of_a_bin_dir_in_the_context_is_unsafe() -> None:
    manifest = json.dumps({"require": {"acme/tool": "^1.0"}, "config": {"bin-dir": "bin"}})
    lock = {"plugin-api-version": "2.6.0", "packages": [{"name": "acme/tool", "version": "1.0.0", "bin": ["bin/tool"]}]}
    files = {"composer.json": manifest, "composer.lock": json.dumps(lock), "bin/console": "#!/usr/bin/env php\n"}
    assert composer_note("FROM composer:2", files) == ""
    assert "binary `tool`" in composer_note("FROM composer:2", {**files, "bin/tool": "#!/bin/sh\n"})


# -- gradle: what configuring the build reads, before the source copy ---------------------------------------

GRADLE_RUN = "FROM gradle:8.10-jdk21\nWORKDIR /home/gradle/app\nCOPY . .\nRUN gradle build --no-daemon\n"


def gradle_note(files: dict[str, str]) -> str:
    found = diagnostics(GRADLE_RUN, select=SELECT, files={"settings.gradle": "rootProject.name = 'app'\n", **files})
    assert [d.rule for d in found] == ["DF102"]
    return found[0].note or ""


@pytest.mark.parametrize(
    "script",
    [
        "plugins {\n    java\n    `java-library`\n    kotlin(\"jvm\") version \"2.0.21\"\n}\n",
        "plugins {\n    id(\"org.springframework.boot\") version \"3.3.5\" apply false\n    id(\"com.example.unknown\") version \"1\" apply false\n    id 'java'\n}\n",
        "// apply plugin: 'com.example.commented'\n/* plugins { id 'com.example.x' } */\napply plugin: 'java'\n",
        "apply from: 'https://example.com/shared/java.gradle'\n",
        "plugins { id 'java' }\nif (file('extra.gradle').exists()) { println 'a file that exists or not configures the same dependencies' }\n",
    ],
)
def test_gradle_scripts_that_read_nothing_and_apply_inert_plugins_are_safe(script: str) -> None:
    assert gradle_note({"build.gradle": script}) == ""


def test_gradle_plugins_managed_by_the_settings_are_not_applied() -> None:
    settings = "pluginManagement {\n    plugins {\n        id 'com.example.managed' version '1.0'\n    }\n}\nrootProject.name = 'app'\n"
    assert gradle_note({"settings.gradle": settings, "build.gradle": "plugins { id 'java' }\n"}) == ""


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({"build.gradle": "plugins { alias(libs.plugins.boot) }\n", "gradle/libs.versions.toml": '[plugins]\nboot = { id = "org.springframework.boot", version = "3.3.5" }\n'}, ""),
        ({"build.gradle": "plugins { alias(libs.plugins.release) }\n", "gradle/libs.versions.toml": '[plugins]\nrelease = "pl.allegro.tech.build.axion-release:1.18.7"\n'}, "`pl.allegro.tech.build.axion-release`"),
        ({"build.gradle": "plugins { alias(libs.plugins.missing) }\n"}, "`libs.plugins.missing`"),
        ({"build.gradle": "apply plugin: ReleasePlugin\n"}, "the plugin `?`"),
        ({"build.gradle": "apply from: \"$rootDir/gradle/x.gradle\"\n"}, "a path built at run time"),
        ({"build.gradle": "apply from: '../shared.gradle'\n"}, "not in the copied folder"),
        ({"build.gradle": "apply from: 'gradle/x.gradle'\n", "gradle/x.gradle": "apply plugin: 'com.example.x'\n"}, "`gradle/x.gradle` applies the plugin `com.example.x`"),
        ({"build.gradle": "version = file('src/main/resources').listFiles().size()\n", "src/main/resources/a.txt": "a"}, "names the folder `src/main/resources`"),
        ({"build.gradle": "def v = 'git describe'.execute().text\n"}, "`.execute("),
        ({"settings.gradle": "include 'a'\nproject(':a').projectDir = file('modules/a')\n", "modules/a/build.gradle": ""}, "`projectDir`"),
        ({"settings.gradle": "rootProject.name = 'app'\ninclude(*names)\n"}, "names are built at run time"),
        ({"settings.gradle": "include(':lib:core')\n", "lib/core/build.gradle.kts": ""}, ""),
    ],
)
def test_gradle_configuration_that_may_read_what_is_not_copied_is_unsafe(files: dict[str, str], why: str) -> None:
    note = gradle_note(files)
    assert (why in note and note != "") if why else note == ""


def test_gradle_copies_the_files_its_scripts_read_by_literal_paths() -> None:
    files = {"build.gradle": "plugins { id 'java' }\nversion = rootProject.file('version.txt').text.trim()\n", "version.txt": "1.0\n"}
    assert "COPY settings.gradle build.gradle version.txt ./" in fix(GRADLE_RUN, {"settings.gradle": "rootProject.name = 'app'\n", **files})


def test_gradle_init_script_keeps_the_step_unsafe() -> None:
    text = GRADLE_RUN.replace("gradle build", "gradle -I init.gradle build")
    found = diagnostics(text, select=SELECT, files={"settings.gradle": "", "build.gradle": "", "init.gradle": ""})
    assert "init script" in (found[0].note or "")


NPM = {"package.json": PKG, "package-lock.json": LOCK}


@pytest.mark.parametrize(
    ("run", "files", "moved", "stays"),
    [
        pytest.param(
            'if [ "$MODE" = dev ]; then npm install; else npm ci && npm run build; fi',
            NPM,
            'if [ "$MODE" = dev ]; then npm install; else npm ci; fi',
            'if [ "$MODE" = dev ]; then :; else npm run build; fi',
            id="an-arm-moved-whole-leaves-a-colon",
        ),
        pytest.param(
            'if [ -z "$SKIP" ]; then cd web && npm ci && npm run build; fi',
            {f"web/{name}": text for name, text in NPM.items()},
            'if [ -z "$SKIP" ]; then cd web && npm ci; fi',
            'if [ -z "$SKIP" ]; then cd web && npm run build; fi',
            id="a-cd-in-the-arm-is-repeated",
        ),
        pytest.param(
            'set -e; arch="$(uname -m)"; if [ "$arch" = x86_64 ]; then npm ci && npm run build; fi',
            NPM,
            'set -e; arch="$(uname -m)"; if [ "$arch" = x86_64 ]; then npm ci; fi',
            'set -e; arch="$(uname -m)"; if [ "$arch" = x86_64 ]; then npm run build; fi',
            id="a-variable-the-chain-sets-is-set-in-both-places",
        ),
    ],
)
def test_an_if_on_variables_is_split_arm_by_arm(run: str, files: dict[str, str], moved: str, stays: str) -> None:
    out = fix(f"FROM node:20\nARG MODE\nARG SKIP\nWORKDIR /app\nCOPY . .\nRUN {run}\n", files)
    assert f"RUN {moved}\nCOPY . .\n" in out
    assert out.endswith(f"RUN {stays}\n")


@pytest.mark.parametrize(
    "run",
    [
        pytest.param('set -e; if [ "$MODE" = prod ]; then npm ci --omit=dev; exit; fi; npm ci; npm run build', id="if-arm-exit"),
        pytest.param('set -e; if [ "$MODE" = prod ]; then npm ci; exit 0; fi; npm run build > /built', id="if-arm-exit-0-redirect-after"),
        pytest.param('set -e; case "$MODE" in prod) npm ci; exit 0 ;; *) npm install ;; esac; npm run build > /built', id="case-arm-exit"),
        pytest.param('if [ "$MODE" = prod ]; then npm ci && exit 0 && npm run build; fi', id="partial-arm-exit"),
        pytest.param("set -e; exit 0; npm ci; npm run build", id="exit-before-the-install"),
    ],
)
def test_an_exit_before_the_rest_of_the_run_is_not_split_off(run: str) -> None:
    """Split at the copy, an `exit` would end only the RUN before it: the RUN after it would run what it skipped."""
    text = f"FROM node:20\nARG MODE=prod\nWORKDIR /app\nCOPY . .\nRUN {run}\n"
    for unsafe in (False, True):
        assert fix(text, NPM, unsafe=unsafe) == text
    found = notes(text, NPM)
    assert len(found) == 1 and "exit" in found[0] and "ends the RUN" in found[0], found


def test_an_exit_after_the_install_stays_with_the_rest() -> None:
    """`npm ci; exit 0; npm run build`: the exit stays after the copy, where it still skips the build."""
    out = fix("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN set -e; npm ci; exit 0; npm run build\n", NPM)
    assert "RUN set -e; npm ci\nCOPY . .\n" in out
    assert "RUN set -e; exit 0; npm run build" in out


def test_a_case_of_variables_with_an_exit_is_repeated_after_the_copy() -> None:
    """Both RUNs run the whole `case` at the same point, so its `exit 1` ends each where it ended the original."""
    case = 'case "$TARGETARCH" in amd64) A=x64 ;; *) echo "unsupported: $TARGETARCH"; exit 1 ;; esac'
    out = fix(f"FROM node:20\nARG TARGETARCH\nWORKDIR /app\nCOPY . .\nRUN set -e; {case}; npm ci; npm run build\n", NPM)
    assert f"RUN set -e; {case}; npm ci\nCOPY . .\n" in out
    assert out.endswith(f"RUN set -e; {case}; npm run build\n")


def test_gradle_applied_scripts_resolve_paths_against_the_project_that_applies_them() -> None:
    files = {
        "build.gradle": "plugins { id 'java' }\napply from: 'gradle/version.gradle'\n",
        "gradle/version.gradle": "version = file('version.txt').text.trim()\n",
        "version.txt": "1.0\n",
    }
    assert "COPY settings.gradle build.gradle version.txt ./" in fix(GRADLE_RUN, {"settings.gradle": "rootProject.name = 'app'\n", **files})
    relative_to_the_jvm = {**files, "gradle/version.gradle": "version = new File('version.txt').text.trim()\n"}
    assert "builds a file's path at run time" in gradle_note(relative_to_the_jvm)


@pytest.mark.parametrize(
    ("config", "moves"),
    [("composer config -g process-timeout 600", True), ("composer config process-timeout 600", False)],
    ids=["global", "project"],
)
def test_composer_config_is_free_only_with_its_global_flag(config: str, moves: bool) -> None:
    """`composer config` without -g edits ./composer.json: it reads and writes the project."""
    files = {"composer.json": json.dumps({"require": {"php": ">=8.2"}}), "composer.lock": json.dumps({"packages": []})}
    before = f"FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN {config}\nRUN composer install --no-dev\n"
    out = fix(before, files)
    assert (out.index(f"RUN {config}") < out.index("COPY . .")) is moves


# -- review: what composer and gradle read that the inserted step must have --------------------------------

PROD_JSON = json.dumps({"require": {"monolog/monolog": "^3.5"}, "config": {"allow-plugins": False}})


@pytest.mark.parametrize(
    ("env", "prefix"),
    [("ENV COMPOSER=composer-prod.json\n", ""), ("ARG COMPOSER=composer-prod.json\n", ""), ("", "COMPOSER=composer-prod.json ")],
    ids=["env", "arg", "assignment"],
)
def test_composer_copies_the_manifest_and_lock_composer_names(env: str, prefix: str) -> None:
    before = f"FROM composer:2.7\n{env}WORKDIR /app\nCOPY . .\nRUN {prefix}composer install --no-dev\n"
    files = {"composer.json": json.dumps({"require": {}}), "composer-prod.json": PROD_JSON, "composer-prod.lock": COMPOSER_LOCK}
    out = fix(before, files)
    assert "COPY composer-prod.json composer-prod.lock ./\n" in out
    assert "COPY composer.json" not in out


@pytest.mark.parametrize("env", ["ARG COMPOSER\n", "ENV COMPOSER=config/composer.json\n"], ids=["unknown", "other-folder"])
def test_composer_with_a_manifest_it_cannot_follow_is_not_moved(env: str) -> None:
    before = f"FROM composer:2.7\n{env}WORKDIR /app\nCOPY . .\nRUN composer install --no-dev\n"
    files = {"composer.json": PROD_JSON, "composer.lock": COMPOSER_LOCK, "config/composer.json": PROD_JSON}
    assert fix(before, files, unsafe=True) == before


@pytest.mark.parametrize(
    "copy",
    [
        "COPY docker/config.json /tmp/config.json",
        "COPY docker/config.json /root/.composer/config.json",
        "ENV COMPOSER_HOME=/opt/composer\nCOPY docker/ /opt/",
    ],
    ids=["composer-image-home", "root-home", "env-home"],
)
def test_a_copy_into_composers_home_makes_plugins_unknown(copy: str) -> None:
    before = f"FROM composer:2.7\n{copy}\nWORKDIR /app\nCOPY . .\nRUN composer install --no-dev\n"
    files = {"composer.json": json.dumps({"require": {"monolog/monolog": "^3.5"}}), "docker/config.json": '{"config": {"allow-plugins": true}}'}
    assert fix(before, files) == before
    assert "Composer's global configuration" in notes(before, files)[0]
    elsewhere = before.replace(copy, "COPY docker/config.json /etc/app/config.json")
    assert fix(elsewhere, files) != elsewhere


def test_a_composer_home_in_the_copy_is_unsafe() -> None:
    before = "FROM composer:2.7\nENV COMPOSER_HOME=/app/.composer\nWORKDIR /app\nCOPY . .\nRUN composer install --no-dev\n"
    files = {"composer.json": PROD_JSON, "composer.lock": COMPOSER_LOCK, ".composer/auth.json": "{}"}
    assert fix(before, files) == before
    assert "COMPOSER_HOME=/app/.composer" in notes(before, files)[0]


def test_gradle_copies_the_gradle_properties_of_included_projects() -> None:
    files = {
        "settings.gradle": "rootProject.name = 'demo'\ninclude 'app', 'lib:core'\n",
        "build.gradle": "",
        "app/build.gradle": "plugins { id 'java' }\nversion = project.property('appVersion')\n",
        "app/gradle.properties": "appVersion=1.0\n",
        "lib/gradle.properties": "x=1\n",
        "lib/core/build.gradle": "",
        "lib/core/gradle.properties": "y=2\n",
    }
    out = fix(GRADLE_RUN, files)
    assert "COPY app/build.gradle app/gradle.properties app/\n" in out
    assert "lib/gradle.properties" in out and "COPY lib/core/build.gradle lib/core/gradle.properties lib/core/\n" in out


@pytest.mark.parametrize(
    "read",
    [
        'val props = Properties().apply { load(FileInputStream(rootProject.file("version.properties"))) }',
        'val props = Properties().apply { load(FileReader(file("version.properties"))) }',
        'val v = file("version.properties").readLines().first()',
    ],
)
def test_gradle_kotlin_reads_of_a_literal_file_copy_it(read: str) -> None:
    files = {"settings.gradle.kts": 'rootProject.name = "demo"\n', "build.gradle.kts": f"plugins {{ java }}\n{read}\n", "version.properties": "version=1\n"}
    out = fix(GRADLE_RUN, files)
    assert "COPY settings.gradle.kts build.gradle.kts version.properties ./\n" in out


@pytest.mark.parametrize(
    "read",
    [
        'val props = Properties().apply { load(FileInputStream("version.properties")) }',
        'val props = Properties().apply { load(FileInputStream(System.getenv("VERSION_FILE"))) }',
        'val v = File("version.properties").readText()',
    ],
)
def test_gradle_kotlin_reads_of_a_path_not_provable_are_unsafe(read: str) -> None:
    files = {"settings.gradle.kts": 'rootProject.name = "demo"\n', "build.gradle.kts": f"plugins {{ java }}\n{read}\n", "version.properties": "version=1\n"}
    assert fix(GRADLE_RUN, files) == GRADLE_RUN
    assert "builds a file's path at run time" in notes(GRADLE_RUN, files)[0]


def test_folders_up_stop_at_the_copy_root_and_image_path_inverts_context_path(tmp_path: Path) -> None:
    project = Project(BuildContext(tmp_path), "web", PurePosixPath("/app"), PurePosixPath("/app/src"))
    assert project.folders_up("web/src/ui") == ["web/src/ui", "web/src", "web"]
    assert project.image_path("web/src") == PurePosixPath("/app/src")
    assert project.context_path(str(project.image_path("web/src/ui"))) == "web/src/ui"
    assert Project(BuildContext(tmp_path), "", PurePosixPath("/app"), PurePosixPath("/app")).folders_up("a/b") == ["a/b", "a", ""]
