"""DF301-DF304: base images.  Behaviour is in golden/base-*; these pin down the tricky parts."""

from __future__ import annotations

import pytest

from helpers import codes, dedent, diagnostics, fixed
from rewriter.context import load_data
from rewriter.rules import Applicability
from rewriter.shell import ShellScript
from rewriter.text import LogicalText
from transforms.base_images import knowledge as kb
from transforms.base_images.project import setup_py_python_requires, specifier_allows
from transforms.base_images.stage import apt_install, package_name

SHIPPED = kb.Knowledge(load_data("base_images"))


# -- references and tags ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "prefix", "name", "tag", "digest"),
    [
        ("python", "", "python", None, None),
        ("python:3.12-slim", "", "python", "3.12-slim", None),
        ("docker.io/library/python:3.12", "docker.io/library", "python", "3.12", None),
        ("localhost:5000/python", "localhost:5000", "python", None, None),
        ("python:3.12@sha256:ab", "", "python", "3.12", "sha256:ab"),
    ],
)
def test_image_ref_round_trips(text: str, prefix: str, name: str, tag: str | None, digest: str | None) -> None:
    ref = kb.ImageRef.parse(text)
    assert (ref.prefix, ref.name, ref.tag, ref.digest) == (prefix, name, tag, digest)
    assert ref.render() == text


@pytest.mark.parametrize(
    ("image", "tag", "key", "flavour", "variant", "floating"),
    [
        ("python", "3.12.4-slim-bookworm", "3.12", "", "slim-bookworm", False),
        ("python", None, "3.14", "", "", True),
        ("python", "slim", "3.14", "", "slim", True),
        ("python", "3", "3.14", "", "", False),
        ("node", "lts-alpine", "24", "", "alpine", True),
        ("eclipse-temurin", "21.0.2_13-jre-alpine", "21", "jre", "alpine", False),
        ("debian", "bookworm-slim", "12", "", "slim", False),
        ("ubuntu", "noble", "24.04", "", "", False),
    ],
)
def test_tags_are_split_into_version_flavour_variant(image, tag, key, flavour, variant, floating) -> None:  # type: ignore[no-untyped-def]
    parsed = SHIPPED.parse_tag(image, tag)
    assert parsed is not None
    assert (parsed.key, parsed.flavour, parsed.variant, parsed.floating) == (key, flavour, variant, floating)


@pytest.mark.parametrize("tag", ["3.12-windowsservercore", "3.15-rc-slim", "noble-20240423"])
def test_unknown_tag_shapes_are_not_guessed(tag: str) -> None:
    image = "ubuntu" if tag.startswith("noble") else "python"
    assert SHIPPED.parse_tag(image, tag) is None


# -- the Python a project asks for --------------------------------------------------


@pytest.mark.parametrize(
    ("specifier", "minor", "allowed"),
    [
        (">=3.10", "3.14", True),
        (">=3.10,<3.13", "3.13", False),
        (">=3.10, <3.13", "3.12", True),
        ("~=3.11.0", "3.12", False),
        ("~=3.11.0", "3.11", True),
        ("~=3.11", "3.14", True),
        ("==3.12.*", "3.12", True),
        ("!=3.12.*", "3.12", False),
        ("!=3.12.1", "3.12", True),
        (">3.12", "3.12", True),
        ("<=3.11.2", "3.11", True),
        ("<3.11", "3.11", False),
    ],
)
def test_specifier_allows_a_minor_series(specifier: str, minor: str, allowed: bool) -> None:
    assert specifier_allows(specifier, minor) is allowed


def test_unreadable_specifier_is_not_guessed() -> None:
    assert specifier_allows(">=3.10; python_implementation == 'CPython'", "3.12") is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from setuptools import setup\nsetup(name='x', python_requires='>=3.9')\n", ">=3.9"),
        ("import setuptools\nsetuptools.setup(python_requires='>=3.8' ',<4')\n", ">=3.8,<4"),
        ("from setuptools import setup\nREQ = '>=3.9'\nsetup(python_requires=REQ)\n", None),
        ("from setuptools import setup\nsetup(name='x')\n", None),
        ("this is not python (\n", None),
    ],
    ids=["literal", "attribute-call-concatenated", "variable", "absent", "syntax-error"],
)
def test_setup_py_is_read_not_run(source: str, expected: str | None) -> None:
    assert setup_py_python_requires(source) == expected


def test_setup_py_side_effects_never_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').write('x')\nfrom setuptools import setup\nsetup(python_requires='>=3.11')\n"
    assert setup_py_python_requires(source) == ">=3.11"
    assert not marker.exists()


