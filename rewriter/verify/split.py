"""What a multi-stage split (DF4xx) promises about the final image, read from the two Dockerfiles.

A split appends a runtime stage that starts from its own base image and
copies what runs out of the build stage.  So, of the final image:

* the paths the runtime stage copies (`COPY --from=build SRC DEST`) must all
  be there; a copied file may have other bytes only where the split's own
  change to the build made it (`CGO_ENABLED=0 ` before a `go build` the
  original ran as written, transforms/multistage/go.py): its outputs are
  judged by the smoke check, not by a hash; any other change to how a copied
  file is built is held to its bytes;
* the files the build stage copied from the build context and the runtime
  stage does not copy (Go sources) stay behind: their removal is the point;
* what the base images bring differs by exactly what the two bases hold
  (their env, their own files), read from the bases themselves; and a
  Debian package the runtime stage leaves as its base has it may be at that
  version where the original's build-only installs upgraded it (zlib1g-dev
  pulls the zlib1g of its own version), never where the original chose the
  version itself (`pkg=1.2-3`, `pkg/bookworm-backports`, `-t RELEASE`, an
  `apt-get upgrade`, or code dockerfix does not read);
* everything else (entrypoint, cmd, user, workdir, ports, every other
  application file) stays as it was: `compare` still holds it to that.

`split_promise` reads the Dockerfiles; `verify` adds the two bases' configs
and files (`Bases`, which a DF3xx base move is held to as well).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from rewriter.context import BuildContext, FileContext
from rewriter.shell import Command
from rewriter.syntax import Document, Instruction, Stage
from rewriter.variables import parent_stage, resolve_image
from rewriter.verify.builders import ImageConfig
from rewriter.verify.snapshot import Snapshot


@dataclass(frozen=True)
class Base:
    """A base image as the builder describes it: its config and, when read, its files."""

    image: str
    config: ImageConfig
    snapshot: Snapshot | None = None
    """None when only the config was read: a base move (DF3xx) needs the env, only a split the files."""


@dataclass(frozen=True)
class Bases:
    """The base images the original's and the rewrite's final stages start from (the same one twice when they agree)."""

    before: Base
    after: Base

    def env_as_set(self, key: str, before: str | None, after: str | None) -> bool:
        """Is each image's value of `key` exactly what its base image sets (or leaves unset)?"""
        return self.before.config.env_dict().get(key) == before and self.after.config.env_dict().get(key) == after


@dataclass(frozen=True)
class SplitPromise:
    original_base: str
    """The image the original's final stage starts from (stages followed, global ARGs applied)."""
    runtime_base: str
    """The image the rewrite's runtime stage starts from."""
    copied: tuple[tuple[str, str], ...] = ()
    """(destination in the final image, source in the build stage) of each `COPY --from` of a build stage; no leading slash."""
    rebuilt: tuple[str, ...] = ()
    """The build-stage paths (no leading slash) the split's own change builds otherwise: the outputs of the commands it prefixed with `CGO_ENABLED=0`."""
    context_copies: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(destination, sources) of each copy from the build context in a build stage: left behind unless copied."""
    context: Path | None = None
    """The build context, to tell a file the build stage copied from one it built; None: every file counts as copied."""
    pinned: frozenset[str] = frozenset()
    """Debian packages whose version the original chose itself (`pkg=1.2-3`, `pkg/bookworm-backports`, `-t RELEASE`)."""
    versions_chosen: str = ""
    """Why any Debian package's version in the original may be its own choice (an `apt-get upgrade`, code dockerfix does not read); empty when none is."""
    bases: Bases | None = None
    """The original's and the runtime stage's base images with their files, when the builder could describe them."""

    def with_bases(self, bases: Bases) -> SplitPromise:
        return replace(self, bases=bases)

    def copied_to(self, path: str) -> bool:
        """Does the runtime stage copy `path` (or a folder holding it) from a build stage?"""
        return any(within(path, dest) for dest, _ in self.copied)

    def left_behind(self, path: str) -> bool:
        """A file the build stage copied from the build context that the runtime stage does not copy."""
        return not self.copied_to(path) and self._from_context(path)

    def built_by_the_split(self, path: str) -> bool:
        """A copied file that is an output of a command the split changed (`CGO_ENABLED=0 go build`): the smoke check judges it."""
        for dest, source in self.copied:
            if not within(path, dest):
                continue
            rest = path[len(dest) :].lstrip("/")
            in_build = [posixpath.join(source, rest) if rest else source]
            if rest == posixpath.basename(source):  # a file copied into a folder
                in_build.append(source)
            return any(p in self.rebuilt for p in in_build)
        return False

    def _from_context(self, path: str) -> bool:
        """Did a build stage copy `path` from the build context (as far as the context shows)?"""
        for dest, sources in self.context_copies:
            if not within(path, dest):
                continue
            rest = path[len(dest) :].lstrip("/")
            for source in sources:
                if self.context is None or any(c in source for c in "*?[$"):
                    return True
                found = self.context / source.strip("/")
                if found.is_file() and rest in ("", found.name):
                    return True
                if found.is_dir() and (found / rest).exists():
                    return True
        return False

    def _files(self) -> tuple[Snapshot, Snapshot] | None:
        if self.bases is None or self.bases.before.snapshot is None or self.bases.after.snapshot is None:
            return None
        return self.bases.before.snapshot, self.bases.after.snapshot

    def from_bases(self, path: str, before: str | None, after: str | None) -> bool:
        """Is the difference at `path` exactly the difference between the two base images there?"""
        files = self._files()
        return files is not None and files[0].files.get(path) == before and files[1].files.get(path) == after

    def debian_from_base(self, name: str, before: str | None, after: str | None) -> bool:
        """Is a Debian package in the runtime image exactly as the runtime stage's base has it?

        Either the two bases differ there, or the original's installs changed the base's
        package (zlib1g-dev pulls its own zlib1g version) where the runtime stage left it alone;
        not where the original chose the version (a pin, an upgrade): that choice must hold.
        """
        files = self._files()
        if files is None or name in self.pinned:
            return False
        old, new = (snapshot.debian.get(name) for snapshot in files)
        pulled = not self.versions_chosen and before is not None and after is not None and before != old
        return after == new and (before == old or pulled)

    def chosen_by_the_original(self, name: str) -> str:
        """Why the original's version of a Debian package is its own choice, which the split must keep ("" if it is not)."""
        return "the original installs it at a version it names" if name in self.pinned else self.versions_chosen


