"""What a stage inherits from its base image: `Knowledge.image_config` and `stage_config`.

The facts are in `[image_configs]` of data/base_images.toml; these pin down
how a FROM finds them (tags, registries, digests, ARGs, earlier stages) and
that what no source confirms stays unknown.
"""

from __future__ import annotations

import pytest

from helpers import dedent
from rewriter.context import FileContext, Settings, load_data
from rewriter.syntax import parse
from transforms.base_images import knowledge as kb
from transforms.base_images.stage import absolute, base_packages, runs_as_root, stage_config, user_at, workdir_at

SHIPPED = kb.Knowledge(load_data("base_images"))


def config(text: str) -> kb.ImageConfig | None:
    return SHIPPED.image_config(kb.ImageRef.parse(text), Settings())


# -- one reference ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "workdir", "cmd", "entrypoint", "user", "os", "codename"),
    [
        ("python:3.12-slim-bookworm", "/", ("python3",), (), "root", "debian", "bookworm"),
        ("python:3.12-alpine", "/", ("python3",), (), "root", "alpine", None),
        ("golang:1.22-bookworm", "/go", ("bash",), (), "root", "debian", "bookworm"),
        ("golang:alpine", "/go", ("/bin/sh",), (), "root", "alpine", None),
        ("php:8.3-apache-bookworm", "/var/www/html", ("apache2-foreground",), ("docker-php-entrypoint",), "root", "debian", "bookworm"),
        ("php:8.2-fpm-alpine", "/var/www/html", ("php-fpm",), ("docker-php-entrypoint",), "root", "alpine", None),
        ("php:8.3-cli-bookworm", "/", ("php", "-a"), ("docker-php-entrypoint",), "root", "debian", "bookworm"),
        ("composer:2", "/app", ("composer",), ("/docker-entrypoint.sh",), "root", "alpine", None),
        ("node:22-bookworm-slim", "/", ("node",), ("docker-entrypoint.sh",), "root", "debian", "bookworm"),
        ("eclipse-temurin:21-jre-noble", "/", (), ("/__cacert_entrypoint.sh",), "root", "ubuntu", "noble"),
        ("eclipse-temurin:21-jdk-jammy", "/", ("jshell",), ("/__cacert_entrypoint.sh",), "root", "ubuntu", "jammy"),
        ("maven:3.6.0-jdk-11-slim", "/", ("mvn",), ("/usr/local/bin/mvn-entrypoint.sh",), "root", "debian", None),
        ("rust:1.72.0-buster", "/", ("bash",), (), "root", "debian", "buster"),
        ("mcr.microsoft.com/dotnet/sdk:8.0", "/", ("bash",), (), "root", "debian", "bookworm"),
        ("mcr.microsoft.com/dotnet/aspnet:7.0", "/", ("bash",), (), "root", "debian", "bullseye"),
        ("mcr.microsoft.com/dotnet/sdk:10.0", "/", ("/bin/bash",), (), "root", "ubuntu", "noble"),
        ("mcr.microsoft.com/dotnet/core/sdk:3.1", "/", ("bash",), (), "root", "debian", "buster"),
        ("ubuntu:22.04", "/", ("/bin/bash",), (), "root", "ubuntu", "jammy"),
    ],
)
def test_image_config_of_a_tag(ref: str, workdir: str, cmd: tuple[str, ...], entrypoint: tuple[str, ...], user: str, os: str, codename: str | None) -> None:
    found = config(ref)
    assert found is not None
    assert (found.workdir, found.cmd, found.entrypoint, found.user, found.os, found.codename) == (workdir, cmd, entrypoint, user, os, codename)


