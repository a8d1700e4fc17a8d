"""The shared model of the pass: what a command needs (`Plan`), the copied folder (`Project`), option and
path helpers, and the registry through which each ecosystem module says which commands it analyses."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, Callable, NamedTuple

from rewriter.context import BuildContext, load_data

# Files one manifest may pull in through includes or modules before dockerfix
# stops following them (each is a level of recursion, and no real project
# comes near: a hundred is a generated or hostile context).
MAX_INCLUDED_FILES = 100
from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms.base_images.stage import absolute

Env = dict[str, str | None]


def package_managers() -> dict[str, Any]:
    """`data/package_managers.toml`: what each install reads and writes."""
    return load_data("package_managers")


UNKNOWN_CWD = PurePosixPath("/\0cwd")  # stands for a working directory set by the base image


class Plan(NamedTuple):
    """What one command of the chain needs to run before the source copy."""

    kind: str
    """`install` (moves unchanged), `build` (needs `prefetch` first), `free` (reads no context), `source`."""
    tool: str = ""
    files: tuple[str, ...] = ()
    """Context paths the command reads."""
    applicability: Applicability = Applicability.SAFE
    note: str = ""
    decline: str = ""
    """Why the reorder is not offered (a suggestion explains it)."""
    prefetch: str = ""
    """For `build`: the dependency-only command to run before the source copy."""
    cwd: PurePosixPath | None = None
    prefetch_safe: bool = False
    """For `build`: the ecosystem's proof shows that inserting `prefetch` changes nothing the definition of safe
    counts (`go mod download` fills only the module cache; composer's later install finds the packages in
    place and does the rest)."""
    overwritten: str = ""
    """Why the source copy overwrites what the install wrote (`obj` in the context): the reorder is declined
    unless a later command of the stage installs again (`Installer.reinstalls`)."""
    rewrites: tuple[str, ...] = ()
    """Lock files of the context the install may rewrite; the source copy puts them back as committed, which
    is safe while no later step reads them (`patterns.lock_read_later`)."""
    writes: tuple[str, ...] | None = ()
    """Context paths of the copy the install writes beyond its ecosystem's `outputs` (pip's `--target` or
    `--prefix`, composer's vendor-dir and bin-dir), or None when its options place what it writes where the
    pass cannot tell (`ownership.install_writes`)."""
    user_site: bool = False
    """pip `--user` (or `PIP_USER`): installs into the home's `~/.local` whoever runs it, root too."""


def cap(plan: Plan, applicability: Applicability, note: str) -> Plan:
    if applicability >= plan.applicability:
        return plan
    return plan._replace(applicability=applicability, note=join_notes(plan.note, note))


def join_notes(*notes: str) -> str:
    return " ".join(n for n in notes if n)