def within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/") or folder == ""


def root_image(document: Document, stage: Stage) -> str | None:
    """The image a stage's chain of stages starts from, global ARGs applied; None if unknown."""
    while (parent := parent_stage(document, stage)) is not None:
        stage = parent
    return resolve_image(document, stage)


def _destination(context: FileContext, instruction: Instruction) -> str | None:
    """Where a COPY writes, without a leading slash (the base image's WORKDIR counted); None when unknown."""
    from transforms.base_images.stage import copy_destination  # the passes' own reading, loaded only when a split is verified

    destination = copy_destination(context, instruction)
    return None if destination is None else destination.strip("/")


def _chain(document: Document, stage: Stage) -> list[Stage]:
    out = [stage]
    while (parent := parent_stage(document, out[-1])) is not None:
        out.append(parent)
    return out


def final_base_images(original: Document, rewritten: Document) -> tuple[str, str] | None:
    """The images the original's and the rewrite's final stages start from; None when either is not known."""
    if not original.stages or not rewritten.stages:
        return None
    before, after = root_image(original, original.stages[-1]), root_image(rewritten, rewritten.stages[-1])
    return None if before is None or after is None else (before, after)


# What a split changes in its build stage to build a copied file otherwise (DF401: a static Go binary).
_SPLIT_PREFIX = "CGO_ENABLED=0"

_CommandText = tuple[tuple[str, ...], tuple[str, ...]]


def _as_written(command: Command) -> _CommandText:
    return tuple(a.text for a in command.assignments), tuple(w.text for w in command.words)


def _before_the_prefix(command: Command) -> _CommandText | None:
    """The command as it was before the split put `CGO_ENABLED=0 ` in front of it; None if it carries no such prefix."""
    assignments = [a.text for a in command.assignments]
    if _SPLIT_PREFIX not in assignments:
        return None
    assignments.remove(_SPLIT_PREFIX)
    return tuple(assignments), tuple(w.text for w in command.words)


def _commands(context: FileContext, stages: list[Stage]) -> Iterator[tuple[Instruction, Command]]:
    for stage in stages:
        for ins in stage.instructions:
            script = context.shell(ins) if ins.name == "RUN" else None
            for command in script.commands if script is not None else ():
                yield ins, command


def split_rebuilds(original: FileContext, rewritten: FileContext, builds: list[Stage]) -> tuple[str, ...]:
    """The build-stage paths the split's own change builds otherwise: the outputs of each command of a build
    stage that is a command of the original's image with `CGO_ENABLED=0 ` put in front, and otherwise as written.

    That prefix is the one change a split makes to how a copied file is built (transforms/multistage/go.py);
    the outputs are read as the split reads them (`go_outputs`).  Any other change (a flag, another source,
    a command or copy after the build that the original did not run, which may write over its output)
    builds nothing "otherwise": its files are held to their bytes, and so are the outputs of a stage whose
    builds cannot be read."""
    from transforms.multistage.common import Decline, stage_facts
    from transforms.multistage.go import go_outputs

    original_chain = _chain(original.document, original.document.stages[-1])
    written = {_as_written(command) for _, command in _commands(original, original_chain)}
    copies = {_copy_text(original, i) for stage in original_chain for i in stage.instructions if i.name in ("COPY", "ADD")}
    found: list[str] = []
    for stage in builds:
        prefixed = {command.span for _, command in _commands(rewritten, [stage]) if _before_the_prefix(command) in written}
        new = [command.span.start for _, command in _commands(rewritten, [stage]) if command.span not in prefixed and _as_written(command) not in written]
        new += [i.span.start for i in stage.instructions if i.name in ("COPY", "ADD") and _copy_text(rewritten, i) not in copies]
        prefixed = {span for span in prefixed if span.start > max(new, default=-1)}
        if not prefixed:
            continue
        try:
            outputs = go_outputs(stage_facts(rewritten, stage))
        except Decline:
            continue  # timid: outputs not known, held to their bytes
        found += [path.strip("/") for path, command, _ in outputs if command.span in prefixed]
    return tuple(dict.fromkeys(found))


