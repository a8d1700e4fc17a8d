"""Steps between the source copy and the install, and what the reorder does with each.

The install moves in front of the source copy, so it also moves in front of every step between them.  A
step may be:

- *repeated* before the install: ENV, ARG, USER and one absolute WORKDIR whose repetition is idempotent
  (`ENV NODE_ENV=production`); or moved there when nothing they cross reads them
  (`patterns.repeats_can_move`), so that no second copy is left after the source copy;
- *moved* before the install (and so before the copy): a RUN that reads and writes nothing of the project
  (`pip install poetry`), a COPY that writes outside the copy's destination (`COPY --from=uv /uv /bin/`:
  the install may need it), and an ENV or ARG that refers to itself (`ENV PATH=/app/.venv/bin:$PATH`),
  which repeating would apply twice.  Moving an ENV is exact when the copy does not use what it sets and
  no step left in place runs between the copy and it;
- *left in place*, after the source copy: a RUN of only `chmod`, `chown`, `rm`, `mkdir`, `touch` on copied
  paths, or a COPY into the copy's destination, as long as what it changes is nothing the install reads or
  writes (`Stay.touched`, checked against the install in `stay_conflict`).  Swapping two steps is exact
  when neither reads or writes what the other writes.
"""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Iterable, NamedTuple

from rewriter.context import FileContext
from rewriter.syntax import Instruction
from rewriter.variables import assignments
from transforms.base_images.stage import copy_destination
from transforms.manifests.common import URL, Plan, Project, normpath, package_managers, registered

# Commands that change only the files they name (their metadata, or whether they exist).
_PATH_EDITS = {"chmod": 1, "chown": 1, "chgrp": 1, "rm": 0, "mkdir": 0, "touch": 0}
"""Command name -> how many leading positionals are not paths (the mode or owner)."""
_PATH_EDIT_VALUE_OPTIONS = {"--reference", "-m", "--mode"}
_RECURSIVE = re.compile(r"^(-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)$")
_METADATA = ("chmod", "chown", "chgrp")
_SYMBOLIC_MODE = re.compile(r"^-[rwxXst]+(,.*)?$")
"""`chmod -w file`: a mode that starts with `-`, not an option."""
COPY_STEP_FLAGS = frozenset({"from", "chown", "chmod", "link"})


class Change(NamedTuple):
    """One `chmod`/`chown`/`chgrp` of a step that changes only owners and modes."""

    command: str
    spec: str
    """The mode or the owner, as written (`755`, `app:app`)."""
    recursive: bool
    paths: tuple[str, ...]
    """Context paths (glob patterns allowed)."""


class Stay(NamedTuple):
    """A step left after the source copy, and the context paths it changes (glob patterns allowed)."""

    instruction: Instruction
    touched: tuple[str, ...]
    changes: tuple[Change, ...] = ()
    """When the step changes only owners and modes: each change (`ownership.owner_mode_risk` checks them)."""


def refs(raw: str | None) -> set[str]:
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", raw or ""))


def idempotent(context: FileContext, ins: Instruction, assigned: set[str]) -> bool:
    """True if running the ENV/ARG twice gives what running it once does: no value refers to a name it, or an
    earlier repeated step (`assigned`, updated), sets (`ENV PATH=$PATH:/x` is not idempotent)."""
    if ins.name == "USER" or ins.name == "WORKDIR":
        return True
    pairs = assignments(ins, context.document.escape)
    if any(refs(raw) & (assigned | {name}) for name, raw in pairs):
        return False
    assigned.update(name for name, _ in pairs)
    return True


def unused_by_copy(context: FileContext, ins: Instruction, copy: Instruction) -> bool:
    """True if the copy does not expand a name the ENV/ARG sets (so it may come before the copy)."""
    names = {name for name, _ in assignments(ins, context.document.escape)}
    return not refs(context.slice(copy.span)) & names