class Project:
    """The files of the copied folder, seen from the install's working directory."""

    def __init__(
        self, build: BuildContext, source: str, dest: PurePosixPath, cwd: PurePosixPath, image: str = "", platform: str = "",
        earlier: tuple[tuple[str, str], ...] = (), copied_to: tuple[str | None, ...] = (),
    ) -> None:
        self.build = build
        self.source = source
        self.dest = dest
        self.cwd = cwd
        self.image = image
        """The stage's FROM image, resolved ("" when not known): what a runtime-read lock file must cover."""
        self.platform = platform
        """The FROM's `--platform` ("" when the build's own platform applies)."""
        self.earlier = earlier
        """The stage's instructions before the source copy, as (keyword, arguments as written), a `COPY --from`
        of another stage given that stage's image (`COPY --from=composer:2 ...`): where a tool the install runs
        came from (`composer_version`)."""
        self.copied_to = copied_to
        """Where each COPY/ADD of `earlier` writes, in order (`copy_destination`; None when not known)."""

    def context_path(self, path: str, base: PurePosixPath | None = None) -> str | None:
        """The context path of image path `path` (relative to `base`, default the cwd); None if not from this copy."""
        image = PurePosixPath(absolute(path, base or self.cwd))
        unknown = UNKNOWN_CWD in (image, *image.parents)
        if unknown and UNKNOWN_CWD not in (self.dest, *self.dest.parents):
            return None  # timid: relative to a working directory only the base image knows
        try:
            rel = image.relative_to(self.dest)
        except ValueError:
            return None
        joined = normpath(f"{self.source}/{rel}" if self.source else str(rel))
        return "" if joined == "." else joined

    def written_at(self, path: str | None) -> list[str] | None:
        """Context paths of the copy under which an install that writes under image path `path` (relative to
        the cwd) may write: `[path]` when it is in the copy, `[]` when it is plainly outside it, None when that
        is not known (a value only the build knows, a working directory from the base image, or a folder that
        holds the copy's destination)."""
        if path is None or not path or "$" in path or "`" in path:
            return None
        inside = self.context_path(path)
        if inside is not None:
            return [inside]
        image = PurePosixPath(absolute(path, self.cwd))
        if UNKNOWN_CWD in (image, *image.parents) or UNKNOWN_CWD in (self.dest, *self.dest.parents) or image in self.dest.parents:
            return None
        return []

    def outside(self, path: str = ".") -> str:
        """Why `path` (default: the working directory) cannot be traced to the copy; "" when it plainly is not from it."""
        if UNKNOWN_CWD in (self.cwd, *self.cwd.parents) and not path.startswith("/"):
            return "the install's working directory comes from the base image, so it cannot be matched with the copy's destination (add a WORKDIR)"
        return ""

    def folder(self) -> str | None:
        """Context path of the working directory."""
        return self.context_path(".")

    def image_path(self, ctx_path: str) -> PurePosixPath:
        """Where context path `ctx_path` of the copy lands in the image (the inverse of `context_path`)."""
        return self.dest / PurePosixPath(ctx_path).relative_to(self.source or ".") if ctx_path not in ("", ".") else self.dest

    def folders_up(self, folder: str) -> list[str]:
        """Context folder `folder` and the copied folders above it, up to the copy's root: where a tool that looks
        for a file in its folder and above finds one the copy brings (cargo's config, husky's `.git`, MSBuild's
        `GetPathOfFileAbove`).  Folders above the copy's root hold the same in either order of the steps."""
        found = [folder]
        while found[-1] and found[-1] != self.source:
            parent = str(PurePosixPath(found[-1]).parent)
            found.append("" if parent == "." else parent)
        return found

    def is_file(self, ctx_path: str) -> bool:
        return self.build.is_file(ctx_path)

    def exists(self, ctx_path: str) -> bool:
        return self.build.exists(ctx_path)

    def read(self, ctx_path: str) -> str | None:
        return self.build.read_text(ctx_path)

    def under(self, folder: str, pattern: str) -> list[str]:
        """Context files matching a glob pattern below `folder`."""
        prefix = f"{folder}/" if folder else ""
        return self.build.glob(prefix + pattern)


def normpath(path: str) -> str:
    parts: list[str] = []
    rooted = path.startswith("/")
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            elif not rooted:
                return ".."
            continue
        parts.append(part)
    body = "/".join(parts)
    return ("/" + body) if rooted else (body or ".")


