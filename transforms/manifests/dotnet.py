""".NET: `dotnet restore`, and the builds that restore first (`dotnet build`, `dotnet publish`...)."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import PurePosixPath
from xml.etree import ElementTree

from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms.manifests.common import Env, Plan, Project, in_folder, installs, normpath, package_managers, parse_options, shell_quote


def restores_again(install: Command, later: Command) -> bool | None:
    """`dotnet build`/`publish`/`test`... of the project `install` restored, without `--no-restore`: it restores
    again first (True); with `--no-restore` it reads obj/ as it is (False); anything else None."""
    data = package_managers()["dotnet"]
    values = [w.value for w in later.words]
    if len(values) < 2 or values[1] not in data["build_subcommands"] or any(v is None for v in values):
        return None
    if "--no-restore" in values:
        return False
    target = parse_options([v or "" for v in values[2:]], set(data["value_options"]))[1][:1]
    restored = parse_options([w.value or "" for w in install.words[2:]], set(data["value_options"]))[1][:1]
    return target == restored


@installs("dotnet", tool="dotnet", fetches_in_build=True, manifest_names=("*.csproj", "*.fsproj", "*.sln"), reinstalls=restores_again)
def dotnet_install(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["dotnet"]
    sub = words[1] if len(words) > 1 else ""
    if sub == "restore":
        kind = "install"
    elif sub in data["build_subcommands"]:
        kind = "build"
    else:
        return Plan("source", "dotnet")  # (`dotnet tool`, `--info`... are free: see meta.free_subcommands)
    args = words[2:]
    options, positionals = parse_options(args, set(data["value_options"]))
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
    projects = sorted(set(files))
    overwritten = [
        in_folder("" if directory == "." else directory, out)
        for directory in sorted({str(PurePosixPath(f).parent) for f in files})
        for out in data["outputs"]
        if project.exists(in_folder("" if directory == "." else directory, out))
    ]
    why = stale_restore_outputs(project, overwritten)
    if why:
        return Plan("source", "dotnet", decline=why)
    for target in positionals[:1]:
        path = project.context_path(target)
        if path is None or not project.exists(path):
            return Plan("source", "dotnet", decline=f"`{target}` is not in the copied folder")
    read, unsafe, decline = restore_inputs(project, projects)
    if decline:
        return Plan("source", "dotnet", decline=decline)
    files = sorted(set(projects) | set(read))
    applicability, note = (Applicability.UNSAFE, unsafe) if unsafe else (Applicability.SAFE, "")
    if kind == "install":
        again = (
            f"`{overwritten[0]}` is in the build context and not in .dockerignore: the source copy would overwrite what "
            "`dotnet restore` wrote, and no later build of the project in this stage restores again (add `**/bin` and `**/obj` to .dockerignore)"
        ) if overwritten else ""
        return Plan("install", "dotnet", files=tuple(files), applicability=applicability, note=note, overwritten=again)
    kept: list[str] = []
    restore = set(data["restore_options"])
    for name, value in options:
        base = name.split("=")[0]
        if base in restore or base.startswith(("-p:", "/p:", "--property:")):
            kept.append(name)
            if value is not None:
                kept.append(value)
    prefetch = " ".join([shell_quote(words[0]), "restore", *map(shell_quote, positionals[:1]), *map(shell_quote, kept)])
    return Plan("build", "dotnet", files=tuple(files), applicability=applicability, prefetch=prefetch, note=note, prefetch_safe=not unsafe)


def stale_restore_outputs(project: Project, folders: list[str]) -> str:
    """Why obj/ folders of the context would make the restore after the source copy decide otherwise; "" when not.

    With obj/ in the context the source copy overwrites what the restore moved before it wrote.  The restore a
    later `dotnet build`/`publish` runs first (or the build itself, after an inserted `dotnet restore`) then
    decides from the context's obj/, as the restore did in the original order: NuGet's no-op check compares
    the dependency graph's hash with the one in the cache file (`project.nuget.cache`, `<project>.nuget.cache`
    before SDK 3) and restores again when they differ, writing what the original restore wrote.  That holds
    when each obj/ of the context has its cache file, or no restore output at all (then the earlier restore's
    outputs are all that is there, the ones a restore of the same projects writes).  An obj/ with restore
    outputs (project.assets.json...) but no cache file would leave the earlier restore's cache beside the
    context's stale outputs, and the later restore would take them as current."""
    data = package_managers()["dotnet"]
    for folder in folders:
        outputs = [f for f in project.under(folder, "*") if "/" not in f[len(folder) + 1 :]]
        names = [PurePosixPath(f).name for f in outputs]
        if any(n.endswith(".nuget.cache") for n in names):
            continue
        stale = next((n for n in names if any(fnmatch(n, p) for p in data["restore_outputs"])), None)
        if stale is not None:
            return (
                f"`{folder}/{stale}` is in the build context without the restore's cache file: after the source copy the "
                "restore would take it as current (add `**/bin` and `**/obj` to .dockerignore)"
            )
    return ""


_MSBUILD_FILES = (".csproj", ".fsproj", ".vbproj", ".proj", ".props", ".targets")
_PROJECT_FILES = (".csproj", ".fsproj", ".vbproj", ".proj")
_FILE_ABOVE = re.compile(r"""\$\(\[MSBuild\]::GetPathOfFileAbove\(\s*'?([^',)]+?)'?\s*(?:,\s*'?([^')]*?)'?\s*)?\)\)""")


