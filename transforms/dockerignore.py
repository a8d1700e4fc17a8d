"""A `.dockerignore` written from the build context (DF105).

`COPY . .` puts everything the context holds into the image: the Dockerfile,
`.git`, editor folders, a local `node_modules` or `.venv`, sometimes `.env`.
Each of them also joins the copy's cache key, so a commit, a README edit or
an editor's state file rebuilds the copy and every layer after it.

Which names to exclude can be decided only by looking at both the context
(what exists) and the Dockerfile (what reads it): the pass lists only what
exists, leaves out anything an instruction names or a script it runs
mentions, and excludes a dependency output (`node_modules`) only when the
Dockerfile installs it itself.  The name lists live in
`data/dockerignore.toml`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, NamedTuple

from rewriter.context import BuildContext, FileContext, context_path, json_loads, load_data
from rewriter.rules import Applicability, Diagnostic, NewFile, rule
from rewriter.shell import Command
from rewriter.syntax import Instruction

MAX_ENTRIES = 50_000
"""Context entries looked at; a larger context is left alone rather than half-listed."""
_READ_LIMIT = 256 * 1024
"""Bytes of a script or build file searched for what it reads."""


def _data() -> dict[str, Any]:
    return load_data("dockerignore")


class Entry(NamedTuple):
    """One line of the written ignore file and why the image does not need what it names."""

    pattern: str
    group: str
    safe: bool
    paths: tuple[str, ...]
    """The context paths it excludes (for the reads check and the suggestion)."""
    note: str = ""
    """Why excluding it is unsafe."""


# -- what the Dockerfile copies and reads -----------------------------------------


def _whole_context(value: str) -> bool:
    return context_path(value) == "."


def whole_context_copies(context: FileContext) -> list[Instruction]:
    """COPY/ADD of the whole build context (`.`, `./`, `/`), and RUNs that bind-mount all of it."""
    found = []
    for ins in context.document.instructions:
        if ins.name in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs:
            sources = ins.words()[:-1]
            if any(_whole_context(context.expand(w.text, ins) or w.text) for w in sources):
                found.append(ins)
        elif ins.name == "RUN" and any(_bind_source(f.value or "") == "." for f in ins.flags if f.name == "mount"):
            found.append(ins)
    return found


def _bind_source(mount: str) -> str | None:
    """The context path a `--mount=type=bind` reads ("." for the whole context); None for other mounts."""
    options = dict(part.partition("=")[::2] for part in mount.split(","))
    if options.get("type") != "bind" or "from" in options:
        return None
    return context_path(options.get("source") or options.get("src") or ".")


def _tool_commands(context: FileContext) -> Iterator[tuple[Instruction, Command]]:
    for ins, script in context.scripts():
        for command in script.commands:
            yield ins, command


def _runs(command: Command, producer: str) -> bool:
    """`npm ci` runs in `npm ci --omit=dev` and `/usr/bin/npm ci`; a one-word producer (`yarn`)
    only in the bare command (with options), since `yarn build` installs nothing."""
    words = producer.split()
    values = [w.value for w in command.words]
    if command.name != words[0].rsplit("/", 1)[-1] or values[1 : len(words)] != words[1:]:
        return False
    return len(words) > 1 or all(v is not None and v.startswith("-") for v in values[1:])


class Reads(NamedTuple):
    """What the build reads besides the context copy, as text to search."""

    instructions: list[str]
    """Every instruction but the context copies (a RUN that bind-mounts the context is kept)."""
    files: list[str]
    """Context files that RUNs run, or that their tools read implicitly (Makefile, package.json scripts...)."""

    @property
    def texts(self) -> list[str]:
        return self.instructions + self.files


def reads(context: FileContext) -> Reads:
    build = context.build_context
    assert build is not None
    copies = {ins.index for ins in whole_context_copies(context) if ins.name != "RUN"}
    instructions = [context.slice(ins.span) for ins in context.document.instructions if ins.index not in copies]
    names: set[str] = set()
    tool_files = _data()["vcs"]["readers"]["tool_files"]
    for _, command in _tool_commands(context):
        for word in command.words:
            value = (word.value or "").removeprefix("./")
            if value and not value.startswith(("-", "/")) and build.is_file(value):
                names.add(value)
        names.update(tool_files.get(command.name or "", ()))
    files = []
    for name in sorted(names):
        text = build.read_text(name)
        if text is not None:
            files.append((_package_scripts(text) if name.endswith("package.json") else text)[:_READ_LIMIT])
    return Reads(instructions, files)


def _package_scripts(text: str) -> str:
    """The scripts of a package.json: the rest (a repository URL ending in .git) runs nothing."""
    try:
        scripts = json_loads(text).get("scripts") or {}
    except (ValueError, AttributeError):
        return text
    return "\n".join(str(v) for v in scripts.values()) if isinstance(scripts, dict) else text


def _mentioned(name: str, texts: Iterable[str]) -> bool:
    """Whether a text names `name` as a path or a word (`cat .env`, `COPY Dockerfile`, `./node_modules/.bin`)."""
    pattern = re.compile(r"(?<![\w.-])" + re.escape(name) + r"(?![\w.-])")
    return any(pattern.search(text) for text in texts)


def vcs_needed(context: FileContext, read: Reads) -> bool:
    """Whether the build may read version-control metadata: a VCS command (or the word `git` in a
    RUN), a go build that stamps VCS information, or a script or build file that asks git or uses a
    version-from-VCS plugin."""
    readers = _data()["vcs"]["readers"]
    for _, command in _tool_commands(context):
        if command.name in readers["commands"]:
            return True
        values = command.arg_values()
        if command.name == "go" and values and values[0] in readers["go"] and "-buildvcs=false" not in values:
            return True
    git = re.compile(r"\bgit\b")
    if any(git.search(text) for text in read.instructions if text.lstrip()[:3].upper() == "RUN"):
        return True
    return any(git.search(text) or any(marker in text for marker in readers["markers"]) for text in read.files)


# -- what the context holds --------------------------------------------------------


def _walk(build: BuildContext, prune: frozenset[str]) -> list[tuple[str, bool]] | None:
    """Context paths (relative, with whether each is a folder), not descending into `prune` folders;
    None when the context is too large to list."""
    found: list[tuple[str, bool]] = []
    root = str(build.root)
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        for name in sorted(dirnames):
            found.append((prefix + name, True))
        dirnames[:] = sorted(d for d in dirnames if d not in prune and not os.path.islink(os.path.join(dirpath, d)))
        found.extend((prefix + name, False) for name in sorted(filenames))
        if len(found) > MAX_ENTRIES:
            return None
    return found


def _listed(build: BuildContext) -> list[tuple[str, bool]] | None:
    data = _data()
    prune = set(data["vcs"]["names"]) | set(data["tooling"]["root"]) | {o["name"] for o in data["outputs"]}
    prune |= {n for n in data["caches"]["anywhere"] if "*" not in n}
    return build.memo("dockerignore-walk", lambda: _walk(build, frozenset(prune)))


class Listed(NamedTuple):
    """A context path with what the name checks ask of it, split once per walk rather than per check."""

    path: str
    folder: bool
    name: str
    """Its last component."""


def _present(build: BuildContext) -> list[Listed] | None:
    """The listed paths a context copy sends today: not excluded by the ignore file, and not the
    ignore file itself (the written file names it with the build files).  Computed once per
    build context: every fix round asks, and on a large context it is the run's main cost."""

    def compute() -> list[Listed] | None:
        listed = _listed(build)
        if listed is None:
            return None
        own = _ignore_file_paths(build, listed)
        return [Listed(p, folder, p.rpartition("/")[2]) for p, folder in listed if p not in own and not build.ignore.excluded(p)]

    return build.memo(_present, compute)


