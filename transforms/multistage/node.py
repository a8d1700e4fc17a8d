"""DF403's plan: production dependencies only, and the build output."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from rewriter.context import BuildContext, json_loads
from rewriter.shell import Command, ShellScript
from transforms.multistage.common import (
    Decline,
    Facts,
    Plan,
    absolute,
    apt_line,
    check_dev_runtime_release,
    check_redirects,
    check_run_command,
    check_start,
    check_start_command,
    check_user,
    debian13_note,
    healthcheck_tools,
    image_facts,
    is_alpine,
    knowledge,
    only_user_setup,
    parse_shell_text,
    size_of,
    slim_tag,
    split_packages,
    user_setup_runs,
)


class PackageFolder:
    """The build-context folder the stage's package.json came from: the root, or a sub-folder of a monorepo
    (`COPY ./apps/web/ /app/`).  Its manifests and build configuration are read there."""

    __slots__ = ("build", "folder")

    def __init__(self, build: BuildContext, folder: str) -> None:
        self.build = build
        self.folder = folder

    def path(self, relative: str) -> str:
        return relative if self.folder == "." else f"{self.folder}/{relative}"

    def exists(self, relative: str) -> bool:
        return self.build.exists(self.path(relative))

    def read_text(self, relative: str) -> str | None:
        return self.build.read_text(self.path(relative))


def _package_folder(facts: Facts, directory: str | None) -> PackageFolder:
    """Where in the build context the package.json that `directory` (the install's folder) holds came from."""
    build = facts.context.build_context
    if build is None:
        raise Decline("no build context: package.json cannot be read")  # timid:
    manifest = absolute("package.json", directory)
    source = facts.context_source(manifest) if manifest is not None else None
    if source is None or not build.is_file(source):
        raise Decline(f"no package.json copied to {directory or 'the working directory'} from the build context")  # timid:
    return PackageFolder(build, str(PurePosixPath(source).parent))


def _package_json(package: PackageFolder) -> dict[str, Any]:
    text = package.read_text("package.json")
    if text is None:
        raise Decline(f"{package.path('package.json')} cannot be read")  # timid:
    try:
        data = json_loads(text)
    except ValueError:
        raise Decline("package.json does not parse") from None
    return data if isinstance(data, dict) else {}


def _node_manager(facts: Facts, command: Command) -> tuple[str, dict[str, Any]] | None:
    managers = knowledge()["node"]["package_managers"]
    name = command.name or ""
    if name not in managers:
        return None
    values = command.arg_values()
    sub = values[0] if values else ""
    if sub in managers[name]["install"] or (sub is not None and sub.startswith("-") and "" in managers[name]["install"]):
        return name, managers[name]
    return None


def _global_install(command: Command) -> bool:
    """`npm install -g pnpm`, `yarn global add serve`: a tool for the system, not the package's dependencies."""
    return bool({"-g", "--global", "global"} & set(command.arg_values()))


def _build_outputs(package: PackageFolder, script: str, scripts: dict[str, Any], depth: int = 0, removed: list[str] | None = None) -> list[str]:
    """The folders `scripts.build` writes (relative to the package), command by command.

    `tsc && vite build`: tsc with noEmit writes nothing, vite writes dist.  A command that only lints,
    removes, or changes files inside an output already named writes nothing new; `npm run X` is followed.
    """
    parsed = parse_shell_text(script)
    if parsed.has_errors or not parsed.commands:
        raise Decline(f"the build script `{script}` is shell syntax dockerfix cannot read")  # timid:
    data = knowledge()["node"]
    _check_no_redirect(parsed, script)
    outputs: list[str] = []
    removed = [] if removed is None else removed  # what the script and the scripts it runs remove
    for command in parsed.commands:
        words = [command.name, *command.arg_values()]
        if any(w is None for w in words) or command.in_subshell or command.conditional:
            raise Decline(f"the build script `{script}` runs several commands: output unknown")  # timid:
        tool, args = str(words[0]), [str(w) for w in words[1:]]
        if tool in ("npx", "pnpx", "shx") and args:
            tool, args = args[0], args[1:]
        run = args[1] if tool in ("npm", "pnpm", "yarn") and args[:1] == ["run"] and len(args) > 1 else args[0] if tool == "yarn" and args else None
        if run is not None and isinstance(scripts.get(run), str) and depth < 3:
            outputs += _build_outputs(package, scripts[run], scripts, depth + 1, removed)
            continue
        if tool in data["writes_nothing"]:
            if any(a.split("=")[0] in data["rewrites_sources_with"] for a in args):
                raise Decline(f"the build script runs `{tool}` that rewrites sources, which the runtime stage copies unchanged")  # timid:
            continue
        if tool in data["removes"]:
            removed += [a for a in args if not a.startswith("-")]
            continue
        if tool in ("chmod", "mkdir", "cp", "copyfiles"):
            operands = [a for a in args if not a.startswith("-")][1 if tool == "chmod" else 0 :]
            if tool in ("cp", "copyfiles"):
                operands = operands[-1:]
            if operands and all(any(_within(o, out) for out in outputs) for o in operands):
                continue
            raise Decline(f"the build script runs `{tool}` on files outside its output")  # timid:
        found = _tool_output(package, tool, args)
        if found is not None:
            outputs.append(found)
    if not outputs and depth == 0:
        raise Decline(f"the build script `{script}` writes no output dockerfix knows")  # timid:
    if depth == 0 and any(not any(_within(path, out) for out in outputs) for path in removed):
        raise Decline("the build script removes files outside its output")  # timid:
    return sorted(dict.fromkeys(outputs))


def _check_no_redirect(parsed: ShellScript, script: str) -> None:
    """A `> file` in the build script writes a file the runtime stage, which copies only the outputs, would lack."""
    stack = [parsed.root]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type == "file_redirect" and any(">" in c.type for c in node.children if not c.is_named):
            destination = node.child_by_field_name("destination")
            if destination is None or not parsed.text_of(destination).startswith("/dev/"):
                raise Decline(f"the build script `{script}` writes a file with a redirect: output unknown")  # timid:


def _within(path: str, folder: str) -> bool:
    clean = str(PurePosixPath(path.lstrip("./") or "."))
    return clean == folder or clean.startswith(folder.rstrip("/") + "/")


def _tool_output(package: PackageFolder, tool: str, words: list[str]) -> str | None:
    """The folder one build tool writes (relative to the package); None when it writes nothing (`tsc --noEmit`)."""
    info = knowledge()["node"]["build_tools"].get(tool)
    if info is None:
        raise Decline(f"the build script runs `{tool}`, whose output directory is unknown")  # timid:
    for flag in info.get("decline_if_args", []):
        if any(word == flag or word.startswith(flag + "=") for word in words):
            raise Decline(f"`{tool} {flag}` moves the output")  # timid:
    for config in info.get("decline_if", []):
        if package.exists(config):
            raise Decline(f"{config} may move the output of `{tool}`")  # timid:
    for config in info.get("configs", []):
        text = package.read_text(config) or ""
        hits = [m for m in info.get("decline_if_config_mentions", []) if m in text]
        if hits:
            raise Decline(f"{config} sets {hits[0]}: output directory not determined")  # timid:
    if info["output"] == "tsconfig":
        return _tsc_output(package, words)
    if info["output"] == "webpack":
        return _webpack_output(package)
    return str(info["output"])


def _tsc_output(package: PackageFolder, words: list[str]) -> str | None:
    if "--noEmit" in words:
        return None
    project = _tsc_project(words)
    text = package.read_text(project)
    if text is None:
        raise Decline(f"`tsc` without a {project}")
    text = re.sub(r"^\s*//.*$|/\*.*?\*/", "", text, flags=re.M | re.S)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        config = json_loads(text)
    except ValueError:
        raise Decline(f"{project} is not plain JSON") from None  # timid:
    if "extends" in config:
        raise Decline(f"{project} extends another file")  # timid:
    if config.get("references") and ("-b" in words or "--build" in words):
        raise Decline(f"`tsc --build` also builds the projects {project} references")  # timid:
    options = config.get("compilerOptions", {})
    if options.get("noEmit") is True:
        return None
    out = options.get("outDir")
    if not out:
        raise Decline(f"{project} has no outDir: tsc writes next to the sources")
    return str(PurePosixPath(project).parent / out)  # outDir is relative to the project file


def _tsc_project(words: list[str]) -> str:
    """The project file tsc reads: tsconfig.json, or the one `-p`/`--project`/`-b`/`--build` names (a file, or a
    folder holding tsconfig.json); `-b` with several projects declines (each has its own outDir)."""
    for index, word in enumerate(words):
        if word not in ("-p", "--project", "-b", "--build"):
            continue
        operands = words[index + 1 :] if word in ("-b", "--build") else words[index + 1 : index + 2]
        operands = [o for o in operands if not o.startswith("-")]
        if len(operands) > 1:
            raise Decline("`tsc --build` of several projects")  # timid:
        if not operands:
            if word in ("-p", "--project"):
                raise Decline(f"`tsc {word}` without a project")  # timid:
            return "tsconfig.json"
        path = PurePosixPath(operands[0])
        if path.is_absolute() or ".." in path.parts:
            raise Decline(f"`tsc {word} {operands[0]}`: a project outside the package")  # timid:
        return str(path if path.suffix == ".json" else path / "tsconfig.json")
    return "tsconfig.json"


def _webpack_output(package: PackageFolder) -> str:
    """webpack's output.path: `dist` without a config, the literal of `path.resolve(__dirname, 'X')` with one."""
    configs = [c for c in ("webpack.config.js", "webpack.config.cjs", "webpack.config.mjs", "webpack.config.ts") if package.exists(c)]
    if not configs:
        return "dist"
    text = package.read_text(configs[0]) or ""
    paths = re.findall(r"\bpath\s*:\s*path\.(?:resolve|join)\(\s*__dirname\s*,\s*['\"]([\w./-]+)['\"]\s*\)", text)
    output = re.search(r"\boutput\s*:", text)
    if output is None:
        return "dist"
    if len(set(paths)) != 1:
        raise Decline(f"{configs[0]} sets output.path in a way dockerfix cannot read")  # timid:
    return str(PurePosixPath(paths[0]))


def plan_node(facts: Facts) -> Plan | None:
    image = facts.image
    if image.repo != "node":
        return None
    installs = [(ins, command) for ins, command in facts.commands() if _node_manager(facts, command)]
    if not installs:
        return None
    builds = [
        (ins, command)
        for ins, command in facts.commands()
        if (command.name in ("npm", "pnpm") and command.arg_values()[:2] == ["run", "build"])
        or (command.name in ("yarn", "pnpm") and command.arg_values()[:1] == ["build"])
    ]
    if not builds:
        return None  # timid: no build step; a slim base and --omit=dev are the base-image and package passes' business
    facts.commit()
    workdir = facts.workdir
    if workdir in (None, "/"):
        raise Decline("no WORKDIR: the application files cannot be told apart from the system")  # timid:
    directories = {id(command): cwd for _, command, cwd in facts.command_dirs()}
    for ins, command in [*installs, *builds]:
        if directories[id(command)] != workdir and not _global_install(command):
            raise Decline(f"line {ins.line}: `{command.name}` runs in another folder than the WORKDIR")  # timid:
    folder = _package_folder(facts, workdir)
    package = _package_json(folder)
    scripts = package.get("scripts", {}) if isinstance(package.get("scripts"), dict) else {}
    if "build" not in scripts:
        raise Decline("`npm run build` without a build script in package.json")
    outputs = _build_outputs(folder, scripts["build"], scripts)
    if len(installs) != 1:
        raise Decline("several dependency installs")  # timid:
    install_ins, install_cmd = installs[0]
    manager, info = _node_manager(facts, install_cmd)  # type: ignore[misc]
    for marker in info.get("unsupported_if", []):
        if folder.exists(marker):
            raise Decline(f"{marker}: {info.get('note', 'unsupported package manager setup')}")  # timid:
    script = facts.context.shell(install_ins)
    assert script is not None
    if len(script.commands) != 1 or any(c.name not in (manager,) for c in script.commands):
        others = [c for c in script.commands if c is not install_cmd]
        if not all(c.name == "npm" and c.arg_values()[:2] == ["cache", "clean"] for c in others):
            raise Decline(f"line {install_ins.line}: the install RUN does more than install")  # timid:
    for ins, command in facts.commands():
        if (ins, command) in installs or (ins, command) in builds or command.name == "npm" and command.arg_values()[:2] == ["cache", "clean"]:
            continue
        if command.name in ("corepack",):
            continue
        check_run_command(facts, ins, command)
    for ins, script in facts.runs:
        check_redirects(facts, ins, script)
    # production dependencies must not need a compiler
    lock = folder.read_text("package-lock.json") or ""
    if manager == "npm" and lock:
        try:
            lock_data = json_loads(lock)
        except ValueError:
            raise Decline("package-lock.json does not parse") from None
        for path, entry in (lock_data.get("packages") or {}).items():
            if not path or not isinstance(entry, dict) or not entry.get("hasInstallScript") or entry.get("dev"):
                continue
            if isinstance(entry.get("os"), list) and "linux" not in entry["os"]:
                continue  # never installed on Linux (fsevents)
            name = path.rsplit("node_modules/", 1)[-1]
            raise Decline(f"production dependency `{name}` runs an install script (native addon?); it may not install on the slim image")  # timid:
    lifecycle = [n for n in knowledge()["node"]["install_lifecycle_scripts"] if n in scripts]
    if lifecycle and "--ignore-scripts" not in install_cmd.arg_values():  # the runtime stage repeats the flag too
        raise Decline(f"package.json `{lifecycle[0]}` runs during the install and may need devDependencies")  # timid:
    commands = check_start(facts)
    dev = set((package.get("devDependencies") or {}).keys())
    for words in commands:
        _check_node_start(facts, words, scripts, dev)
    version, suffix = image.split()
    aliases = image_facts()["images"]["node"].get("aliases", {})
    version = version or aliases.get(suffix.partition("-")[0] or "latest", "")
    minimum = knowledge()["node"]["package_managers"][manager].get("min_node_major")
    if minimum is not None and (not version or not version.split(".")[0].isdigit() or int(version.split(".")[0]) < minimum):
        raise Decline(f"`node:{image.tag or 'latest'}`: {manager} on Node before {minimum} has no `{info['prod_flag']}`")  # timid:
    runtime = f"node:{slim_tag('node', image)}"
    slim_missing = set(image_facts()["images"]["node"]["slim_drops"]["commands"])
    extra_tools = []
    for tool in healthcheck_tools(facts):
        program = tool.rsplit("/", 1)[-1]
        if program in slim_missing:
            if program not in ("curl", "wget"):
                raise Decline(f"the HEALTHCHECK runs `{program}`, which `{runtime}` does not have")  # timid:
            extra_tools.append(program)
    # The runtime stage repeats the manifest COPY, the install with production deps only, and the source COPY.
    install_text = facts.text(install_ins)
    flag = info["prod_flag"]
    value_words = install_cmd.arg_values()
    if flag in value_words or "--production" in value_words:
        raise Decline("the install already omits devDependencies, so the build cannot use them")  # timid:
    offset = install_cmd.words[1].span.end - install_ins.span.start if len(install_cmd.words) > 1 else install_cmd.words[0].span.end - install_ins.span.start
    prod_install = install_text[:offset] + f" {flag}" + install_text[offset:]
    extra: list[str] = []
    replayed = [install_ins]
    check_user(facts, runtime, user_setup_runs(facts))
    for ins, script in facts.runs:
        if only_user_setup(script) or all(c.name == "corepack" for c in script.commands):
            extra.append(facts.text(ins))
            replayed.append(ins)
    copies_before: list[str] = []
    copies_after: list[str] = []
    for ins in facts.stage.instructions:
        if ins.name in ("COPY", "ADD") and ins.flag("from") is None:
            (copies_before if ins.index < install_ins.index else copies_after).append(facts.text(ins))
            replayed.append(ins)
    outputs_abs = [str(absolute(output, workdir)) for output in outputs]
    system_packages = _system_packages(facts, runtime, proven_no_addons=manager == "npm" and bool(lock))
    runtime_packages = sorted(set(system_packages + extra_tools))
    lines = [apt_line(runtime_packages)] if runtime_packages else []
    lines.append(f"WORKDIR {workdir}")
    lines += [t.rstrip("\r\n") for t in copies_before + [prod_install] + copies_after]
    lines += [f"COPY --from={facts.build_stage} {path} {path}" for path in outputs_abs]
    before = size_of(("images", "node", "sizes", "slim" if "slim" in image.tag else "alpine" if is_alpine(image) else "full"))
    after = size_of(("images", "node", "sizes", "alpine" if is_alpine(image) else "slim"))
    note = (
        f"Runtime on `{runtime}`: it repeats the manifest COPY, installs production dependencies only "
        f"(`{manager} ... {flag}`) and the source COPY, then copies the build output {', '.join(outputs_abs)} "
        f"(the output of `{scripts['build']}`). devDependencies and build caches stay in the build stage. "
    )
    if system_packages:
        note += (
            f"The runtime stage installs what the build installed with apt, less compilers and with the runtime libraries "
            f"of the -dev packages (from Debian's metadata): {', '.join(system_packages)}.{debian13_note(system_packages)} "
        )
    note += "Check that the application starts."
    plan = Plan(runtime, lines, [], "production dependencies and the build output", note, before, after, "DF403")
    plan.extra_runtime = extra
    plan.replays_from = min(ins.index for ins in replayed)
    return plan


def _system_packages(facts: Facts, runtime: str, proven_no_addons: bool) -> list[str]:
    """What the runtime stage installs with apt: the build's apt packages (ffmpeg the program may run), less
    compilers, with the runtime libraries the -dev packages stand for.

    Compilers or headers in the build mean a dependency may compile a native addon, which the production
    install on the runtime image, without them, could not; declines unless npm's lock file shows that no
    production dependency runs an install script (`proven_no_addons`).
    """
    installed = facts.apt_packages()
    build_only, runtime_packages = split_packages(installed)
    if build_only and not proven_no_addons:
        raise Decline(f"the stage installs `{build_only[0]}`: a production dependency may compile a native addon, which `{runtime}` has no compiler for")  # timid:
    check_dev_runtime_release(facts.context, runtime, [p for p in runtime_packages if p not in installed])
    return runtime_packages


def _check_node_start(facts: Facts, words: list[str | None], scripts: dict[str, Any], dev: set[str]) -> None:
    program = (words[0] or "").rsplit("/", 1)[-1]
    if program in ("npx", "pnpx") and len(words) > 1 and words[1] in dev:
        raise Decline(f"the container runs `{program} {words[1]}`, a devDependency")
    if program in ("npm", "yarn", "pnpm") and len(words) > 1:
        name = words[2] if words[1] == "run" and len(words) > 2 else words[1]
        script = scripts.get(name or "")
        if not isinstance(script, str):
            raise Decline(f"the container runs `{program} {name}`, which package.json does not define")  # timid:
        first = script.split()[0] if script.split() else ""
        if first in dev:
            raise Decline(f"the start script runs `{first}`, a devDependency")
        for part in re.split(r"&&|\|\||;", script):
            part_words: list[str | None] = list(part.split())
            if part_words:
                if part_words[0] in dev or part_words[0] in knowledge()["start_up"]["compilers"]:
                    raise Decline(f"the start script runs `{part_words[0]}` (a devDependency or compiler)")
                check_start_command(facts, part_words, knowledge()["start_up"], depth=1)
