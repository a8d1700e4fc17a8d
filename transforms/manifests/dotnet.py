""".NET: `dotnet restore`, and the builds that restore first (`dotnet build`, `dotnet publish`...)."""

from __future__ import annotations

from pathlib import PurePosixPath

from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms.manifests.common import Env, Plan, Project, in_folder, installs, package_managers, parse_options, shell_quote


@installs("dotnet", tool="dotnet", fetches_in_build=True, manifest_names=("*.csproj", "*.fsproj", "*.sln"))
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
    for directory in sorted({str(PurePosixPath(f).parent) for f in files}):
        for out in data["outputs"]:
            path = in_folder("" if directory == "." else directory, out)
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
    prefetch = " ".join([shell_quote(words[0]), "restore", *map(shell_quote, positionals[:1]), *map(shell_quote, kept)])
    return Plan("build", "dotnet", files=tuple(sorted(set(files))), applicability=Applicability.UNSAFE, prefetch=prefetch, note=note)