def _ignore_file_paths(build: BuildContext, listed: list[tuple[str, bool]]) -> set[str]:
    """The listed paths that are the ignore file BuildKit reads: its own path, or a symlink to it
    (a link from anywhere, also one whose target leaves the context).  Only a symlink needs
    resolving: the walk enters no symlinked folder, so any other path lies as it is below the
    resolved root, and comparing the relative path is the same check."""
    if build.ignore_file is None:
        return set()
    own = build.ignore_file.resolve()
    found = set()
    with contextlib.suppress(ValueError):
        found.add(own.relative_to(build.root.resolve()).as_posix())
    for path, _ in listed:
        full = os.path.join(build.root, path)
        if os.path.islink(full) and Path(full).resolve() == own:
            found.add(path)
    return found


def _matching(names: set[str], patterns: Iterable[str]) -> set[str]:
    """The `names` that one of the glob `patterns` matches: each distinct name is tried once, not
    once per path that has it, against one regex for all the patterns."""
    regex = _glob_regex(tuple(patterns))
    return {name for name in names if regex.match(name)}


@lru_cache(maxsize=None)
def _glob_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching what `fnmatch.fnmatchcase` matches with any of `patterns`."""
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))


def _anywhere(paths: list[str], name: str) -> str:
    """`name` when only the root has it, else `**/name`."""
    return name if all("/" not in p for p in paths) else f"**/{name}"


def _secret(name: str, data: dict[str, Any]) -> bool:
    if any(name.endswith(suffix) for suffix in data["secrets"]["templates"]):
        return False
    return _glob_regex(tuple(data["secrets"]["patterns"])).match(name) is not None


_SECRET_NOTE = (
    "it may hold credentials, and the application may read it at run time: pass it at run time "
    "(`docker run --env-file`, a secret mount) instead of baking it into the image"
)


def ignore_pattern(path: str) -> str | None:
    """A context path as a .dockerignore line that matches only it (patternmatcher's escapes);
    None for a name a line cannot hold (BuildKit trims the spaces around it)."""
    if path != path.strip() or "\n" in path:
        return None
    escaped = re.sub(r"([\\*?\[])", r"\\\1", path)
    return "\\" + escaped if escaped.startswith(("!", "#")) else escaped


def plan(context: FileContext) -> list[Entry] | None:
    """The ignore entries for this Dockerfile's build: what exists, is not excluded yet, and is not read."""
    build = context.build_context
    if build is None:
        return None
    present = _present(build)
    if present is None:
        return None
    data = _data()
    at_root = {entry.path for entry in present if "/" not in entry.path}
    read = reads(context)
    texts = read.texts
    entries: list[Entry] = []

    def add(pattern: str | None, group: str, safe: bool, paths: list[str], note: str = "") -> None:
        if pattern and paths and not any(_mentioned(PurePosixPath(p).name, texts) or _mentioned(p, texts) for p in paths):
            entries.append(Entry(pattern, group, safe, tuple(paths), note))

    if not vcs_needed(context, read):
        for name in data["vcs"]["names"]:
            add(name, "version control", True, [name] if name in at_root else [])
    names = {entry.name for entry in present}
    files = [entry for entry in present if not entry.folder]
    build_names = _matching({entry.name for entry in files}, data["build_files"]["patterns"])
    for entry in files:
        if entry.name in build_names:
            add(ignore_pattern(entry.path), "build files", True, [entry.path])
    for name in data["tooling"]["root"]:
        add(name, "CI and editor files", True, [name] if name in at_root else [])
    for name in data["tooling"]["anywhere"] + data["caches"]["anywhere"]:
        matched = _matching(names, [name])
        paths = [entry.path for entry in present if entry.name in matched]
        group = "CI and editor files" if name in data["tooling"]["anywhere"] else "caches"
        add(_anywhere(paths, name), group, True, paths)
    for output in data["outputs"]:
        name = output["name"]
        paths = [e.path for e in present if e.folder and e.name == name and (output.get("anywhere") or "/" not in e.path)]
        produced = _production(context, output)
        if paths and produced is not None:
            safe, why = produced
            add(_anywhere(paths, name), "dependencies and build outputs the image makes itself", safe, paths, why)
    secret_names = {name for name in names if _secret(name, data)}
    for entry in present:
        if entry.name in secret_names:
            add(ignore_pattern(entry.path), "secrets", False, [entry.path], _SECRET_NOTE)
    return entries


def _production(context: FileContext, output: dict[str, Any]) -> tuple[bool, str] | None:
    """Whether the Dockerfile makes `output` itself (None if not), and whether excluding the local
    one is safe: only when every producer deletes it first and runs after every context copy."""
    copies = [ins for ins in whole_context_copies(context) if ins.name != "RUN"]
    runs = [(ins, producer) for ins, command in _tool_commands(context) for producer in output["producers"] if _runs(command, producer)]
    if not runs:
        return None
    for ins, producer in runs:
        if any(c.stage == ins.stage and c.index > ins.index for c in copies):
            return False, f"the context copy after `{producer}` puts the local `{output['name']}` over what it made, so the image has the host's today"
        if producer not in output["recreates"]:
            return False, f"`{producer}` reuses the local `{output['name']}` that the context copy brings in, so the image has a mix of both today"
    return True, ""


# -- the rule ---------------------------------------------------------------------


GROUPS = ("version control", "build files", "CI and editor files", "caches", "dependencies and build outputs the image makes itself", "secrets")


def _dockerfiles(build: BuildContext) -> list[str]:
    listed = _listed(build) or []
    dockerfile = _glob_regex(tuple(_data()["build_files"]["dockerfiles"]))
    return [p for p, folder in listed if not folder and not p.endswith("ignore") and dockerfile.match(p.rpartition("/")[2])]


def target(build: BuildContext) -> Path:
    """Where to write: `.dockerignore` at the context root, unless the context holds other
    Dockerfiles whose builds it would also change; then `<Dockerfile>.dockerignore`, which only
    this Dockerfile's builds read."""
    own = build.dockerfile.resolve() if build.dockerfile is not None else None
    others = [p for p in _dockerfiles(build) if (build.root / p).resolve() != own]
    if others and build.dockerfile is not None:
        return build.dockerfile.with_name(build.dockerfile.name + ".dockerignore")
    return build.root / ".dockerignore"


def render(entries: list[Entry], ignore_name: str | None) -> str:
    """The file: a header, then the patterns by group, the ignore file itself with the build files."""
    lines = ["# Written by dockerfix (DF105): what a copy of the whole build context would put", "# in the image although the build never reads it."]
    groups: dict[str, list[str]] = {group: [] for group in GROUPS}
    for entry in entries:
        groups[entry.group].append(entry.pattern)
    if ignore_name is not None:
        groups["build files"].append(ignore_name)
    for group, patterns in groups.items():
        if patterns:
            lines.append(f"# {group}")
            lines.extend(patterns)
    return "\n".join(lines) + "\n"


def _names(entries: list[Entry]) -> str:
    shown = [f"`{e.pattern}`" for e in entries[:6]]
    return ", ".join(shown) + (f" and {len(entries) - 6} more" if len(entries) > 6 else "")


@rule(
    "DF105",
    "context-copied-without-dockerignore",
    summary="the whole build context is copied and no .dockerignore keeps out what the image does not need",
    applicability=Applicability.SAFE,
    order=150,
)
def context_copied_without_dockerignore(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    When the Dockerfile copies the whole build context (`COPY . .`, `ADD .`,
    or a RUN that bind-mounts it) and no ignore file applies, writes one
    listing what exists in the context and the build provably does not
    need: version-control folders, the Dockerfiles and compose files, CI and
    editor folders, bytecode and tool caches, and dependency or build
    outputs (`node_modules`, `.venv`, `target`) that the Dockerfile installs
    or builds itself.  `.env` and other files that look like credentials are
    listed by an unsafe fix.  Where an ignore file exists but misses some of
    these, it reports what is missing and changes nothing.

    It writes `.dockerignore` at the context root; when the context holds
    other Dockerfiles, whose builds that file would also change, it writes
    `<Dockerfile>.dockerignore` beside this one instead (BuildKit reads that
    file first, and only for this Dockerfile; the legacy builder ignores it).

    ## Why is this bad?
    The context copy puts every file into the image, and its build-cache key
    is computed from every file: a commit (which changes `.git`), an editor
    saving its settings or an edit of the compose file rebuilds the copy and
    every layer after it, dependency installs included; with the Dockerfile
    among the copied files, even editing its last line (a CMD) rebuilds the
    copy.  A local `node_modules` or `.venv` built for the host is copied
    over, or mixed into, what the image installed; a `.env` bakes secrets
    into a layer anyone with the image can read.

    Only a tool that reads both the Dockerfile and the context can write
    this file: the list must name what exists (an ignore file copied from a
    template misses what is there and hides what is needed), and each name
    must be checked against what the build reads, which depends on the
    instructions (`RUN git describe` needs `.git`; `node_modules` may go
    only when the image runs `npm ci` itself).

    ## Example
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    RUN npm ci
    ```
    in a context holding `.git`, `.vscode`, `node_modules` and
    `docker-compose.yml`, gets a `.dockerignore`:
    ```
    # version control
    .git
    # build files
    Dockerfile
    docker-compose.yml
    .dockerignore
    # CI and editor files
    .vscode
    # dependencies and build outputs the image makes itself
    node_modules
    ```

    ## Fix safety
    Safe for the entries the build provably does not read: no instruction
    names them (COPY sources, RUN scripts, bind mounts, CMD), no context
    file that a RUN runs or whose build tool reads it implicitly (Makefile,
    package.json scripts, pyproject.toml, build.rs) mentions them; `.git`
    stays when a RUN uses git, `go build` stamps VCS information, or a
    version-from-VCS plugin (setuptools-scm, hatch-vcs...) is configured.
    A dependency output is a safe entry only when the Dockerfile recreates it
    after the copy from scratch (`npm ci` deletes `node_modules` first);
    when the local folder reaches the image today (`npm install` reuses it,
    or the copy comes after the install), excluding it changes the image,
    which is an unsafe fix.  Secret-looking files are unsafe: the application
    may read them at run time.  The file is created, never replaced.
    """
    build = context.build_context
    copies = whole_context_copies(context)
    if build is None or not copies:
        return
    entries = plan(context)
    if not entries:
        return
    at = copies[0]
    span = at.keyword.span
    copy_text = "a `RUN --mount=type=bind` of the context" if at.name == "RUN" else f"`{at.name} {' '.join(w.text for w in at.words())}`"
    unsafe_notes = [f"`{e.pattern}`: {e.note}" for e in entries if not e.safe]
    if build.ignore_file is not None:
        message = f"{build.ignore_file.name} lets {copy_text} put {_names(entries)} in the image and in its cache key"
        note = "Add to it:\n" + "\n".join(e.pattern for e in entries)
        if unsafe_notes:
            note += "\nCheck first: " + "; ".join(unsafe_notes)
        yield context_copied_without_dockerignore.diagnostic(message, span, note=note)
        return
    path = target(build)
    # The new file is part of the context too when it lies inside it: it excludes itself.
    try:
        own_name: str | None = path.resolve().relative_to(build.root.resolve()).as_posix()
    except ValueError:
        own_name = None

    def create(chosen: list[Entry], applicability: Applicability, title: str) -> Any:
        return context_copied_without_dockerignore.fix(applicability, title, creates=[NewFile(str(path), render(chosen, own_name))])

    safe = [e for e in entries if e.safe]
    unsafe = [e for e in entries if not e.safe]
    # One file, so in unsafe mode one fix writes all of it; in safe mode the
    # safe part is written and the rest is reported with what it would add.
    if context.settings.unsafe_fixes and unsafe:
        message = f"no {path.name} keeps {_names(entries)} out of {copy_text}"
        fix = create(entries, Applicability.UNSAFE, f"Write {path.name}")
        yield context_copied_without_dockerignore.diagnostic(message, span, fix, note="; ".join(unsafe_notes))
        return
    if safe:
        message = f"no {path.name} keeps {_names(safe)} out of {copy_text}"
        yield context_copied_without_dockerignore.diagnostic(message, span, create(safe, Applicability.SAFE, f"Write {path.name}"))
    if unsafe:
        message = f"{copy_text} {'also ' if safe else ''}puts {_names(unsafe)} in the image"
        fix = create(entries, Applicability.UNSAFE, f"Write {path.name} with these too")
        yield context_copied_without_dockerignore.diagnostic(message, span, fix, note="; ".join(unsafe_notes))
