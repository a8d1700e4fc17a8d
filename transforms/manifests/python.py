"""Python: pip and `uv pip` (requirement files), poetry, uv sync and pipenv (project manifests)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms._shellfix import pip_subcommand
from transforms.manifests.common import (
    MAX_INCLUDED_FILES,
    REMOTE,
    URL,
    Verbatim,
    Env,
    Plan,
    Project,
    cap,
    committed_locks,
    has_lock,
    in_folder,
    installs,
    is_frozen,
    manifest_files,
    normpath,
    option_words,
    outputs_in_context,
    package_managers,
    parse_options,
    shell_quote,
)
from rewriter.context import toml_loads
from transforms.manifests.python_metadata import declared_dependencies, declared_extras


_REQ_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*(([<>=!~]=?|===?)|;|@|$)")


def _local_requirement(spec: str) -> bool:
    """True for a requirement that names something in the project (a path, `file:`)."""
    spec = spec.strip()
    if "file:" in spec:
        return True
    if URL.match(spec):
        return False
    if "@" in spec and URL.search(spec.split("@", 1)[1].strip()):
        return False
    if _REQ_NAME.match(spec) and "/" not in spec.split(";", 1)[0].split("@", 1)[0]:
        return False
    return True


def requirement_part(line: str) -> str:
    """The requirement of a requirements-file line, without its options, split as pip does
    (`req_file.break_args_options`, pip 25.3): the space-separated words before the first that starts with
    `-`.  On a requirement line pip applies only `--hash` and `--config-settings` and ignores the other
    options (`torch --index-url https://...` installs `torch` from the usual index)."""
    words: list[str] = []
    for token in line.split(" "):
        if token.startswith("-"):
            break
        words.append(token)
    return " ".join(words).strip()


def _requirements(project: Project, path: str, seen: set[str]) -> tuple[list[str], str]:
    """Context files a requirements file reads (itself and its -r/-c includes), or a reason to decline."""
    if path in seen:
        return [], ""
    if len(seen) >= MAX_INCLUDED_FILES:
        return [], f"`{path}` is one of more than {MAX_INCLUDED_FILES} included requirements files"
    seen.add(path)
    text = project.read(path)
    if text is None and project.exists(path):
        return [], f"`{path}` is a folder of the project, not a requirements file"
    if text is None:
        return [], f"`{path}` is not in the build context (or .dockerignore excludes it)"
    data = package_managers()["pip"]
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
            if REMOTE.match(value):
                continue
            included = normpath(in_folder(folder, value))
            if included.startswith(".."):
                return [], f"`{path}` includes `{value}`, outside the copied folder"
            more, why = _requirements(project, included, seen)
            if why:
                return [], why
            files.extend(more)
        elif name in data["local_options"]:
            if name in ("-f", "--find-links") and REMOTE.match(value):
                continue
            return [], f"`{path}` has `{line}`, which installs from the project's own files"
        elif name in data["index_options"] and value and not REMOTE.match(value):
            return [], f"`{path}` has `{line}`, a package index in the project's own files"
        elif head.startswith("-"):
            continue
        elif _local_requirement(requirement_part(line)):
            return [], f"`{path}` installs the local path `{requirement_part(line)}`, which is source, not a manifest"
    return files, ""


def pip_install(command: Command, words: list[str], project: Project, start: int, tool: str = "pip", env: dict[str, str | None] | None = None) -> Plan:
    """pip install, and `uv pip install` / `uv pip sync` (`tool` "uv pip"), which take the same requirement files."""
    data = package_managers()["pip"]
    options, positionals = parse_options(words[start:], set(data["value_options"]))
    if tool == "uv pip" and words[2] == "sync":
        options = [("-r", p) for p in positionals] + options  # `uv pip sync requirements.txt`
        positionals = []
    plan = _pip_install(command, words, project, start, tool, env, options, positionals)
    writes: list[str] | None = []
    for name, value in options:
        if name in data["target_options"]:
            placed = project.written_at(value)
            writes = None if writes is None or placed is None else writes + placed
    return plan._replace(writes=None if writes is None else tuple(writes), user_site=any(name in data["user_options"] for name, _ in options))


def _pip_install(command: Command, words: list[str], project: Project, start: int, tool: str, env: dict[str, str | None] | None, options: list[tuple[str, str | None]], positionals: list[str]) -> Plan:
    data = package_managers()["pip"]
    target = _project_target(options, positionals)
    if target is not None and tool == "pip":
        return _project_dependencies(words, start, options, target, project)
    files: list[str] = []
    seen: set[str] = set()
    reads_files = False
    plan = Plan("install", tool)
    for name, value in options:
        if name in data["requirement_options"] + data["constraint_options"]:
            if value is None:
                return Plan("source", tool, decline="cannot read the requirement file's name")
            if REMOTE.match(value):
                continue
            reads_files = True
            path = project.context_path(value)
            if path is None:
                return Plan("source", tool, decline=project.outside(value))
            if tool == "uv pip" and PurePosixPath(path).name in package_managers()["uv_pip"]["project_requirements"]:
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
        elif name in data["index_options"] and value and not REMOTE.match(value):
            return Plan("source", tool, decline=f"`{name} {value}` reads a package index from local files")
        elif name in data["local_options"]:
            if name in ("-f", "--find-links") and value and REMOTE.match(value):
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


def _project_target(options: list[tuple[str, str | None]], positionals: list[str]) -> str | None:
    """The one local folder a `pip install .` / `pip install -e ./app` installs, with nothing else; else None."""
    data = package_managers()["pip"]
    editable = [value for name, value in options if name in ("-e", "--editable")]
    targets = editable + positionals
    if len(targets) != 1 or targets[0] is None or not _local_requirement(targets[0]) or "://" in targets[0]:
        return None
    if any(name in data["requirement_options"] + data["constraint_options"] for name, _ in options):
        return None
    if any(name in data["local_options"] and name not in ("-e", "--editable") for name, _ in options):
        return None
    return targets[0]


def _project_dependencies(words: list[str], start: int, options: list[tuple[str, str | None]], target: str, project: Project) -> Plan:
    """`pip install .`: a `build` whose prefetch installs the dependencies the project declares statically
    (`python_metadata`); safe when installing them first gives the same installed set."""
    path, _, extras = target.partition("[")
    shown = f"pip install {'-e ' if any(name in ('-e', '--editable') for name, _ in options) else ''}{target}"
    folder = project.context_path(path)
    if folder is None or not project.exists(folder) or project.is_file(folder):
        return Plan("source", "pip", decline=f"`{shown}` installs the project itself, and `{path}` is not a folder of the copy")
    if any(name == "--no-deps" for name, _ in options):
        return Plan("source", "pip")  # nothing to install first
    declared = declared_dependencies(project, folder)
    if isinstance(declared, str):
        return Plan("source", "pip", decline=f"`{shown}` installs the project itself, and {declared}")
    if not declared.requirements and not declared.files:
        return Plan("source", "pip")  # no dependencies: nothing to move
    data = package_managers()["pip"]
    here = project.folder()
    kept = option_words(words[start:], set(data["value_options"]), ("-e", "--editable", "--no-deps", "-U", "--upgrade"))
    if declared.files:
        if here is None:
            return Plan("source", "pip", decline=project.outside())
        relative = [_relative_to(f, here) for f in declared.files]
        if any(r is None for r in relative):
            return Plan("source", "pip", decline=f"`{declared.source}` reads a requirement file outside the install's folder")
        listed = [word for r in relative for word in ("-r", r or "")]
    else:
        listed = list(declared.requirements)
    files: list[str] = []
    for path in declared.files:
        more, why = _requirements(project, path, set(files))
        if why:
            return Plan("source", "pip", decline=why)
        files.extend(more)
    why_extras = ""
    if extras:
        names = [e.strip() for e in extras.rstrip("]").split(",") if e.strip()]
        added = declared_extras(project, folder, names) if not declared.files else "its dependencies are read from requirement files"
        if isinstance(added, str):
            why_extras = f"`{target}` asks for extras, and {added}; pip resolves them together with the dependencies installed first, and the versions it picks may differ."
        else:
            listed += [r for r in added if r not in listed]
    prefetch = " ".join(shell_quote(w) for w in [*words[:start], *kept, *listed])
    plan = Plan("build", "pip", files=tuple(files), prefetch=prefetch, prefetch_safe=True)
    if why_extras:
        return cap(plan._replace(prefetch_safe=False), Applicability.UNSAFE, why_extras)
    if not declared.exact:
        return cap(plan._replace(prefetch_safe=False), Applicability.UNSAFE, f"{declared.why}.")
    return plan


def _relative_to(path: str, folder: str) -> str | None:
    if not folder:
        return path
    return path[len(folder) + 1 :] if path.startswith(folder + "/") else None


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
    spec = package_managers()["uv_pip"]
    names = {name for name, _ in options}
    local_env = {**env, **{a.text.split("=", 1)[0]: a.text.split("=", 1)[1] for a in command.assignments if "=" in a.text}}
    folder = project.folder()
    if folder is None:
        # timid: uv searches the working directory the base image set, which may be the copy's destination
        root = project.source
        found = [f for f in (spec["config_files"] + [spec["python_version_file"], spec["environment_dir"]]) if project.exists(in_folder(root, f))]
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
        venv = next((in_folder(f, spec["environment_dir"]) for f in chain if project.exists(in_folder(f, spec["environment_dir"]))), None)
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
            path = in_folder(f, config)
            text = project.read(path) if project.is_file(path) else None
            if text is None:
                continue
            if config == "pyproject.toml":
                if re.search(r"(?m)^\s*(tool\s*\.\s*)?uv\s*[.=]", text):
                    return [], f"`{path}` configures uv with dotted keys (`tool.uv.x = ...`), which the pass does not read"  # timid
                if not re.search(rf"(?m)^\s*\[\[?{re.escape(spec['config_table'])}[.\]]", text):
                    continue  # no [tool.uv] table: uv ignores the file
            files.append(path)
        version = in_folder(f, spec["python_version_file"])
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
        if REMOTE.match(value):
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


def project_install(tool: str, command: Command, words: list[str], project: Project, env: Env) -> Plan:
    """poetry install, uv sync, pipenv install / sync."""
    data = package_managers()[tool]
    folder = project.folder()
    if folder is None:
        return Plan("source", tool, decline=project.outside())
    args = words[2:]
    options, positionals = parse_options(args, {"--only", "--with", "--without", "-E", "--extras", "--group", "--extra", "-p", "--python", "--package", "--no-install-package"})
    if positionals:
        return Plan("source", tool)  # `pipenv install flask`: adds a package
    files, why = manifest_files(project, folder, data, tool)
    if why:
        return Plan("source", tool, decline=why)
    manifest = project.read(files[0]) or ""
    path_dep = _python_path_dependency(tool, manifest)
    if path_dep:
        return Plan("source", tool, decline=f"`{files[0]}` has the path dependency `{path_dep}`, which is source, not a manifest")
    local = poetry_local_dependency(manifest) if tool == "poetry" else ""
    if local:
        return Plan("source", tool, decline=f"`{files[0]}` depends on {local}, which is source, not a manifest")
    why = outputs_in_context(project, folder, data["outputs"], tool)
    if why:
        return Plan("source", tool, decline=why)
    values = [w for w in args]
    locked = has_lock(project, folder, data)
    plan = Plan("install", tool, files=tuple(files))
    frozen = is_frozen(values, data, env, [a.text for a in command.assignments])
    if tool == "pipenv":
        if locked and not frozen and words[1] != "sync":
            plan = plan._replace(rewrites=_rewritten_locks(project, folder, data))
        return plan
    deps_only = data["deps_only"]
    has_deps_only = all(flag in values for flag in deps_only)
    if tool == "poetry" and re.search(r"(?m)^\s*package-mode\s*=\s*false\b", manifest):
        has_deps_only = True
    if tool == "uv" and re.search(r"(?m)^\s*\[tool\.uv\.workspace\]", manifest):
        return Plan("source", tool, decline=f"`{files[0]}` defines a uv workspace; its members' sources are installed too")
    if tool == "uv" and locked and not frozen:
        plan = plan._replace(rewrites=_rewritten_locks(project, folder, data))
    if tool == "poetry":
        if "--only-root" in values:
            return Plan("source", tool)  # installs the project alone: nothing to fetch first
        more, why = poetry_prefetch_reads(project, folder, files[0], manifest)
        if why:
            plan = cap(plan, Applicability.UNSAFE, why)
        plan = plan._replace(files=(*plan.files, *more))
    if has_deps_only:
        return plan
    text = " ".join(shell_quote(w) for w in words) + " " + " ".join(deps_only)
    if tool == "uv":
        why = exact_sync_risk(values, frozen)
        return (cap(plan, Applicability.UNSAFE, why) if why else plan)._replace(kind="build", prefetch=text, prefetch_safe=not why)
    return plan._replace(kind="build", prefetch=text, prefetch_safe=tool == "poetry" and plan.applicability == Applicability.SAFE)


def poetry_prefetch_reads(project: Project, folder: str, pyproject: str, text: str) -> tuple[list[str], str]:
    """The safety proof of a poetry install without the project (`--no-root`, or `package-mode = false`)
    before the source copy: the project files it reads besides pyproject.toml, poetry.lock and poetry.toml,
    and "" or why it may read more.

    `poetry install` reads the readme and the `packages` only when it installs the project itself (the
    editable build after "Installing the current project"); with `--no-root` its `handle` returns right after
    the dependencies are installed, before that build, in every release from 1.0 to 2.x (poetry's
    `console/commands/install.py`).  Loading the project (`Factory.create_poetry`) records the readme's path
    without opening it, but since poetry-core 2.0 reads a PEP 621 `license = {file = ...}` and fails without
    it: that file is copied with the manifests.  Plugins run inside every command and may read anything:
    project plugins (`[tool.poetry.requires-plugins]`) and plugins configured in a `[tool.poetry-...]` table
    (`poetry-dynamic-versioning` reads the git checkout) leave the fix unsafe."""
    try:
        data = toml_loads(text)
    except ValueError:
        return [], f"`{pyproject}` is not valid TOML, so what poetry reads from it is not known."
    tool_tables = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    poetry_table = tool_tables.get("poetry") if isinstance(tool_tables.get("poetry"), dict) else {}
    if "requires-plugins" in poetry_table:
        return [], f"`{pyproject}` requires poetry plugins, which run with the install and may read files that are not copied."
    plugin = next((name for name in tool_tables if name.startswith(("poetry-", "poetry_"))), None)
    if plugin is not None:
        return [], f"`{pyproject}` configures the poetry plugin `{plugin}`, which runs with the install and may read files that are not copied."
    license_field = (data.get("project") or {}).get("license") if isinstance(data.get("project"), dict) else None
    if isinstance(license_field, dict) and isinstance(license_field.get("file"), str):
        path = normpath(in_folder(folder, license_field["file"]))
        if path.startswith("../") or not project.is_file(path):
            return [], f"`{pyproject}` names the license file `{license_field['file']}`, which poetry reads when it loads the project and the build context does not have."
        return [path], ""
    return [], ""


def poetry_local_dependency(text: str) -> str:
    """The first dependency poetry installs from a file or folder of the project, in any group or table form
    (`x = {path = "libs/x"}`, `[tool.poetry.dependencies.x]` with `file = "wheels/x.whl"`, a PEP 508
    `x @ file:...` in `[project]`); "" when there is none (or the file is no valid TOML, which poetry rejects)."""
    try:
        data = toml_loads(text)
    except ValueError:
        return ""
    poetry_table = (data.get("tool") or {}).get("poetry") or {}
    tables = [poetry_table.get("dependencies"), poetry_table.get("dev-dependencies")]
    tables += [(group or {}).get("dependencies") for group in (poetry_table.get("group") or {}).values() if isinstance(group, dict)]
    for table in tables:
        for name, spec in (table or {}).items() if isinstance(table, dict) else ():
            for constraint in spec if isinstance(spec, list) else [spec]:
                if isinstance(constraint, dict) and ("path" in constraint or "file" in constraint):
                    key = "path" if "path" in constraint else "file"
                    return f"`{name}` at the local {key} `{constraint[key]}`"
    project_table = data.get("project") if isinstance(data.get("project"), dict) else {}
    requirements = list(project_table.get("dependencies") or [])
    for extra in (project_table.get("optional-dependencies") or {}).values():
        requirements += extra if isinstance(extra, list) else []
    for requirement in requirements:
        if isinstance(requirement, str) and re.search(r"@\s*(file:|\.{0,2}/)", requirement):
            return f"`{requirement}`"
    return ""


def exact_sync_risk(values: list[str], frozen: bool) -> str:
    """The safety proof of the `uv sync --no-install-project` DF102 inserts before the source copy; "" when
    inserting it changes nothing the definition of safe counts.

    The inserted sync reads only the copied manifests (pyproject.toml, uv.lock, uv.toml, .python-version:
    `--no-install-project` builds nothing of the project, the layering uv's Docker guide documents) and
    fills `.venv` with the project's locked dependencies.  The original `uv sync` still runs after the source
    copy, with the same options: it installs the project itself and, being exact by default, installs and
    removes packages until `.venv` holds exactly what its lock file asks for, which is what the original sync
    alone would have left (with a stale lock, the lock file the prefetch rewrote comes back as committed and
    the final sync resolves again from it, as the original did).  With `--inexact` and a lock file that may
    change between the two (not frozen or locked), a package the prefetch installed and the final sync does
    not want would stay."""
    if "--inexact" in values and not frozen:
        return "`uv sync --inexact` keeps packages it does not need, so a dependency the inserted sync installed and the final one no longer wants would stay in `.venv`."
    return ""


def _rewritten_locks(project: Project, folder: str, spec: dict[str, Any]) -> tuple[str, ...]:
    """The safety proof of an unfrozen `uv sync` / `pipenv install`: the lock files it may rewrite.

    With only the copied manifests read (no path dependency, no workspace), the install resolves the same
    packages in both orders; the lock file it may rewrite comes back as committed with the source copy, and
    Python reads no lock file at run time, so the reorder is safe unless a later step reads it (`uv run`,
    `pipenv sync`...: `patterns.lock_read_later`).  Without a committed lock file the one it writes stays in
    both orders."""
    return committed_locks(project, folder, spec)


def _reads_python_lock(command: Command) -> bool:
    """True for a uv or pipenv command that reads uv.lock / Pipfile.lock."""
    values = [v for v in command.arg_values() if v is not None and not v.startswith("-")]
    return bool(values) and values[0] in package_managers()[command.name or ""]["lock_readers"]


def _python_path_dependency(tool: str, manifest: str) -> str:
    patterns = {
        "poetry": r"(?m)^(\S+)\s*=\s*\{[^}\n]*\bpath\s*=\s*['\"]([^'\"]+)",
        "uv": r"(?m)^(\S+)\s*=\s*\{[^}\n]*\b(?:path|workspace)\s*=\s*['\"]?([^'\",}]+)",
        "pipenv": r"(?m)^(\S+)\s*=\s*\{[^}\n]*\b(?:path|file)\s*=\s*['\"]([^'\"]+)",
    }
    m = re.search(patterns[tool], manifest)
    return f"{m.group(1)} = {{ path = \"{m.group(2)}\" }}" if m else ""


_PIP_NAMES = re.compile(r"(pip(\d+(\.\d+)?)?|python(\d+(\.\d+)?)?)\Z")


def _is_pip_install(command: Command) -> str:
    found = pip_subcommand(command)
    return "pip" if found and found[1] == "install" else ""


@installs(tool="pip", pattern=_PIP_NAMES.pattern, tool_of=_is_pip_install, manifest_names=("requirements*.txt",), keeps_variables=True)
def pip(command: Command, words: list[str], project: Project, env: Env) -> Plan | None:
    """`pip install`, `pip3 install`, `python -m pip install`."""
    found = pip_subcommand(command)
    if found is None or found[1] != "install":
        return None
    if any(isinstance(word, Verbatim) for word in words):
        return _extras_from_variable(command, words, project, env, found[0] + 1)
    return pip_install(command, words, project, found[0] + 1)


_VARIABLE_EXTRAS = re.compile(r"^(?P<path>[^\[$]+)\[\$(?:\{(?P<braced>\w+)\}|(?P<bare>\w+))\]$")


def _extras_from_variable(command: Command, words: list[str], project: Project, env: Env, start: int) -> Plan:
    """`pip install .[${EXTRAS}]`: the extras come from a variable, usually a build argument.

    The dependencies installed first can only be those of the value the file gives it: a build that passes
    another value (`--build-arg`) would keep them installed besides its own, so the fix is unsafe.  Any other
    word only the shell knows leaves the install alone, as before."""
    variable = [word for word in words if isinstance(word, Verbatim)]
    written = variable[0][1:-1] if len(variable[0]) > 1 and variable[0][0] == variable[0][-1] == '"' else variable[0]
    shape = _VARIABLE_EXTRAS.match(written) if len(variable) == 1 else None
    if shape is None:
        return Plan("source")
    name = shape.group("braced") or shape.group("bare")
    value = env.get(name)
    if value is None:
        return Plan("source", "pip", decline=f"`{written}` takes its extras from `{name}`, which has no value in the file, so the dependencies they add are not known")
    target = f"{shape.group('path')}[{value}]"
    plan = pip_install(command, [target if word is variable[0] else word for word in words], project, start)
    if plan.kind != "build" or not plan.prefetch:
        return plan
    return cap(
        plan._replace(prefetch_safe=False),
        Applicability.UNSAFE,
        f"`{written}` takes its extras from `{name}`: the dependencies installed first are those of its value here, `{value}`; "
        f"a build given another value (`--build-arg {name}=...`) would keep them installed besides its own.",
    )


def _uv_tool(command: Command) -> str:
    words = [w.value for w in command.words]
    return "uv pip" if words[1:2] == ["pip"] and len(words) > 2 and words[2] in package_managers()["uv_pip"]["subcommands"] else "uv"


@installs("uv", tool="uv", tool_of=_uv_tool, family={"uv pip": "pip"}, reads_lock=_reads_python_lock)
def uv(command: Command, words: list[str], project: Project, env: Env) -> Plan | None:
    """`uv pip install` / `uv pip sync` (requirement files, like pip) and `uv sync` (the project)."""
    if len(words) > 2 and words[1] == "pip" and words[2] in package_managers()["uv_pip"]["subcommands"]:
        return pip_install(command, words, project, 3, "uv pip", env)
    if words[1:2] == ["sync"]:
        return project_install("uv", command, words, project, env)
    return None


@installs("poetry", tool="poetry")
def poetry(command: Command, words: list[str], project: Project, env: Env) -> Plan | None:
    return project_install("poetry", command, words, project, env) if words[1:2] == ["install"] else None


@installs("pipenv", tool="pipenv", reads_lock=_reads_python_lock)
def pipenv(command: Command, words: list[str], project: Project, env: Env) -> Plan | None:
    return project_install("pipenv", command, words, project, env) if words[1:2] in (["install"], ["sync"]) else None
