"""Dependency manifests before source copies (DF101, DF102).

`COPY . .` followed by `RUN pip install -r requirements.txt` reinstalls every
dependency whenever any source file changes, because the copy's layer (and
so every later one) misses the build cache.  Copying the manifests first and
installing from them before the source copy keeps the install cached until a
manifest changes.

The pass works in three steps, each of which may decline:

1. find a *source copy*: `COPY`/`ADD` of the whole build context, or of a
   folder of it, with flags it can carry over (`--chown`, `--chmod`, `--link`)
   and a destination it can resolve (WORKDIR, relative paths, ARG/ENV);
2. find the first RUN after it that needs the project; between them may lie
   metadata (LABEL, EXPOSE, CMD...), ENV/ARG/USER and one absolute WORKDIR
   (repeated before the install, so it runs as before) and RUNs that read
   and write nothing of the project (`pip install poetry`: moved along).
   Split the RUN's `&&` chain into a head that reads no source (installs
   from manifests, system package installs, `cd`) and the rest; or, for
   tools that fetch while they build (`go build`, `mvn package`, `dotnet
   publish`...), find the dependency-only command to run first;
3. work out, from the real build context, exactly which files the head
   reads; decline when it reads more than manifests (local paths, lifecycle
   scripts, workspaces with missing members) or when the later full copy
   would overwrite what it installed (`node_modules` in the context).

The edit inserts `COPY <manifests> <dest>/` and `RUN <head>` before the
source copy and removes the head from the original RUN (the whole RUN when
nothing is left).  Package-manager facts live in `data/package_managers.toml`.
"""

from __future__ import annotations

import fnmatch
import json
import re
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any, Callable, Iterator, NamedTuple

from rewriter.context import BuildContext, FileContext, load_data
from rewriter.rules import Applicability, Diagnostic, Edit, Rule, rule
from rewriter.shell import Command, ShellScript
from rewriter.syntax import Instruction, Stage, Trivia
from rewriter.text import Span
from rewriter.variables import assignments
from transforms.pip_cache import pip_subcommand


def _data() -> dict[str, Any]:
    return load_data("package_managers")


