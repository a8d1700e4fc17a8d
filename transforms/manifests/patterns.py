"""Finding the pattern: the source copy, what lies between it and the install, and what is already ordered."""

from __future__ import annotations

import fnmatch
import re
import shlex
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Callable, Iterable, NamedTuple, Sequence

from rewriter.context import BuildContext, FileContext
from rewriter.shell import Command, ShellScript
from rewriter.syntax import Instruction, Stage
from rewriter.text import LogicalText, Span
from rewriter.variables import assignments, resolve_image
from transforms._shellfix import base_image_name, root_image
from transforms.base_images.stage import absolute, copy_destination, user_at, workdir_at
from transforms.manifests.downloads import installer_pipeline
from transforms.manifests.steps import Stay, copy_step, idempotent, recopies_in_place, refs, run_step, unused_by_copy
from transforms.manifests.common import (
    SAFE_WORD,
    UNKNOWN_CWD,
    URL,
    Plan,
    Project,
    analyse,
    family,
    installer_of_tool,
    normpath,
    package_managers,
    registered,
    shell_quote,
    tool_of,
)


_NEUTRAL = frozenset({"LABEL", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT", "MAINTAINER"})


COPY_FLAGS = frozenset({"chown", "chmod", "link"})


class SourceCopy(NamedTuple):
    instruction: Instruction
    source: str
    """Context folder copied ("" for the whole context)."""
    dest: PurePosixPath
    """Absolute destination folder (under `UNKNOWN_CWD` when relative to an unknown WORKDIR)."""
    dest_text: str
    """The destination word as written (variables kept)."""
    dest_exists: bool
    """The destination folder provably exists before the copy (so the copy does not create it)."""
    flags: str
    relative: bool
    """The destination is relative to the working directory."""
    flattened: bool = False
    """`COPY * <dest>`: each top-level file, and the contents of each top-level folder, land in the destination."""


class FlattenedContext(BuildContext):
    """The build context as `COPY * <dest>` lays it out in the destination.

    BuildKit matches `*` against the context's top-level entries (dotfiles too: Go's filepath.Match) and
    copies a matched folder's contents, not the folder (moby/moby#15858).  Paths here are paths below the
    destination.  A path counts as a file only when it is a top-level file of the context that no folder's
    contents also put there, so that the manifest copy (`COPY go.mod go.sum ./`) names it as the context
    does; `exists` is true if anything lands there (conservative for the outputs the install must own)."""

    def __init__(self, build: BuildContext) -> None:
        self.root = build.root
        self.ignore = build.ignore
        self._build = build
        landed: dict[str, list[str]] = {}
        for path in build.files():
            top, _, rest = path.partition("/")
            landed.setdefault(rest or top, []).append(path)
        self._landed = landed
        self._files = sorted(landed)

    def is_file(self, relative: str) -> bool:
        return self._landed.get(relative) == [relative] and self._build.is_file(relative)

    def exists(self, relative: str) -> bool:
        if relative in ("", "."):
            return True
        return relative in self._landed or any(p.startswith(relative + "/") for p in self._landed)

    def read_text(self, relative: str) -> str | None:
        return self._build.read_text(relative) if self.is_file(relative) else None


    def collisions(self, names: tuple[str, ...]) -> list[tuple[str, list[str]]]:
        """Paths matching one of `names` where more than one context file lands, with those files."""
        import fnmatch

        return [
            (path, sources)
            for path, sources in self._landed.items()
            if len(sources) > 1 and any(fnmatch.fnmatchcase(PurePosixPath(path).name, n) for n in names)
        ]


def copied_context(context: FileContext, copy: SourceCopy) -> BuildContext:
    """The build context as the source copy lays it out (see `FlattenedContext`)."""
    build = context.build_context
    assert build is not None
    if not copy.flattened:
        return build
    return context.memo(copied_context, lambda: FlattenedContext(build))


def source_copy(context: FileContext, ins: Instruction) -> SourceCopy | None:
    """The instruction as a copy of the build context or one of its folders; None for anything else."""
    if ins.name not in ("COPY", "ADD") or ins.heredocs or context.build_context is None:
        return None
    if any(f.name not in COPY_FLAGS for f in ins.flags):
        return None  # timid: --from, --exclude, --parents, --checksum...
    words = ins.words()
    if len(words) != 2:
        return None  # timid: several sources
    values = [context.expand(w.text, ins) if ins.json is None else w.text for w in words]
    if any(v is None for v in values):
        return None
    src, dest = values[0] or "", values[1] or ""
    flattened = src in ("*", "./*", "/*")
    if flattened:
        src = "."
    if URL.match(src) or any(c in src for c in "*?[") or not dest:
        return None
    source = normpath(src.lstrip("/") if src.startswith("/") else src)
    source = "" if source == "." else source
    if source.startswith(".."):
        return None
    build = context.build_context
    if source and (not build.exists(source) or build.is_file(source)):
        return None
    workdir = workdir_at(context, ins)
    base = PurePosixPath(workdir) if workdir else UNKNOWN_CWD
    target = PurePosixPath(absolute(dest, base))
    # WORKDIR created the working directory and its parents; `/` always exists.
    exists = target == PurePosixPath("/") or target == base or target in base.parents
    flags = " ".join(context.slice(f.span) for f in ins.flags)
    if ins.json is not None and not SAFE_WORD.match(words[1].text):
        return None  # timid: a JSON destination that would need quoting in shell form
    dest_text = words[1].text
    return SourceCopy(ins, source, target, dest_text, exists, flags, not dest.startswith("/"), flattened)


class Candidate:
    """A source copy and the first RUN after it that needs the project."""

    __slots__ = ("copy", "run", "script", "between", "present", "modes")

    def __init__(
        self,
        copy: SourceCopy,
        run: Instruction,
        script: ShellScript,
        between: tuple[Instruction, ...] = (),
        present: frozenset[str] = frozenset(),
        modes: tuple[Instruction, ...] = (),
    ) -> None:
        self.copy = copy
        self.run = run
        self.script = script
        self.present = present
        """Manifests an earlier COPY already put in place (`already_copied`): not copied again."""
        self.modes = modes
        """`RUN chmod +x gradlew` steps left after the source copy that set the mode of manifests the install
        runs: repeated after the manifest copy (`steps.sets_modes_of`)."""
        self.between = between
        """What lies between the copy and the install: RUNs that read nothing of the project (moved with the
        install) and ENV, ARG, USER, WORKDIR (repeated or moved before it, so the install runs as it did)."""

    @property
    def between_workdir(self) -> Instruction | None:
        return next((i for i in self.between if i.name == "WORKDIR"), None)


_REPEATABLE = frozenset({"ENV", "ARG", "USER"})


class Followed(NamedTuple):
    """What `follow` finds after a source copy."""

    run: Instruction | None
    """The first RUN that needs the project."""
    between: tuple[Instruction, ...]
    """Steps repeated or moved before the install (see `Candidate.between`)."""
    blocker: Instruction | None
    """The step that stands in the way, when there is no such RUN."""
    stays: tuple[Stay, ...] = ()
    """Steps left after the source copy: the install moves across them (`steps.stay_conflict` checks them)."""


def follow(context: FileContext, stage: Stage, copy: SourceCopy) -> Followed:
    """The first RUN after the copy that needs the project and what lies between them (see `steps`); or, when
    something else stands in the way, that instruction."""
    between: list[Instruction] = []
    stays: list[Stay] = []
    assigned: set[str] = set()
    for ins in (i for i in stage.instructions if i.index > copy.instruction.index):
        if ins.name in _NEUTRAL:
            continue
        if ins.name == "WORKDIR" and not any(i.name == "WORKDIR" for i in between):
            value = context.expand(ins.args.text, ins)
            if value is not None and value.startswith("/"):  # absolute: repeating it is idempotent
                between.append(ins)
                continue
        elif ins.name in _REPEATABLE:
            if ins.name == "USER" or (unused_by_copy(context, ins, copy.instruction) and (idempotent(context, ins, assigned) or not stays)):
                between.append(ins)  # repeated, or (referring to itself) moved: see `steps.moves`
                continue
        elif ins.name == "COPY":
            if recopies_in_place(context, ins, copy.source, copy.dest, copy.flags, stays) and not copy.flattened:
                stays.append(Stay(ins, ()))  # changes nothing
                continue
            step = copy_step(context, ins, copy.dest)
            if step is True and copy.dest != PurePosixPath("/"):
                between.append(ins)
                continue
            if isinstance(step, Stay):
                stays.append(step)
                continue
        elif ins.name == "RUN":
            if copy.dest != PurePosixPath("/") and free_run(context, copy, ins):
                between.append(ins)
                continue
            cwd = PurePosixPath(workdir_at(context, ins) or UNKNOWN_CWD)
            stay = run_step(context, ins, project_for(context, copy)(cwd))
            if stay is not None:
                stays.append(stay)
                continue
            return Followed(ins, tuple(between), None, tuple(stays))
        return Followed(None, tuple(between), ins, tuple(stays))  # timid: SHELL, ONBUILD, a second WORKDIR...
    return Followed(None, tuple(between), None, tuple(stays))


def repeats_can_move(context: FileContext, candidate: Candidate) -> bool:
    """True if the steps the reorder would repeat before the install (ENV, ARG, USER, WORKDIR) can move there
    instead, leaving no second copy after the source copy.

    Moving a step changes only what it crosses: the source copy and the config-only instructions (`_NEUTRAL`)
    between the copy and it; the steps of `between` keep their order.  So the move is exact when no step is
    left in place after the copy (a `chmod` there ran with the ENV, USER and WORKDIR in effect before them),
    nothing crossed expands a name an ENV or ARG sets (`EXPOSE $PORT`), and the copy's destination does not
    depend on the working directory.  A USER never matters to a COPY: without --chown it copies as root.  The
    repetition this replaces created the same folders (`repeated_workdir_risk`), so the image is the same."""
    copy = candidate.copy
    stepping = {i.index for i in candidate.between}
    crossed = [i for i in context.document.instructions if copy.instruction.index < i.index < candidate.run.index and i.index not in stepping]
    if any(i.name not in _NEUTRAL for i in crossed):
        return False  # a step left in place
    names = {name for ins in candidate.between if ins.name in ("ENV", "ARG") for name, _ in assignments(ins, context.document.escape)}
    if any(refs(context.slice(i.span)) & names for i in (copy.instruction, *crossed)):
        return False
    return candidate.between_workdir is None or not copy.relative


def repeated_workdir_risk(context: FileContext, copy: SourceCopy, workdir: Instruction) -> str:
    """Why repeating `workdir` before the manifests may change a folder of the image; "" when it provably does not.

    Repeating an absolute WORKDIR is idempotent, except for the folders it now creates before the source copy
    would have: the copy creates its destination and missing parents at 0755 (or its numeric --chmod) owned by
    its --chown user, root without one; WORKDIR creates its folder and missing parents at 0755 owned by the
    USER in effect (BuildKit's dispatchWorkdir: llb.Mkdir with WithUser).  Only folders on both paths that may
    not exist before the copy can differ, and only when those owners or modes differ."""
    path = context.expand(workdir.args.text, workdir)
    if path is None:
        return "the repeated WORKDIR's path is not known"
    before = workdir_at(context, copy.instruction)
    existing = {PurePosixPath("/")} | ({PurePosixPath(before), *PurePosixPath(before).parents} if before else set())
    target = PurePosixPath(normpath(path))
    shared = ({target, *target.parents} & {copy.dest, *copy.dest.parents}) - existing
    if not shared:
        return ""
    if _official_base(context, workdir):  # its standard folders exist
        shared -= {PurePosixPath(f) for f in package_managers()["meta"]["base_folders"]}
        if not shared:
            return ""
    folder = max(shared, key=lambda p: len(p.parts))
    chown = copy.instruction.flag("chown")
    if copy.instruction.flag("chmod") is not None:
        return f"The WORKDIR is repeated before the manifests, so it now creates `{folder}` with mode 0755, where the source copy gave it the --chmod mode."
    user = user_at(context, workdir)
    copy_owner = context.expand(chown.value or "", copy.instruction) if chown is not None else "root"
    if user is None:
        return (
            f"The WORKDIR is repeated before the manifests, so it now creates `{folder}` owned by the base image's "
            "user, which is not known (the source copy made it owned by root); add `USER root` or a WORKDIR before the copy to make this safe."
        )
    if _owner(user) != _owner(copy_owner or ""):
        return f"The WORKDIR is repeated before the manifests, so it now creates `{folder}` owned by `{user}`, where the source copy made it owned by `{copy_owner}`."
    return ""


def copy_makes_workdir(context: FileContext, copy: SourceCopy, workdir: Instruction, files: Sequence[str]) -> bool:
    """True if the manifest copy of `files`, placed before the repeated `workdir`, creates the folder it would.

    A copy to an absolute destination does not depend on the WORKDIR, and creates its destination, missing
    parents and the folders of its files as the source copy does (same --chown and --chmod; a sub-folder's
    metadata the source copy then sets from the context): a WORKDIR of one of them, after it, creates nothing."""
    path = context.expand(workdir.args.text, workdir)
    if path is None or copy.relative or UNKNOWN_CWD in (copy.dest, *copy.dest.parents):
        return False
    target = PurePosixPath(normpath(path))
    made = {copy.dest, *copy.dest.parents}
    for file in files:
        inside = PurePosixPath(file).relative_to(copy.source) if copy.source else PurePosixPath(file)
        folder = copy.dest / inside.parent
        made |= {folder, *folder.parents}
    return target.is_absolute() and target in made


def _owner(user: str) -> tuple[str, str]:
    """(user, group) as written, with root's spellings made one (`0`, `root`, `root:root`, `0:0`)."""
    name, _, group = user.partition(":")
    name = "root" if name in ("0", "root") else name
    group = "root" if group in ("0", "root") or (not group and name == "root") else group
    return name, group


def _official_base(context: FileContext, ins: Instruction) -> bool:
    """True if the stage of `ins` is built, directly or through stages of the file, on an image that runs as root
    (`root_image`)."""
    return root_image(base_image_name(context, ins) or "")


def lock_read_later(context: FileContext, copy: SourceCopy, run: Instruction, remainder: Sequence[Command | None], plan: Plan) -> str:
    """Why a later step may read a lock file the moved install may rewrite (`Plan.rewrites`); "" when none does.

    After the reorder, every step after the source copy sees the committed lock file where it saw the one
    the install wrote: the rest of the RUN, later RUNs of the stage and of the stages built on it, their
    CMD and ENTRYPOINT, and the stages that `COPY --from` the folder holding it."""
    installer = installer_of_tool(plan.tool)
    reads = installer.reads_lock if installer is not None else None
    if reads is None:
        return f"nothing says which {plan.tool} commands read {', '.join(plan.rewrites)}"  # timid
    images = [str(copy.dest / PurePosixPath(f).relative_to(copy.source or ".")) for f in plan.rewrites]
    lock = PurePosixPath(plan.rewrites[0]).name

    def reader(commands: Iterable[Command | None]) -> Command | None:
        return next((c for c in commands if c is not None and tool_of(c) == plan.tool and reads(c)), None)

    found = reader(remainder)
    if found is not None:
        return f"`{_words(found)}` runs after the source copy and reads {lock}"
    stage = context.stage(run)
    family_stages = _descendants(context, stage) if stage is not None else []
    for ins in (i for s in family_stages for i in s.instructions if i.index > run.index):
        script = context.shell(ins) if ins.name == "RUN" else _start_script(context, ins) if ins.name in ("CMD", "ENTRYPOINT") else None
        found = reader(script.commands) if script is not None else None
        if found is not None:
            return f"`{_words(found)}` ({ins.name} on line {context.line(ins.span.start)}) reads {lock}"
    names = {s.name.lower() for s in family_stages} | {str(s.index) for s in family_stages}
    for ins in context.document.instructions:
        source = ins.flag("from")
        if ins.name != "COPY" or source is None or (source.value or "").lower() not in names:
            continue
        if UNKNOWN_CWD in (copy.dest, *copy.dest.parents):  # timid: where the lock file lies is not known
            return f"`{_first_line(context, ins)}` copies from the stage, and where {lock} lies there is not known"
        for word in ins.words()[:-1]:
            pattern = normpath("/" + word.text.lstrip("/"))
            if any(image == pattern or image.startswith(pattern.rstrip("/") + "/") or fnmatch.fnmatchcase(image, pattern) for image in images):
                return f"`{_first_line(context, ins)}` copies {lock} into another stage"
    return ""


def _descendants(context: FileContext, stage: Stage) -> list[Stage]:
    """The stage and every later stage built FROM it (they inherit its files)."""
    found = [stage]
    for later in context.document.stages:
        if later.index > stage.index and any((resolve_image(context.document, later) or "").lower() == s.name.lower() for s in found if s.alias):
            found.append(later)
    return found


def _start_script(context: FileContext, ins: Instruction) -> ShellScript | None:
    """The command a CMD or ENTRYPOINT runs, as a shell script (`sh -c` unwrapped)."""
    if ins.json is not None:
        words = [w.text for w in ins.words()]
        if len(words) >= 3 and PurePosixPath(words[0]).name in ("sh", "bash", "ash", "dash") and words[1] == "-c":
            text = words[2]
        else:
            text = " ".join(shell_quote(w) for w in words)
    else:
        text = ins.args.text
    return ShellScript(LogicalText.from_slices(text, [(0, len(text))]))


def _words(command: Command) -> str:
    return " ".join(w.value or w.text for w in command.words)


def _first_line(context: FileContext, ins: Instruction) -> str:
    text = " ".join(context.slice(ins.header.physical_span).split())
    return text if len(text) <= 60 else text[:57].rstrip() + "..."


def free_run(context: FileContext, copy: SourceCopy, run: Instruction) -> bool:
    """True for a RUN whose every command reads and writes nothing of the project (`pip install poetry`)."""
    script = context.shell(run)
    if script is None or run.heredocs or any(f.name == "mount" for f in run.flags):
        return False
    chain = and_chain(script)
    if chain is None:
        return False
    project = project_for(context, copy)(PurePosixPath(workdir_at(context, run) or UNKNOWN_CWD))
    if any(c is None and not installer_pipeline(script, span, project) for (span, _), c in zip(*chain)):
        return False  # (a known installer piped into its interpreter reads nothing of the project either)
    env = context.env_at(run)
    return all(analyse(c, project, env).kind == "free" for c in chain[1] if c is not None)


def and_chain(script: ShellScript) -> tuple[tuple[tuple[Span, str], ...], tuple[Command | None, ...]] | None:
    """The `&&` chain of a script, with the simple command of each item (None for a compound one); None otherwise.

    A `;` (or newline) list whose first command is `set -e` counts as one chain (`ShellScript.chain`): under
    errexit a failing command ends the script there, as `&&` would.  Each item keeps the operator before it."""
    if script.has_errors:
        return None
    items = script.chain(script.root.children, errexit_list(script))
    if items is None:
        return None  # timid: `;`/newline lists change failure semantics when split
    return items, items_commands(script, items)


def items_commands(script: ShellScript, items: Sequence[tuple[Span, str]]) -> tuple[Command | None, ...]:
    """The simple command of each chain item; None for a compound one (a pipeline, `if`, an assignment)."""
    commands: list[Command | None] = []
    for span, _ in items:
        found = script.commands_at(span)
        commands.append(found[0] if len(found) == 1 else None)
    return tuple(commands)


def errexit_list(script: ShellScript) -> bool:
    """True for a script that starts with `set -e` (`set -eux`, `set -o errexit`) and never turns it off."""
    statements = script.statements()
    if not statements:
        return False
    first = next((c for c in script.commands if c.statement_span == statements[0].span), None)
    if first is None or first.name != "set" or not sets_errexit(first.arg_values()):
        return False
    return not any(c.name == "set" and clears_errexit(c.arg_values()) for c in script.commands)


def sets_errexit(values: list[str | None]) -> bool:
    """True if `set` arguments turn errexit on: an option cluster with `e` (`-eux`) or `-o errexit`."""
    return _errexit_option(values, "-")


def clears_errexit(values: list[str | None]) -> bool:
    """True if `set` arguments may turn errexit off (`+e`, `+o errexit`, or a value not known statically)."""
    return any(v is None for v in values) or _errexit_option(values, "+")


def _errexit_option(values: list[str | None], sign: str) -> bool:
    for i, value in enumerate(values):
        if value is not None and re.fullmatch(rf"\{sign}[a-zA-Z]*o", value) and values[i + 1 : i + 2] == ["errexit"]:
            return True
        if value is not None and re.fullmatch(rf"\{sign}[a-zA-Z]*e[a-zA-Z]*", value):
            return True
    return False


def set_options_only(values: list[str | None]) -> bool:
    """True if `set` arguments are only options (`-eux`, `-o pipefail`): no positional parameters to reset."""
    i = 0
    while i < len(values):
        value = values[i]
        if value is None or not value.startswith(("-", "+")) or value in ("-", "--"):
            return False
        i += 2 if re.fullmatch(r"[-+][a-zA-Z]*o", value) else 1  # `-o NAME`, `-euo pipefail`
    return True


def install_tool(context: FileContext, run: Instruction) -> str:
    script = context.shell(run)
    return next((t for t in map(tool_of, script.commands) if t), "") if script is not None else ""


def manifests_copied_before(context: FileContext, stage: Stage, copy: Instruction) -> bool:
    """True if the stage copies a manifest (`package*.json`, `go.mod`...) before the source copy: ordered on purpose."""
    names = _manifest_names()
    for ins in stage.instructions:
        if ins.index >= copy.index:
            break
        if ins.name not in ("COPY", "ADD") or ins.flag("from") is not None:
            continue
        for word in ins.words()[:-1]:
            base = PurePosixPath(word.text).name
            if any(fnmatch.fnmatchcase(name, base) or fnmatch.fnmatchcase(base, name) for name in names):
                return True
    return False


@lru_cache(maxsize=1)
def _manifest_names() -> tuple[str, ...]:
    names: set[str] = {name for installer in registered() for name in installer.manifest_names}
    for key, spec in package_managers().items():
        if isinstance(spec, dict) and key != "meta":
            names.update(n for n in spec.get("manifests", []) + spec.get("locks", []) if "/" not in n)
    return tuple(sorted(names))


def already_fetched(context: FileContext, stage: Stage, copy: SourceCopy, tool: str) -> bool:
    """True if a RUN before the source copy already installs with this package manager (the file is ordered).

    Commands that read nothing of the project do not count: `pip install uv` or `npm config set ...` before
    the copy say nothing about the install after it.  pip and `uv pip` count as one.  Some tools are ordered
    by what the file does anywhere (`Installer.ordered_by`: cargo-chef recipes live in their own stages)."""
    installer = installer_of_tool(tool)
    if installer is not None and installer.ordered_by is not None and installer.ordered_by(context.text):
        return True
    make = project_for(context, copy)
    for ins in stage.instructions:
        if ins.index >= copy.instruction.index:
            break
        if ins.name != "RUN":
            continue
        script = context.shell(ins)
        if script is None:
            continue
        project = make(PurePosixPath(workdir_at(context, ins) or UNKNOWN_CWD))
        env = context.env_at(ins)
        for command in script.commands:
            if family(tool_of(command)) == family(tool) and analyse(command, project, env).kind != "free":
                return True
    return False


def prefetched_before(context: FileContext, stage: Stage, copy: SourceCopy, prefetch: str) -> bool:
    """True if a RUN before the source copy already runs the dependency-only command (`pip install flask
    gunicorn` inserted for a `pip install .` reads nothing of the project, so `already_fetched` misses it):
    a command of the same program with every other word of `prefetch` that is not an option."""
    try:
        words = [w for w in shlex.split(prefetch) if "=" not in w.split("/", 1)[0] or w.startswith("-")]
    except ValueError:
        return False
    program = next((w for w in words if not w.startswith("-")), "")
    needed = {w for w in words if not w.startswith("-")}
    for ins in stage.instructions:
        if ins.index >= copy.instruction.index:
            break
        script = context.shell(ins) if ins.name == "RUN" else None
        if script is not None and any(
            PurePosixPath(c.words[0].value or "").name == PurePosixPath(program).name and needed <= {v for v in c.arg_values() if v} | {program}
            for c in script.commands
            if c.words
        ):  # the same program: `pip install poetry` is not `poetry install`
            return True
    return False


def project_for(context: FileContext, copy: SourceCopy) -> Callable[[PurePosixPath], Project]:
    stage = context.stage(copy.instruction)
    image = (resolve_image(context.document, stage) or "") if stage is not None else ""
    platform = stage.from_.flag("platform") if stage is not None else None
    platform_value = (context.expand(platform.value or "", stage.from_) or "") if platform is not None and stage is not None else ""
    build = copied_context(context, copy)
    before = [ins for ins in stage.instructions if ins.index < copy.instruction.index] if stage is not None else []
    earlier = tuple(_step(context, ins) for ins in before)
    copied_to = tuple(copy_destination(context, ins) for ins in before if ins.name in ("COPY", "ADD"))

    def make(cwd: PurePosixPath) -> Project:
        return Project(build, copy.source, copy.dest, cwd, image, platform_value, earlier, copied_to)

    return make


def _step(context: FileContext, ins: Instruction) -> tuple[str, str]:
    """(keyword, arguments) of an instruction, a `COPY --from=<stage>` given as `COPY --from=<its image>`."""
    source = ins.flag("from") if ins.name == "COPY" else None
    stage = context.document.stage_named(source.value or "") if source is not None else None
    if stage is None or stage.index >= (context.stage(ins) or stage).index:
        return ins.name, context.slice(ins.span)[len(context.slice(ins.keyword.span)) :].strip()
    image = resolve_image(context.document, stage) or "$unknown"
    words = " ".join(context.slice(w.span) for w in ins.words())
    return ins.name, f"--from={image} {words}"


def later_install(context: FileContext, stage: Stage, copy: SourceCopy, after: int) -> Instruction | None:  # noqa: C901
    """A later RUN of the stage that installs dependencies from the copied folder."""
    make = project_for(context, copy)
    for ins in stage.instructions:
        if ins.index <= after or ins.name != "RUN":
            continue
        script = context.shell(ins)
        if script is None:
            continue
        cwd = PurePosixPath(workdir_at(context, ins) or UNKNOWN_CWD)
        env = context.env_at(ins)
        for command in script.commands:
            values = command.arg_values()
            if command.name == "cd" and command.parent in ("", "list") and len(values) == 1 and values[0] is not None:
                cwd = PurePosixPath(absolute(values[0], cwd))  # `cd /src && go test ./...`
            project = make(cwd)
            if project.folder() is None:
                continue
            plan = analyse(command, project, env)
            if plan.kind in ("install", "build") or plan.decline:
                return ins
    return None


def already_copied(context: FileContext, stage: Stage, copy: SourceCopy) -> set[str]:
    """Context files an earlier COPY of the stage already put exactly where the source copy puts them, with
    the same flags, and that nothing since may have changed (only RUNs that touch nothing of the project,
    and metadata): `COPY go.mod go.sum ./` with no `go mod download` after it needs no second copy."""
    copied: set[str] = set()
    for ins in stage.instructions:
        if ins.index >= copy.instruction.index:
            break
        if ins.name == "RUN" and not free_run(context, copy, ins):
            copied.clear()  # timid: it may change the copied files
        elif ins.name in ("COPY", "ADD"):
            exact = _copied_in_place(context, ins, copy)
            copied = copied | exact if exact is not None else set()  # timid: any other copy may overwrite them
    return copied


def _copied_in_place(context: FileContext, ins: Instruction, copy: SourceCopy) -> set[str] | None:
    """The files of a `COPY a b ./` when each lands where the source copy puts it, with its flags; else None."""
    build = context.build_context
    words = ins.words()
    if ins.name != "COPY" or ins.heredocs or ins.json is not None or build is None or len(words) < 2:
        return None
    if " ".join(context.slice(f.span) for f in ins.flags) != copy.flags or any(f.name not in COPY_FLAGS for f in ins.flags):
        return None
    values = [context.expand(w.text, ins) for w in words]
    if any(v is None or any(c in v for c in "*?[") or URL.match(v) for v in values):
        return None
    *sources, dest = [v for v in values if v is not None]
    workdir = workdir_at(context, ins)
    if not (dest.endswith("/") or dest in (".", "./")) or (not dest.startswith("/") and workdir is None):
        return None  # timid: `COPY a.txt b.txt` may rename; a folder only the base image knows
    folder = PurePosixPath(absolute(dest, workdir))
    project = Project(build, copy.source, copy.dest, folder)
    files = {normpath(source.lstrip("/")) for source in sources}
    if not all(build.is_file(f) and project.context_path(PurePosixPath(f).name) == f for f in files):
        return None
    return files


def symlinked(build: BuildContext, path: str) -> bool:
    """True if the context path or one of its folders is a symbolic link (COPY copies the link, not its target)."""
    current = build.root
    for part in PurePosixPath(path).parts:
        current = current / part
        if current.is_symlink():
            return True
    return False