@pytest.mark.parametrize(
    ("ref", "workdir", "user", "os"),
    [
        ("jekyll/jekyll:3.8", "/srv/jekyll", "root", None),
        ("docker.io/jekyll/jekyll:4", "/srv/jekyll", "root", None),
        ("ghcr.io/astral-sh/uv:python3.13-alpine", "/", "root", "alpine"),
        ("ghcr.io/astral-sh/uv:0.8-python3.12-bookworm-slim", "/", "root", "debian"),
    ],
)
def test_images_of_other_projects_know_what_their_dockerfiles_set(ref: str, workdir: str, user: str, os: str | None) -> None:
    found = config(ref)
    assert found is not None
    assert (found.workdir, found.user, found.os) == (workdir, user, os)
    assert found.entrypoint is None  # changed over the images' history; no tag's build date is known


@pytest.mark.parametrize(
    "ref",
    [
        "python:3.12",
        "docker.io/library/python:3.12",
        "library/python:3.12",
        "python:3.12@sha256:0123456789abcdef",
    ],
)
def test_registry_prefixes_and_a_digest_beside_a_tag_name_the_same_image(ref: str) -> None:
    assert config(ref) == config("python:3.12")


@pytest.mark.parametrize(
    "ref",
    [
        "python@sha256:0123456789abcdef",  # which tag the digest was is unknown
        "nginx:1.27",  # no facts
        "registry.example.com/python:3.12",  # a private image of the same name
        "ghcr.io/astral-sh/uv:0.5.1",  # FROM scratch, WORKDIR /io: the bare tags are not described
        "ghcr.io/astral-sh/uv:python3.13-dhi",  # FROM a hardened image whose config is not known
        "python:3.12-onbuild",  # a tag shape the data does not describe
        "mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled",  # chiseled images are not described
        "mcr.microsoft.com/dotnet/sdk:4.0",  # a version the data has no OS for
    ],
)
def test_images_and_tags_without_facts_are_unknown(ref: str) -> None:
    assert config(ref) is None


@pytest.mark.parametrize(("ref", "known"), [("composer", True), ("composer:2.2", True), ("composer:1.2.1", False)])
def test_a_field_valid_only_since_a_release_is_unknown_for_older_ones(ref: str, known: bool) -> None:
    found = config(ref)
    assert found is not None and found.workdir == "/app"
    assert (found.entrypoint == ("/docker-entrypoint.sh",)) is known and (found.entrypoint is None) is not known


def test_a_field_valid_only_since_a_date_is_unknown_for_a_release_pinned_before() -> None:
    pinned = config("node:10.15.3")
    assert pinned is not None and pinned.entrypoint is None and pinned.workdir == "/"
    assert (config("node:18.17.1") or pinned).entrypoint == ("docker-entrypoint.sh",)
    assert (config("node:22") or pinned).entrypoint == ("docker-entrypoint.sh",)


@pytest.mark.parametrize(
    ("ref", "user", "workdir"),
    [
        ("gradle:8.5-jdk17", "root", "/home/gradle"),
        ("gradle:4.10.3-jdk8", "gradle", "/home/gradle"),  # USER gradle from Gradle 3.4 to 5.4
        ("gradle:4.10-jdk8", "gradle", "/home/gradle"),
        ("gradle:5.4.1-jdk11", None, "/home/gradle"),  # the boundary release was published both ways
        ("gradle:5-jdk11", None, "/home/gradle"),  # 5.x spans both sides
        ("gradle:3.3-jdk8", "root", "/opt"),
    ],
)
def test_older_releases_have_their_own_config(ref: str, user: str | None, workdir: str) -> None:
    found = config(ref)
    assert found is not None and (found.user, found.workdir) == (user, workdir)


@pytest.mark.parametrize(
    ("ref", "codename"),
    [
        ("python:3.7", "bookworm"),  # the last build of a line no longer published
        ("node:16-slim", "buster"),
        ("node:10", "stretch"),  # a codename the release tables lack is still Debian's
        ("python:3.7.17", "bookworm"),  # the line's last release is its last build
        ("python:3.7.0", None),  # an older release may be built on an older Debian
        ("python:3.12.1-slim", None),
        ("python:3.12.1-slim-bookworm", "bookworm"),  # unless the tag names it
    ],
)
def test_the_release_of_a_tag_is_the_one_it_was_built_on(ref: str, codename: str | None) -> None:
    found = config(ref)
    assert found is not None and (found.os, found.codename) == ("debian", codename)


