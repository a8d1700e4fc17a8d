"""The DF3xx rules: smaller, pinned and supported base images."""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterator

from rewriter.context import FileContext
from rewriter.rules import Applicability, Diagnostic, rule
from rewriter.syntax import Stage
from rewriter.text import Span
from rewriter.variables import resolve_image

from . import knowledge as kb
from . import runtime
from .knowledge import ImageRef, Knowledge, Tag
from .project import newest_allowed, python_requirement
from .slim import slim_advice
from .stage import Base, base_of, official_unknown, retag

_RUNTIME_NAMES = {"python": "Python", "node": "Node.js", "java": "Java", "golang": "Go"}
_DISPLAY = {"python": "Python", "node": "Node.js", "golang": "Go", "ruby": "Ruby", "php": "PHP", "eclipse-temurin": "Temurin", "debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine"}


def _bases(context: FileContext) -> Iterator[Base]:
    for stage in context.document.stages:
        base = base_of(context, stage)
        if base is not None:
            yield base


def _owned_by_runtime_rule(context: FileContext, base: Base) -> bool:
    """DF301 replaces the whole base of this stage; pinning or updating the distro first would be noise."""
    return runtime.plan(context, base) is not None


def _os_change(base: Base, target: Tag) -> str:
    """What happens to the operating system under the stage when DF301's fix is applied."""
    before = f"{_DISPLAY.get(base.image, base.image)} {base.tag.key}"
    os_name = "ubuntu" if target.image == "eclipse-temurin" else "debian"
    codename = target.codename if os_name == "debian" else target.info.get("default_codename")
    if not target.info.get("versions", {}).get(target.key or "", {}).get("published"):
        codename = None  # an end-of-life version: the release of its last images is not recorded
    if base.image == os_name and codename == base.tag.codename:
        return f"the OS stays {before} ({codename}); other apt packages install as before"
    return f"the OS changes from {before} to {os_name.capitalize()}{' ' + codename if codename else ''}: the other apt packages must exist there under the same names"


def _where(stage: Stage) -> Span:
    """The image word of a FROM (where the diagnostic points)."""
    words = stage.from_.words()
    return words[0].span if words else stage.from_.span


def _shipped(context: FileContext, stage: Stage) -> bool:
    """Is the stage the final one, or one the final stage is built on?"""
    current: Stage | None = context.document.stages[-1]
    while current is not None:
        if current.index == stage.index:
            return True
        parent = context.document.stage_named(current.image)
        current = parent if parent is not None and parent.index < current.index else None
    return False


def _mb(value: float | None) -> str:
    return f"~{round(value)} MB" if value is not None else "an unknown amount"


