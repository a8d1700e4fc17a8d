"""Facts about one stage that the base-image rules share.

* `base_of`: the stage's FROM, resolved through pre-FROM ARG defaults and
  split into an official image and tag (None for stages built on an earlier
  stage, `scratch`, digests, private registries and images the knowledge
  file does not describe);
* `base_packages`: the Debian or Ubuntu packages the stage's base image
  keeps installed on top of its OS image (for DF204's recommends);
* `retag`: the edit that makes the FROM name another image: on the FROM
  word, or on the ARG default the tag comes from;
* `uses`: the commands a stage (and the stages built on it) runs, so a rule
  can tell whether the smaller variant still has what they need.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Mapping, NamedTuple, overload

from rewriter.context import FileContext, load_data
from rewriter.rules import Edit
from rewriter.shell import Command
from rewriter.syntax import Instruction, Stage, Word, split_image
from rewriter.text import Span
from rewriter.variables import assignments, expand, parent_stage, resolve_image
from transforms._shellfix import root_image

from . import knowledge as kb
from .knowledge import ImageConfig, ImageRef, Tag

_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class Base(NamedTuple):
    """A stage's base image, as far as the knowledge file can tell."""

    stage: Stage
    written: str
    """The FROM word as written (may contain `${VAR}`)."""
    ref: ImageRef
    image: str
    tag: Tag

    @property
    def shown(self) -> str:
        return self.ref.render()

    def with_tag(self, tag: Tag) -> str:
        return self.ref.with_tag(tag.render()).render()


def base_of(context: FileContext, stage: Stage) -> Base | None:
    if not stage.image:
        return None
    earlier = context.document.stage_named(stage.image)
    if earlier is not None and earlier.index < stage.index:
        return None
    resolved = resolve_image(context.document, stage)
    if resolved is None or resolved.lower() == "scratch":
        return None  # timid: the image depends on a build argument without default
    ref = ImageRef.parse(resolved)
    if ref.digest is not None:
        return None  # pinned by digest: the user chose exact bytes
    knowledge = kb.knowledge(context)
    image = knowledge.official_name(ref, context.settings)
    if image is None:
        return None
    tag = knowledge.parse_tag(image, ref.tag)
    if tag is None:
        return None
    return Base(stage, stage.image, ref, image, tag)


def official_unknown(context: FileContext, stage: Stage) -> ImageRef | None:
    """A Docker Hub image the knowledge file does not describe (nginx, redis...), for the pinning rule."""
    if not stage.image or (context.document.stage_named(stage.image) or stage).index < stage.index:
        return None
    resolved = resolve_image(context.document, stage)
    if resolved is None or resolved.lower() == "scratch" or "/" in resolved.split(":")[0].rstrip("/"):
        return None
    ref = ImageRef.parse(resolved)
    if ref.digest is not None or kb.knowledge(context).official_name(ref, context.settings) is not None:
        return None
    return ref


def stage_config(context: FileContext, stage: Stage) -> ImageConfig | None:
    """The config `stage` starts with: its FROM resolved through global ARGs, or the config an earlier
    stage it is built FROM ends with (its WORKDIR, USER, CMD and ENTRYPOINT applied).  None when the
    image is not described (a private image, a digest without a tag, an ARG without default, scratch)."""

    def compute() -> ImageConfig | None:
        parent = parent_stage(context.document, stage)
        if parent is not None:
            start = stage_config(context, parent)
            # The working directory has one computation, `workdir_at` (ONBUILD WORKDIR triggers counted).
            return None if start is None else _after(context, parent.instructions, start)._replace(workdir=workdir_at(context, stage.from_))
        resolved = resolve_image(context.document, stage) if stage.image else None
        if resolved is None or resolved.lower() == "scratch":
            return None
        return kb.knowledge(context).image_config(ImageRef.parse(resolved), context.settings)

    return context.memo((stage_config, stage.index), compute)


def base_packages(context: FileContext, stage: Stage) -> frozenset[str]:
    """The Debian or Ubuntu packages the image `stage` is built on keeps installed on top of its OS image
    (`Knowledge.installed_packages`): for a stage FROM an earlier stage, the first stage's image (what
    the earlier stages' RUNs install is theirs to tell).  Empty when the image is not described."""

    def compute() -> frozenset[str]:
        parent = parent_stage(context.document, stage)
        if parent is not None:
            return base_packages(context, parent)
        resolved = resolve_image(context.document, stage) if stage.image else None
        if resolved is None or resolved.lower() == "scratch":
            return frozenset()
        return kb.knowledge(context).installed_packages(ImageRef.parse(resolved), context.settings)

    return context.memo((base_packages, stage.index), compute)