def moves(context: FileContext, between: Iterable[Instruction]) -> frozenset[int]:
    """Indexes of the steps of `between` that move before the install rather than being repeated there."""
    moved: set[int] = set()
    assigned: set[str] = set()
    for ins in between:
        if ins.name in ("RUN", "COPY") or (ins.name in ("ENV", "ARG") and not idempotent(context, ins, assigned)):
            moved.add(ins.index)
    return frozenset(moved)


def copy_step(context: FileContext, ins: Instruction, dest: PurePosixPath) -> Stay | bool | None:
    """A COPY between the source copy (to `dest`) and the install: True when it writes outside `dest` (it moves),
    a `Stay` when it writes into it, None when the pass cannot tell."""
    words = ins.words()
    if ins.name != "COPY" or ins.heredocs or len(words) < 2 or any(f.name not in COPY_STEP_FLAGS for f in ins.flags):
        return None
    values = [context.expand(w.text, ins) if ins.json is None else w.text for w in words]
    if any(v is None or URL.match(v) for v in values):
        return None
    *sources, target = [v for v in values if v is not None]
    destination = copy_destination(context, ins)
    if destination is None:
        return None  # timid: relative to a folder only the base image knows
    absolute = PurePosixPath(destination)
    if absolute != dest and dest not in absolute.parents:
        return True if absolute not in dest.parents else None  # timid: a copy over the destination's parent
    rel = str(absolute.relative_to(dest))
    rel = "" if rel == "." else rel
    into_folder = target.endswith("/") or target in (".", "./") or len(sources) > 1
    if into_folder and not any(c in s for s in sources for c in "*?["):
        touched = tuple(normpath(f"{rel}/{PurePosixPath(s).name}") if rel else PurePosixPath(s).name for s in sources)
    else:
        touched = (rel,)
    return Stay(ins, touched)


def recopies_in_place(context: FileContext, ins: Instruction, source: str, dest: PurePosixPath, flags: str, earlier: Iterable[Stay]) -> bool:
    """True for a COPY of context files onto the very paths where the source copy (of context folder `source` to
    `dest`, with `flags`) put them, with the same flags, when no step since touched them
    (`COPY requirements.txt /app/requirements.txt` after `COPY . /app/`): it writes the same bytes, mode and
    owner again, so it changes nothing and commutes with any step."""
    step = copy_step(context, ins, dest)
    if not isinstance(step, Stay) or ins.flag("from") is not None or " ".join(context.slice(f.span) for f in ins.flags) != flags:
        return False
    build = context.build_context
    words = ins.words()
    sources = [context.expand(w.text, ins) if ins.json is None else w.text for w in words[:-1]]
    if build is None or len(sources) != len(step.touched) or any(s is None or any(c in s for c in "*?[") for s in sources):
        return False
    for value, touched in zip(sources, step.touched):
        path = normpath((value or "").lstrip("/"))
        if not build.is_file(path) or normpath(f"{source}/{touched}" if source else touched) != path:
            return False
    return not any(_overlap(t, p) or _overlap(p, t) for stay in earlier for t in stay.touched for p in step.touched)


def run_step(context: FileContext, ins: Instruction, project: Project) -> Stay | None:
    """A RUN of only `chmod`/`chown`/`rm`/`mkdir`/`touch` on paths of the copy: the paths it changes; else None."""
    from transforms.manifests.patterns import and_chain  # (patterns imports this module)

    script = context.shell(ins)
    if script is None or ins.heredocs or ins.flags:
        return None
    chain = and_chain(script)
    if chain is None:
        return None
    touched: list[str] = []
    changes: list[Change] = []
    for command in chain[1]:
        if command is None or command.assignments or command.span != command.statement_span:
            return None  # timid: a compound, an env prefix or a redirection
        if command.name == "set":
            continue
        if command.name not in _PATH_EDITS or any(v is None for v in command.arg_values()):
            return None
        values = [v for v in command.arg_values() if v is not None]
        paths: list[str] = []
        leading: list[str] = []
        skip = _PATH_EDITS[command.name]
        recursive = False
        follows = False  # `chown -RL`: through symbolic links, to files outside the paths named
        i = 0
        while i < len(values):
            value = values[i]
            if value.startswith("-") and value != "-" and not (command.name == "chmod" and _SYMBOLIC_MODE.match(value)):
                recursive = recursive or bool(_RECURSIVE.match(value))
                follows = follows or (not value.startswith("--") and any(c in value for c in "LH")) or value == "--dereference"
                i += 2 if value in _PATH_EDIT_VALUE_OPTIONS else 1
                continue
            if skip:
                skip -= 1
                leading.append(value)
            else:
                paths.append(value)
            i += 1
        if not paths:
            return None
        found_paths: list[str] = []
        for path in paths:
            found = project.context_path(path)
            if found is None:
                return None  # a path outside the copy: the step touches the image, maybe what the install needs
            found_paths.append(found)
        touched.extend(found_paths)
        if command.name in _METADATA and leading and not follows:
            changes.append(Change(command.name, leading[0], recursive, tuple(found_paths)))
    only_metadata = len(changes) == sum(1 for c in chain[1] if c is not None and c.name != "set")
    return Stay(ins, tuple(touched), tuple(changes) if only_metadata else ()) if touched else None