@pytest.mark.parametrize(
    ("ref", "os", "codename"),
    [
        ("buildpack-deps:bookworm-curl", "debian", "bookworm"),
        ("buildpack-deps:noble-scm", "ubuntu", "noble"),
        ("buildpack-deps:scm", "debian", "trixie"),  # the tier alone follows `latest`
        ("mcr.microsoft.com/devcontainers/python:3.12", "debian", "trixie"),  # rebuilt on the manifest's variant
        ("mcr.microsoft.com/devcontainers/python:1-3.12-bookworm", "debian", "bookworm"),  # a tag naming its release
        ("mcr.microsoft.com/devcontainers/base:debian12", "debian", "bookworm"),
        ("mcr.microsoft.com/devcontainers/base:ubuntu", "ubuntu", "resolute"),
        ("mcr.microsoft.com/devcontainers/base:latest", "debian", "trixie"),
        ("mcr.microsoft.com/devcontainers/dotnet:10.0", "ubuntu", "noble"),
        ("mcr.microsoft.com/devcontainers/dotnet:8.0-jammy", "ubuntu", "jammy"),
        ("mcr.microsoft.com/devcontainers/java:21-jdk-bookworm", "debian", "bookworm"),
    ],
)
def test_the_release_of_a_tier_or_a_dev_container_tag(ref: str, os: str, codename: str) -> None:
    found = config(ref)
    assert found is not None and (found.os, found.codename) == (os, codename)


@pytest.mark.parametrize(
    "ref",
    [
        "mcr.microsoft.com/devcontainers/python:1-3.12",  # image version 1: last built on a release no source records
        "mcr.microsoft.com/devcontainers/python:3.9",  # no longer in the manifest
        "mcr.microsoft.com/devcontainers/base:1-debian",
    ],
)
def test_a_dev_container_tag_that_no_longer_follows_the_manifest_is_unknown(ref: str) -> None:
    assert config(ref) is None


def test_an_entrypoint_resets_the_inherited_cmd() -> None:
    """eclipse-temurin's JRE sets ENTRYPOINT and no CMD: ubuntu's /bin/bash is not inherited."""
    found = config("eclipse-temurin:17-jre-jammy")
    assert found is not None and found.cmd == ()


def test_a_cmd_reset_by_an_entrypoint_of_unknown_age_is_unknown_too() -> None:
    """A JRE release pinned from before the ENTRYPOINT (2023-08) kept ubuntu's CMD: neither is known."""
    found = config("eclipse-temurin:17.0.5_8-jre-jammy")
    assert found is not None and (found.entrypoint, found.cmd, found.workdir) == (None, None, "/")


# -- a stage ----------------------------------------------------------------------


def _context(source: str) -> FileContext:
    return FileContext(parse(dedent(source)))


def test_the_from_is_resolved_through_arg_defaults() -> None:
    context = _context(
        """\
        ARG GO=1.22
        FROM golang:${GO}-alpine
        """
    )
    found = stage_config(context, context.document.stages[0])
    assert found is not None and (found.image, found.workdir, found.os) == ("golang", "/go", "alpine")


def test_an_arg_without_default_leaves_the_image_unknown() -> None:
    context = _context(
        """\
        ARG BASE
        FROM ${BASE}
        """
    )
    assert stage_config(context, context.document.stages[0]) is None