def restore_inputs(project: Project, projects: list[str]) -> tuple[list[str], str, str]:
    """The safety proof of `dotnet restore`: (the files it reads besides `projects`, why it may read more, why it
    reads source).

    Restore evaluates every project of the graph with MSBuild, which reads, besides the project files: the
    Directory.Build.props/.targets and Directory.Packages.props it finds from each project's folder up,
    NuGet.config files (any case) of the same folders, global.json, and whatever their `<Import Project>`s
    and `<ProjectReference>`s name.  They are read here with xml.etree, followed recursively, with
    `$(MSBuildThisFileDirectory)`, `$(MSBuildProjectDirectory)` (in a project file) and
    `$([MSBuild]::GetPathOfFileAbove(...))` resolved; a path with any other property cannot be followed,
    and then restore may read a file that is not copied (unsafe, naming the import).  An import outside the
    copied folder is read from the image in both orders.  A NuGet.config whose package source is a folder
    of the project makes restore read source (declined).  With every import resolved to a copied file,
    restore reads the same files in both orders and writes obj/ (not in the context) and NuGet's cache; the
    build's own restore after the source copy finds obj/ current or writes it again, as it did before."""
    data = package_managers()["dotnet"]
    read: list[str] = []
    for folder in sorted({str(PurePosixPath(p).parent) for p in projects}):
        current = "" if folder == "." else folder
        while True:
            for name in data["directory_files"]:
                read.extend(f for f in project.under(current, name) if "/" not in f[len(current) + 1 if current else 0 :] and f not in read)
            if current == project.source or not current:
                break
            current = str(PurePosixPath(current).parent)
            current = "" if current == "." else current
    for config in [f for f in read if PurePosixPath(f).name.lower() == "nuget.config"]:
        why = _local_feed(project, config)
        if why:
            return [], "", why
    queue = [f for f in [*projects, *read] if f.endswith(_MSBUILD_FILES)]
    seen: set[str] = set()
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            root = ElementTree.fromstring(project.read(path) or "")
        except ElementTree.ParseError:
            return read, f"`{path}` is not well-formed XML, so what restore imports from it is not known.", ""
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
            if tag == "Import" and element.get("Project") and not element.get("Sdk"):
                raw = element.get("Project") or ""
            elif tag == "ProjectReference" and element.get("Include") and path.endswith(_PROJECT_FILES):
                raw = element.get("Include") or ""
            else:
                continue
            targets, why = _msbuild_paths(project, path, raw)
            if why:
                return read, f"`{path}` imports `{raw}`, {why}, so restore may read a file that is not copied.", ""
            for target in targets:
                if target not in read and target not in projects:
                    read.append(target)
                queue.append(target)
    return read, "", ""


def _msbuild_paths(project: Project, importer: str, raw: str) -> tuple[list[str], str]:
    """The copied files an `<Import Project>`/`<ProjectReference Include>` of `importer` names (none when it
    names a file outside the copy, which the image holds in both orders), or why it cannot be followed."""
    here = project.image_path(str(PurePosixPath(importer).parent))
    value = raw.replace("\\", "/").replace("$(MSBuildThisFileDirectory)", f"{here}/")
    if importer.endswith(_PROJECT_FILES):
        value = value.replace("$(MSBuildProjectDirectory)", str(here))
    above = _FILE_ABOVE.search(value)
    if above is not None:
        name, start = above.group(1), above.group(2) or f"{here}/"
        found = _file_above(project, name, start)
        if found is None:
            return [], ""  # none in the copy: MSBuild looks on into the image, the same in both orders
        value = value[: above.start()] + found + value[above.end() :]
    if "$(" in value or "%(" in value or "@(" in value:
        unknown = re.search(r"[$%@]\([^)]*\)?", value)
        return [], f"whose path uses `{unknown.group(0) if unknown else '$('}`, which the pass does not resolve"
    paths: list[str] = []
    for part in (p.strip() for p in value.split(";") if p.strip()):
        image = part if part.startswith("/") else f"{here}/{part}"
        context_path = project.context_path(normpath(image), PurePosixPath("/"))
        if context_path is None:
            continue  # a file of the image, not of this copy: the same in both orders
        if any(c in context_path for c in "*?"):
            paths.extend(project.under("", context_path))
        elif project.is_file(context_path):
            paths.append(context_path)
    return paths, ""


def _file_above(project: Project, name: str, start: str) -> str | None:
    """`[MSBuild]::GetPathOfFileAbove(name, start)`: the image path of the first `name` of the copy from `start` up."""
    start_folder = project.context_path(start, PurePosixPath("/"))
    for folder in project.folders_up(start_folder) if start_folder is not None else ():
        if project.is_file(in_folder(folder, name)):
            return str(project.image_path(folder) / name)
    return None


def _local_feed(project: Project, config: str) -> str:
    """Why a NuGet.config makes restore read packages from the project itself ("" when it does not)."""
    try:
        root = ElementTree.fromstring(project.read(config) or "")
    except ElementTree.ParseError:
        return f"`{config}` is not well-formed XML"
    sources = next((e for e in root.iter() if isinstance(e.tag, str) and e.tag.lower() == "packagesources"), None)
    for add in sources.iter() if sources is not None else ():
        value = add.get("value") or ""
        if add.tag != "add" or not value or "://" in value:
            continue
        image_folder = project.image_path(str(PurePosixPath(config).parent))
        image = value.replace("\\", "/") if value.startswith("/") else f"{image_folder}/{value.replace(chr(92), '/')}"
        if "%" in value or project.context_path(normpath(image), PurePosixPath("/")) is not None:
            return f"`{config}` has the package source `{value}`, a folder of the project: restore reads packages from the source"
    return ""
