"""What a multi-stage split (DF4xx) promises about the final image, read from the two Dockerfiles.

A split appends a runtime stage that starts from its own base image and
copies what runs out of the build stage.  So, of the final image:

* the paths the runtime stage copies (`COPY --from=build SRC DEST`) must all
  be there; a copied file the build stage *built* (not one it copied from
  the build context) may have other bytes when the split changed how it is
  built (`CGO_ENABLED=0 go build`): the smoke check judges it, not a hash;
* the files the build stage copied from the build context and the runtime
  stage does not copy (Go sources) stay behind: their removal is the point;
* what the base images bring differs by exactly what the two bases hold
  (their env, their own files), read from the bases themselves; and a
  Debian package the runtime stage leaves as its base has it may be at that
  version where the original's build-only installs upgraded it (zlib1g-dev
  pulls the zlib1g of its own version);
* everything else (entrypoint, cmd, user, workdir, ports, every other
  application file) stays as it was: `compare` still holds it to that.

`split_promise` reads the Dockerfiles; `verify` adds the two bases' configs
and files (`SplitPromise.bases`).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from pathlib import Path

from rewriter.context import FileContext
from rewriter.syntax import Document, Instruction, Stage
from rewriter.variables import parent_stage, resolve_image
from rewriter.verify.builders import ImageConfig
from rewriter.verify.snapshot import Snapshot


@dataclass(frozen=True)
class Base:
    """A base image as the builder describes it: its config and its files."""

    image: str
    config: ImageConfig
    snapshot: Snapshot


@dataclass(frozen=True)
class SplitPromise:
    original_base: str
    """The image the original's final stage starts from (stages followed, global ARGs applied)."""
    runtime_base: str
    """The image the rewrite's runtime stage starts from."""
    copied: tuple[tuple[str, str], ...] = ()
    """(destination in the final image, source in the build stage) of each `COPY --from` of a build stage; no leading slash."""
    rebuilt: tuple[str, ...] = ()
    """The destinations among `copied` whose source stage builds otherwise than the original did."""
    context_copies: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(destination, sources) of each copy from the build context in a build stage: left behind unless copied."""
    context: Path | None = None
    """The build context, to tell a file the build stage copied from one it built; None: every file counts as copied."""
    bases: tuple[Base, Base] | None = None
    """The original's and the runtime stage's base images (the same one twice when the split keeps it), when the builder could describe them."""

    def with_bases(self, before: Base, after: Base) -> SplitPromise:
        return replace(self, bases=(before, after))

    def copied_to(self, path: str) -> bool:
        """Does the runtime stage copy `path` (or a folder holding it) from a build stage?"""
        return any(within(path, dest) for dest, _ in self.copied)

    def left_behind(self, path: str) -> bool:
        """A file the build stage copied from the build context that the runtime stage does not copy."""
        return not self.copied_to(path) and self._from_context(path)

    def built_by_the_split(self, path: str) -> bool:
        """A copied file the build stage made (not a context file) and now makes otherwise: the smoke check judges it."""
        for dest, source in self.copied:
            if dest not in self.rebuilt or not within(path, dest):
                continue
            rest = path[len(dest) :].lstrip("/")
            in_build = [posixpath.join(source, rest) if rest else source]
            if rest == posixpath.basename(source):  # a file copied into a folder
                in_build.append(source)
            return not any(self._from_context(p) for p in in_build)
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

    def from_bases(self, path: str, before: str | None, after: str | None) -> bool:
        """Is the difference at `path` exactly the difference between the two base images there?"""
        if self.bases is None:
            return False
        old, new = self.bases
        return old.snapshot.files.get(path) == before and new.snapshot.files.get(path) == after

    def debian_from_base(self, name: str, before: str | None, after: str | None) -> bool:
        """Is a Debian package in the runtime image exactly as the runtime stage's base has it?

        Either the two bases differ there, or the original's installs changed the base's
        package (zlib1g-dev pulls its own zlib1g version) where the runtime stage left it alone.
        """
        if self.bases is None:
            return False
        old, new = (base.snapshot.debian.get(name) for base in self.bases)
        return after == new and (before == old or (before is not None and after is not None and before != old))

    def env_from_bases(self, key: str, before: str | None, after: str | None) -> bool:
        """Is each image's value of `key` exactly what its base image sets (or leaves unset)?"""
        if self.bases is None:
            return False
        old, new = self.bases
        return old.config.env_dict().get(key) == before and new.config.env_dict().get(key) == after


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


def _run_texts(stages: list[Stage]) -> set[str]:
    return {" ".join(i.args.text.split()) for stage in stages for i in stage.instructions if i.name == "RUN"}


def split_promise(original: Document, rewritten: Document, context: Path | None = None) -> SplitPromise | None:
    """What the rewrite's runtime stage copies, builds anew and leaves behind; None when it is no split.

    `context`: the build context, which tells the files a build stage copied from those it built."""
    if len(rewritten.stages) < 2 or not original.stages:
        return None
    runtime = rewritten.stages[-1]
    original_base, runtime_base = root_image(original, original.stages[-1]), root_image(rewritten, runtime)
    if original_base is None or runtime_base is None:
        return None
    file_context = FileContext(rewritten)
    runtime_chain = {s.index for s in _chain(rewritten, runtime)}
    builds = [s for s in rewritten.stages if s.index not in runtime_chain]
    context_copies = tuple(
        (dest, tuple(w.text for w in i.words()[:-1]))
        for stage in builds
        for i in stage.instructions
        if i.name in ("COPY", "ADD") and i.flag("from") is None and (dest := _destination(file_context, i)) is not None
    )
    original_runs = _run_texts(list(original.stages))
    copied, rebuilt = [], []
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
        source = posixpath.normpath(words[0]).strip("/")
        copied.append((dest, source))
        if _run_texts(_chain(rewritten, stage)) - original_runs:
            rebuilt.append(dest)
    return SplitPromise(original_base, runtime_base, tuple(copied), tuple(rebuilt), context_copies, context)