@pytest.mark.parametrize(
    ("name", "content", "pin"),
    [
        (".python-version", "3.11.9\n", "python:3.11"),
        ("runtime.txt", "python-3.12.4\n", "python:3.12"),
        ("Pipfile", '[requires]\npython_version = "3.11"\n', "python:3.11"),
        ("pyproject.toml", '[project]\nrequires-python = ">=3.10,<3.14"\n', "python:3.13"),
    ],
)
def test_untagged_python_is_pinned_from_the_project(name: str, content: str, pin: str) -> None:
    assert fixed("FROM python\n", select="DF303", unsafe=True, files={name: content}) == f"FROM {pin}\n"


def test_python_version_file_wins_over_pyproject() -> None:
    files = {".python-version": "3.12\n", "pyproject.toml": '[project]\nrequires-python = ">=3.10"\n'}
    assert fixed("FROM python:latest\n", select="DF303", unsafe=True, files=files) == "FROM python:3.12\n"


# -- DF301: runtime from apt ----------------------------------------------------------


def test_whole_run_is_removed_with_its_doubled_blank_line_and_crlf_kept() -> None:
    before = "FROM ubuntu:24.04\r\n\r\nRUN apt-get update && apt-get install -y python3 python3-pip\r\n\r\nCMD [\"python3\"]\r\n"
    assert fixed(before, select="DF301", unsafe=True, raw=True) == "FROM python:3.12-slim\r\n\r\nCMD [\"python3\"]\r\n"


def test_last_package_word_removed_keeps_the_continuation_layout() -> None:
    before = dedent(
        """
        FROM ubuntu:24.04
        RUN apt-get update && apt-get install -y \\
            curl \\
            python3-pip
        """
    )
    after = dedent(
        """
        FROM python:3.12-slim
        RUN apt-get update && apt-get install -y \\
            curl
        """
    )
    assert fixed(before, select="DF301", unsafe=True) == after


def test_versioned_package_names_the_version() -> None:
    before = "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y python3.11 python3-pip\n"
    diagnostic = diagnostics(before, select="DF301")[0]
    assert "python:3.11-slim" in diagnostic.message


def test_ubuntu_latest_means_the_current_lts() -> None:
    diagnostic = diagnostics("FROM ubuntu:latest\nRUN apt-get install -y python3-pip\n", select="DF301")[0]
    assert diagnostic.message.startswith("`ubuntu:latest` installs Python 3.14")
    assert diagnostic.saving_mb and diagnostic.saving_mb > 0
    assert diagnostic.applicability == Applicability.UNSAFE


def test_distro_paths_make_it_a_suggestion() -> None:
    before = "FROM ubuntu:24.04\nRUN apt-get install -y python3-pip\nRUN ln -s /usr/bin/python3 /usr/bin/python\n"
    [diagnostic] = diagnostics(before, select="DF3")
    assert diagnostic.rule == "DF301" and diagnostic.fix is None
    assert "/usr/bin/python3" in diagnostic.note


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM ubuntu:24.04\nRUN apt-get install -y --no-install-recommends python3 python3-pip\n",
        "FROM ubuntu:24.04\nRUN add-apt-repository ppa:deadsnakes/ppa && apt-get install -y python3.13\n",
        "FROM ubuntu:24.04\nRUN curl -fsSL https://deb.nodesource.com/setup_22.x | bash - && apt-get install -y nodejs\n",
        "FROM ubuntu:24.04\nRUN apt-get install -y python3-pip nodejs npm\n",
        "FROM ubuntu:24.04\nRUN apt-get install -y golang-go\n",
        "FROM ubuntu:24.04\nRUN apt-get install -y $PACKAGES\n",
        "FROM alpine:3.22\nRUN apk add python3\n",
    ],
    ids=["no-recommends-no-saving", "ppa", "nodesource", "two-runtimes", "go-no-saving", "dynamic-packages", "not-apt"],
)
def test_df301_leaves_alone(dockerfile: str) -> None:
    assert "DF301" not in codes(dockerfile, select="DF3")


# -- DF302: slim ---------------------------------------------------------------


def test_install_of_the_dropped_tool_in_the_stage_counts() -> None:
    before = "FROM python:3.12\nRUN apt-get update && apt-get install -y git && git clone https://x/y\n"
    [diagnostic] = diagnostics(before, select="DF302")
    assert diagnostic.applicability == Applicability.UNSAFE


def test_child_stage_needs_count_for_the_parent() -> None:
    before = "FROM node:22 AS base\nRUN npm ci\nFROM base\nRUN make\n"
    [diagnostic] = diagnostics(before, select="DF302")
    assert diagnostic.fix is None and "`make` (line 4)" in diagnostic.message