def _after(context: FileContext, instructions: list[Instruction], config: ImageConfig) -> ImageConfig:
    """`config` with the USER, CMD and ENTRYPOINT of `instructions` applied, as BuildKit does."""
    for written in instructions:
        ins = written.effective
        if ins.name == "USER":
            config = config._replace(user=context.expand(ins.args.text.strip(), ins))
        elif ins.name in ("CMD", "ENTRYPOINT"):
            value = ins.json if ins.json is not None else ("/bin/sh", "-c", ins.args.text.strip())
            if ins.name == "CMD":
                config = config._replace(cmd=tuple(value))
            else:
                config = config._replace(entrypoint=tuple(value), cmd=())
    return config


def workdir_at(context: FileContext, instruction: Instruction, image_env: Mapping[str, str] = MappingProxyType({})) -> str | None:
    """The working directory `instruction` runs in; None if unknown.

    What the Dockerfile sets, from where the stage starts: the end of the
    stage it is built on (with that stage's ONBUILD WORKDIR triggers), or the
    base image's WORKDIR from `[image_configs]` (`/` when the image sets
    none).  `image_env` holds variables the base image is known to set, for
    a WORKDIR that uses them (`WORKDIR $GOPATH/src/app`)."""
    stage = context.stage(instruction)
    return None if stage is None else _workdirs(context, stage, image_env)[0].get(instruction.index)


def workdir_after(context: FileContext, stage: Stage, image_env: Mapping[str, str] = MappingProxyType({})) -> str | None:
    """The working directory a stage ends with, what a stage built on it starts in (see `workdir_at`)."""
    return _workdirs(context, stage, image_env)[1]


def _workdirs(context: FileContext, stage: Stage, image_env: Mapping[str, str]) -> tuple[dict[int, str | None], str | None]:
    """The working directory before each instruction of `stage` (its FROM included), and after the last."""

    def walk() -> tuple[dict[int, str | None], str | None]:
        parent = parent_stage(context.document, stage)
        if parent is not None:
            workdir = workdir_after(context, parent, image_env)
            for trigger in parent.instructions:
                if trigger.name == "ONBUILD" and trigger.effective.name == "WORKDIR":
                    workdir = _changed_workdir(context, trigger, workdir, image_env)
        else:
            config = stage_config(context, stage)
            workdir = None if config is None else config.workdir
        table = {stage.from_.index: workdir}
        for ins in stage.instructions:
            table[ins.index] = workdir
            if ins.name == "WORKDIR":
                workdir = _changed_workdir(context, ins, workdir, image_env)
        return table, workdir

    return context.memo((_workdirs, stage.index, tuple(sorted(image_env.items()))), walk)


def _changed_workdir(context: FileContext, ins: Instruction, current: str | None, image_env: Mapping[str, str] = MappingProxyType({})) -> str | None:
    """The working directory after `WORKDIR path` (or `ONBUILD WORKDIR path`), joined and cleaned as BuildKit
    does (Go's `path.Join`): None when the path uses a variable that is not known, or is relative to an
    unknown directory."""
    env = {**image_env, **context.env_at(ins)}
    value = expand(ins.effective.args.text.strip(), env, context.document.escape)
    return None if value is None else absolute(value, current)


@overload
def absolute(path: str, workdir: str | PurePosixPath) -> str: ...


@overload
def absolute(path: str, workdir: str | PurePosixPath | None) -> str | None: ...


def absolute(path: str, workdir: str | PurePosixPath | None) -> str | None:
    """Where `path`, used in `workdir`, points in the image: joined and cleaned as BuildKit does (Go's `path.Join`:
    `..` resolved, never above `/`, `//` folded); None when `path` is relative and `workdir` unknown."""
    if not path.startswith("/"):
        if workdir is None:
            return None
        path = posixpath.join(workdir, path)
    return "/" + posixpath.normpath(path).lstrip("/")