# Instructions that may lie between the source copy and the install without
# changing what the install does (they only set image metadata).
_NEUTRAL = frozenset({"LABEL", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT", "MAINTAINER"})
_COPY_FLAGS = frozenset({"chown", "chmod", "link"})
_UNKNOWN_CWD = PurePosixPath("/\0cwd")  # stands for a working directory set by the base image


# -- the model ------------------------------------------------------------------


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


def _cap(plan: Plan, applicability: Applicability, note: str) -> Plan:
    if applicability >= plan.applicability:
        return plan
    return plan._replace(applicability=applicability, note=_join(plan.note, note))


def _join(*notes: str) -> str:
    return " ".join(n for n in notes if n)


class Project:
    """The files of the copied folder, seen from the install's working directory."""

    def __init__(self, build: BuildContext, source: str, dest: PurePosixPath, cwd: PurePosixPath) -> None:
        self.build = build
        self.source = source
        self.dest = dest
        self.cwd = cwd

    def context_path(self, path: str, base: PurePosixPath | None = None) -> str | None:
        """The context path of image path `path` (relative to `base`, default the cwd); None if not from this copy."""
        image = PurePosixPath(_normpath(str((base or self.cwd) / path)))
        unknown = _UNKNOWN_CWD in (image, *image.parents)
        if unknown and _UNKNOWN_CWD not in (self.dest, *self.dest.parents):
            return None  # timid: relative to a working directory only the base image knows
        try:
            rel = image.relative_to(self.dest)
        except ValueError:
            return None
        joined = _normpath(f"{self.source}/{rel}" if self.source else str(rel))
        return "" if joined == "." else joined

    def outside(self, path: str = ".") -> str:
        """Why `path` (default: the working directory) cannot be traced to the copy; "" when it plainly is not from it."""
        if _UNKNOWN_CWD in (self.cwd, *self.cwd.parents) and not path.startswith("/"):
            return "the install's working directory comes from the base image, so it cannot be matched with the copy's destination (add a WORKDIR)"
        return ""

    def folder(self) -> str | None:
        """Context path of the working directory."""
        return self.context_path(".")

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


def _normpath(path: str) -> str:
    parts: list[str] = []
    absolute = path.startswith("/")
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            elif not absolute:
                return ".."
            continue
        parts.append(part)
    body = "/".join(parts)
    return ("/" + body) if absolute else (body or ".")


def _in(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


# -- ecosystems ----------------------------------------------------------------


def _options(words: list[str], value_options: set[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
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


_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_REMOTE = re.compile(r"^(https?|(git|hg|svn|bzr)\+[a-z]+)://")  # not `file://`: that reads the image
_REQ_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*(([<>=!~]=?|===?)|;|@|$)")


def _local_requirement(spec: str) -> bool:
    """True for a requirement that names something in the project (a path, `file:`)."""
    spec = spec.strip()
    if "file:" in spec:
        return True
    if _URL.match(spec):
        return False
    if "@" in spec and _URL.search(spec.split("@", 1)[1].strip()):
        return False
    if _REQ_NAME.match(spec) and "/" not in spec.split(";", 1)[0].split("@", 1)[0]:
        return False
    return True


def _requirements(project: Project, path: str, seen: set[str]) -> tuple[list[str], str]:
    """Context files a requirements file reads (itself and its -r/-c includes), or a reason to decline."""
    if path in seen:
        return [], ""
    seen.add(path)
    text = project.read(path)
    if text is None and project.exists(path):
        return [], f"`{path}` is a folder of the project, not a requirements file"
    if text is None:
        return [], f"`{path}` is not in the build context (or .dockerignore excludes it)"
    data = _data()["pip"]
    files = [path]
    folder = str(PurePosixPath(path).parent)
    folder = "" if folder == "." else folder
    for raw in re.sub(r"\\\n", "", text).splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        words = line.split()
        head = words[0]
        name, eq, value = head.partition("=")
        if not eq and len(words) > 1:
            value = words[1]
        if head.startswith("-") and not eq and len(head) > 2 and head[:2] in ("-r", "-c", "-e", "-f"):
            name, value = head[:2], head[2:]
        if name in data["requirement_options"] + data["constraint_options"]:
            if _REMOTE.match(value):
                continue
            included = _normpath(_in(folder, value))
            if included.startswith(".."):
                return [], f"`{path}` includes `{value}`, outside the copied folder"
            more, why = _requirements(project, included, seen)
            if why:
                return [], why
            files.extend(more)
        elif name in data["local_options"]:
            if name in ("-f", "--find-links") and _REMOTE.match(value):
                continue
            return [], f"`{path}` has `{line}`, which installs from the project's own files"
        elif name in data["index_options"] and value and not _REMOTE.match(value):
            return [], f"`{path}` has `{line}`, a package index in the project's own files"
        elif head.startswith("-"):
            continue
        elif _local_requirement(line):
            return [], f"`{path}` installs the local path `{line}`, which is source, not a manifest"
    return files, ""


def _pip(command: Command, words: list[str], project: Project, start: int, tool: str = "pip", env: dict[str, str | None] | None = None) -> Plan:
    """pip install, and `uv pip install` / `uv pip sync` (`tool` "uv pip"), which take the same requirement files."""
    data = _data()["pip"]
    options, positionals = _options(words[start:], set(data["value_options"]))
    if tool == "uv pip" and words[2] == "sync":
        options = [("-r", p) for p in positionals] + options  # `uv pip sync requirements.txt`
        positionals = []
    files: list[str] = []
    seen: set[str] = set()
    reads_files = False
    plan = Plan("install", tool)
    for name, value in options:
        if name in data["requirement_options"] + data["constraint_options"]:
            if value is None:
                return Plan("source", tool, decline="cannot read the requirement file's name")
            if _REMOTE.match(value):
                continue
            reads_files = True
            path = project.context_path(value)
            if path is None:
                return Plan("source", tool, decline=project.outside(value))
            if tool == "uv pip" and PurePosixPath(path).name in _data()["uv_pip"]["project_requirements"]:
                found = _uv_project_requirements(project, path)
                if isinstance(found, str):
                    return Plan("source", tool, decline=found)
                plan = found
                files.append(path)
                continue
            more, why = _requirements(project, path, seen)
            if why:
                return Plan("source", tool, decline=why)
            files.extend(more)
        elif name in data["index_options"] and value and not _REMOTE.match(value):
            return Plan("source", tool, decline=f"`{name} {value}` reads a package index from local files")
        elif name in data["local_options"]:
            if name in ("-f", "--find-links") and value and _REMOTE.match(value):
                continue
            return Plan("source", tool, decline=f"`{tool} install {name} {value or ''}`".replace(" `", "`") + " installs the project's own files; its dependencies are declared in pyproject.toml or setup.py, which the install would need with the whole source")
        elif name in data["target_options"] and value:
            target = project.context_path(value)
            if target is not None and (target == "" or project.exists(target)):
                return Plan("source", tool, decline=f"`{name} {value}` installs into the copied folder, where the build context has `{target or '.'}` too: the source copy would overwrite what the install wrote")
    for spec in positionals:
        if _local_requirement(spec):
            return Plan(
                "source",
                tool,
                decline=f"`{tool} install {spec}` installs the project itself; its dependencies live in pyproject.toml or setup.py and building it needs the source",
            )
    if not reads_files:
        return Plan("free", tool)
    if tool == "uv pip":
        extra, why = _uv_reads(options, project, env or {}, command)
        if why:
            return Plan("source", tool, decline=why)
        files.extend(extra)
    return plan._replace(files=tuple(dict.fromkeys(files)))


def _uv_project_requirements(project: Project, path: str) -> Plan | str:
    """`uv pip install -r pyproject.toml`: an unsafe install when the dependencies are static; else why not."""
    name = PurePosixPath(path).name
    if name != "pyproject.toml":
        return f"`uv pip install -r {name}` builds the project's metadata, which runs setup.py or the build backend on the source"
    text = project.read(path)
    if text is None:
        return f"`{path}` is not in the build context (or .dockerignore excludes it)"
    dynamic = re.search(r"(?ms)^\s*dynamic\s*=\s*\[([^\]]*)\]", text)
    if not re.search(r"(?m)^\s*\[project\]", text) or (dynamic and "dependencies" in dynamic.group(1)):
        return f"`{path}` has no static `[project]` dependencies: uv would build the project's metadata, which reads the source"
    local = _python_path_dependency("uv", text)
    if local:
        return f"`{path}` has the path dependency `{local}`, which is source, not a manifest"
    direct = re.search(r"""['"][^'"\n]*@\s*(file:[^'"\n]*|\.{0,2}/[^'"\n]*)['"]""", text)
    if direct:
        return f"`{path}` depends on the local path `{direct.group(1)}`, which is source, not a manifest"
    return Plan(
        "install", "uv pip", applicability=Applicability.UNSAFE,
        note=f"`{path}` declares its dependencies statically, which uv reads without building the project; a build backend that uv consults anyway (some versions do) would need the source.",
    )


def _uv_reads(options: list[tuple[str, str | None]], project: Project, env: dict[str, str | None], command: Command) -> tuple[list[str], str]:
    """Files of the copy that uv pip reads besides the requirement files (configuration, .python-version), or
    why the install cannot move (a `.venv` it would install into only after the source copy)."""
    spec = _data()["uv_pip"]
    names = {name for name, _ in options}
    local_env = {**env, **{a.text.split("=", 1)[0]: a.text.split("=", 1)[1] for a in command.assignments if "=" in a.text}}
    folder = project.folder()
    if folder is None:
        # timid: uv searches the working directory the base image set, which may be the copy's destination
        root = project.source
        found = [f for f in (spec["config_files"] + [spec["python_version_file"], spec["environment_dir"]]) if project.exists(_in(root, f))]
        return [], (project.outside() if found and project.outside() else "")
    chain = [folder]
    while chain[-1] != project.source and chain[-1]:
        parent = str(PurePosixPath(chain[-1]).parent)
        chain.append("" if parent == "." else parent)
    files: list[str] = []
    for env_name in spec["environment_env"]:
        value = local_env.get(env_name) or ""
        target = project.context_path(value) if value.startswith("/") else None  # VIRTUAL_ENV=/app/.venv
        if target is not None and (target == "" or project.exists(target)):
            return [], f"`{env_name}` points into the copied folder, where the build context has `{target or '.'}` too: the source copy would overwrite what the install wrote"
    if not names & set(spec["environment_flags"]) and not any(env_name in local_env for env_name in spec["environment_env"]):
        venv = next((_in(f, spec["environment_dir"]) for f in chain if project.exists(_in(f, spec["environment_dir"]))), None)
        if venv is not None:
            return [], (
                f"`{venv}` is in the build context and not in .dockerignore: after the source copy uv installs into it, before "
                "the copy it would not find it (add it to .dockerignore, or pass `--system`)"
            )
    no_config = names & set(spec["no_config"]) or any(local_env.get(n) not in (None, "", "0", "false") for n in spec["no_config_env"])
    if no_config:
        return files, ""
    for name, value in options:
        if name in spec["config_file_options"] and value:
            path = project.context_path(value)
            if path is not None:
                files.append(path)
    for env_name in spec["config_file_env"]:
        value = local_env.get(env_name)
        if value:
            path = project.context_path(value)
            if path is not None:
                files.append(path)
    for f in chain:
        for config in spec["config_files"]:
            path = _in(f, config)
            text = project.read(path) if project.is_file(path) else None
            if text is None:
                continue
            if config == "pyproject.toml":
                if re.search(r"(?m)^\s*(tool\s*\.\s*)?uv\s*[.=]", text):
                    return [], f"`{path}` configures uv with dotted keys (`tool.uv.x = ...`), which the pass does not read"  # timid
                if not re.search(rf"(?m)^\s*\[\[?{re.escape(spec['config_table'])}[.\]]", text):
                    continue  # no [tool.uv] table: uv ignores the file
            files.append(path)
        version = _in(f, spec["python_version_file"])
        if project.is_file(version):
            files.append(version)
    for path in files:
        text = project.read(path) if project.is_file(path) else None
        if text is None:
            return [], f"`{path}` (uv's configuration file) is not in the build context"
        why = _uv_config_paths(project, path, text, spec["config_table"])
        if why:
            return [], why
    return files, ""


_TOML_STRING = re.compile(r"""(?:\b([\w-]+)\s*=\s*\[?\s*)?(['"])([^'"\n]*)\2""")


def _uv_config_paths(project: Project, path: str, text: str, table: str) -> str:
    """Why a uv configuration file makes the install read other project files (`find-links = ["./wheels"]`)."""
    for m in _TOML_STRING.finditer(text):
        key, value = m.group(1) or "", m.group(3)
        if PurePosixPath(path).name == "pyproject.toml" and not _in_uv_table(text, m.start(), table):
            continue
        if _REMOTE.match(value):
            continue
        local = value.startswith(("./", "../", "file:")) or key in ("path", "find-links", "editable")
        if not local and value.startswith("/"):
            local = project.context_path(value) is not None
        if local:
            return f"`{path}` sets `{key or 'a value'}` to `{value}`, a path of the project that uv would read and that is not copied"
    return ""


def _in_uv_table(text: str, offset: int, table: str) -> bool:
    """True if `offset` of a pyproject.toml lies in `[tool.uv]` or one of its sub-tables."""
    headers = list(re.finditer(r"(?m)^\s*\[\[?\s*([^\]]+?)\s*\]\]?", text[:offset]))
    return bool(headers) and (headers[-1].group(1) == table or headers[-1].group(1).startswith(table + "."))


def _manifest_files(project: Project, folder: str, spec: dict[str, Any], tool: str) -> tuple[list[str], str]:
    """The required, lock and optional files of `spec` that exist in `folder`."""
    files: list[str] = []
    for i, name in enumerate(spec.get("manifests", [])):
        path = _in(folder, name)
        if project.is_file(path):
            files.append(path)
        elif i == 0:
            return [], f"`{path}` is not in the build context (or .dockerignore excludes it)"
    for name in spec.get("locks", []) + spec.get("optional", []):
        path = _in(folder, name)
        if project.is_file(path):
            files.append(path)
    for directory in spec.get("optional_dirs", []):
        files.extend(project.under(_in(folder, directory), "**"))
    return files, ""


def _outputs_in_context(project: Project, folder: str, outputs: list[str], tool: str) -> str:
    for name in outputs:
        path = _in(folder, name)
        if project.exists(path):
            return (
                f"`{path}` is in the build context and not in .dockerignore: the source copy would overwrite "
                f"what {tool} installed there (add it to .dockerignore)"
            )
    return ""


def _has_lock(project: Project, folder: str, spec: dict[str, Any]) -> bool:
    return any(project.is_file(_in(folder, name)) for name in spec.get("locks", []))


def _frozen(values: list[str], spec: dict[str, Any], env: dict[str, str | None], assignments: list[str]) -> bool:
    if any(v in spec.get("frozen", []) for v in values):
        return True
    names = set(spec.get("frozen_env", []))
    if any(a.split("=", 1)[0] in names for a in assignments):
        return True
    return any(name in env and env[name] not in (None, "", "0", "false") for name in names)


def _package_json(project: Project, folder: str) -> tuple[dict[str, Any] | None, str]:
    path = _in(folder, "package.json")
    text = project.read(path)
    if text is None:
        return None, f"`{path}` is not in the build context (or .dockerignore excludes it)"
    try:
        data = json.loads(text)
    except ValueError:
        return None, f"`{path}` is not valid JSON"
    return (data, "") if isinstance(data, dict) else (None, f"`{path}` is not a JSON object")


def _node_package_checks(package: dict[str, Any], path: str, ignore_scripts: bool) -> str:
    node = _data()["node"]
    scripts = package.get("scripts") or {}
    if isinstance(scripts, dict) and not ignore_scripts:
        found = [s for s in node["lifecycle_scripts"] if s in scripts]
        if found:
            return (
                f"`{path}` has a `{found[0]}` script (`{scripts[found[0]]}`), which the install runs and which may "
                "read the project's source; add `--ignore-scripts` to the install and run it after the copy, if it allows"
            )
    for key in node["dependency_fields"]:
        deps = package.get(key) or {}
        if not isinstance(deps, dict):
            continue
        for name, spec in deps.items():
            if isinstance(spec, str) and any(spec.startswith(p) for p in node["local_protocols"]):
                return f"`{path}` depends on `{name}` at the local path `{spec}`, which is source, not a manifest"
    return ""


def _workspace_patterns(package: dict[str, Any], project: Project, folder: str, tool: str) -> tuple[list[str], str]:
    patterns: list[str] = []
    workspaces = package.get("workspaces")
    if isinstance(workspaces, dict):
        workspaces = workspaces.get("packages")
    if isinstance(workspaces, list):
        patterns.extend(w for w in workspaces if isinstance(w, str))
    elif workspaces is not None:
        return [], "cannot read the `workspaces` field of package.json"
    if tool == "pnpm":
        text = project.read(_in(folder, "pnpm-workspace.yaml"))
        if text is not None:
            found, ok = _yaml_list(text, "packages")
            if not ok:
                return [], "cannot read the `packages` list of pnpm-workspace.yaml"
            patterns.extend(found)
    return patterns, ""


def _yaml_list(text: str, key: str) -> tuple[list[str], bool]:
    """The items of a top-level block list `key:` in simple YAML (the shape pnpm documents)."""
    items: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if not line[0].isspace():
            inside = stripped == f"{key}:"
            if stripped.startswith(f"{key}:") and stripped != f"{key}:":
                return [], False
            continue
        if inside:
            m = re.match(r"\s*-\s*(['\"]?)(.+?)\1\s*$", stripped)
            if not m:
                return [], False
            items.append(m.group(2))
    return items, True


def _workspace_members(project: Project, folder: str, patterns: list[str]) -> tuple[list[str], str]:
    """package.json of every workspace member, or why they cannot be found."""
    members: list[str] = []
    for pattern in patterns:
        if pattern.startswith("!"):
            return [], f"workspace pattern `{pattern}` (negation) is not supported"
        pattern = pattern.strip("/").removeprefix("./")
        found = [m for m in project.under(folder, pattern.rstrip("/") + "/package.json")]
        if not found:
            return [], f"workspace `{pattern}` has no package.json in the build context: its members' manifests are missing"
        members.extend(found)
    return sorted(set(members)), ""


def _node(command: Command, words: list[str], project: Project, tool: str, env: dict[str, str | None]) -> Plan:
    """npm ci / npm install, yarn [install], pnpm install."""
    data = _data()
    folder = project.folder()
    if folder is None:
        return Plan("source", tool, decline=project.outside())
    args = words[1:]
    if tool == "yarn" and args and args[0] == "install":
        args = args[1:]
    elif tool in ("npm", "pnpm"):
        args = args[1:]
    spec_name = tool
    if tool == "yarn" and (project.is_file(_in(folder, ".yarnrc.yml")) or project.is_file(_in(folder, ".yarn/releases"))):
        spec_name = "yarn_berry"
    spec = data[spec_name]
    value_options = set(spec.get("value_options", [])) | set(data["npm"]["value_options"])
    options, positionals = _options(args, value_options)
    names = [name for name, _ in options]
    if "-g" in names or "--global" in names or "--location=global" in names:
        return Plan("free", tool) if _touches_only_image(command, words, project) else Plan("source", tool)
    if positionals:
        return Plan("source", tool)  # `npm install express`: adds a package, edits package.json
    package, why = _package_json(project, folder)
    if package is None:
        return Plan("source", tool, decline=why)
    if spec_name == "yarn_berry" and project.exists(_in(folder, ".yarn/cache")):
        return Plan("source", tool, decline="`.yarn/cache` is in the build context (zero-installs): the install reads the whole cache")
    files, why = _manifest_files(project, folder, spec, tool)
    if why:
        return Plan("source", tool, decline=why)
    ignore_scripts = "--ignore-scripts" in names
    why = _node_package_checks(package, _in(folder, "package.json"), ignore_scripts)
    patterns, why2 = _workspace_patterns(package, project, folder, tool)
    why = why or why2
    if why:
        return Plan("source", tool, decline=why)
    plan = Plan("install", tool)
    outputs = list(spec["outputs"])
    if patterns:
        members, why = _workspace_members(project, folder, patterns)
        if why:
            return Plan("source", tool, decline=why)
        for member in members:
            member_package, why = _package_json(project, str(PurePosixPath(member).parent))
            why = why or _node_package_checks(member_package or {}, member, ignore_scripts)
            if why:
                return Plan("source", tool, decline=why)
            member_folder = str(PurePosixPath(member).parent)
            outputs.append(_relative(member_folder, folder) + "/node_modules")
            if (member_package or {}).get("bin"):
                plan = _cap(plan, Applicability.UNSAFE, f"`{member}` declares `bin` files, which the install links before the source copy brings them.")
        files.extend(members)
    if tool == "pnpm" and project.is_file(_in(folder, ".pnpmfile.cjs")):
        plan = _cap(plan, Applicability.UNSAFE, "`.pnpmfile.cjs` hooks run during the install and may read other files.")
    workspace_yaml = project.read(_in(folder, "pnpm-workspace.yaml")) or "" if tool == "pnpm" else ""
    if "patchedDependencies" in json.dumps(package.get("pnpm", {})) + workspace_yaml:
        return Plan("source", tool, decline="`patchedDependencies` reads patch files that are not copied")
    why = _config_paths(project, files)
    if why:
        return Plan("source", tool, decline=why)
    why = _outputs_in_context(project, folder, outputs, tool)
    if why:
        return Plan("source", tool, decline=why)
    locked = _has_lock(project, folder, spec)
    subcommand = words[1] if len(words) > 1 and tool != "yarn" else "install"
    if tool == "npm" and subcommand in data["npm"]["clean_subcommands"]:
        if not locked:
            return Plan("source", tool, decline="`npm ci` needs package-lock.json or npm-shrinkwrap.json, which is not in the build context")
    elif not _frozen(args, spec, env, [a.text for a in command.assignments]):
        plan = _cap(
            plan,
            Applicability.UNSAFE,
            f"`{tool} install` without a frozen lock file may rewrite the lock file; the source copy then puts the "
            "context's version back, so the image's lock file can differ from the installed packages "
            f"(use {'`npm ci`' if tool == 'npm' else '/'.join(f'`{f}`' for f in spec.get('frozen', []))} to make it safe).",
        )
    return plan._replace(files=tuple(dict.fromkeys(files)))


_CONFIG_FILES = (".npmrc", ".yarnrc", ".yarnrc.yml")


def _config_paths(project: Project, files: list[str]) -> str:
    """Why a package-manager configuration file makes the install read other project files (`cafile=./ca.pem`)."""
    for path in files:
        name = PurePosixPath(path).name
        if name not in _CONFIG_FILES:
            continue
        for raw in (project.read(path) or "").splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith(";"):
                continue
            separator = {".npmrc": "=", ".yarnrc.yml": ":"}.get(name)
            key, _, value = line.partition(separator) if separator else line.partition(" ")
            key, value = key.strip(), value.strip().strip("'\"")
            if key == "yarnPath" or not value or _REMOTE.match(value) or value.startswith("$"):
                continue  # the pinned release is copied with .yarn/releases; URLs and variables read nothing here
            relative = value.startswith(("./", "../"))
            if relative or (value.startswith("/") and project.context_path(value) is not None):
                return f"`{path}` sets `{key}` to `{value}`, a file of the project that is not a manifest"
    return ""


def _relative(path: str, folder: str) -> str:
    return str(PurePosixPath(path).relative_to(folder)) if folder else path


def _python_project(tool: str, command: Command, words: list[str], project: Project, env: dict[str, str | None]) -> Plan:
    """poetry install, uv sync, pipenv install / sync."""
    data = _data()[tool]
    folder = project.folder()
    if folder is None:
        return Plan("source", tool, decline=project.outside())
    args = words[2:]
    options, positionals = _options(args, {"--only", "--with", "--without", "-E", "--extras", "--group", "--extra", "-p", "--python", "--package", "--no-install-package"})
    if positionals:
        return Plan("source", tool)  # `pipenv install flask`: adds a package
    files, why = _manifest_files(project, folder, data, tool)
    if why:
        return Plan("source", tool, decline=why)
    manifest = project.read(files[0]) or ""
    path_dep = _python_path_dependency(tool, manifest)
    if path_dep:
        return Plan("source", tool, decline=f"`{files[0]}` has the path dependency `{path_dep}`, which is source, not a manifest")
    why = _outputs_in_context(project, folder, data["outputs"], tool)
    if why:
        return Plan("source", tool, decline=why)
    values = [w for w in args]
    locked = _has_lock(project, folder, data)
    plan = Plan("install", tool, files=tuple(files))
    if tool == "pipenv":
        if not locked or not _frozen(values, data, env, [a.text for a in command.assignments]):
            if words[1] != "sync":
                plan = _cap(plan, Applicability.UNSAFE, "`pipenv install` without `--deploy` may write Pipfile.lock, which the source copy then replaces.")
        return plan
    deps_only = data["deps_only"]
    has_deps_only = all(flag in values for flag in deps_only)
    if tool == "poetry" and re.search(r"(?m)^\s*package-mode\s*=\s*false\b", manifest):
        has_deps_only = True
    if tool == "uv" and re.search(r"(?m)^\s*\[tool\.uv\.workspace\]", manifest):
        return Plan("source", tool, decline=f"`{files[0]}` defines a uv workspace; its members' sources are installed too")
    if not locked:
        plan = _cap(plan, Applicability.UNSAFE, f"there is no lock file, so `{tool}` resolves and writes one; the source copy then replaces it.")
    if tool == "uv" and not _frozen(values, data, env, [a.text for a in command.assignments]):
        plan = _cap(plan, Applicability.UNSAFE, "`uv sync` without `--frozen` or `--locked` may update uv.lock; the source copy then replaces it.")
    if tool == "poetry":
        plan = _cap(plan, Applicability.UNSAFE, "poetry validates all of pyproject.toml (readme, packages) in some versions, which may need files that are not copied.")
    if has_deps_only:
        return plan
    text = " ".join(_shell_quote(w) for w in words) + " " + " ".join(deps_only)
    return plan._replace(kind="build", prefetch=text)


def _python_path_dependency(tool: str, manifest: str) -> str:
    patterns = {
        "poetry": r"(?m)^(\S+)\s*=\s*\{[^}\n]*\bpath\s*=\s*['\"]([^'\"]+)",
        "uv": r"(?m)^(\S+)\s*=\s*\{[^}\n]*\b(?:path|workspace)\s*=\s*['\"]?([^'\",}]+)",
        "pipenv": r"(?m)^(\S+)\s*=\s*\{[^}\n]*\b(?:path|file)\s*=\s*['\"]([^'\"]+)",
    }
    m = re.search(patterns[tool], manifest)
    return f"{m.group(1)} = {{ path = \"{m.group(2)}\" }}" if m else ""


_SAFE_WORD = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")


def _shell_quote(word: str) -> str:
    return word if _SAFE_WORD.match(word) else "'" + word.replace("'", "'\"'\"'") + "'"


def _go(command: Command, words: list[str], project: Project) -> Plan:
    data = _data()["go"]
    sub = words[1] if len(words) > 1 else ""
    is_download = sub == "mod" and len(words) > 2 and words[2] == "download"
    targets = [w for w in words[2:] if not w.startswith("-")]
    if sub == "install" and targets and all("@" in t for t in targets):
        return Plan("free", "go")  # `go install pkg@version` ignores the current module
    if not is_download and sub not in data["build_subcommands"]:
        return Plan("source", "go") if sub not in ("env", "version", "telemetry") else Plan("free", "go")
    folder = project.folder()
    if folder is None:
        return Plan("source", "go", decline=project.outside())
    module = folder
    while not project.is_file(_in(module, "go.mod")):
        if not module:
            return Plan("source", "go", decline="there is no go.mod in the copied folder") if is_download else Plan("source", "go")
        module = str(PurePosixPath(module).parent)
        module = "" if module == "." else module
    if project.exists(_in(module, "go.work")):
        return Plan("source", "go", decline="go.work makes this a workspace: `go mod download` reads every member module")
    if project.is_file(_in(module, "vendor/modules.txt")):
        return Plan("source", "go", decline="the module is vendored (vendor/modules.txt): the build downloads nothing") if is_download else Plan("source", "go")
    gomod = project.read(_in(module, "go.mod")) or ""
    local = re.search(r"=>\s*(\.{1,2}/\S*|/\S+)", gomod)
    if local:
        return Plan("source", "go", decline=f"go.mod replaces a module with the local path `{local.group(1)}`, which is source")
    files = [_in(module, "go.mod")] + ([_in(module, "go.sum")] if project.is_file(_in(module, "go.sum")) else [])
    if is_download:
        return Plan("install", "go", files=tuple(files))
    return Plan(
        "build", "go", files=tuple(files), applicability=Applicability.UNSAFE, prefetch=data["prefetch"],
        note="`go mod download` fetches every module in go.mod, which can be more than the build needed, so the module cache in the image may be larger.",
    )


def _maven(command: Command, words: list[str], project: Project) -> Plan:
    data = _data()["maven"]
    options, goals = _options(words[1:], set(data["value_options"]))
    launcher = words[0]
    if data["prefetch_goal"] in goals or "dependency:resolve" in goals:
        kind = "install"
    elif any(g in data["build_goals"] for g in goals):
        kind = "build"
    else:
        return Plan("source", "maven")
    folder = project.folder()
    if folder is None:
        return Plan("source", "maven", decline=project.outside())
    pom = _in(folder, "pom.xml")
    for name, value in options:
        if name in ("-f", "--file") and value:
            pom = project.context_path(value) or ""
            if project.exists(pom) and not project.is_file(pom):
                pom = _in(pom, "pom.xml")
    if not project.is_file(pom):
        return Plan("source", "maven", decline=f"`{pom}` is not in the build context")
    files, why = _maven_modules(project, pom, set())
    if why:
        return Plan("source", "maven", decline=why)
    root = str(PurePosixPath(pom).parent)
    root = "" if root == "." else root
    for name in data["optional"]:
        if project.is_file(_in(root, name)):
            files.append(_in(root, name))
    for name, value in options:
        if name in ("-s", "--settings", "-gs", "--global-settings", "-t", "--toolchains") and value:
            path = project.context_path(value)
            if path is None or not project.is_file(path):
                continue  # a file of the image, not the context
            files.append(path)
    if launcher.startswith("./") and not project.is_file(_in(folder, launcher[2:])):
        return Plan("source", "maven", decline=f"`{launcher}` is not in the build context")
    why = _outputs_in_context(project, root, data["outputs"], "maven")
    if why:
        return Plan("source", "maven", decline=why)
    note = "maven plugins and the dependency plugin resolve differently: `dependency:go-offline` may miss artifacts the build fetches later, or fetch more."
    if kind == "install":
        return Plan("install", "maven", files=tuple(files), applicability=Applicability.UNSAFE, note=note)
    kept = _option_words(words[1:], set(data["value_options"]), ("-o", "--offline", "-pl", "--projects", "-rf", "--resume-from"))
    prefetch = " ".join([_shell_quote(launcher), *map(_shell_quote, kept), data["prefetch_goal"]])
    return Plan("build", "maven", files=tuple(files), applicability=Applicability.UNSAFE, note=note, prefetch=prefetch)


def _option_words(words: list[str], value_options: set[str], drop: tuple[str, ...] = ()) -> list[str]:
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


def _maven_modules(project: Project, pom: str, seen: set[str]) -> tuple[list[str], str]:
    if pom in seen:
        return [], ""
    seen.add(pom)
    text = project.read(pom)
    if text is None:
        return [], f"module pom `{pom}` is not in the build context: a module's manifest is missing"
    folder = str(PurePosixPath(pom).parent)
    folder = "" if folder == "." else folder
    files = [pom]
    parent = re.search(r"<parent>.*?<relativePath>\s*([^<\s]+)\s*</relativePath>.*?</parent>", text, re.S)
    if parent and parent.group(1).strip():
        rel = _normpath(_in(folder, parent.group(1)))
        if rel.startswith(".."):
            return [], f"`{pom}` has a parent pom outside the copied folder"
        if project.exists(rel) and not project.is_file(rel):
            rel = _in(rel, "pom.xml")
        if project.is_file(rel) and rel not in seen:
            files.append(rel)
    for module in re.findall(r"<module>\s*([^<\s]+)\s*</module>", text):
        path = _normpath(_in(folder, module))
        if not path.endswith(".xml"):
            path = _in(path, "pom.xml")
        more, why = _maven_modules(project, path, seen)
        if why:
            return [], why
        files.extend(more)
    return files, ""


def _gradle(command: Command, words: list[str], project: Project) -> Plan:
    data = _data()["gradle"]
    options, tasks = _options(words[1:], set(data["value_options"]))
    launcher = words[0]
    if not any(t.split(":")[-1] in data["build_tasks"] for t in tasks):
        return Plan("source", "gradle")
    folder = project.folder()
    if folder is None:
        return Plan("source", "gradle", decline=project.outside())
    if any(name in ("-p", "--project-dir", "-c", "--settings-file", "-b", "--build-file") for name, _ in options):
        return Plan("source", "gradle", decline="a custom project dir or build file is not followed")
    if project.exists(_in(folder, "buildSrc")):
        return Plan("source", "gradle", decline="`buildSrc` is source code compiled before any dependency is resolved")
    files = [_in(folder, n) for n in data["optional"] if project.is_file(_in(folder, n))]
    if not any(PurePosixPath(f).name.startswith(("settings.gradle", "build.gradle")) for f in files):
        return Plan("source", "gradle", decline=f"no settings.gradle or build.gradle in `{folder or '.'}`")
    for f in files:
        if PurePosixPath(f).name.startswith("settings.gradle") and "includeBuild" in (project.read(f) or ""):
            return Plan("source", "gradle", decline="settings.gradle includes another build (`includeBuild`), which is source")
    if launcher.startswith("./") and not project.is_file(_in(folder, launcher[2:])):
        return Plan("source", "gradle", decline=f"`{launcher}` is not in the build context")
    for pattern in ("**/build.gradle", "**/build.gradle.kts"):
        files.extend(f for f in project.under(folder, pattern) if f not in files)
    why = _outputs_in_context(project, folder, data["outputs"], "gradle")
    if why:
        return Plan("source", "gradle", decline=why)
    kept = _option_words(words[1:], set(data["value_options"]), ("-x", "--exclude-task", "--offline", "--continuous", "-t"))
    prefetch = " ".join([_shell_quote(launcher), *map(_shell_quote, kept), data["prefetch_task"]])
    return Plan(
        "build", "gradle", files=tuple(files), applicability=Applicability.UNSAFE, prefetch=prefetch,
        note="`gradle dependencies` resolves the root project's configurations only; subprojects and plugins may still download during the build.",
    )


def _dotnet(command: Command, words: list[str], project: Project) -> Plan:
    data = _data()["dotnet"]
    sub = words[1] if len(words) > 1 else ""
    if sub == "restore":
        kind = "install"
    elif sub in data["build_subcommands"]:
        kind = "build"
    else:
        return Plan("source", "dotnet")  # (`dotnet tool`, `--info`... are free: see meta.free_subcommands)
    args = words[2:]
    options, positionals = _options(args, set(data["value_options"]))
    if "--no-restore" in [n for n, _ in options]:
        return Plan("source", "dotnet")
    folder = project.folder()
    if folder is None:
        return Plan("source", "dotnet", decline=project.outside())
    root = project.source
    files: list[str] = []
    for pattern in data["project_globs"]:
        files.extend(project.under(root, pattern))
    if not files:
        return Plan("source", "dotnet", decline="no project or solution file in the copied folder")
    for pattern in data["optional_globs"]:
        files.extend(project.under(root, pattern))
    for directory in sorted({str(PurePosixPath(f).parent) for f in files}):
        for out in data["outputs"]:
            path = _in("" if directory == "." else directory, out)
            if project.exists(path):
                return Plan("source", "dotnet", decline=f"`{path}` is in the build context and not in .dockerignore: the source copy would overwrite what `dotnet restore` wrote (add `**/bin` and `**/obj` to .dockerignore)")
    for target in positionals[:1]:
        path = project.context_path(target)
        if path is None or not project.exists(path):
            return Plan("source", "dotnet", decline=f"`{target}` is not in the copied folder")
    note = "MSBuild project files can import any file (`<Import>`, Directory.Build.targets elsewhere); restore may need more than the project files copied."
    if kind == "install":
        return Plan("install", "dotnet", files=tuple(sorted(set(files))), applicability=Applicability.UNSAFE, note=note)
    kept: list[str] = []
    restore = set(data["restore_options"])
    for name, value in options:
        base = name.split("=")[0]
        if base in restore or base.startswith(("-p:", "/p:", "--property:")):
            kept.append(name)
            if value is not None:
                kept.append(value)
    prefetch = " ".join([_shell_quote(words[0]), "restore", *map(_shell_quote, positionals[:1]), *map(_shell_quote, kept)])
    return Plan("build", "dotnet", files=tuple(sorted(set(files))), applicability=Applicability.UNSAFE, prefetch=prefetch, note=note)


def _bundler(command: Command, words: list[str], project: Project, env: dict[str, str | None]) -> Plan:
    data = _data()["bundler"]
    if len(words) < 2 or words[1] not in ("install", "i"):
        if len(words) > 2 and words[1] == "config":
            return Plan("free", "bundler") if "--local" not in words else Plan("source", "bundler", decline="`bundle config --local` writes .bundle/config in the project folder")
        return Plan("source", "bundler")
    folder = project.folder()
    if folder is None:
        return Plan("source", "bundler", decline=project.outside())
    options, positionals = _options(words[2:], {"--jobs", "-j", "--retry", "--without", "--with", "--path", "--gemfile", "--binstubs"})
    if positionals or any(n in ("--gemfile", "--path", "--binstubs") for n, _ in options):
        return Plan("source", "bundler", decline="bundle install with a custom Gemfile, path or binstubs is not followed")
    files, why = _manifest_files(project, folder, data, "bundler")
    if why:
        return Plan("source", "bundler", decline=why)
    gemfile = project.read(files[0]) or ""
    code = "\n".join(line.split("#", 1)[0] for line in gemfile.splitlines())
    for marker in data["source_reading"]:
        if marker in code:
            return Plan("source", "bundler", decline=f"the Gemfile uses `{marker.rstrip('.[:')}`, which reads the project's own files")
    why = _outputs_in_context(project, folder, data["outputs"], "bundler")
    if why:
        return Plan("source", "bundler", decline=why)
    plan = Plan("install", "bundler", files=tuple(files))
    if not _has_lock(project, folder, data):
        plan = _cap(plan, Applicability.UNSAFE, "there is no Gemfile.lock, so bundler resolves and writes one; the source copy then replaces it.")
    elif not _frozen(words, data, env, [a.text for a in command.assignments]):
        plan = _cap(plan, Applicability.UNSAFE, "`bundle install` without frozen mode may rewrite Gemfile.lock (platforms, versions); the source copy then puts the context's version back (set BUNDLE_FROZEN=true to make it safe).")
    return plan


def _composer(command: Command, words: list[str], project: Project) -> Plan:
    data = _data()["composer"]
    if len(words) < 2 or words[1] not in ("install", "i"):
        return Plan("source", "composer")
    folder = project.folder()
    if folder is None:
        return Plan("source", "composer", decline=project.outside())
    files, why = _manifest_files(project, folder, data, "composer")
    if why:
        return Plan("source", "composer", decline=why)
    try:
        manifest = json.loads(project.read(files[0]) or "{}")
    except ValueError:
        return Plan("source", "composer", decline="composer.json is not valid JSON")
    repositories = manifest.get("repositories") if isinstance(manifest, dict) else None
    repos = repositories.values() if isinstance(repositories, dict) else (repositories or [])
    if any(isinstance(r, dict) and r.get("type") in ("path", "artifact") for r in repos):
        return Plan("source", "composer", decline="composer.json has a `path` repository, which is source")
    vendor = (manifest.get("config") or {}).get("vendor-dir", "vendor") if isinstance(manifest, dict) else "vendor"
    why = _outputs_in_context(project, folder, [vendor], "composer")
    if why:
        return Plan("source", "composer", decline=why)
    plan = Plan("install", "composer", files=tuple(files))
    note = "composer plugins still run with `--no-scripts`, and the installed set is the same only if composer.lock is present and current."
    plan = _cap(plan, Applicability.UNSAFE, note)
    if all(flag in words for flag in data["deps_only"]):
        return plan
    missing = [f for f in data["deps_only"] if f not in words]
    return plan._replace(kind="build", prefetch=" ".join(_shell_quote(w) for w in words) + " " + " ".join(missing))


def _cargo(command: Command, words: list[str], project: Project) -> Plan:
    data = _data()["cargo"]
    sub = words[1] if len(words) > 1 else ""
    if sub not in data["build_subcommands"]:
        return Plan("source", "cargo")
    folder = project.folder()
    if folder is None or not project.is_file(_in(folder, "Cargo.toml")):
        return Plan("source", "cargo")
    return Plan(
        "source",
        "cargo",
        decline=(
            "cargo cannot fetch or build dependencies from Cargo.toml and Cargo.lock alone: it needs the crate's targets "
            "(src/main.rs or src/lib.rs). Use cargo-chef (`cargo chef prepare` / `cargo chef cook --release`) or copy the "
            "manifests with an empty `src/main.rs` and run `cargo build --release` before `COPY . .`, then touch the real sources."
        ),
    )


_PIP_NAMES = re.compile(r"(pip(\d+(\.\d+)?)?|python(\d+(\.\d+)?)?)\Z")


def _is_venv(words: list[str]) -> bool:
    """`python -m venv /abs/path`: creates a virtual environment, reads nothing of the project."""
    return bool(re.match(r"python(\d+(\.\d+)?)?\Z", words[0])) and words[1:3] == ["-m", "venv"]


def _touches_only_image(command: Command, words: list[str], project: Project) -> bool:
    """True if no argument names a file of the copied folder (or the cwd) and nothing is redirected."""
    if command.span != command.statement_span:
        return False  # timid: a redirection may write into the project
    for word in words[1:]:
        value = word.split("=", 1)[1] if word.startswith("-") and "=" in word else word
        if value.startswith("-") or not value:
            continue
        path = project.context_path(value)
        if value in (".", "./") or (path is not None and ("/" in value or project.exists(path))):
            return False
    return True


def analyse(command: Command, project: Project, env: dict[str, str | None]) -> Plan:
    """What running `command` before the source copy would need (see `Plan`)."""
    name = command.name
    values = [w.value for w in command.words]
    if name is None or any(v is None for v in values):
        return Plan("source")
    words: list[str] = [v for v in values if v is not None]  # words[0] as written: `./mvnw`, `/opt/poetry/bin/poetry`
    data = _data()
    meta = data["meta"]
    if name in meta["context_free_commands"] or _is_venv(words):
        return Plan("free", name) if _touches_only_image(command, words, project) else Plan("source")
    tool = _TOOLS.get(name, "")
    if len(words) > 1 and words[1] in meta["free_subcommands"].get(name, ()):
        required = meta["free_only_with"].get(name)
        if required and not any(w in required for w in words):
            return Plan("source", tool)
        if not any(w in meta["local_flags"] for w in words):
            return Plan("free", tool)
        if name == "bundle" and not project.exists(_in(project.folder() or "", ".bundle")):
            return Plan("free", tool)  # writes .bundle/config, which the source copy does not replace
        return Plan("source", tool)
    if _PIP_NAMES.match(name):
        found = pip_subcommand(command)
        if found is None or found[1] != "install":
            return Plan("source")
        return _pip(command, words, project, found[0] + 1)
    if name == "uv" and len(words) > 2 and words[1] == "pip" and words[2] in data["uv_pip"]["subcommands"]:
        return _pip(command, words, project, 3, "uv pip", env)
    if name == "npm" and len(words) > 1 and words[1] in data["npm"]["install_subcommands"] + data["npm"]["clean_subcommands"]:
        return _node(command, words, project, "npm", env)
    if name == "yarn" and (len(words) == 1 or words[1] == "install" or words[1].startswith("-")) and not {"-v", "--version", "-h", "--help"} & set(words):
        return _node(command, words, project, "yarn", env)
    if name == "pnpm" and len(words) > 1 and words[1] in ("install", "i"):
        return _node(command, words, project, "pnpm", env)
    if name == "poetry" and words[1:2] == ["install"]:
        return _python_project("poetry", command, words, project, env)
    if name == "uv" and words[1:2] == ["sync"]:
        return _python_project("uv", command, words, project, env)
    if name == "pipenv" and words[1:2] in (["install"], ["sync"]):
        return _python_project("pipenv", command, words, project, env)
    if name == "go":
        return _go(command, words, project)
    if name in ("mvn", "mvnw"):
        return _maven(command, words, project)
    if name in ("gradle", "gradlew"):
        return _gradle(command, words, project)
    if name == "dotnet":
        return _dotnet(command, words, project)
    if name == "bundle" or name == "bundler":
        return _bundler(command, words, project, env)
    if name == "composer" or name == "composer.phar":
        return _composer(command, words, project)
    if name == "cargo":
        return _cargo(command, words, project)
    return Plan("source")


# -- finding the pattern ---------------------------------------------------------


class SourceCopy(NamedTuple):
    instruction: Instruction
    source: str
    """Context folder copied ("" for the whole context)."""
    dest: PurePosixPath
    """Absolute destination folder (under `_UNKNOWN_CWD` when relative to an unknown WORKDIR)."""
    dest_text: str
    """The destination word as written (variables kept)."""
    dest_exists: bool
    """The destination folder provably exists before the copy (so the copy does not create it)."""
    flags: str
    relative: bool
    """The destination is relative to the working directory."""


def source_copy(context: FileContext, ins: Instruction) -> SourceCopy | None:
    """The instruction as a copy of the build context or one of its folders; None for anything else."""
    if ins.name not in ("COPY", "ADD") or ins.heredocs or context.build_context is None:
        return None
    if any(f.name not in _COPY_FLAGS for f in ins.flags):
        return None  # timid: --from, --exclude, --parents, --checksum...
    words = ins.words()
    if len(words) != 2:
        return None  # timid: several sources
    values = [context.expand(w.text, ins) if ins.json is None else w.text for w in words]
    if any(v is None for v in values):
        return None
    src, dest = values[0] or "", values[1] or ""
    if _URL.match(src) or any(c in src for c in "*?[") or not dest:
        return None
    source = _normpath(src.lstrip("/") if src.startswith("/") else src)
    source = "" if source == "." else source
    if source.startswith(".."):
        return None
    build = context.build_context
    if source and (not build.exists(source) or build.is_file(source)):
        return None
    workdir = context.workdir_at(ins)
    if dest.startswith("/"):
        absolute = PurePosixPath(_normpath(dest))
    else:
        absolute = PurePosixPath(_normpath(str(PurePosixPath(workdir or _UNKNOWN_CWD) / dest)))
    base = PurePosixPath(workdir) if workdir else _UNKNOWN_CWD
    # WORKDIR created the working directory and its parents; `/` always exists.
    exists = absolute == PurePosixPath("/") or absolute == base or absolute in base.parents
    flags = " ".join(context.slice(f.span) for f in ins.flags)
    if ins.json is not None and not _SAFE_WORD.match(words[1].text):
        return None  # timid: a JSON destination that would need quoting in shell form
    dest_text = words[1].text
    return SourceCopy(ins, source, absolute, dest_text, exists, flags, not dest.startswith("/"))


class Candidate:
    """A source copy and the first RUN after it that needs the project."""

    __slots__ = ("copy", "run", "script", "between", "present")

    def __init__(
        self, copy: SourceCopy, run: Instruction, script: ShellScript, between: tuple[Instruction, ...] = (), present: frozenset[str] = frozenset()
    ) -> None:
        self.copy = copy
        self.run = run
        self.script = script
        self.present = present
        """Manifests an earlier COPY already put in place (`_already_copied`): not copied again."""
        self.between = between
        """What lies between the copy and the install: RUNs that read nothing of the project (moved with the
        install) and ENV, ARG, USER, WORKDIR (repeated before it, so the install runs as it did)."""

    @property
    def between_workdir(self) -> Instruction | None:
        return next((i for i in self.between if i.name == "WORKDIR"), None)


_REPEATABLE = frozenset({"ENV", "ARG", "USER"})


def _follow(
    context: FileContext, stage: Stage, copy: SourceCopy
) -> tuple[Instruction | None, tuple[Instruction, ...], Instruction | None]:
    """The first RUN after the copy that needs the project and what lies between them (see
    `Candidate.between`); or, when something else stands in the way, that instruction."""
    between: list[Instruction] = []
    assigned: set[str] = set()
    for ins in (i for i in stage.instructions if i.index > copy.instruction.index):
        if ins.name in _NEUTRAL:
            continue
        if ins.name == "WORKDIR" and not any(i.name == "WORKDIR" for i in between):
            value = context.expand(ins.args.text, ins)
            if value is not None and value.startswith("/"):  # absolute: repeating it is idempotent
                between.append(ins)
                continue
        elif ins.name in _REPEATABLE and _repeatable(context, ins, copy, assigned):
            between.append(ins)
            continue
        elif ins.name == "RUN":
            if copy.dest != PurePosixPath("/") and _free_run(context, copy, ins):
                between.append(ins)
                continue
            return ins, tuple(between), None
        return None, (), ins  # timid: SHELL, COPY, ONBUILD, a second WORKDIR...
    return None, (), None


def _repeatable(context: FileContext, ins: Instruction, copy: SourceCopy, assigned: set[str]) -> bool:
    """True if repeating `ins` before the source copy changes nothing: its values do not depend on what it
    (or an earlier repeated instruction) sets, and the copy does not use what it sets."""
    if ins.name == "USER":
        return True
    names: list[str] = []
    for name, raw in assignments(ins, context.document.escape):
        refs = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", raw or ""))
        if refs & (assigned | {name}):
            return False  # timid: `ENV PATH=$PATH:/x` is not idempotent
        names.append(name)
    used = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", context.slice(copy.instruction.span)))
    if used & set(names):
        return False
    assigned.update(names)
    return True


def _free_run(context: FileContext, copy: SourceCopy, run: Instruction) -> bool:
    """True for a RUN whose every command reads and writes nothing of the project (`pip install poetry`)."""
    script = context.shell(run)
    if script is None or run.heredocs or any(f.name == "mount" for f in run.flags):
        return False
    chain = _chain(script)
    if chain is None or any(c is None for c in chain[1]):
        return False
    project = Project(context.build_context, copy.source, copy.dest, PurePosixPath(context.workdir_at(run) or _UNKNOWN_CWD))  # type: ignore[arg-type]
    env = context.env_at(run)
    return all(analyse(c, project, env).kind == "free" for c in chain[1] if c is not None)


def _install_tool(context: FileContext, run: Instruction) -> str:
    script = context.shell(run)
    return next((t for t in map(_tool_of, script.commands) if t), "") if script is not None else ""


# -- the rules ---------------------------------------------------------------------


def _manifests_copied_before(context: FileContext, stage: Stage, copy: Instruction) -> bool:
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
    names: set[str] = {"requirements*.txt", "*.csproj", "*.fsproj", "*.sln"}
    for key, spec in _data().items():
        if isinstance(spec, dict) and key != "meta":
            names.update(n for n in spec.get("manifests", []) + spec.get("locks", []) if "/" not in n)
    return tuple(sorted(names))


def _already_fetched(context: FileContext, stage: Stage, copy: SourceCopy, tool: str) -> bool:
    """True if a RUN before the source copy already installs with this package manager (the file is ordered).

    Commands that read nothing of the project do not count: `pip install uv` or `npm config set ...` before
    the copy say nothing about the install after it.  pip and `uv pip` count as one.  For cargo, anywhere in
    the file: cargo-chef and `cargo fetch` recipes live in their own stages."""
    if tool == "cargo" and re.search(r"cargo[ \t]+(chef|fetch)\b", context.text):
        return True
    make = _project_for(context, copy)
    for ins in stage.instructions:
        if ins.index >= copy.instruction.index:
            break
        if ins.name != "RUN":
            continue
        script = context.shell(ins)
        if script is None:
            continue
        project = make(PurePosixPath(context.workdir_at(ins) or _UNKNOWN_CWD))
        env = context.env_at(ins)
        for command in script.commands:
            if _family(_tool_of(command)) == _family(tool) and analyse(command, project, env).kind != "free":
                return True
    return False


def _family(tool: str) -> str:
    return "pip" if tool == "uv pip" else tool


_TOOLS = {
    "npm": "npm", "yarn": "yarn", "pnpm": "pnpm", "poetry": "poetry", "uv": "uv", "pipenv": "pipenv",
    "go": "go", "mvn": "maven", "mvnw": "maven", "gradle": "gradle", "gradlew": "gradle", "dotnet": "dotnet",
    "bundle": "bundler", "bundler": "bundler", "composer": "composer", "composer.phar": "composer", "cargo": "cargo",
}


def _tool_of(command: Command) -> str:
    name = command.name or ""
    if _PIP_NAMES.match(name):
        found = pip_subcommand(command)
        return "pip" if found and found[1] == "install" else ""
    if name == "uv" and [w.value for w in command.words[1:2]] == ["pip"] and len(command.words) > 2 and command.words[2].value in _data()["uv_pip"]["subcommands"]:
        return "uv pip"
    return _TOOLS.get(name, "")


class Split(NamedTuple):
    """How the RUN divides: items [0, cut) go before the copy, the rest stays."""

    items: tuple[tuple[Span, str], ...]
    commands: tuple[Command | None, ...]
    cut: int
    plans: tuple[Plan, ...]
    prefetch: Plan | None
    repeat: tuple[int, ...]
    """Indexes of moved items (`cd`, `export`, `set`) repeated at the head of what stays."""


def _chain(script: ShellScript) -> tuple[tuple[tuple[Span, str], ...], tuple[Command | None, ...]] | None:
    """The `&&` chain of a one-statement script, with the simple command of each item; None otherwise."""
    statements = script.statements()
    if len(statements) != 1 or script.has_errors:
        return None  # timid: `;`/newline lists change failure semantics when split
    items = statements[0].and_or
    if any(op not in ("", "&&") for _, op in items):
        return None
    commands: list[Command | None] = []
    for span, _ in items:
        found = [c for c in script.commands if c.span == span or c.statement_span == span]
        commands.append(found[0] if len(found) == 1 else None)
    return tuple(items), tuple(commands)


_NOT_A_CHAIN = (
    "the install is not part of a plain `&&` chain (`;`, `||`, `if`, a pipeline...), which cannot be split "
    "without changing what happens when a command fails"
)


def _chain_env(command: Command, env: dict[str, str | None]) -> dict[str, str | None]:
    """The environment later commands of the chain see: `bundle config set frozen true` acts like BUNDLE_FROZEN."""
    values = [v for v in command.arg_values() if v not in ("set", "--local", "--global")]
    if command.name in ("bundle", "bundler") and len(values) >= 3 and values[0] == "config":
        key, value = values[1], values[2]
        if key in ("frozen", "deployment") and value in ("true", "1"):
            return {**env, f"BUNDLE_{key.upper()}": value}
    return env


def _split(context: FileContext, candidate: Candidate, project_for: Callable[[PurePosixPath], Project]) -> Split | Plan | None:
    """Divide the RUN's chain; a declining `Plan` when the install cannot move; None when there is no install."""
    chain = _chain(candidate.script)
    if chain is None:
        tool = _install_tool(context, candidate.run)
        if not tool:
            return None
        return Plan("source", tool, decline=_NOT_A_CHAIN)
    items, commands = chain
    env = context.env_at(candidate.run)
    cwd = PurePosixPath(context.workdir_at(candidate.run) or _UNKNOWN_CWD)
    data = _data()["meta"]
    plans: list[Plan] = []
    repeat: list[int] = []
    compound = ""
    for index, command in enumerate(commands):
        if command is None:  # a pipeline, subshell, `if`...: timid, unless it holds no install at all
            span = items[index][0]
            compound = next((t for c in candidate.script.commands if span.contains(c.span) for t in [_tool_of(c)] if t), "")
            break
        if command.name in data["repeat_in_remainder"]:
            if command.name == "cd":
                values = command.arg_values()
                if len(values) != 1 or values[0] is None or values[0] == "-":
                    break
                cwd = PurePosixPath(_normpath(str(cwd / values[0])))
            elif command.name == "set" and not all(v and v.startswith(("-", "+")) for v in command.arg_values()):
                break
            elif command.name in (".", "source"):
                values = command.arg_values()
                if len(values) != 1 or values[0] is None or not values[0].startswith("/"):
                    break
                if project_for(cwd).context_path(values[0]) is not None:
                    break  # timid: it reads a file of the copy (`. ./env.sh`)
            elif command.name == "export" and any(v is None for v in command.arg_values()):
                break
            repeat.append(index)
            plans.append(Plan("free", command.name or "", cwd=cwd))
            continue
        plan = analyse(command, project_for(cwd), env)
        env = _chain_env(command, env)
        plans.append(plan._replace(cwd=cwd))
        if plan.kind != "free" and plan.kind != "install":
            break
    cut = 0
    while cut < len(plans) and plans[cut].kind in ("free", "install"):
        cut += 1
    prefetch = plans[cut] if cut < len(plans) and plans[cut].kind == "build" else None
    moved = plans[:cut]
    if prefetch is not None and any(p.tool == prefetch.tool and p.kind == "install" for p in moved):
        prefetch = None  # `go mod download && go build`: the download already moves
    if prefetch is not None and commands[cut] is not None and commands[cut].assignments:  # type: ignore[union-attr]
        prefix = " ".join(a.text for a in commands[cut].assignments)  # type: ignore[union-attr]
        prefetch = prefetch._replace(prefetch=f"{prefix} {prefetch.prefetch}")  # `GOPROXY=... go build`
    if prefetch is not None:
        prefetch = _cap(prefetch, Applicability.UNSAFE, "The dependency-only command is new: it runs before the source copy and the original command still runs after it.")
    if not any(p.kind == "install" for p in moved) and prefetch is None:
        if compound and cut == len(plans):
            return Plan("source", compound, decline=_NOT_A_CHAIN)
        declined = plans[cut] if cut < len(plans) else None
        if declined is not None and declined.decline:
            return declined
        return None
    # An item repeated in the remainder must not sit after an install (it would run twice in one order).
    return Split(items, commands, cut, tuple(moved), prefetch, tuple(i for i in repeat if i < cut))


def _newline(context: FileContext, ins: Instruction) -> str:
    text = context.text
    end = ins.span.end
    return "\r\n" if end >= 2 and text[end - 2 : end] == "\r\n" else "\n"


def _indent(context: FileContext, ins: Instruction) -> str:
    text = context.text
    start = ins.span.start
    i = start
    while i < len(text) and text[i] in " \t":
        i += 1
    return text[start:i]


def _copy_lines(copy: SourceCopy, files: list[str]) -> list[str]:
    """`COPY` instructions putting each manifest where the source copy would, grouped by folder."""
    groups: dict[str, list[str]] = {}
    for path in files:
        rel = path[len(copy.source) + 1 :] if copy.source else path
        folder = str(PurePosixPath(rel).parent)
        groups.setdefault("" if folder == "." else folder, []).append(path)
    lines = []
    flags = (copy.flags + " ") if copy.flags else ""
    for folder, paths in sorted(groups.items(), key=lambda kv: (kv[0] != "", kv[0])):
        dest = copy.dest_text.rstrip("/")
        if dest in (".", "./", ""):
            target = f"{folder}/" if folder else "./"
        else:
            target = f"{dest}/{folder}/" if folder else f"{dest}/"
        lines.append(f"COPY {flags}{' '.join(paths)} {target}")
    return lines


def _already_copied(context: FileContext, stage: Stage, copy: SourceCopy) -> set[str]:
    """Context files an earlier COPY of the stage already put exactly where the source copy puts them, with
    the same flags, and that nothing since may have changed (only RUNs that touch nothing of the project,
    and metadata): `COPY go.mod go.sum ./` with no `go mod download` after it needs no second copy."""
    copied: set[str] = set()
    for ins in stage.instructions:
        if ins.index >= copy.instruction.index:
            break
        if ins.name == "RUN" and not _free_run(context, copy, ins):
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
    if " ".join(context.slice(f.span) for f in ins.flags) != copy.flags or any(f.name not in _COPY_FLAGS for f in ins.flags):
        return None
    values = [context.expand(w.text, ins) for w in words]
    if any(v is None or any(c in v for c in "*?[") or _URL.match(v) for v in values):
        return None
    *sources, dest = [v for v in values if v is not None]
    workdir = context.workdir_at(ins)
    if not (dest.endswith("/") or dest in (".", "./")) or (not dest.startswith("/") and workdir is None):
        return None  # timid: `COPY a.txt b.txt` may rename; a folder only the base image knows
    folder = PurePosixPath(_normpath(dest if dest.startswith("/") else f"{workdir}/{dest}"))
    project = Project(build, copy.source, copy.dest, folder)
    files = {_normpath(source.lstrip("/")) for source in sources}
    if not all(build.is_file(f) and project.context_path(PurePosixPath(f).name) == f for f in files):
        return None
    return files


def _plan_edits(context: FileContext, candidate: Candidate, split: Split) -> tuple[list[Edit], Applicability, str, list[str]]:
    """The edits of the reorder, its applicability and note, and the files copied."""
    copy, run = candidate.copy, candidate.run
    newline, indent = _newline(context, copy.instruction), _indent(context, copy.instruction)
    plans = list(split.plans) + ([split.prefetch] if split.prefetch is not None else [])
    files: list[str] = []
    for plan in plans:
        files.extend(f for f in plan.files if f not in files)
    applicability = min([Applicability.SAFE, *(p.applicability for p in plans)])
    notes = [p.note for p in plans if p.note]
    to_copy = [f for f in files if f not in candidate.present]
    if not copy.dest_exists and to_copy:  # (with nothing to copy, the earlier manifest copy made the folder)
        applicability = min(applicability, Applicability.UNSAFE)
        notes.append(
            "The manifest copy now creates the destination folder, not the source copy, so the folder's permissions and owner "
            "may differ (add a WORKDIR for it first to make this safe)."
        )
    # Sub-folders the manifest copy creates are fine: when the source copy
    # meets an existing sub-folder it gives it the context's mode, owner and
    # times (tonistiigi/fsutil copy: overwriteTargetMetadata below the root).
    if candidate.between_workdir is not None:
        applicability = min(applicability, Applicability.UNSAFE)
        notes.append("The WORKDIR is repeated before the manifests, so it now creates its folder before the source copy.")
    text = context.text
    items = split.items
    head_parts: list[str] = []
    if split.cut:
        head_parts.append(text[items[0][0].start : items[split.cut - 1][0].end])
    if split.prefetch is not None:
        head_parts.append(split.prefetch.prefetch)
    head = " && ".join(head_parts)
    run_flags = " ".join(context.slice(f.span) for f in run.flags)
    run_line = f"{run.keyword.text} {run_flags + ' ' if run_flags else ''}{head}"
    copy_lines = _copy_lines(copy, to_copy)
    block: list[str] = []
    moved_whole = split.cut == len(items) and split.prefetch is None
    removal = _removal_span(context, run)
    if moved_whole:  # the RUN's own comments travel with it, above the manifest copy
        block.extend(_comment_lines(context, Span(removal.start, run.span.start)))
    for ins in candidate.between:
        if ins.name == "RUN":  # moved, with its comments
            lead = _removal_span(context, ins)
            block.extend(_comment_lines(context, Span(lead.start, ins.span.start)))
            block.append(text[ins.span.start : ins.span.end].rstrip("\r\n").lstrip(" \t"))
        else:  # repeated
            block.append(text[ins.span.start : ins.header_end].lstrip(" \t"))
    copy_keyword = copy.instruction.keyword.text
    block.extend(line.replace("COPY", "COPY" if copy_keyword.isupper() else copy_keyword.lower().replace("add", "copy"), 1) for line in copy_lines)
    block.append(run_line)
    insertion = "".join(f"{indent}{line}{newline}" for line in block)
    start = _leading_comments_start(context, copy.instruction)
    previous = context.text[:start].splitlines(keepends=True)
    if previous and previous[-1].strip() == "":
        insertion += newline
    edits = [Edit.insert(start, insertion)]
    edits.extend(Edit.delete(_removal_span(context, ins)) for ins in candidate.between if ins.name == "RUN")
    if moved_whole:
        edits.append(Edit.delete(removal))
    elif split.cut:
        repeat = "".join(text[items[i][0].start : items[i][0].end] + " && " for i in split.repeat)
        edits.append(Edit.replace(Span(items[0][0].start, items[split.cut][0].start), repeat))
    return edits, applicability, " ".join(notes), to_copy


def _leading_comments_start(context: FileContext, ins: Instruction) -> int:
    """Where the comment lines right above an instruction begin (they describe it, so the block goes above them)."""
    elements = context.document.elements
    position = next(i for i, e in enumerate(elements) if isinstance(e, Instruction) and e.index == ins.index)
    start = ins.span.start
    i = position - 1
    while i >= 0 and isinstance(elements[i], Trivia) and elements[i].kind == "comment":  # type: ignore[union-attr]
        start = elements[i].span.start
        i -= 1
    return start


def _comment_lines(context: FileContext, span: Span) -> list[str]:
    """The comment lines in `span` (the ones right above a RUN that moves), without their indentation."""
    return [line.strip(" \t") for line in context.slice(span).splitlines() if line.strip().startswith("#")]


def _removal_span(context: FileContext, run: Instruction) -> Span:
    """The RUN's lines, with its own comment lines above it and one blank line if it sat between blanks."""
    elements = context.document.elements
    position = next(i for i, e in enumerate(elements) if e is run or (isinstance(e, Instruction) and e.index == run.index))
    start = run.span.start
    i = position - 1
    while i >= 0 and isinstance(elements[i], Trivia) and elements[i].kind == "comment":  # type: ignore[union-attr]
        start = elements[i].span.start
        i -= 1
    before_blank = i >= 0 and isinstance(elements[i], Trivia) and elements[i].kind == "blank"  # type: ignore[union-attr]
    nxt = elements[position + 1] if position + 1 < len(elements) else None
    after_blank = nxt is None or (isinstance(nxt, Trivia) and nxt.kind == "blank")
    if before_blank and after_blank:
        start = elements[i].span.start
    return Span(start, run.span.end)


def _message(copy: SourceCopy, plans: list[Plan], context: FileContext, code: str = "DF101") -> str:
    tool = next((p.tool for p in plans if p.kind in ("install", "build")), "") or (plans[-1].tool if plans else "")
    src = " ".join(context.slice(copy.instruction.header.physical_span).split())
    if len(src) > 60:
        src = src[:57].rstrip() + "..."
    if code == "DF102":
        return f"`{src}` comes before the {tool} step, which downloads every dependency again after any source change"
    return f"`{src}` comes before the {tool} dependency install, so any source change reinstalls every dependency"


def _project_for(context: FileContext, copy: SourceCopy) -> Callable[[PurePosixPath], Project]:
    def make(cwd: PurePosixPath) -> Project:
        return Project(context.build_context, copy.source, copy.dest, cwd)  # type: ignore[arg-type]

    return make


class Finding(NamedTuple):
    """One diagnostic of this pass, before it is attached to DF101 or DF102."""

    code: str
    message: str
    span: Span
    note: str
    edits: tuple[Edit, ...] = ()
    applicability: Applicability = Applicability.SUGGESTION
    title: str = ""


def findings(context: FileContext) -> list[Finding]:
    """Every finding of the pass for a file, computed once per FileContext (both rules read it)."""
    return context.memo(findings, lambda: list(_find(context)))


def _later_install(context: FileContext, stage: Stage, copy: SourceCopy, after: int) -> Instruction | None:  # noqa: C901
    """A later RUN of the stage that installs dependencies from the copied folder."""
    make = _project_for(context, copy)
    for ins in stage.instructions:
        if ins.index <= after or ins.name != "RUN":
            continue
        script = context.shell(ins)
        if script is None:
            continue
        cwd = PurePosixPath(context.workdir_at(ins) or _UNKNOWN_CWD)
        project = make(cwd)
        if project.folder() is None:
            continue
        env = context.env_at(ins)
        for command in script.commands:
            plan = analyse(command, project, env)
            if plan.kind in ("install", "build") or plan.decline:
                return ins
    return None


def _first_words(context: FileContext, ins: Instruction, limit: int = 40) -> str:
    text = " ".join(context.slice(ins.header.physical_span).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _find(context: FileContext) -> Iterator[Finding]:
    for stage in context.document.stages:
        for ins in stage.instructions:
            copy = source_copy(context, ins)
            if copy is not None:
                yield from _find_for_copy(context, stage, copy)


def _find_for_copy(context: FileContext, stage: Stage, copy: SourceCopy) -> Iterator[Finding]:
    at = copy.instruction.keyword.span
    run, between, blocker = _follow(context, stage, copy)
    workdir = next((i for i in between if i.name == "WORKDIR"), None)
    result: Split | Plan | None = None
    script = context.shell(run) if run is not None else None
    if run is not None and script is not None and not run.heredocs:
        if any(f.name == "mount" and f.value and "type=bind" in f.value for f in run.flags):
            return  # timid: a bind mount may bring the source in anyway
        candidate = Candidate(copy, run, script, between)
        result = _split(context, candidate, _project_for(context, copy))
    if result is None:
        # No install in the first RUN: is there one further down, behind other steps?
        stop = run if run is not None else blocker
        later = _later_install(context, stage, copy, stop.index) if stop is not None else None
        if stop is None or later is None:
            return
        tool = _install_tool(context, later)
        if (tool and _already_fetched(context, stage, copy, tool)) or _manifests_copied_before(context, stage, copy.instruction):
            return
        code = "DF102" if tool in ("cargo", "go", "maven", "gradle", "dotnet") else "DF101"
        why = f"`{_first_words(context, stop)}` runs between the copy and the install, and the install may need it"
        yield Finding(code, _message(copy, [Plan("install", tool)], context, code), at, f"Not reordered: {why.rstrip('.')}.")
        return
    if isinstance(result, Plan):
        if result.tool and _already_fetched(context, stage, copy, result.tool):
            return
        code = "DF102" if result.tool == "cargo" else "DF101"
        yield Finding(code, _message(copy, [result], context, code), at, f"Not reordered: {result.decline.rstrip('.')}.")
        return
    plans = list(result.plans) + ([result.prefetch] if result.prefetch is not None else [])
    if any(_already_fetched(context, stage, copy, p.tool) for p in plans if p.kind in ("install", "build")):
        return
    code = "DF102" if result.prefetch is not None else "DF101"
    message = _message(copy, plans, context, code)
    if workdir is not None and (copy.relative or context.workdir_at(run) is None):  # type: ignore[arg-type]
        yield Finding(code, message, at, "Not reordered: a WORKDIR between the copy and the install changes the install's folder, and the copy's destination is relative to the old one.")
        return
    read = [f for p in plans for f in p.files]
    linked = next((f for f in read if _symlinked(context.build_context, f)), None)  # type: ignore[arg-type]
    if linked is not None:
        yield Finding(code, message, at, f"Not reordered: `{linked}` is a symbolic link; copied on its own it could point at a file that is not there yet.")
        return
    odd = next((f for f in read if not _SAFE_WORD.match(f)), None)
    if odd is not None:  # timid: a name that would need quoting or escaping in COPY
        yield Finding(code, message, at, f"Not reordered: the manifest name `{odd}` would need quoting in COPY.")
        return
    present = frozenset(_already_copied(context, stage, copy))
    edits, applicability, note, files = _plan_edits(context, Candidate(copy, run, script, between, present), result)  # type: ignore[arg-type]
    names = ", ".join(PurePosixPath(f).name for f in files[:4]) + ("..." if len(files) > 4 else "")
    action = f"Copy {names} and install dependencies" if files else "Install dependencies"
    title = f"{action} before `{copy.instruction.keyword.text} ... {copy.dest_text}`"
    yield Finding(code, message, at, note, tuple(edits), applicability, title)


def _symlinked(build: BuildContext, path: str) -> bool:
    """True if the context path or one of its folders is a symbolic link (COPY copies the link, not its target)."""
    current = build.root
    for part in PurePosixPath(path).parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def _diagnostics(context: FileContext, own: Rule) -> Iterator[Diagnostic]:
    for finding in findings(context):
        if finding.code != own.code:
            continue
        fix = own.fix(finding.applicability, finding.title, *finding.edits) if finding.edits else None
        yield own.diagnostic(finding.message, finding.span, fix, note=finding.note)


_ORDER = 200


@rule(
    "DF101",
    "source-copied-before-dependency-install",
    summary="dependencies are installed after the whole source is copied, so every source change reinstalls them",
    applicability=Applicability.SAFE,
    hadolint=(),
    order=_ORDER,
)
def source_copied_before_dependency_install(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Moves a dependency install that runs right after `COPY . .` (or a copy of
    the folder holding the manifests) in front of it: the manifests it reads
    are copied first, the install runs, then the rest of the source is copied
    and the rest of the RUN (`npm run build`, `collectstatic`...) runs.

    Covers `pip install -r` (following `-r`/`-c` includes), `uv pip install -r`
    and `uv pip sync` (with the uv.toml, `[tool.uv]` pyproject.toml and
    .python-version uv discovers from its working directory up), `npm
    ci`/`npm install`, `yarn install` (classic and Berry), `pnpm install`,
    `pipenv install`/`sync`, `poetry install --no-root`, `uv sync
    --no-install-project`, `go mod download`, `mvn dependency:go-offline`,
    `dotnet restore`, `bundle install` and `composer install --no-scripts
    --no-autoloader`.  The files copied are exactly those the install reads
    and that exist in the build context and are not excluded by
    `.dockerignore`, less those an earlier `COPY` already put in place with
    nothing since that may change them.  A file counts as already ordered
    only when a RUN before the source copy installs from the project; a tool
    install such as `pip install uv` or `npm config set` does not.

    ## Why is this bad?
    `COPY . .` changes whenever any file of the context changes, and the build
    cache of every later instruction goes with it: each edit to the source
    downloads and installs every dependency again.

    ## Example
    ```dockerfile
    WORKDIR /app
    COPY . .
    RUN pip install --no-cache-dir -r requirements.txt && python manage.py collectstatic --noinput
    ```

    Use instead:
    ```dockerfile
    WORKDIR /app
    COPY requirements.txt ./
    RUN pip install --no-cache-dir -r requirements.txt
    COPY . .
    RUN python manage.py collectstatic --noinput
    ```

    Instructions between the copy and the install are kept working: ENV,
    ARG, USER and an absolute WORKDIR are repeated before the install (only
    when repeating them is idempotent and the copy does not use what they
    set); RUNs that read and write nothing of the project (`pip install
    poetry`, `apt-get install ...`) move with it.  A `cd`, `set` at the head of
    a split chain is repeated in front of the rest; flags of the RUN
    (`--mount=type=cache`...) are kept on both parts; comments above a RUN that
    moves whole move with it.

    ## Fix safety
    Safe when the command is moved unchanged and provably reads only the
    copied manifests: a requirements file with no local paths and no `-e`,
    `npm ci` with a lock file and no install lifecycle scripts, a frozen
    yarn/pnpm/pipenv/bundler install, `go mod download` without local
    `replace`s or go.work; when the copy's destination already exists (a
    WORKDIR made it), because BuildKit gives a destination folder that the
    source copy creates the mode and times of the context's root, while the
    manifest copy would create it with mode 0755 (sub-folders are fine: the
    source copy resets the metadata of folders that already exist below its
    destination); and when nothing the install writes (`node_modules`,
    `.venv`, `vendor`, `obj`) is in the build context, where the source copy
    would overwrite it.  Unsafe when the lock file may be rewritten (the
    source copy then puts the context's version back), for maven, dotnet and
    poetry (which may read more than the manifests), for `uv pip install -r
    pyproject.toml` with static dependencies, and when a WORKDIR is
    repeated (it then creates the folder before the source copy does).
    Declined, with a note saying why, for local path installs (`-e .`,
    `./pkg`, `file:`), `pip install .`, `--target`/`VIRTUAL_ENV` or a `.venv`
    uv would find in the copied folder, uv configuration naming local paths,
    `-r setup.py` or dynamic dependencies, lifecycle scripts, workspaces whose
    member manifests are missing, symbolic-link manifests, an install that is
    not in a plain `&&` chain, and steps between the copy and the install
    that may need the source (`RUN chmod +x entrypoint.sh`, SHELL, COPY).
    """
    yield from _diagnostics(context, source_copied_before_dependency_install)


@rule(
    "DF102",
    "build-fetches-dependencies-after-source-copy",
    summary="a build that downloads its dependencies runs after the whole source is copied",
    applicability=Applicability.UNSAFE,
    order=_ORDER,
)
def build_fetches_dependencies_after_source_copy(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    For build tools that download dependencies while they build (`go build`,
    `mvn package`, `gradle build`, `dotnet publish`, `poetry install`, `uv
    sync`, `composer install`), inserts before `COPY . .` a copy of the
    manifests and the tool's dependency-only command (`go mod download`,
    `mvn dependency:go-offline`, `gradle dependencies`, `dotnet restore`,
    `poetry install --no-root`, `uv sync --no-install-project`, `composer
    install --no-scripts --no-autoloader`); the build itself stays after the
    copy, unchanged.  For cargo it only explains what to do.

    ## Why is this bad?
    Every source change invalidates the build's layer, so all dependencies
    are downloaded again although the manifests did not change.

    ## Example
    ```dockerfile
    WORKDIR /src
    COPY . .
    RUN go build -o /app ./cmd/server
    ```

    Use instead:
    ```dockerfile
    WORKDIR /src
    COPY go.mod go.sum ./
    RUN go mod download
    COPY . .
    RUN go build -o /app ./cmd/server
    ```

    ## Fix safety
    Unsafe: the inserted command is new, and what it downloads is not exactly
    what the build would (`go mod download` fetches every module of go.mod,
    `dependency:go-offline` and `gradle dependencies` may miss plugins, MSBuild
    may import files that are not copied, composer plugins run), so the
    image's caches can differ.  The command after the copy is kept as it was
    (rather than turned into a root-only step such as `poetry install
    --only-root` or `composer dump-autoload`): it installs the project, runs
    the scripts the dependency-only step skipped, and anything the prefetch
    missed, so the result is the original command's.  The same declines as
    DF101 apply (local `replace`s, path dependencies, buildSrc, `bin`/`obj`
    in the context...).  Cargo is a suggestion only: it cannot fetch without
    the crate's targets (use cargo-chef).
    """
    yield from _diagnostics(context, build_fetches_dependencies_after_source_copy)