def test_a_stage_built_on_an_earlier_stage_inherits_what_that_stage_ends_with() -> None:
    context = _context(
        """\
        FROM python:3.12-slim AS base
        WORKDIR app
        USER nobody
        ENTRYPOINT ["python"]
        FROM base AS test
        RUN pytest
        """
    )
    found = stage_config(context, context.document.stages[1])
    assert found is not None
    assert (found.workdir, found.user, found.entrypoint, found.cmd) == ("/app", "nobody", ("python",), ())


def test_a_stage_built_on_an_earlier_stage_starts_where_workdir_at_says() -> None:
    """The ONBUILD WORKDIR of the stage it is built on runs in it, after that stage's own WORKDIR."""
    context = _context("FROM python:3.12-slim AS base\nONBUILD WORKDIR src\nWORKDIR /app\nFROM base\nRUN make\n")
    found = stage_config(context, context.document.stages[1])
    assert found is not None and found.workdir == workdir_at(context, context.document.instructions[-1]) == "/app/src"


def test_workdir_at_counts_the_base_image_workdir() -> None:
    context = _context(
        """\
        FROM golang:1.22
        COPY go.mod .
        WORKDIR src
        RUN go build
        FROM private.example.com/builder
        RUN make
        """
    )
    copy, _, run, _, make = context.document.instructions[1:]
    assert workdir_at(context, copy) == "/go"
    assert workdir_at(context, run) == "/go/src"
    assert workdir_at(context, make) is None


def test_workdir_is_unknown_until_set_and_relative_to_the_last() -> None:
    context = _context(
        """\
        FROM private.example.com/builder AS base
        ARG APP=/srv/app
        RUN a
        WORKDIR $APP
        WORKDIR ../b/./c
        FROM base
        RUN b
        """
    )
    run_a, run_b = (i for i in context.document.instructions if i.name == "RUN")
    assert workdir_at(context, run_a) is None
    assert workdir_at(context, run_b) == "/srv/b/c"


@pytest.mark.parametrize(
    ("path", "workdir", "expected"),
    [
        ("src/../lib", "/app", "/app/lib"),
        ("../../../etc", "/app", "/etc"),
        ("/srv//app/./", None, "/srv/app"),
        ("//srv", "/app", "/srv"),
        (".", "/", "/"),
        ("src", None, None),
    ],
    ids=["dotdot", "not-above-root", "absolute-cleaned", "double-slash-folded", "root", "relative-to-unknown"],
)
def test_absolute_joins_and_cleans_as_go_path_join(path: str, workdir: str | None, expected: str | None) -> None:
    """BuildKit cleans WORKDIR and COPY destinations with Go's path.Join, which folds `//` where POSIX keeps it."""
    assert absolute(path, workdir) == expected


def test_workdir_at_expands_variables_the_base_image_sets() -> None:
    context = _context("FROM golang:1.22\nWORKDIR $GOPATH/src/app\nRUN go build\n")
    run = context.document.instructions[-1]
    assert workdir_at(context, run) is None
    assert workdir_at(context, run, {"GOPATH": "/go"}) == "/go/src/app"


def test_a_stage_starts_where_the_stage_it_is_built_on_ends_and_its_onbuild_workdir_leads() -> None:
    context = _context("FROM private.example.com/builder AS base\nWORKDIR /app\nONBUILD WORKDIR src\nFROM base\nRUN make\n")
    assert workdir_at(context, context.document.instructions[-1]) == "/app/src"


# -- the user ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dockerfile", "user"),
    [
        ("FROM python:3.12-slim\nRUN x\n", "root"),
        ("FROM gradle:4.10.3-jdk8\nRUN x\n", "gradle"),
        ("FROM private.example.com/builder\nRUN x\n", None),
        ("FROM python:3.12-slim\nARG APP=app\nUSER ${APP}:staff\nRUN x\n", "app:staff"),
        ("FROM python:3.12-slim\nUSER $NOBODY_SET_IT\nRUN x\n", None),
        ("FROM python:3.12-slim\nUSER app\nRUN x\nUSER root\n", "app"),
        ("FROM private.example.com/builder AS base\nUSER app\nFROM base\nRUN x\n", "app"),
        ("ARG BASE=base\nFROM python:3.12-slim AS base\nUSER app\nFROM ${BASE}\nRUN x\n", "app"),
    ],
    ids=["base-image", "base-image-older-gradle", "unknown-image", "expanded", "no-value", "later-user", "parent-stage", "parent-through-arg"],
)
def test_user_at(dockerfile: str, user: str | None) -> None:
    context = _context(dockerfile)
    run = next(i for i in reversed(context.document.instructions) if i.name == "RUN")
    assert user_at(context, run) == user


