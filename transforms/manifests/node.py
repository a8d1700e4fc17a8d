"""Node: npm ci / npm install, yarn (classic and Berry), pnpm install."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from rewriter.context import json_loads
from rewriter.rules import Applicability
from rewriter.shell import Command, ShellScript
from rewriter.text import LogicalText
from transforms.manifests.common import (
    REMOTE,
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
    outputs_in_context,
    package_managers,
    parse_options,
    touches_only_image,
)

_GLOBAL_FLAGS = frozenset({"-g", "--global", "--location=global"})
_REGISTRY_PACKAGE = re.compile(r"^@[a-z0-9][\w.-]*/[a-z0-9][\w.-]*(@[^/\s]*)?$")


def _package_json(project: Project, folder: str) -> tuple[dict[str, Any] | None, str]:
    path = in_folder(folder, "package.json")
    text = project.read(path)
    if text is None:
        return None, f"`{path}` is not in the build context (or .dockerignore excludes it)"
    try:
        data = json_loads(text)
    except ValueError:
        return None, f"`{path}` is not valid JSON"
    return (data, "") if isinstance(data, dict) else (None, f"`{path}` is not a JSON object")


def _node_package_checks(package: dict[str, Any], path: str, ignore_scripts: bool, project: Project, rewrites: set[str] | None = None) -> str:
    """Why the install of this package.json may read more than the manifests; "" when it provably does not.
    The lock files its lifecycle scripts may rewrite are added to `rewrites`."""
    node = package_managers()["node"]
    scripts = package.get("scripts") or {}
    if isinstance(scripts, dict) and not ignore_scripts:
        folder = str(PurePosixPath(path).parent) if "/" in path else ""
        for name in (s for s in node["lifecycle_scripts"] if s in scripts):
            written = inert_script(scripts[name], project, folder)
            if written is None:
                return (
                    f"`{path}` has a `{name}` script (`{scripts[name]}`), which the install runs and which may "
                    "read the project's source; add `--ignore-scripts` to the install and run it after the copy, if it allows"
                )
            if rewrites is not None:
                rewrites.update(written)
    for key in node["dependency_fields"]:
        deps = package.get(key) or {}
        if not isinstance(deps, dict):
            continue
        for name, spec in deps.items():
            if isinstance(spec, str) and any(spec.startswith(p) for p in node["local_protocols"]):
                return f"`{path}` depends on `{name}` at the local path `{spec}`, which is source, not a manifest"
    return ""


def inert_script(script: Any, project: Project, folder: str) -> tuple[str, ...] | None:
    """The proof that a lifecycle script does the same before and after the source copy: every command of its
    `&&` chain is one of `node.inert_scripts` (`npx only-allow pnpm`, `husky install` where the build context
    has no `.git` for it to find).  Returns the lock files it may rewrite (context paths), or None when the
    script is not shown to be inert."""
    from transforms.manifests.patterns import and_chain  # (patterns imports the ecosystem registry)

    if not isinstance(script, str):
        return None
    parsed = ShellScript(LogicalText.from_slices(script, [(0, len(script))]))
    chain = and_chain(parsed)
    if chain is None:
        return None
    rewrites: list[str] = []
    for command in chain[1]:
        values = command.arg_values() if command is not None else [None]
        if command is None or command.assignments or command.span != command.statement_span or any(v is None for v in values):
            return None  # timid: a compound, an env prefix, a redirection, an expansion
        words = [command.name or "", *(v for v in values if v is not None)]
        entry = next((e for e in package_managers()["node"]["inert_scripts"] if _matches(words, e)), None)
        if entry is None:
            return None
        absent = entry.get("inert_without")
        if absent and any(project.exists(in_folder(above, absent)) for above in project.folders_up(folder)):
            return None
        rewrites.extend(in_folder(folder, name) for name in entry.get("rewrites", []) if project.is_file(in_folder(folder, name)))
    return tuple(rewrites)


def _matches(words: list[str], entry: dict[str, Any]) -> bool:
    command = entry["command"]
    return words[: len(command)] == command and (len(words) == len(command) or bool(entry.get("more_args")))


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
        text = project.read(in_folder(folder, "pnpm-workspace.yaml"))
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


def _pnpm_patches(package: dict[str, Any], project: Project, folder: str) -> tuple[list[str], str]:
    """The patch files pnpm's `patchedDependencies` names (package.json's `pnpm` field, pnpm-workspace.yaml),
    which the install applies: copied with the manifests when they are files of the build context."""
    declared: list[Any] = []
    field = package.get("pnpm")
    if isinstance(field, dict) and "patchedDependencies" in field:
        patched = field["patchedDependencies"]
        if not isinstance(patched, dict):
            return [], "cannot read `pnpm.patchedDependencies` of package.json"
        declared.extend(patched.values())
    text = project.read(in_folder(folder, "pnpm-workspace.yaml")) or ""
    if "patchedDependencies" in text:
        found, ok = _yaml_mapping(text, "patchedDependencies")
        if not ok:
            return [], "cannot read `patchedDependencies` of pnpm-workspace.yaml"
        declared.extend(found.values())
    patches: list[str] = []
    for value in declared:
        path = normpath(in_folder(folder, value)) if isinstance(value, str) else ".."
        if path.startswith("..") or not project.is_file(path):
            return [], f"`patchedDependencies` names `{value}`, which is not a file of the build context"
        patches.append(path)
    return patches, ""


def _yaml_mapping(text: str, key: str) -> tuple[dict[str, str], bool]:
    """The `name: value` items of a top-level block mapping `key:` in simple YAML (pnpm-workspace.yaml)."""
    items: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        stripped = line.split(" #", 1)[0].rstrip()
        if not stripped or stripped.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if stripped.startswith(f"{key}:") and stripped != f"{key}:":
                return {}, False
            inside = stripped == f"{key}:"
            continue
        if inside:
            m = re.match(r"""\s*(['"]?)(.+?)\1\s*:\s+(['"]?)(.+?)\3\s*$""", stripped)
            if not m:
                return {}, False
            items[m.group(2)] = m.group(4)
    return items, True


def _workspace_members(project: Project, folder: str, patterns: list[str]) -> tuple[list[str], str]:
    """package.json of every workspace member in the build context, or why they cannot be found."""
    members: list[str] = []
    for pattern in patterns:
        if pattern.startswith("!"):
            return [], f"workspace pattern `{pattern}` (negation) is not supported"
        pattern = pattern.strip("/").removeprefix("./")
        # A pattern that matches no package.json of the build context (its members are left out by
        # .dockerignore) matches none after the source copy either: the install sees the same members.
        members.extend(project.under(folder, pattern.rstrip("/") + "/package.json"))
    return sorted(set(members)), ""


def node_install(command: Command, words: list[str], project: Project, tool: str, env: Env) -> Plan:
    """npm ci / npm install, yarn [install], pnpm install."""
    data = package_managers()
    folder = project.folder()
    if folder is None:
        return Plan("source", tool, decline=project.outside())
    args = words[1:]
    if tool == "yarn" and args and args[0] == "install":
        args = args[1:]
    elif tool in ("npm", "pnpm"):
        args = args[1:]
    spec_name = tool
    if tool == "yarn" and (project.is_file(in_folder(folder, ".yarnrc.yml")) or project.is_file(in_folder(folder, ".yarn/releases"))):
        spec_name = "yarn_berry"
    spec = data[spec_name]
    value_options = set(spec.get("value_options", [])) | set(data["npm"]["value_options"])
    options, positionals = parse_options(args, value_options)
    names = [name for name, _ in options]
    if _GLOBAL_FLAGS & set(names):
        # (a scoped registry package, `@nestjs/cli@10`, is no path of the project despite its slash)
        paths = [w for w in words if not (w in positionals and _REGISTRY_PACKAGE.match(w))]
        return Plan("free", tool) if touches_only_image(command, paths, project) else Plan("source", tool)
    if positionals:
        return Plan("source", tool)  # `npm install express`: adds a package, edits package.json
    package, why = _package_json(project, folder)
    if package is None:
        return Plan("source", tool, decline=why)
    if spec_name == "yarn_berry" and project.exists(in_folder(folder, ".yarn/cache")):
        return Plan("source", tool, decline="`.yarn/cache` is in the build context (zero-installs): the install reads the whole cache")
    files, why = manifest_files(project, folder, spec, tool)
    if why:
        return Plan("source", tool, decline=why)
    ignore_scripts = "--ignore-scripts" in names
    script_rewrites: set[str] = set()
    why = _node_package_checks(package, in_folder(folder, "package.json"), ignore_scripts, project, script_rewrites)
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
            why = why or _node_package_checks(member_package or {}, member, ignore_scripts, project, script_rewrites)
            if why:
                return Plan("source", tool, decline=why)
            member_folder = str(PurePosixPath(member).parent)
            outputs.append(_relative(member_folder, folder) + "/node_modules")
            if (member_package or {}).get("bin"):
                plan = cap(plan, Applicability.UNSAFE, f"`{member}` declares `bin` files, which the install links before the source copy brings them.")
        files.extend(members)
    if tool == "pnpm" and project.is_file(in_folder(folder, ".pnpmfile.cjs")):
        plan = cap(plan, Applicability.UNSAFE, "`.pnpmfile.cjs` hooks run during the install and may read other files.")
    if tool == "pnpm":
        patches, why = _pnpm_patches(package, project, folder)
        if why:
            return Plan("source", tool, decline=why)
        files.extend(patches)
    why = _config_paths(project, files)
    if why:
        return Plan("source", tool, decline=why)
    why = outputs_in_context(project, folder, outputs, tool)
    if why:
        return Plan("source", tool, decline=why)
    locked = has_lock(project, folder, spec)
    subcommand = words[1] if len(words) > 1 and tool != "yarn" else "install"
    if tool == "npm" and subcommand in data["npm"]["clean_subcommands"]:
        if not locked:
            return Plan("source", tool, decline="`npm ci` needs package-lock.json or npm-shrinkwrap.json, which is not in the build context")
    elif not is_frozen(args, spec, env, [a.text for a in command.assignments]):
        # Not frozen: the install may rewrite the lock file, and the source copy then puts the committed one
        # back.  Safe by `unfrozen_install_is_safe` unless a later step reads it (see `Plan.rewrites`).
        plan = plan._replace(rewrites=unfrozen_install_rewrites(project, folder, spec))
    if script_rewrites:  # a lifecycle script rewrites the lock file even under a frozen install
        plan = plan._replace(rewrites=tuple(dict.fromkeys((*plan.rewrites, *sorted(script_rewrites)))))
    return plan._replace(files=tuple(dict.fromkeys(files)))


def unfrozen_install_rewrites(project: Project, folder: str, spec: dict[str, Any]) -> tuple[str, ...]:
    """The safety proof of an install without a frozen lock (`npm install`, `yarn`, `pnpm install`).

    The checks above have shown that it reads only the copied manifests (no lifecycle script, local path,
    missing workspace member or configuration naming project files) and that nothing it installs is in the
    build context.  So it resolves the same packages in both orders, from the same package.json and lock
    file; the one file that can differ is the lock file it may rewrite, which the source copy puts back as
    committed.  Node reads no lock file at run time: the reorder is safe as long as no later step of the
    build reads the lock file either (the caller checks, `patterns.lock_read_later`).  A lock file the
    context lacks is written by the install in both orders and left alone by the source copy."""
    return committed_locks(project, folder, spec)


def reads_lock(command: Command) -> bool:
    """True for an npm, yarn or pnpm command that reads the lock file (installs, prunes, lists, packs...)."""
    values = [v for v in command.arg_values() if v is not None]
    if _GLOBAL_FLAGS & set(values):
        return False  # `npm install -g serve` installs into the global prefix and reads no project's lock file
    subcommand = next((v for v in values if not v.startswith("-")), None)
    if subcommand is None:
        return command.name == "yarn"  # bare `yarn` installs
    return subcommand in package_managers()["node"]["lock_readers"]


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
            if key == "yarnPath" or not value or REMOTE.match(value) or value.startswith("$"):
                continue  # the pinned release is copied with .yarn/releases; URLs and variables read nothing here
            relative = value.startswith(("./", "../"))
            if relative or (value.startswith("/") and project.context_path(value) is not None):
                return f"`{path}` sets `{key}` to `{value}`, a file of the project that is not a manifest"
    return ""


def _relative(path: str, folder: str) -> str:
    return str(PurePosixPath(path).relative_to(folder)) if folder else path


@installs("npm", tool="npm", reads_lock=reads_lock)
def npm(command: Command, words: list[str], project: Project, env: Env) -> Plan | None:
    """`npm ci`, `npm install` (and their aliases)."""
    spec = package_managers()["npm"]
    if len(words) > 1 and words[1] in spec["install_subcommands"] + spec["clean_subcommands"]:
        return node_install(command, words, project, "npm", env)
    return None


@installs("yarn", tool="yarn", reads_lock=reads_lock)
def yarn(command: Command, words: list[str], project: Project, env: Env) -> Plan | None:
    """`yarn`, `yarn install`, `yarn --frozen-lockfile`."""
    if (len(words) == 1 or words[1] == "install" or words[1].startswith("-")) and not {"-v", "--version", "-h", "--help"} & set(words):
        return node_install(command, words, project, "yarn", env)
    return None


@installs("pnpm", tool="pnpm", reads_lock=reads_lock)
def pnpm(command: Command, words: list[str], project: Project, env: Env) -> Plan | None:
    if len(words) > 1 and words[1] in ("install", "i"):
        return node_install(command, words, project, "pnpm", env)
    return None
