"""Package caches of apk, dnf/yum/microdnf/zypper, npm, yarn, gem, conda and uv (DF201, DF209-DF215)."""

from __future__ import annotations

import pytest

from helpers import codes, diagnostics, fixed
from rewriter.rules import Applicability


@pytest.mark.parametrize(
    "before, after",
    [
        ("RUN apk add curl", "RUN apk add --no-cache curl"),
        ("RUN apk update && apk add curl", "RUN apk add --no-cache curl"),
        ("RUN apk update; apk add curl", "RUN apk update; apk add --no-cache curl"),
        ("RUN apk update || true && apk add curl", "RUN apk update || true && apk add --no-cache curl"),
        ("RUN if [ -n \"$X\" ]; then apk add curl; fi", "RUN if [ -n \"$X\" ]; then apk add --no-cache curl; fi"),
        ("RUN apk --no-cache add curl", "RUN apk --no-cache add curl"),
    ],
    ids=["flag", "update-replaced", "update-after-semicolon-kept", "update-with-or-kept", "inside-if", "flag-before-add"],
)
def test_apk(before: str, after: str) -> None:
    assert fixed(f"FROM alpine:3.20\n{before}\n", select="DF209", raw=True) == f"FROM alpine:3.20\n{after}\n"


@pytest.mark.parametrize("target", ["/var/cache/apk", "/etc/apk/cache"])
def test_apk_cache_mount_of_the_author_is_kept(target: str) -> None:
    dockerfile = f"FROM alpine:3.20\nRUN --mount=type=cache,target={target} apk update && apk add curl\n"
    assert codes(dockerfile, select="DF209", raw=True) == []


@pytest.mark.parametrize(
    "command",
    ["dnf install -y x", "dnf --assumeyes install x", "yum -y install x", "dnf install --setopt=assumeyes=1 x",
     "zypper -n install x", "zypper --non-interactive in x", "zypper install --no-confirm x", "microdnf install -y x",
     "dnf makecache", "dnf clean all"],
)
def test_rpm_assume_yes_present(command: str) -> None:
    assert codes(f"FROM fedora:40\nRUN {command}\n", select="DF210", raw=True) == []


@pytest.mark.parametrize(
    "command",
    ["dnf install -y x && dnf clean all", "yum install -y x && yum clean all", "zypper -n in x && zypper cc",
     "dnf install -y x && rm -rf /var/cache/dnf", "dnf remove -y x", "dnf clean all"],
)
def test_rpm_cache_already_clean(command: str) -> None:
    assert codes(f"FROM fedora:40\nRUN {command}\n", select="DF211", raw=True) == []


def test_rpm_cache_mount_present() -> None:
    assert codes("FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y x\n", select="DF211", raw=True) == []


def test_clean_comes_after_the_last_install() -> None:
    """A `clean all` before an install does not count."""
    out = fixed("FROM fedora:40\nRUN dnf clean all && dnf install -y x\n", select="DF211", raw=True)
    assert out.endswith("dnf install -y x && dnf clean all && rm -rf /var/cache/dnf\n")


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM node:22\nRUN npm ci && npm cache clean --force\n",
        "FROM node:22\nRUN --mount=type=cache,target=/root/.npm npm ci\n",
        "FROM node:22\nRUN npm ci --prefer-offline\n",
        "FROM node:22\nRUN npm install -g x\nRUN npm install --offline y\n",
        "FROM node:22\nRUN npm run build\n",
        "FROM node:22\nRUN npm ci && rm -rf ~/.npm\n",
    ],
    ids=["cleaned", "mounted", "offline-here", "offline-later", "not-an-install", "removed-by-hand"],
)
def test_npm_leaves_alone(dockerfile: str) -> None:
    assert [d for d in diagnostics(dockerfile, select="DF212", raw=True) if d.fix is not None] == []


def test_npm_mount_falls_back_to_cleaning_for_another_user() -> None:
    out = fixed("FROM node:22\nUSER node\nRUN npm ci\n", select="DF212", cache_strategy="mount", raw=True)
    assert out == "FROM node:22\nUSER node\nRUN npm ci && npm cache clean --force\n"


def test_npm_mount_falls_back_when_the_cache_moved() -> None:
    out = fixed("FROM node:22\nENV npm_config_cache=/tmp/npm\nRUN npm ci\n", select="DF212", cache_strategy="mount", raw=True)
    assert out.endswith("RUN npm ci && npm cache clean --force\n")