def user_at(context: FileContext, instruction: Instruction) -> str | None:
    """The USER in effect at `instruction` (`user[:group]` as written, variables expanded); None when not known.

    The last USER before it in its stage, else in the stages of the file it is built on (`parent_stage`: a FROM
    written with a global ARG counts), else the base image's: from `stage_config` (data/base_images.toml: gradle
    ran as `gradle` for Gradle 3.4 to 5.4), else root for the images that set no USER (`root_image`).  A USER
    whose variable has no value is not known."""
    stage = context.stage(instruction)
    before = [i for i in stage.instructions if i.index < instruction.index] if stage is not None else []
    while stage is not None:
        users = [i for i in before if i.name == "USER"]
        if users:
            return context.expand(users[-1].args.text.strip(), users[-1])
        parent = parent_stage(context.document, stage)
        if parent is None:
            config = stage_config(context, stage)
            if config is not None:
                return config.user
            return "root" if root_image(split_image(resolve_image(context.document, stage) or "")[0]) else None
        stage, before = parent, parent.instructions
    return None


def runs_as_root(context: FileContext, instruction: Instruction) -> bool:
    """Root for sure: the user in effect (`user_at`) is root or 0."""
    user = user_at(context, instruction)
    return user is not None and user.partition(":")[0] in ("root", "0")


def copy_destination(context: FileContext, instruction: Instruction) -> str | None:
    """Where a COPY/ADD writes, absolute and normalised: the JSON form read, variables expanded, a relative
    destination joined to the working directory (the base image's counted); None when that is not known."""
    words = instruction.words()
    if len(words) < 2:
        return None
    last = words[-1].text if instruction.json is not None else context.expand(words[-1].text, instruction)
    if last is None:
        return None
    return absolute(last, workdir_at(context, instruction))


def children(context: FileContext, stage: Stage) -> list[Stage]:
    """The stage and every later stage built on it (they inherit its base image)."""
    out = [stage]
    for other in context.document.stages[stage.index + 1 :]:
        parent = context.document.stage_named(other.image)
        if parent is not None and parent.index < other.index and any(p.index == parent.index for p in out):
            out.append(other)
    return out


# -- editing the FROM ----------------------------------------------------------------


def _from_word(stage: Stage) -> Word | None:
    words = stage.from_.words()
    return words[0] if words else None


def _contiguous(context: FileContext, word: Word) -> bool:
    return context.slice(word.span) == word.text


def retag(context: FileContext, base: Base, new_image: str) -> tuple[tuple[Edit, ...], str] | None:
    """Edits that make the stage's FROM resolve to `new_image`, and where they are.

    A literal FROM word is replaced.  `FROM ${BASE}` or `FROM python:${PY}-slim`
    with a pre-FROM ARG default holding the part that changes gets that
    default edited instead, when the ARG is used by nothing else.  None when
    neither works (the caller then only suggests).
    """
    word = _from_word(base.stage)
    if word is None or not _contiguous(context, word):
        return None
    if "$" not in word.text:
        if any(ch in word.text for ch in "'\"\\"):
            return None  # timid: quoting or escapes in the image word
        return (Edit.replace(word.span, new_image),), "FROM"
    found = list(_VARIABLE.finditer(word.text))
    if len(found) != 1 or "${" in _VARIABLE.sub("", word.text) or "$" in _VARIABLE.sub("", word.text):
        return None  # timid: several variables, or `${VAR:-default}` forms
    match = found[0]
    name = match.group(1) or match.group(2)
    head, tail = word.text[: match.start()], word.text[match.end() :]
    if not (new_image.startswith(head) and new_image.endswith(tail)) or len(new_image) < len(head) + len(tail):
        return None
    value = new_image[len(head) : len(new_image) - len(tail)]
    if not value or any(ch.isspace() or ch in "$'\"\\" for ch in value):
        return None
    target = _arg_default(context, name)
    if target is None or _arg_used_elsewhere(context, name, base.stage):
        return None  # timid: changing the default would change other uses of the ARG
    return (Edit.replace(target, value),), f"ARG {name}"


def _arg_default(context: FileContext, name: str) -> Span | None:
    """The span of the literal default value of `ARG name=value` before the first FROM (declared once)."""
    spans = []
    for ins in context.document.global_args:
        for word in ins.words():
            key, eq, value = word.text.partition("=")
            if key == name:
                if not eq or not value or not _contiguous(context, word):
                    return None
                if any(ch in value for ch in "$'\"\\"):
                    return None
                spans.append(Span(word.span.start + len(key) + 1, word.span.end))
    return spans[0] if len(spans) == 1 else None


