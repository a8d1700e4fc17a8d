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
            if is_download:
                return Plan("source", "go", decline="there is no go.mod in the copied folder")
            return Plan("source", "go", decline=NO_MODULE) if sub in ("get", "build", "install") else Plan("source", "go")
        module = str(PurePosixPath(module).parent)
        module = "" if module == "." else module
    gopath = gopath_mode(project, {**env, **_assigned(command)})
    if gopath:
        return Plan("source", "go", decline=gopath)
    if not is_download and project.exists(in_folder(module, "vendor")) and not project.exists(in_folder(module, "go.work")):
        return Plan("source", "go")  # a vendored build downloads nothing: there is nothing to move
    why = prefetch_risk(project, folder, module, env)
    if why:
        return Plan("source", "go", decline=why)
    files = [in_folder(module, "go.mod")] + ([in_folder(module, "go.sum")] if project.is_file(in_folder(module, "go.sum")) else [])
    if is_download:
        return Plan("install", "go", files=tuple(files))
    return Plan("build", "go", files=tuple(files), prefetch=data["prefetch"], prefetch_safe=True)


NO_MODULE = (
    "there is no go.mod in the copied folder, so go works in GOPATH mode and finds the dependencies in the source's "
    "imports; with a go.mod and go.sum (`go mod init` and `go mod tidy`) they could be downloaded before the source copy"
)


def _assigned(command: Command) -> Env:
    """The variables a command sets for itself (`GO111MODULE=on go build`)."""
    pairs = (a.text.partition("=") for a in command.assignments)
    return {name: value for name, _, value in pairs}


def gopath_mode(project: Project, env: Env) -> str:
    """Why the go command works in GOPATH mode although the copy has a go.mod ("" in module mode).

    `go mod download` does not exist before Go 1.11 and reads nothing in GOPATH mode; Go 1.11 and 1.12 use
    modules inside $GOPATH/src only with GO111MODULE=on; GO111MODULE=off turns them off in every version.  The
    version is read from a `golang:<major>.<minor>` image; another image is taken to run a current Go."""
    data = package_managers()["go"]
    setting = (env.get("GO111MODULE") or "").lower()
    if setting == "off":
        return "GO111MODULE=off: go works in GOPATH mode, and `go mod download` would read nothing"
    found = re.search(r"(?:^|/)golang:(\d+)\.(\d+)", project.image)
    if found is None:
        return ""
    version = (int(found.group(1)), int(found.group(2)))
    if version < _version(data["modules_since"]):
        return f"Go {found.group(1)}.{found.group(2)} has no modules: it reads the dependencies from GOPATH and the source's imports, and has no `go mod download`"
    gopath_src = PurePosixPath(data["gopath"]) / "src"
    inside = project.cwd == gopath_src or gopath_src in project.cwd.parents
    if version < _version(data["modules_auto_since"]) and setting != "on" and inside:
        return (
            f"Go {found.group(1)}.{found.group(2)} works in GOPATH mode inside {gopath_src} unless GO111MODULE=on, "
            "so it reads the dependencies from GOPATH and the source's imports"
        )
    return ""


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


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