def _copy_text(context: FileContext, instruction: Instruction) -> str:
    return " ".join(context.slice(instruction.span).split())


_UPGRADES = frozenset({"upgrade", "dist-upgrade", "full-upgrade"})
_RELEASE_OPTIONS = ("-t", "--target-release", "--default-release")
"""apt-get options that choose the release to install from (`-tbookworm-backports`, `--target-release=...` too)."""


def version_choices(context: FileContext, stages: list[Stage]) -> tuple[frozenset[str], str]:
    """The Debian packages whose version the stages' RUNs choose themselves, and why any package's may be chosen
    ("" when none can be): what a split must not leave at its runtime base's version.

    A pin (`pkg=1.2-3`) or a release (`pkg/bookworm-backports`, `-t RELEASE`) chooses the named packages'
    version; an upgrade may choose any package's, and so may a package file (`./x.deb`, `dpkg -i`) or code
    dockerfix does not read.
    """
    from transforms.apt import apt_call, package_name, unread_script

    chosen: set[str] = set()
    for stage in stages:
        for ins in (i for i in stage.instructions if i.name == "RUN"):
            script = context.shell(ins)
            if script is None or script.has_errors:
                return frozenset(chosen), f"line {ins.line}: a RUN dockerfix cannot read as a shell script"
            for command in script.commands:
                why = _chooses_every_version(command, unread_script(context, script, command))
                if why:
                    return frozenset(chosen), f"line {ins.line}: {why}"
                call = apt_call(command)
                if call is None or call.subcommand != "install":
                    continue
                options = [o.value or "" for o in call.options]
                release = any(o.startswith(_RELEASE_OPTIONS) for o in options) or any(v.startswith("APT::Default-Release") for v in call.option_values)
                chosen.update(package_name(w.value) for w in call.packages if w.value is not None and (release or "=" in w.value or "/" in w.value))
    return frozenset(chosen), ""


def _chooses_every_version(command: Command, unread: str | None) -> str:
    """Why a command may set any Debian package's version (an upgrade, a package file, code not read); "" if it cannot."""
    from transforms.apt import apt_call

    if unread is not None:
        return f"`{unread}` runs code dockerfix does not read"
    values = command.arg_values()
    if command.name == "dpkg" and any(v is None or v in ("-i", "--install") for v in values):
        return "`dpkg` installs a package file"
    if command.name == "aptitude":
        return "`aptitude`, which dockerfix does not follow"
    call = apt_call(command)
    if call is None:
        return ""
    if call.subcommand is None or call.subcommand in _UPGRADES:
        return f"`{command.name} {call.subcommand or '...'}` may upgrade any package"
    if call.subcommand == "install" and any(w.value is None or w.value.endswith(".deb") for w in call.packages):
        return f"`{command.name} install` of packages dockerfix cannot name"
    return ""


def split_promise(original: Document, rewritten: Document, context: Path | None = None) -> SplitPromise | None:
    """What the rewrite's runtime stage copies, builds anew and leaves behind; None when it is no split.

    `context`: the build context, which tells the files a build stage copied from those it built."""
    bases = final_base_images(original, rewritten)
    if len(rewritten.stages) < 2 or bases is None:
        return None
    runtime = rewritten.stages[-1]
    file_context = FileContext(rewritten, build_context=BuildContext(context) if context is not None else None)
    original_context = FileContext(original)
    runtime_chain = {s.index for s in _chain(rewritten, runtime)}
    builds = [s for s in rewritten.stages if s.index not in runtime_chain]
    context_copies = tuple(
        (dest, tuple(w.text for w in i.words()[:-1]))
        for stage in builds
        for i in stage.instructions
        if i.name in ("COPY", "ADD") and i.flag("from") is None and (dest := _destination(file_context, i)) is not None
    )
    copied = []
    for instruction in runtime.instructions:
        source_flag = instruction.flag("from")
        if instruction.name != "COPY" or source_flag is None or source_flag.value is None:
            continue
        name = source_flag.value
        stage = rewritten.stages[int(name)] if name.isdigit() and int(name) < len(rewritten.stages) else rewritten.stage_named(name)
        words = [w.text for w in instruction.words()]
        dest = _destination(file_context, instruction)
        if stage is None or dest is None or len(words) != 2:
            continue  # another image's files, or several sources: held to equality
        copied.append((dest, posixpath.normpath(words[0]).strip("/")))
    pinned, versions_chosen = version_choices(original_context, _chain(original, original.stages[-1]))
    return SplitPromise(
        *bases,
        copied=tuple(copied),
        rebuilt=split_rebuilds(original_context, file_context, builds),
        context_copies=context_copies,
        context=context,
        pinned=pinned,
        versions_chosen=versions_chosen,
    )