def _arg_used_elsewhere(context: FileContext, name: str, stage: Stage) -> bool:
    pattern = re.compile(r"\$\{?" + re.escape(name) + r"\b")
    for other in context.document.stages:
        if other.index != stage.index and pattern.search(other.image):
            return True
    for ins in context.document.instructions:
        if ins.name == "ARG" and ins.stage >= 0:
            if any(n == name for n, _ in assignments(ins, context.document.escape)):
                return True
    for ins in context.document.global_args:
        if any(pattern.search(raw or "") for n, raw in assignments(ins, context.document.escape) if n != name):
            return True
    return False


# -- what a stage runs -----------------------------------------------------------


class Uses:
    """Commands a stage runs, the apt packages it installs, and what dockerfix could not read."""

    __slots__ = ("commands", "apt_packages", "unreadable")

    def __init__(
        self,
        commands: list[tuple[str, Instruction, Command | None]] | None = None,
        apt_packages: set[str] | None = None,
        unreadable: list[Instruction] | None = None,
    ) -> None:
        self.commands = [] if commands is None else commands
        self.apt_packages = set() if apt_packages is None else apt_packages
        self.unreadable = [] if unreadable is None else unreadable


def apt_install(command: Command) -> tuple[list[tuple[int, str | None]], list[str]] | None:
    """(index, package) for each package word of `apt-get/apt install`, and the options; None if not one."""
    if command.name not in ("apt-get", "apt", "aptitude"):
        return None
    values = [w.value for w in command.words]
    with_value = load_data("package_caches")["apt"]["options_with_value"]
    subcommand = None
    i = 1
    options: list[str] = []
    while i < len(values):
        value = values[i]
        if value is None:
            return None  # timid: an option or subcommand we cannot read
        if value.startswith("-"):
            options.append(value)
            if value in with_value and i + 1 < len(values):
                options.append(values[i + 1] or "")
                i += 1
        elif subcommand is None:
            subcommand = value
        else:
            break
        i += 1
    if subcommand != "install":
        return None
    packages: list[tuple[int, str | None]] = []
    for j in range(i, len(values)):
        value = values[j]
        if value is not None and value.startswith("-"):
            options.append(value)
            continue
        packages.append((j, value))
    return packages, options


def package_name(word: str) -> str:
    """`python3=3.12.3-1` and `python3:amd64` name the package `python3`."""
    return re.split(r"[=:]", word, maxsplit=1)[0]


def uses(context: FileContext, stage: Stage) -> Uses:
    """What the stage and the stages built on it run (RUN, HEALTHCHECK, CMD, ENTRYPOINT)."""
    out = Uses()
    for member in children(context, stage):
        for ins in member.instructions:
            ins = ins.effective
            if ins.name == "RUN":
                _run_uses(context, ins, out)
            elif ins.name in ("HEALTHCHECK", "CMD", "ENTRYPOINT"):
                words = [w.text for w in ins.words()]
                if ins.name == "HEALTHCHECK" and words and words[0].upper() == "CMD":
                    words = words[1:]
                if ins.json is None:
                    # shell form: every word that could be a command name
                    for text in words:
                        out.commands.append((text.rsplit("/", 1)[-1], ins, None))
                elif words:
                    out.commands.append((words[0].rsplit("/", 1)[-1], ins, None))
    return out


def _run_uses(context: FileContext, ins: Instruction, out: Uses) -> None:
    if ins.json is not None:
        if ins.json:
            out.commands.append((ins.json[0].rsplit("/", 1)[-1], ins, None))
        return
    script = context.shell(ins)
    if script is None or script.has_errors:
        out.unreadable.append(ins)
        if script is None:
            return
    for command in script.commands:
        name = command.name
        if name is None:
            continue
        out.commands.append((name, ins, command))
        if name in ("sudo", "env", "xargs", "nice", "time") and len(command.words) > 1 and command.words[1].value:
            out.commands.append((command.words[1].value.rsplit("/", 1)[-1], ins, command))
        found = apt_install(command)
        if found is not None:
            out.apt_packages.update(package_name(p) for _, p in found[0] if p is not None)


def stage_text(context: FileContext, stage: Stage) -> str:
    """The stage's source text, for coarse checks (`/usr/bin/python3` hard-coded...)."""
    instructions = stage.instructions
    end = instructions[-1].span.end if instructions else stage.from_.span.end
    return context.text[stage.from_.span.start : end]