@pytest.mark.parametrize(
    ("dockerfile", "root"),
    [
        ("FROM node:22\nUSER 0:0\nRUN npm ci\n", True),
        ("FROM node:22\nARG WHO=root\nUSER ${WHO}\nRUN npm ci\n", True),
        ("ARG BASE=base\nFROM node:22 AS base\nUSER node\nFROM ${BASE}\nRUN npm ci\n", False),
        ("FROM gradle:4.10.3-jdk8\nRUN gradle build\n", False),
    ],
    ids=["uid-0", "user-from-an-arg", "parent-through-arg-sets-user", "gradle-ran-as-gradle"],
)
def test_runs_as_root_reads_the_user_as_buildkit_sets_it(dockerfile: str, root: bool) -> None:
    """The cache passes' reading of the user once took the USER text as written (`${WHO}` was no root), missed
    the USER of a parent stage named through an ARG, and knew root only from `[root_images]` (gradle 4 ran as
    `gradle`); it is now `user_at`'s, the one the layer-order pass proves ownership with."""
    context = _context(dockerfile)
    assert runs_as_root(context, context.document.instructions[-1]) is root

# -- installed packages -------------------------------------------------------------


def installed(text: str) -> frozenset[str]:
    return SHIPPED.installed_packages(kb.ImageRef.parse(text), Settings())


@pytest.mark.parametrize(
    ("ref", "has", "lacks"),
    [
        ("python:3.12", {"ca-certificates", "netbase", "openssh-client", "gcc", "libbluetooth-dev"}, {"tzdata", "sq"}),
        ("python:3.12-slim", {"ca-certificates", "netbase", "tzdata"}, {"openssh-client", "gcc"}),
        ("python:3.8-slim-bullseye", {"ca-certificates"}, {"tzdata"}),  # tzdata only in the slim images of 3.9 and newer
        ("python:3.12.1-slim", {"tzdata"}, set()),
        ("node:22", {"ca-certificates", "git", "make"}, set()),
        ("golang:1.23", {"git", "gcc", "pkg-config"}, {"libpq-dev"}),
        ("php:8.3-apache", {"apache2", "ca-certificates", "re2c"}, set()),
        ("php:8.3-fpm", {"ca-certificates"}, {"apache2"}),
        ("rust:1.80-slim-bookworm", {"ca-certificates", "gcc"}, {"curl"}),
        ("buildpack-deps:noble-curl", {"ca-certificates", "tzdata"}, {"git"}),
        ("buildpack-deps:bookworm-curl", {"ca-certificates"}, {"tzdata"}),  # tzdata on Ubuntu only
        ("eclipse-temurin:21-jre", {"ca-certificates", "fontconfig"}, set()),
        ("mcr.microsoft.com/dotnet/sdk:8.0", {"ca-certificates", "git"}, set()),
        ("mcr.microsoft.com/devcontainers/python:3.12", {"openssh-client"}, {"imagemagick", "libmagickwand-dev"}),
        # install-subversion.sh removes subversion and purges autoconf, libtool, pkg-config on bookworm and bullseye
        ("mcr.microsoft.com/devcontainers/typescript-node:22-bookworm", {"ca-certificates"}, {"autoconf", "automake", "libtool", "subversion"}),
        ("mcr.microsoft.com/devcontainers/go:1.24-bookworm", {"ca-certificates"}, {"pkg-config", "subversion"}),
        ("mcr.microsoft.com/devcontainers/python:3.12-bookworm", {"ca-certificates"}, {"subversion"}),
        ("mcr.microsoft.com/devcontainers/rust:2.0.6-bookworm", set(), {"imagemagick"}),  # purged until 2026-01
        ("mcr.microsoft.com/devcontainers/rust:1", {"git"}, {"imagemagick"}),
        ("mcr.microsoft.com/devcontainers/typescript-node:22", {"autoconf", "subversion"}, set()),  # trixie's svn is 1.14.5
        ("lukemathwalker/cargo-chef:latest-rust-1.90-bookworm", {"ca-certificates", "make"}, set()),  # rust:1.90-bookworm's
        ("lukemathwalker/cargo-chef:0.1.70-rust-slim-bookworm", {"gcc"}, {"make"}),
        ("ghcr.io/astral-sh/uv:python3.14-bookworm-slim", {"ca-certificates", "netbase"}, {"git"}),  # python:3.14-slim-bookworm's
        ("ghcr.io/astral-sh/uv:0.9.2-python3.12-bookworm", {"git", "libbluetooth-dev"}, set()),
    ],
)
def test_what_an_image_keeps_installed_on_top_of_its_os(ref: str, has: set[str], lacks: set[str]) -> None:
    found = installed(ref)
    assert has <= found and not lacks & found