@lru_cache(maxsize=1)
def install_inputs() -> tuple[str, ...]:
    """Names of every file an install of any ecosystem may read or write in its folder (conservative: a step
    left in place must touch none of them)."""
    names: set[str] = set()
    for installer in registered():
        names.update(installer.manifest_names)
    for key, spec in package_managers().items():
        if isinstance(spec, dict) and key != "meta":
            for field in ("manifests", "locks", "optional", "outputs", "config_files"):
                names.update(n for n in spec.get(field, []) if isinstance(n, str))
    names.update((".npmrc", ".yarnrc", ".yarnrc.yml", "pip.conf", "pip.ini", "uv.toml", ".python-version"))
    return tuple(sorted(names))


def stay_conflict(project: Project, stays: tuple[Stay, ...], plans: list[Plan]) -> tuple[Instruction, str] | None:
    """The first step left in place that changes what the install reads or writes, and the path; else None.

    It conflicts when a path it changes is, contains or lies in a file the install reads; contains the
    install's folder; or names a file any install may read or write (`install_inputs`: `.npmrc` created
    after the copy, `node_modules` removed)."""
    read = [f for p in plans for f in p.files]
    folders = []
    for plan in plans:
        folder = project.context_path(".", plan.cwd) if plan.cwd is not None else None
        folders.append(folder if folder is not None else "")
    names = install_inputs()
    for stay in stays:
        for path in stay.touched:
            if any(_overlap(path, f) for f in read):
                return stay.instruction, path
            if any(_contains(path, f) for f in folders):
                return stay.instruction, path
            parts = PurePosixPath(path).parts
            if any(fnmatch.fnmatchcase(part, name) or fnmatch.fnmatchcase(name, part) for part in parts for name in names):
                return stay.instruction, path
    return None


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def _overlap(pattern: str, path: str) -> bool:
    """True if `pattern` (globs allowed) names `path`, one of its folders, or something below it."""
    a, b = _parts(pattern), _parts(path)
    return all(fnmatch.fnmatchcase(y, x) for x, y in zip(a, b))


def _contains(pattern: str, folder: str) -> bool:
    """True if `pattern` names `folder` or one of the folders above it."""
    a, b = _parts(pattern), _parts(folder)
    return len(a) <= len(b) and all(fnmatch.fnmatchcase(y, x) for x, y in zip(a, b))


def sets_modes_of(context: FileContext, stay: Stay, files: list[str]) -> bool:
    """True for a step left in place that only changes the mode of manifests the install reads (`RUN chmod +x
    gradlew`): repeated after the manifest copy, it lets the install run them; the source copy then puts each
    file back with the context's mode, and the step, still after it, sets the mode again as before."""
    script = context.shell(stay.instruction) if stay.instruction.name == "RUN" else None
    if script is None or not stay.touched or not all(path in files for path in stay.touched):
        return False
    return all(c.name in ("chmod", "set") for c in script.commands) and not any(_RECURSIVE.match(v or "") for c in script.commands for v in c.arg_values())