def test_temurin_jdk_that_builds_is_left_alone() -> None:
    assert codes("FROM eclipse-temurin:21\nRUN ./mvnw package\n", select="DF302") == []


def test_temurin_jdk_that_only_runs_gets_a_jre_suggestion() -> None:
    [diagnostic] = diagnostics("FROM eclipse-temurin:21-jdk\nCOPY app.jar .\nCMD [\"java\", \"-jar\", \"app.jar\"]\n", select="DF302")
    assert "eclipse-temurin:21-jre" in diagnostic.message and diagnostic.fix is None


# -- FROM edits ------------------------------------------------------------------


def test_arg_used_elsewhere_is_not_edited() -> None:
    before = "ARG PY=3.8\nFROM python:${PY}-slim\nFROM python:${PY}\n"
    result = diagnostics(before, select="DF304")
    assert [d.rule for d in result] == ["DF304", "DF304"]
    assert all(d.fix is None for d in result)


def test_arg_redeclared_in_a_stage_is_not_edited() -> None:
    before = "ARG PY=3.8\nFROM python:${PY}-slim\nARG PY\nRUN echo $PY\n"
    [diagnostic] = diagnostics(before, select="DF304")
    assert diagnostic.fix is None


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM python:3.8@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
        "FROM registry.example.com/python:3.8\n",
        "FROM myorg/python:3.8\n",
        "FROM scratch\n",
        "ARG BASE\nFROM ${BASE}\n",
        "FROM python:3.13-slim AS base\nFROM base\n",
        "FROM python:3.13-slim\n",
        "FROM python:3.12-windowsservercore\n",
    ],
    ids=["digest", "private-registry", "user-namespace", "scratch", "arg-without-default", "earlier-stage", "already-good", "unknown-variant"],
)
def test_df3_leaves_alone(dockerfile: str) -> None:
    assert codes(dockerfile, select="DF3") == []


def test_allowed_registry_mirror_is_treated_as_official() -> None:
    from rewriter.context import Settings
    from rewriter.engine import fix_source

    settings = Settings(select=("DF304",), unsafe_fixes=True, options={"base_images": {"allowed_registries": ["mirror.example.com/library"]}})
    result = fix_source(b"FROM mirror.example.com/library/node:18-slim\n", settings=settings)
    assert result.output == b"FROM mirror.example.com/library/node:22-slim\n"


def test_end_of_life_is_judged_on_the_configured_day() -> None:
    from rewriter.context import Settings
    from rewriter.engine import fix_source

    source = b"FROM node:22-slim\n"
    before = Settings(select=("DF304",), options={"base_images": {"today": "2027-01-01"}})
    after = Settings(select=("DF304",), options={"base_images": {"today": "2027-05-01"}})
    assert fix_source(source, settings=before).diagnostics == []
    assert [d.rule for d in fix_source(source, settings=after).diagnostics] == ["DF304"]


def test_every_rule_documents_itself() -> None:
    from rewriter.rules import all_rules

    for registered in (r for r in all_rules() if r.code.startswith("DF3")):
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
            assert section in registered.doc, (registered.code, section)


# -- added cases --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("install", "blocker"),
    [("python3-pip python3-numpy", "python3-numpy"), ("openjdk-17-jdk maven", "maven")],
)
def test_packages_built_for_the_distro_runtime_block_the_fix(install: str, blocker: str) -> None:
    [diagnostic] = diagnostics(f"FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y {install}\n", select="DF3")
    assert diagnostic.rule == "DF301" and diagnostic.fix is None
    assert blocker in diagnostic.note


def test_heredoc_install_script_is_removed_whole() -> None:
    before = "FROM ubuntu:24.04\nRUN <<EOF\nset -eux\napt-get update\napt-get install -y python3 python3-pip\nrm -rf /var/lib/apt/lists/*\nEOF\nCOPY . .\n"
    assert fixed(before, select="DF301", unsafe=True) == "FROM python:3.12-slim\nCOPY . .\n"


def test_jdk_from_apt_becomes_temurin() -> None:
    before = "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y openjdk-21-jdk\nCOPY app.jar .\n"
    assert fixed(before, select="DF301", unsafe=True) == "FROM eclipse-temurin:21-jdk\nCOPY app.jar .\n"


def test_requirement_without_a_linux_wheel_makes_slim_a_suggestion() -> None:
    before = "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    [diagnostic] = diagnostics(before, select="DF302", files={"requirements.txt": "Django==5.0\npsycopg2==2.9.9\n"})
    assert diagnostic.fix is None and "psycopg2" in diagnostic.message