@pytest.mark.parametrize(
    "ref",
    [
        "node:22-bookworm-slim",  # purges all it installed
        "python:3.12-alpine",
        "debian:bookworm",  # the OS image is the package metadata's own base system
        "registry.example.com/python:3.12",
        "mcr.microsoft.com/devcontainers/python:1-3.12",
        "mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled",
        "lukemathwalker/cargo-chef:latest",  # FROM the rust default of the day it was released
        "ghcr.io/astral-sh/uv:python3.13-alpine",
        "ghcr.io/astral-sh/uv:bookworm-slim",  # debian's own image: its packages are the metadata's base system
    ],
)
def test_an_image_whose_packages_are_not_described_keeps_nothing(ref: str) -> None:
    assert installed(ref) == frozenset()


def test_a_stage_keeps_what_the_image_of_its_first_stage_keeps() -> None:
    context = _context(
        """        ARG VARIANT=slim
        FROM python:3.12-${VARIANT} AS base
        FROM base AS app
        """
    )
    assert base_packages(context, context.document.stages[1]) == installed("python:3.12-slim")


# -- provenance ---------------------------------------------------------------------


def test_every_installed_packages_entry_names_a_source_and_entries_that_exist() -> None:
    data = load_data("base_images")
    tables = data["installed_packages"]
    for name, entry in tables.items():
        assert all(image in tables for _, image, _ in entry.get("base_tags", ())), f"installed_packages.{name}: unknown base image"
        assert all(isinstance(source, str) and source in data["meta"]["src"] for source in ([entry["src"]] if isinstance(entry["src"], str) else entry["src"])), f"installed_packages.{name}: unknown source"
        assert name in data["image_configs"] or name.partition(":")[0] in data["image_configs"], f"installed_packages.{name}: no image config"
        for other in [entry.get("from"), *entry.get("words", {}).values()]:
            assert other in (None, "") or other in tables, f"installed_packages.{name}: unknown entry {other!r}"


def test_every_image_config_names_a_source_that_exists() -> None:
    data = load_data("base_images")
    sources = data["meta"]["src"]
    for name, entry in data["image_configs"].items():
        for table in [entry, *entry.get("older", ())]:
            ids = table.get("src")
            assert ids, f"image_configs.{name}: no src"
            for source in [ids] if isinstance(ids, str) else ids:
                assert source in sources, f"image_configs.{name}: unknown source {source!r}"
