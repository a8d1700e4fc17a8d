"""Go: `go mod download`, and the builds that download while they build (`go build`, `go test`...)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from rewriter.shell import Command
from transforms.manifests.common import Env, Plan, Project, in_folder, installs, package_managers


@installs("go", tool="go", fetches_in_build=True)
def go_install(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["go"]
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
    while not project.is_file(in_folder(module, "go.mod")):
        if not module:
            return Plan("source", "go", decline="there is no go.mod in the copied folder") if is_download else Plan("source", "go")
        module = str(PurePosixPath(module).parent)
        module = "" if module == "." else module
    if not is_download and project.exists(in_folder(module, "vendor")) and not project.exists(in_folder(module, "go.work")):
        return Plan("source", "go")  # a vendored build downloads nothing: there is nothing to move
    why = prefetch_risk(project, folder, module, env)
    if why:
        return Plan("source", "go", decline=why)
    files = [in_folder(module, "go.mod")] + ([in_folder(module, "go.sum")] if project.is_file(in_folder(module, "go.sum")) else [])
    if is_download:
        return Plan("install", "go", files=tuple(files))
    return Plan("build", "go", files=tuple(files), prefetch=data["prefetch"], prefetch_safe=True)


def prefetch_risk(project: Project, folder: str, module: str, env: Env) -> str:
    """The safety proof of `go mod download` (the user's, or the one inserted before `go build`); "" when safe.

    With go.mod and go.sum copied, `go mod download` fetches modules into the module cache (GOMODCACHE),
    verified against go.sum, and the build then finds them there instead of fetching them: the same bytes,
    and only a download cache that may hold more modules than the build needed (the modules its tests need
    too).  go.sum, which it may complete, is put back by the source copy.  That holds unless the build reads
    modules from the project itself: a go.work from the working directory up (or GOWORK), a `replace` with a
    local path, or a vendor/ folder (with go 1.14+ the build then uses it and downloads nothing)."""
    gowork = env.get("GOWORK")
    if gowork not in (None, "", "off"):
        return f"GOWORK={gowork} makes this a workspace: `go mod download` reads every member module"
    current = folder
    while True:
        if project.exists(in_folder(current, "go.work")):
            return f"`{in_folder(current, 'go.work')}` makes this a workspace: `go mod download` reads every member module"
        if current == project.source or not current:
            break
        current = str(PurePosixPath(current).parent)
        current = "" if current == "." else current
    if project.exists(in_folder(module, "vendor")):
        return f"the module is vendored (`{in_folder(module, 'vendor')}`): the build reads its modules from there and downloads nothing"
    gomod = project.read(in_folder(module, "go.mod")) or ""
    local = re.search(r"=>\s*(\.{1,2}/\S*|/\S+)", gomod)
    if local:
        return f"go.mod replaces a module with the local path `{local.group(1)}`, which is source"
    return ""