@pytest.mark.parametrize(
    "files, dockerfile_extra, applicability",
    [
        ({}, "", Applicability.SAFE),
        ({".yarnrc.yml": "nodeLinker: pnp\n"}, "", Applicability.SUGGESTION),
        ({"package.json": '{"packageManager": "yarn@4.1.0"}'}, "", Applicability.SUGGESTION),
        ({"package.json": '{"packageManager": "yarn@1.22.22"}'}, "", Applicability.SAFE),
        ({}, "RUN corepack enable\n", Applicability.UNSAFE),
    ],
    ids=["classic", "yarnrc-yml", "package-manager-berry", "package-manager-classic", "corepack"],
)
def test_yarn_classic_or_berry(files: dict[str, str], dockerfile_extra: str, applicability: Applicability) -> None:
    dockerfile = "FROM node:22\n" + dockerfile_extra + "RUN yarn install\n"
    found = diagnostics(dockerfile, select="DF213", files=files, raw=True)
    assert [d.applicability for d in found] == [applicability]


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM debian:12\nRUN gem install --no-document rails\n",
        "FROM debian:12\nRUN gem install -N rails\n",
        "FROM debian:12\nRUN gem install --no-ri --no-rdoc rails\n",
        "FROM ruby:3.3\nRUN gem install rails\n",
        "FROM ruby:3.3 AS base\nFROM base\nRUN gem install rails\n",
        "FROM debian:12\nRUN gem list\n",
    ],
    ids=["no-document", "short-flag", "old-flags", "ruby-image-gemrc", "stage-from-ruby", "not-install"],
)
def test_gem_leaves_alone(dockerfile: str) -> None:
    assert codes(dockerfile, select="DF214", raw=True) == []


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM continuumio/miniconda3\nRUN conda install -y numpy && conda clean -afy\n",
        "FROM continuumio/miniconda3\nRUN conda config --set always_softlink true && conda install -y numpy\n",
        "FROM continuumio/miniconda3\nRUN conda list\n",
    ],
    ids=["cleaned", "softlinks", "not-install"],
)
def test_conda_leaves_alone(dockerfile: str) -> None:
    assert codes(dockerfile, select="DF215", raw=True) == []


def test_mamba_cleans_with_mamba() -> None:
    assert fixed("FROM mambaorg/micromamba\nRUN mamba install -y numpy\n", select="DF215", raw=True).endswith(
        "RUN mamba install -y numpy && mamba clean -afy\n"
    )


@pytest.mark.parametrize(
    "before, after",
    [
        ("uv pip install --system flask", "uv pip install --no-cache --system flask"),
        ("uv pip sync requirements.txt", "uv pip sync --no-cache requirements.txt"),
        ("uv sync --frozen", "uv sync --no-cache --frozen"),
        ("uv --no-cache pip install flask", "uv --no-cache pip install flask"),
        ("UV_NO_CACHE=1 uv pip install flask", "UV_NO_CACHE=1 uv pip install flask"),
        ("uv pip compile requirements.in", "uv pip compile requirements.in"),
    ],
)
def test_uv(before: str, after: str) -> None:
    assert fixed(f"FROM python:3.12\nRUN {before}\n", select="DF201", raw=True) == f"FROM python:3.12\nRUN {after}\n"


def test_uv_mount() -> None:
    assert fixed("FROM python:3.12\nRUN uv sync\n", select="DF201", cache_strategy="mount", raw=True) == (
        "# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/uv uv sync\n"
    )


def test_mount_keeps_an_existing_syntax_directive() -> None:
    before = "# syntax=docker/dockerfile:1.7\nFROM python:3.12\nRUN pip install flask\n"
    assert fixed(before, select="DF201", cache_strategy="mount", raw=True) == (
        "# syntax=docker/dockerfile:1.7\nFROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n"
    )


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM jupyter/base-notebook\nRUN pip install flask\n",
        "FROM python:3.12\nUSER app\nRUN pip install flask\n",
        "FROM python:3.12\nENV PIP_CACHE_DIR=/cache\nRUN pip install flask\n",
    ],
    ids=["base-user-unknown", "other-user", "cache-moved"],
)
def test_pip_mount_only_where_the_cache_is_roots(dockerfile: str) -> None:
    assert "--no-cache-dir" in fixed(dockerfile, select="DF201", cache_strategy="mount", raw=True)


def test_an_apt_cache_mount_does_not_cover_pip() -> None:
    before = "FROM python:3.12\nRUN --mount=type=cache,target=/var/lib/apt/lists pip install flask\n"
    assert "pip install --no-cache-dir flask" in fixed(before, select="DF201", raw=True)


def test_a_cache_mount_where_pip_cache_dir_points_counts() -> None:
    before = "FROM python:3.12\nENV PIP_CACHE_DIR=/cache/pip-downloads\nRUN --mount=type=cache,target=/cache/pip-downloads pip install flask\n"
    assert codes(before, select="DF201", raw=True) == []