@rule(
    "DF301",
    "runtime-installed-with-apt",
    summary="a distro base installs a language runtime with apt where the official slim image has it",
    applicability=Applicability.UNSAFE,
    order=50,
)
def runtime_installed_with_apt(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Replaces `ubuntu`/`debian` plus an `apt-get install` of a language
    runtime (`python3 python3-pip`, `nodejs npm`, `openjdk-17-jdk`) with the
    official image of the **same** runtime version (`python:3.12-slim` for
    Ubuntu 24.04, whose python3 is 3.12), removes the runtime's packages from
    the install (the whole RUN when nothing else is left in it), and drops
    pip's `--break-system-packages`, which only a distro Python needs.

    ## Why is this bad?
    Installed with its Recommends, `python3-pip` brings in build-essential
    and python3-dev: about 400 MB on disk.  The official slim image has the
    same Python without them, plus current patch releases.  The version is
    read from the release (`ubuntu:latest` is the current LTS according to
    dockerfix's knowledge base, or what the project's `requires-python`
    asks for); the rule stays quiet when the official image would not be
    smaller (no Recommends, or Go, whose official image is a full one).

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y python3 python3-pip
    RUN pip3 install --break-system-packages -r requirements.txt
    ```

    Use instead:
    ```dockerfile
    FROM python:3.12-slim
    RUN pip3 install -r requirements.txt
    ```

    ## Fix safety
    Unsafe: the operating system changes (Ubuntu to Debian for python and
    node), other apt packages now come from Debian, compilers that
    Recommends pulled in are gone, and the interpreter lives in /usr/local.
    Only a suggestion when the stage refers to the distro's paths
    (`/usr/bin/python3`, dist-packages), installs packages built for the
    distro's runtime (`python3-numpy`, `maven`: apt would pull the distro
    runtime back in), or the install cannot be edited soundly.  Left alone when the runtime comes from another repository
    (PPA, NodeSource) or the stage installs two runtimes.
    """
    for base in _bases(context):
        plan = runtime.plan(context, base)
        if plan is None:
            continue
        name = _RUNTIME_NAMES.get(plan.runtime, plan.runtime)
        target = f"{plan.target.image}:{plan.target.render()}"
        message = (
            f"`{base.shown}` installs {name} {plan.version} with apt; the official `{target}` "
            f"has the same {name} and is {_mb(plan.saving_mb)} smaller"
        )
        note = f"Check: {_os_change(base, plan.target)}; {name} moves to {'/opt/java/openjdk' if plan.runtime == 'java' else '/usr/local'}; anything built against the distro's {name} must be rebuilt."
        kept = {i.command.words[k].value for i in plan.installs for k in i.other_words}
        if any(i.recommends for i in plan.installs) and plan.runtime in ("python", "node") and not kept & {"build-essential", "gcc", "g++"}:
            note += " Without --no-install-recommends the stage also had gcc, g++ and make (Recommends of pip/npm); add build-essential if a package must compile."
        entry = plan.target.info.get("versions", {}).get(plan.target.key or "", {})
        if kb.is_eol(entry, kb.today(context.settings)):
            note += f" {name} {plan.version} itself is end-of-life: DF304 moves it on to a supported version."
        edits = runtime.edits(context, base, plan) if not plan.blocked else None
        fix = None
        if edits is not None:
            fix = runtime_installed_with_apt.fix(Applicability.UNSAFE, f"Use `{target}` and drop the apt-installed {name}", *edits)
        else:
            note += " No automatic fix: " + (plan.blocked or "the FROM or the apt install cannot be edited soundly") + "."
        yield runtime_installed_with_apt.diagnostic(message, _where(base.stage), fix, note=note, saving_mb=plan.saving_mb)


@rule(
    "DF302",
    "full-base-image",
    summary="a full official image where its slim variant serves",
    applicability=Applicability.UNSAFE,
    order=300,
)
def full_base_image(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Moves `python:3.12`, `node:22`, `ruby:3.3` (and `debian:12`) to their
    `-slim` variant when nothing the stage runs needs what slim leaves out;
    otherwise says what needs it.  For images without a slim variant
    (golang, php: alpine; eclipse-temurin: the JRE) it only suggests.

    ## Why is this bad?
    The full images are built on buildpack-deps: gcc, make, git, curl,
    hundreds of -dev packages, ImageMagick.  A stage that only installs
    wheels and runs the application ships 300 MB and more it never uses.

    ## Example
    ```dockerfile
    FROM python:3.12
    COPY app.py .
    CMD ["python", "app.py"]
    ```

    Use instead:
    ```dockerfile
    FROM python:3.12-slim
    COPY app.py .
    CMD ["python", "app.py"]
    ```

    ## Fix safety
    Unsafe: files disappear from the image.  Every RUN, HEALTHCHECK, CMD
    and ENTRYPOINT of the stage and of stages built on it is checked for
    the commands slim drops (gcc, make, git, curl...; installing the package
    in the stage counts).  `pip install`, `npm install` and `bundle install`
    may compile native code (an sdist, a node-gyp addon, a gem with a C
    extension): the fix stays unsafe and the note says so.  A requirement
    with no Linux wheel on PyPI (psycopg2, mysqlclient, uwsgi; on the
    command line or in a `-r` file of the build context), or a
    Gemfile.lock with gems known to compile, makes it a suggestion.  When the stage
    compiles, the multi-stage pass (DF4xx) can keep the full image for the
    build and copy the result into the slim one.
    """
    knowledge = kb.knowledge(context)
    for base in _bases(context):
        if _owned_by_runtime_rule(context, base):
            continue
        if _eol_replacement(knowledge, base, kb.today(context.settings)) is not None:
            continue  # DF304 first: the slim variant of an end-of-life tag may not exist
        advice = slim_advice(context, base)
        if advice is None:
            continue
        new_image = base.with_tag(advice.target)
        fix = None
        if advice.applicability == Applicability.UNSAFE:
            retagged = retag(context, base, new_image)
            if retagged is not None:
                fix = full_base_image.fix(Applicability.UNSAFE, f"Use `{new_image}`", *retagged[0])
        note = advice.note
        if not _shipped(context, base.stage):
            note += " This is a build stage: the saving is in pull time and build-host disk, not in the image you ship."
        yield full_base_image.diagnostic(advice.message, _where(base.stage), fix, note=note, saving_mb=advice.saving_mb)


@rule(
    "DF303",
    "unpinned-base-image",
    summary="a base image without a version (`latest`, no tag, `lts`)",
    applicability=Applicability.UNSAFE,
    hadolint=("DL3006", "DL3007"),
    order=300,
)
def unpinned_base_image(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Pins `FROM python`, `python:latest`, `node:lts-slim`, `ubuntu:latest` to
    the version the tag points at today according to dockerfix's knowledge
    base, or, for Python, the newest supported version the project allows
    (`.python-version`, `runtime.txt`, Pipfile, `requires-python` in
    pyproject.toml, `python_requires` in setup.py, read without running it).
    Images the knowledge base does not describe get a suggestion.

    ## Why is this bad?
    `latest` moves: the next build silently gets a new major version of the
    language or the OS, and a build that worked yesterday fails (or worse,
    behaves differently) with no change in the repository.

    ## Example
    ```dockerfile
    FROM python:slim
    ```

    Use instead:
    ```dockerfile
    FROM python:3.14-slim
    ```

    ## Fix safety
    Unsafe: the knowledge base is a snapshot (its date is in the note), so
    `latest` may have moved since; a version chosen from the project may
    differ from what `latest` gave.
    """
    knowledge = kb.knowledge(context)
    on = kb.today(context.settings)
    as_of = knowledge.data["meta"]["as_of"]
    for stage in context.document.stages:
        base = base_of(context, stage)
        if base is None:
            unknown = official_unknown(context, stage)
            if unknown is not None and (unknown.tag is None or unknown.tag in knowledge.data["tags"]["floating"]):
                yield unpinned_base_image.diagnostic(
                    f"`{unknown.render()}` is not pinned to a version: each build may get a different image",
                    _where(stage),
                    note="Pin a version tag (or a digest) that you have tested.",
                    saving_mb=0.0,
                )
            continue
        if not base.tag.floating or _owned_by_runtime_rule(context, base):
            continue
        if _variant_eol(knowledge, base, on):
            continue  # DF304 moves the variant first; pinning a dropped variant would name no image
        version = base.tag.key
        why = f"what `{base.ref.tag or 'latest'}` pointed to in dockerfix's knowledge base of {as_of}"
        if base.image == "python":
            requirement = python_requirement(context.build_context)
            if requirement is not None:
                chosen = newest_allowed(requirement, runtime.supported_pythons(context))
                if chosen is not None:
                    version, why = chosen, f"the newest supported Python that {requirement.source} allows (`{requirement.specifier}`)"
        if version is None:
            continue
        new_tag = base.tag._replace(version=version, alias=None)
        new_image = base.with_tag(new_tag)
        retagged = retag(context, base, new_image)
        fix = unpinned_base_image.fix(Applicability.UNSAFE, f"Pin `{new_image}`", *retagged[0]) if retagged else None
        yield unpinned_base_image.diagnostic(
            f"`{base.shown}` is not pinned to a version; pin `{new_image}` ({why})",
            _where(base.stage),
            fix,
            note=f"Check that {new_image} is the version you build and test with; the knowledge base dates from {as_of}.",
            saving_mb=0.0,
        )


def _variant_eol(knowledge: Knowledge, base: Base, on: dt.date) -> bool:
    suffix = base.tag.suffix
    if suffix.get("os") in ("debian", "ubuntu") and suffix.get("codename") and not str(suffix["codename"]).startswith("("):
        return knowledge.codename_eol(str(suffix["codename"]), on)
    if suffix.get("os") == "alpine" and not str(suffix.get("version", "")).startswith("("):
        return knowledge.alpine_eol(str(suffix["version"]), on)
    return False


@rule(
    "DF304",
    "end-of-life-base-image",
    summary="a base image whose version or OS release is end-of-life",
    applicability=Applicability.UNSAFE,
    order=300,
)
def end_of_life_base_image(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Moves an end-of-life base (`python:3.8`, `node:18`, `-buster`,
    `alpine3.18`, `ubuntu:20.04`, the deprecated `openjdk`) to the closest
    supported equivalent from dockerfix's knowledge base, keeping the
    variant (`python:3.9-slim-buster` becomes `python:3.11-slim-trixie`).

    ## Why is this bad?
    End-of-life images get no security fixes, and their tags stop being
    rebuilt or disappear (`-buster` variants are gone from Docker Hub).

    ## Example
    ```dockerfile
    FROM node:18-bullseye-slim
    ```

    Use instead:
    ```dockerfile
    FROM node:22-trixie-slim
    ```

    ## Fix safety
    Unsafe: a new language version or OS release can break the build or
    the application.  A suggestion only when a language changes its major
    version (Python 2 to 3, Ruby 2 to 3, PHP 7 to 8).  End of life is judged
    on today's date against the knowledge base's dates.
    """
    knowledge = kb.knowledge(context)
    on = kb.today(context.settings)
    for stage in context.document.stages:
        base = base_of(context, stage)
        if base is None:
            yield from _deprecated_openjdk(context, stage)
            continue
        if _owned_by_runtime_rule(context, base):
            continue
        found = _eol_replacement(knowledge, base, on)
        if found is None:
            continue
        new_tag, reasons, applicability = found
        new_image = base.with_tag(new_tag)
        fix = None
        if applicability == Applicability.UNSAFE:
            retagged = retag(context, base, new_image)
            if retagged is not None:
                fix = end_of_life_base_image.fix(Applicability.UNSAFE, f"Use `{new_image}`", *retagged[0])
        saving = knowledge.saving(base.tag, new_tag) or 0.0
        yield end_of_life_base_image.diagnostic(
            f"`{base.shown}` is end-of-life ({'; '.join(reasons)}); use `{new_image}`",
            _where(base.stage),
            fix,
            note="Check that the application and every RUN work on the newer version; read its release notes."
            + (" A new major version of the language: expect code changes." if applicability == Applicability.SUGGESTION else ""),
            saving_mb=float(saving),
        )


def _eol_replacement(knowledge: Knowledge, base: Base, on: dt.date) -> tuple[Tag, list[str], Applicability] | None:
    tag = base.tag
    info = tag.info
    reasons: list[str] = []
    version, alias, variant = tag.version, tag.alias, tag.variant
    applicability = Applicability.UNSAFE
    key = tag.key
    if key is not None and not tag.floating:
        entry = info["versions"][key]
        if kb.is_eol(entry, on):
            new_key = knowledge.supported_version(base.image, key, on)
            if new_key is None:
                return None
            end = entry.get("eol_lts") or entry.get("eol")
            shown = _DISPLAY.get(base.image, base.image)
            reasons.append(f"{shown} {key} since {end}" if end else f"{shown} {key}")
            codename_alias = alias is not None and alias not in knowledge.data["tags"]["floating"] and tag.version is None
            if codename_alias and info["versions"][new_key].get("codename"):
                alias, version = info["versions"][new_key]["codename"], None
            else:
                version, alias = _as_precise(knowledge, base.image, new_key, tag.version or key, key), None
            if "." in key and key.split(".")[0] != new_key.split(".")[0] and info.get("kind") == "language":
                applicability = Applicability.SUGGESTION
    suffix = tag.suffix
    if _variant_eol(knowledge, base, on):
        if version is not None and version == tag.version and key is not None:
            version = _as_precise(knowledge, base.image, key, version, key)  # an old patch release is not rebuilt on a new OS
        if suffix.get("os") == "alpine":
            newest = f"alpine{info.get('default_alpine', '')}"
            variant = newest if newest in info.get("variants", ()) else "alpine"
            reasons.append(f"Alpine {suffix.get('version')}")
        else:
            codename = str(info.get("default_codename", ""))
            if suffix.get("slim"):
                variant = knowledge.slim_suffix(base.image, codename) or ""
            else:
                variant = codename if codename in info.get("variants", ()) else ""
            reasons.append(f"{str(suffix.get('os')).capitalize()} {suffix.get('codename')}")
    if not reasons:
        return None
    return tag._replace(version=version, alias=alias, variant=variant), reasons, applicability


def _as_precise(knowledge: Knowledge, image: str, new_key: str, written: str, old_key: str) -> str:
    """`new_key`, or its current patch release when the user pinned one (`24.0.0` -> `24.19.0`)."""
    if written == old_key:
        return new_key
    current = knowledge.image_info(image).get("versions", {}).get(new_key, {}).get("current")
    return str(current) if current and knowledge.version_key(image, str(current)) == new_key else new_key


def _deprecated_openjdk(context: FileContext, stage: Stage) -> Iterator[Diagnostic]:
    """`openjdk:<N>...` is deprecated: eclipse-temurin is its maintained successor."""
    if not stage.image or (context.document.stage_named(stage.image) or stage).index < stage.index:
        return
    resolved = resolve_image(context.document, stage)
    if resolved is None:
        return
    ref = ImageRef.parse(resolved)
    if ref.digest is not None or ref.tag is None or ref.name.lower() != "openjdk":
        return
    knowledge = kb.knowledge(context)
    prefixes = set(knowledge.data["registries"]["official_prefixes"]) | set(kb.options(context.settings).get("allowed_registries", ()))
    if ref.prefix not in prefixes:
        return
    m = re.match(r"^(\d+)(?:[u.][0-9._]+)?(?:-(.*))?$", ref.tag)
    if m is None:
        return
    info = knowledge.image_info("openjdk")
    major = m.group(1)
    temurin = knowledge.image_info("eclipse-temurin").get("versions", {})
    on = kb.today(context.settings)
    target_major = major if major in temurin and not kb.is_eol(temurin[major], on) else info.get("version_map", {}).get(major)
    if target_major is None:
        return
    words = [w for w in (m.group(2) or "").split("-") if w]
    codenames = {v.get("codename") for v in knowledge.data["variant_suffixes"].values()}
    words = ["alpine" if w.startswith("alpine") else w for w in words if w not in codenames]
    flavour = info.get("rewrite", {}).get("-".join(words))
    if flavour is None:
        return  # timid: a variant (windows, oraclelinux) with no temurin counterpart we know
    new_image = ImageRef(ref.prefix, "eclipse-temurin", f"{target_major}-{flavour}", None).render()
    tag = knowledge.parse_tag("eclipse-temurin", f"{target_major}-{flavour}")
    fix = None
    if tag is not None:
        retagged = retag(context, Base(stage, stage.image, ref, "eclipse-temurin", tag), new_image)
        if retagged is not None:
            fix = end_of_life_base_image.fix(Applicability.UNSAFE, f"Use `{new_image}`", *retagged[0])
    yield end_of_life_base_image.diagnostic(
        f"`{ref.render()}` is deprecated (the openjdk image gets no updates); use `{new_image}`",
        _where(stage),
        fix,
        note="Check: eclipse-temurin is Ubuntu-based (apt package names may differ from Debian's) and JAVA_HOME is /opt/java/openjdk.",
        saving_mb=0.0,
    )