def in_folder(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def parse_options(words: list[str], value_options: set[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Split arguments into (option, value) pairs and positionals."""
    options: list[tuple[str, str | None]] = []
    positionals: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            positionals.extend(words[i + 1 :])
            break
        if word.startswith("--") and "=" in word:
            name, _, value = word.partition("=")
            options.append((name, value))
        elif word in value_options:
            options.append((word, words[i + 1] if i + 1 < len(words) else None))
            i += 1
        elif word.startswith("-") and not word.startswith("--") and len(word) > 2 and word[:2] in value_options:
            options.append((word[:2], word[2:]))
        elif word.startswith("-"):
            options.append((word, None))
        else:
            positionals.append(word)
        i += 1
    return options, positionals


URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


REMOTE = re.compile(r"^(https?|(git|hg|svn|bzr)\+[a-z]+)://")  # not `file://`: that reads the image


def manifest_files(project: Project, folder: str, spec: dict[str, Any], tool: str) -> tuple[list[str], str]:
    """The required, lock and optional files of `spec` that exist in `folder`."""
    files: list[str] = []
    for i, name in enumerate(spec.get("manifests", [])):
        path = in_folder(folder, name)
        if project.is_file(path):
            files.append(path)
        elif i == 0:
            return [], f"`{path}` is not in the build context (or .dockerignore excludes it)"
    for name in spec.get("locks", []) + spec.get("optional", []):
        path = in_folder(folder, name)
        if project.is_file(path):
            files.append(path)
    for directory in spec.get("optional_dirs", []):
        files.extend(project.under(in_folder(folder, directory), "**"))
    return files, ""


def outputs_in_context(project: Project, folder: str, outputs: list[str], tool: str) -> str:
    for name in outputs:
        path = in_folder(folder, name)
        if project.exists(path):
            return (
                f"`{path}` is in the build context and not in .dockerignore: the source copy would overwrite "
                f"what {tool} installed there (add it to .dockerignore)"
            )
    return ""


def committed_locks(project: Project, folder: str, spec: dict[str, Any]) -> tuple[str, ...]:
    """The lock files of `spec` that the build context has in `folder`: what the source copy puts back."""
    return tuple(in_folder(folder, name) for name in spec.get("locks", []) if project.is_file(in_folder(folder, name)))


def has_lock(project: Project, folder: str, spec: dict[str, Any]) -> bool:
    return any(project.is_file(in_folder(folder, name)) for name in spec.get("locks", []))


def is_frozen(values: list[str], spec: dict[str, Any], env: dict[str, str | None], assignments: list[str]) -> bool:
    if any(v in spec.get("frozen", []) for v in values):
        return True
    names = set(spec.get("frozen_env", []))
    if any(a.split("=", 1)[0] in names for a in assignments):
        return True
    return any(name in env and env[name] not in (None, "", "0", "false") for name in names)


SAFE_WORD = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")


class Verbatim(str):
    """A word whose value is known only when the shell runs (`-P ${PROFILE}`), as written: passed on unquoted
    to a command inserted in the same stage, it expands there as it did in the original (see
    `Installer.keeps_variables`)."""


def shell_quote(word: str) -> str:
    if isinstance(word, Verbatim):
        return str(word)
    return word if SAFE_WORD.match(word) else "'" + word.replace("'", "'\"'\"'") + "'"


def option_words(words: list[str], value_options: set[str], drop: tuple[str, ...] = ()) -> list[str]:
    """The option words of a command line (with their values), in order, without the options in `drop`."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("-"):
            option = [word]
            if word in value_options and i + 1 < len(words):
                option.append(words[i + 1])
                i += 1
            if word.split("=", 1)[0] not in drop and not word.startswith(drop):
                out.extend(option)
        i += 1
    return out


def is_venv(words: list[str]) -> bool:
    """`python -m venv /abs/path`: creates a virtual environment, reads nothing of the project."""
    return bool(re.match(r"python(\d+(\.\d+)?)?\Z", words[0])) and words[1:3] == ["-m", "venv"]


_VENV_VALUE_OPTIONS = ("--prompt",)


def venv_apart_from_copy(command: Command, words: list[str], project: Project) -> bool:
    """True for `python -m venv DIR` whose DIR lies inside the copy's destination where the build context has
    nothing (`/app/venv` after `COPY . /app`, with no `venv` in the context): the source copy leaves such a
    folder alone (COPY adds and replaces, never removes), so creating it before the copy gives the same files."""
    if command.span != command.statement_span:
        return False  # timid: a redirection may write into the project
    rest = words[3:]
    targets: list[str] = []
    skip = False
    for word in rest:
        if skip:
            skip = False
        elif word in _VENV_VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            targets.append(word)
    if len(targets) != 1 or isinstance(targets[0], Verbatim):
        return False
    path = project.context_path(targets[0])
    if not path:
        return False  # not in the copy at all (then `touches_only_image` decides), or the destination itself
    parts = PurePosixPath(path).parts
    if ".." in parts:
        return False
    return not any(project.exists("/".join(parts[: i + 1])) for i in range(len(parts)))


def touches_only_image(command: Command, words: list[str], project: Project) -> bool:
    """True if no argument names a file of the copied folder (or the cwd) and nothing is redirected."""
    if command.span != command.statement_span:
        return False  # timid: a redirection may write into the project
    for word in words[1:]:
        value = word.split("=", 1)[1] if word.startswith("-") and "=" in word else word
        if value.startswith("-") or not value:
            continue
        if value in (".", "./") or names_copy(project, value):
            return False
    return True


_GLOB = re.compile(r"[*?\[]")


def names_copy(project: Project, value: str) -> bool:
    """True if the image path `value` (globs allowed) may name a copied file: a path into the copy (relative
    ones only when they exist in the context: `curl` is a package), the destination or a folder above it
    (`chown -R app /home/app`), or a glob matching in any of these (`chmod +x *.sh`).  A glob like
    `/var/lib/apt/lists/*` does not."""
    glob = _GLOB.search(value)
    literal = (value[: value.rfind("/", 0, glob.start()) + 1] or ".") if glob else value
    known = literal.startswith("/") or UNKNOWN_CWD not in (project.cwd, *project.cwd.parents)
    image = PurePosixPath(absolute(literal, project.cwd))
    if known and (image == project.dest or image in project.dest.parents):
        return True
    path = project.context_path(literal)
    return path is not None and (glob is not None or "/" in value or project.exists(path))


# -- the registry of ecosystems ---------------------------------------------------

Analyser = Callable[[Command, list[str], "Project", Env], "Plan | None"]
"""What running a command before the source copy needs; None when it is no install of the ecosystem."""


class Installer(NamedTuple):
    """How the pass treats one command name: registered by its ecosystem module with `installs`."""

    tool: str
    """The package manager, as messages name it (`maven` for `mvn` and `mvnw`)."""
    analyse: Analyser
    tool_of: Callable[[Command], str] | None = None
    """The tool a command runs, where it depends on the arguments (`pip install`, `uv pip` / `uv sync`)."""
    fetches_in_build: bool = False
    """The tool downloads while it builds (`go build`): a later install is reported as DF102."""
    only_builds: bool = False
    """The tool has no dependency-only command the pass can insert (cargo): every finding is DF102."""
    chain_env: Callable[[Command, Env], Env] | None = None
    """The environment later commands of a chain see after this one (`bundle config set frozen true`)."""
    local_config: str = ""
    """The project folder a `--local` configuration command writes into (`.bundle`)."""
    ordered_by: Callable[[str], bool] | None = None
    """True for a Dockerfile text that already fetches this tool's dependencies elsewhere (cargo-chef)."""
    manifest_names: tuple[str, ...] = ()
    """Manifest name patterns besides the data's `manifests`/`locks` (`requirements*.txt`, `*.csproj`)."""
    keeps_variables: bool = False
    """The analyser accepts words whose value is not static as `Verbatim` (it must not read a path or a
    subcommand from one): the dependency-only command it derives passes them on as written."""
    reinstalls: Callable[[Command, Command], bool | None] | None = None
    """For (the install, a later command of the tool): True when the later command installs again what the
    install wrote (`dotnet publish` of the same project restores first), False when it reads it as it is
    (`--no-restore`), None when it does neither."""
    reads_lock: Callable[[Command], bool] | None = None
    """True for a command of the tool that reads its lock file (see `Plan.rewrites`)."""


_BY_NAME: dict[str, Installer] = {}
_BY_PATTERN: list[tuple[re.Pattern[str], Installer]] = []
_FAMILIES: dict[str, str] = {}


def installs(*names: str, tool: str, pattern: str = "", family: dict[str, str] | None = None, **traits: Any) -> Callable[[Analyser], Analyser]:
    """Register the decorated analyser for the command `names` (or the names matching `pattern`).

    `family` maps tools that count as one package manager (`uv pip` installs like pip)."""

    def register(analyse: Analyser) -> Analyser:
        installer = Installer(tool, analyse, **traits)
        for name in names:
            _BY_NAME[name] = installer
        if pattern:
            _BY_PATTERN.append((re.compile(pattern), installer))
        _FAMILIES.update(family or {})
        return analyse

    return register


def installer_for(name: str) -> Installer | None:
    """The registered installer of a command name."""
    found = _BY_NAME.get(name)
    if found is None:
        found = next((installer for p, installer in _BY_PATTERN if p.match(name)), None)
    return found


def installer_of_tool(tool: str) -> Installer | None:
    return next((i for i in (*_BY_NAME.values(), *(i for _, i in _BY_PATTERN)) if i.tool == tool), None)


def registered() -> list[Installer]:
    return list(dict.fromkeys((*_BY_NAME.values(), *(i for _, i in _BY_PATTERN))))


def tool_of(command: Command) -> str:
    """The package manager a command runs ("" for anything else)."""
    installer = installer_for(command.name or "")
    if installer is None:
        return ""
    return installer.tool_of(command) if installer.tool_of is not None else installer.tool


def family(tool: str) -> str:
    """The package manager a tool counts as: an install with either orders the file (pip and `uv pip`)."""
    return _FAMILIES.get(tool, tool)


def updates_index(command: Command) -> bool:
    """`apt-get update`, `apk update`: refreshes a system package index and installs nothing."""
    values = command.arg_values()
    return bool(values) and values[0] in package_managers()["meta"]["index_updates"].get(command.name or "", ())


def installs_software(command: Command) -> bool:
    """True for a command that installs software into the image (`apt-get install`, `pip install flask`,
    `npm install -g pm2`): worth moving above a source copy when it reads nothing of the project (DF103)."""
    name = command.name or ""
    values = [v or "" for v in command.arg_values()]
    if updates_index(command):
        return False
    if name in package_managers()["meta"]["software_installs"] or tool_of(command) in ("pip", "uv pip"):
        return True
    if name in ("npm", "pnpm"):
        return any(v in ("install", "i", "add") for v in values) and any(v in ("-g", "--global", "--location=global") for v in values)
    return (name, *values[:2]) in (("yarn", "global", "add"), ("composer", "global", "require")) or (name, *values[:1]) == ("go", "install")


def analyse(command: Command, project: Project, env: Env) -> Plan:
    """What running `command` before the source copy would need (see `Plan`)."""
    name = command.name
    values = [w.value for w in command.words]
    installer = installer_for(name or "")
    if name is None or values[0] is None:
        return Plan("source")
    if any(v is None for v in values):
        if installer is None or not installer.keeps_variables:
            return Plan("source")
        values = [v if v is not None else Verbatim(w.text) for v, w in zip(values, command.words)]
    words: list[str] = [v for v in values if v is not None]  # words[0] as written: `./mvnw`, `/opt/poetry/bin/poetry`
    meta = package_managers()["meta"]
    if name in meta["context_free_commands"] or is_venv(words):
        if any(isinstance(word, Verbatim) for word in words):
            return Plan("source")  # timid: a path only the shell knows may be in the copy
        free = touches_only_image(command, words, project) or (is_venv(words) and venv_apart_from_copy(command, words, project))
        return Plan("free", name) if free else Plan("source")
    if name in meta["absolute_path_commands"]:
        by_path = all(w.startswith(("/", "-")) for w in words[1:])
        return Plan("free", name) if by_path and touches_only_image(command, words, project) else Plan("source")
    tool = installer.tool if installer is not None else ""
    if len(words) > 1 and words[1] in meta["free_subcommands"].get(name, ()):
        required = meta["free_only_with"].get(f"{name} {words[1]}")
        if required and not any(w in required for w in words):
            return Plan("source", tool)
        if not any(w in meta["local_flags"] for w in words):
            return Plan("free", tool)
        if installer is not None and installer.local_config and not project.exists(in_folder(project.folder() or "", installer.local_config)):
            return Plan("free", tool)  # writes its configuration folder, which the source copy does not replace
        return Plan("source", tool)
    if installer is None:
        return Plan("source")
    plan = installer.analyse(command, words, project, env) or Plan("source")
    if plan.kind == "free" and command.span != command.statement_span:
        return Plan("source", plan.tool)  # timid: a redirection may write into the project (`> /app/pip.log`)
    return plan