def test_binary_variant_of_the_same_project_is_fine() -> None:
    [diagnostic] = diagnostics("FROM python:3.12\nRUN pip install psycopg2-binary\n", select="DF302")
    assert diagnostic.applicability == Applicability.UNSAFE


def test_build_stage_saving_is_said_to_be_build_side_only() -> None:
    before = "FROM python:3.12 AS build\nRUN pip wheel -w /w flask\nFROM python:3.12-slim\nCOPY --from=build /w /w\n"
    [diagnostic] = diagnostics(before, select="DF302")
    assert "build stage" in diagnostic.note


def test_child_stage_using_distro_paths_blocks_the_parent_fix() -> None:
    before = "FROM ubuntu:24.04 AS base\nRUN apt-get install -y python3-pip\nFROM base\nRUN /usr/bin/python3 -V\n"
    [diagnostic] = diagnostics(before, select="DF3")
    assert diagnostic.rule == "DF301" and diagnostic.fix is None


def _settings(**options):  # type: ignore[no-untyped-def]
    from rewriter.context import Settings

    return Settings(select=("DF3",), unsafe_fixes=True, options={"base_images": options})


def test_extra_knowledge_from_the_configuration_is_merged() -> None:
    from rewriter.engine import fix_source

    extra = {"images": {"python": {"versions": {"3.11": {"eol": "2026-01-01", "status": "eol", "replacement": "3.12"}}}}}
    result = fix_source(b"FROM python:3.11-slim\n", settings=_settings(extra=extra))
    assert result.output == b"FROM python:3.12-slim\n"
    # the shipped knowledge is untouched for the next run
    assert fix_source(b"FROM python:3.11-slim\n", settings=_settings()).output == b"FROM python:3.11-slim\n"


def test_preferred_alpine_variant() -> None:
    from rewriter.engine import fix_source

    assert fix_source(b"FROM node:22\nRUN npm ci\n", settings=_settings(preferred_variant="alpine")).output == b"FROM node:22-alpine\nRUN npm ci\n"
    apt = fix_source(b"FROM node:22\nRUN apt-get update && apt-get install -y jq\n", settings=_settings(preferred_variant="alpine"))
    assert apt.output == apt.source and "apk" in apt.diagnostics[0].message


def test_files_with_different_extra_knowledge_do_not_see_each_other_interleaved() -> None:
    """Knowledge belongs to the FileContext: no run can leak its `extra` into another, whatever the order."""
    from rewriter.context import FileContext
    from rewriter.syntax import parse
    from transforms.base_images.rules import end_of_life_base_image

    extra = {"images": {"python": {"versions": {"3.11": {"eol": "2026-01-01", "status": "eol", "replacement": "3.12"}}}}}
    source = "FROM python:3.11-slim AS one\nFROM python:3.11-slim AS two\n"
    with_extra = FileContext(parse(source), settings=_settings(extra=extra, today="2026-06-01"))
    shipped = FileContext(parse(source), settings=_settings(today="2026-06-01"))

    def python_311_eol(context: FileContext) -> bool:
        tag = kb.knowledge(context).parse_tag("python", "3.11-slim")
        assert tag is not None and tag.key == "3.11"
        return kb.is_eol(tag.info["versions"]["3.11"], kb.today(context.settings))

    assert python_311_eol(with_extra) and not python_311_eol(shipped) and python_311_eol(with_extra)
    assert kb.knowledge(with_extra) is kb.knowledge(with_extra)  # merged once per file
    # Rules are generators: start one file's, run the other's to the end, then finish the first.
    first = end_of_life_base_image.check(with_extra)
    one = next(first)
    assert list(end_of_life_base_image.check(shipped)) == []
    two = list(first)
    assert [d.message.split("`")[1] for d in [one, *two]] == ["python:3.11-slim", "python:3.11-slim"]


@pytest.mark.parametrize(
    ("run", "packages"),
    [
        ("apt-get -o Dpkg::Use-Pty=0 install -y curl", ["curl"]),
        ("apt-get -a arm64 install -y curl", ["curl"]),
        ("apt-get --host-architecture arm64 install curl=8.5.0-2", ["curl"]),
        ("apt-get -a arm64 update", None),
    ],
    ids=["option", "architecture", "long-architecture", "not-install"],
)
def test_apt_install_reads_option_values_from_the_apt_facts(run: str, packages: list[str] | None) -> None:
    """The options that take a value are package_caches.toml's (`apt.options_with_value`), which the apt pass
    reads too: the value of `-a` is an architecture, not the subcommand."""
    (command,) = ShellScript(LogicalText.from_slices(run, [(0, len(run))])).commands
    found = apt_install(command)
    assert (None if found is None else [package_name(p or "") for _, p in found[0]]) == packages
