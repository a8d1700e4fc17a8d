"""Go: `go mod download`, and the builds that download while they build (`go build`, `go test`...)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from rewriter.rules import Applicability
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
    if project.exists(in_folder(module, "go.work")):
        return Plan("source", "go", decline="go.work makes this a workspace: `go mod download` reads every member module")
    if project.is_file(in_folder(module, "vendor/modules.txt")):
        return Plan("source", "go", decline="the module is vendored (vendor/modules.txt): the build downloads nothing") if is_download else Plan("source", "go")
    gomod = project.read(in_folder(module, "go.mod")) or ""
    local = re.search(r"=>\s*(\.{1,2}/\S*|/\S+)", gomod)
    if local:
        return Plan("source", "go", decline=f"go.mod replaces a module with the local path `{local.group(1)}`, which is source")
    files = [in_folder(module, "go.mod")] + ([in_folder(module, "go.sum")] if project.is_file(in_folder(module, "go.sum")) else [])
    if is_download:
        return Plan("install", "go", files=tuple(files))
    return Plan(
        "build", "go", files=tuple(files), applicability=Applicability.UNSAFE, prefetch=data["prefetch"],
        note="`go mod download` fetches every module in go.mod, which can be more than the build needed, so the module cache in the image may be larger.",
    )

