"""Rust: cargo builds the dependencies before the source copy against stub targets (DF102).

cargo cannot fetch or build anything from Cargo.toml and Cargo.lock alone: loading the package needs its
targets (src/main.rs, src/lib.rs, the `[[bin]]` paths...).  The well-known rewrite gives it empty ones, builds
the dependencies, and then removes what belongs to the project before the source copy:

    COPY Cargo.toml Cargo.lock ./
    RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release \\
        && cargo clean --release -p app && rm -r src
    COPY . .
    RUN cargo build --release

`cargo clean -p` is what makes it right: cargo decides whether a local crate is fresh by comparing its
sources' mtimes with the stub build's dep-info, and COPY keeps the context's mtimes, which are usually older
than the stub build, so without it the real build keeps the stub's binary (measured with cargo 1.95: the
image prints nothing).  With the crate's artifacts and fingerprints gone it is rebuilt from the real sources,
while the dependencies, compiled with the same profile, features and target, are found fresh.  A workspace is
the same with every member (and every path dependency in the folder) stubbed and cleaned.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, NamedTuple

from rewriter.context import toml_loads
from rewriter.shell import Command
from transforms.manifests.common import (
    MAX_INCLUDED_FILES,
    SAFE_WORD,
    Env,
    Plan,
    Project,
    in_folder,
    installs,
    normpath,
    outputs_in_context,
    package_managers,
    parse_options,
    shell_quote,
)

def _fetched_elsewhere(dockerfile: str) -> bool:
    """cargo-chef and `cargo fetch` recipes live in stages of their own: anywhere in the file, they order it."""
    return re.search(r"cargo[ \t]+(chef|fetch)\b", dockerfile) is not None


_CHEF = (
    "Use cargo-chef (`cargo chef prepare` / `cargo chef cook --release`), or copy the manifests with stub targets, "
    "build, and remove the stubs and the crate's own artifacts (`cargo clean -p`) before `COPY . .`."
)


@installs("cargo", tool="cargo", fetches_in_build=True, only_builds=True, ordered_by=_fetched_elsewhere)
def cargo_build(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["cargo"]
    sub = words[1] if len(words) > 1 else ""
    if sub not in data["build_subcommands"]:
        return Plan("source", "cargo")
    folder = project.folder()
    if folder is None or not project.is_file(in_folder(folder, "Cargo.toml")):
        return Plan("source", "cargo")
    options, positionals = parse_options(words[2:], set(data["value_options"]))
    names = [name for name, _ in options]
    if sub == "install" and "--path" not in names:
        return Plan("source", "cargo")  # `cargo install ripgrep` builds a crate of the registry, not this one
    if sub not in data["stub_builds"]:
        return Plan("source", "cargo", decline=f"`cargo {sub}` builds more than the stub targets can prefetch. {_CHEF}")
    if sub == "install" and any(project.context_path(value or "") != folder for name, value in options if name == "--path"):
        return Plan("source", "cargo", decline=f"`cargo install --path` names another folder than the working directory. {_CHEF}")
    if "--manifest-path" in names or positionals:
        return Plan("source", "cargo", decline=f"`cargo {sub}` names a manifest or crate the pass does not follow. {_CHEF}")
    try:
        manifest = toml_loads(project.read(in_folder(folder, "Cargo.toml")) or "")
    except ValueError:
        return Plan("source", "cargo", decline=f"`{in_folder(folder, 'Cargo.toml')}` is not valid TOML")
    crates, why = stub_build_risk(project, folder, manifest)
    if why:
        return Plan("source", "cargo", decline=f"{why}. {_CHEF}")
    files = list(dict.fromkeys([_join(folder, "Cargo.toml")] + [_join(folder, crate.folder, "Cargo.toml") for crate in crates]))
    files += [in_folder(folder, n) for n in data["locks"] if project.is_file(in_folder(folder, n))]
    files += [in_folder(above, n) for above in project.folders_up(folder) for n in data["optional"] if project.is_file(in_folder(above, n))]
    locked = project.is_file(in_folder(folder, "Cargo.lock"))
    return Plan("build", "cargo", files=tuple(files), prefetch=_stub_build(command.words[0].text, sub, options, crates, locked), prefetch_safe=True)


class Crate(NamedTuple):
    """A package of the project: the root package, a workspace member or a path dependency in the copy."""

    folder: str
    """Relative to the folder cargo runs in ("" for the root package)."""
    name: str
    stubs: list[tuple[str, bool]]
    """Its target files relative to `folder`, each with whether it is the library (see `crate_targets`)."""


def stub_build_risk(project: Project, folder: str, manifest: dict[str, Any]) -> tuple[list[Crate], str]:
    """The safety proof of the stub build before the source copy: (the project's crates, why it is declined or "").

    The stub build compiles the dependencies into target/ and writes Cargo.lock; it is followed by `cargo
    clean -p <crate>` for every crate of the project (with the build's profile and target), which removes
    every artifact and fingerprint of those crates, and by removing the stubs, and the Cargo.lock it wrote when
    none is committed (the source copy puts a committed one back).  So the image differs only in target/'s
    cache of dependencies, and the build after the copy compiles the project's crates from their real sources,
    as before.  That holds when every crate of the project (the root package, the workspace members, the path
    dependencies and `[patch]`es, all inside the folder) has its manifest copied and every target cargo would
    load stubbed.  A path outside the folder, a vendored source (`directory` in .cargo/config.toml), a
    Cargo.toml above the folder (which may make it a workspace member) and a target/ folder in the context
    (the copy would overwrite the build's) are declined."""
    root = next((in_folder(f, "Cargo.toml") for f in project.folders_up(folder)[1:] if project.is_file(in_folder(f, "Cargo.toml"))), None)
    if root is not None:
        return [], f"`{root}` above the package may make it a workspace member, built in the workspace's target/"
    for config in (in_folder(f, n) for f in project.folders_up(folder) for n in (".cargo/config.toml", ".cargo/config")):
        if re.search(r"^\s*directory\s*=", project.read(config) or "", re.M):
            return [], f"`{config}` replaces a source with a vendored directory, which is source"
    why = outputs_in_context(project, folder, package_managers()["cargo"]["outputs"], "cargo")
    if why:
        return [], why.split(" (add")[0]
    found, why = _local_crates(project, folder, manifest)
    if why:
        return [], why
    crates: list[Crate] = []
    for relative, crate_manifest in found:
        name = crate_manifest["package"].get("name")
        where = in_folder(relative, "Cargo.toml")
        if not isinstance(name, str) or not SAFE_WORD.match(name):
            return [], f"`{where}` names no plain package"
        stubs = crate_targets(project, _join(folder, relative), crate_manifest)
        if not stubs:
            return [], f"`{where}` has no target the pass can find"
        odd = next((path for path, _ in stubs if not SAFE_WORD.match(in_folder(relative, path)) or path.startswith(("/", "..")) or normpath(path) != path), None)
        if odd is not None:
            return [], f"the target path `{odd}` of `{where}` is not a plain path inside the package"
        missing = next((path for path, _ in stubs if not project.is_file(_join(folder, relative, path))), None)
        if missing is not None:  # the source copy must put back every stub the chain removes
            return [], f"the target `{in_folder(relative, missing)}` of `{where}` is not a file of the build context"
        system = next((path for path, _ in stubs if _in_system_folder(project.dest / folder / relative / path)), None) if project.dest == PurePosixPath("/") else None
        if system is not None:
            return [], f"the stub `{in_folder(relative, system)}` would go into the image's own `{(project.dest / folder / relative / system).parts[1]}` folder, whose mode the stub build's rmdir could change"
        crates.append(Crate(relative, name, stubs))
    return crates, ""


_SYSTEM_FOLDERS = frozenset({"bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "media", "mnt", "opt", "proc", "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var"})
"""The Filesystem Hierarchy Standard's top-level folders, which every Linux base image has."""


def _in_system_folder(path: PurePosixPath) -> bool:
    """True for a path under a top-level system folder.  A copy that lands at `/` (no WORKDIR) puts the
    stubs beside the image's own folders: only new ones (/src, /target) are the build's to make and remove."""
    return len(path.parts) > 2 and path.parts[1] in _SYSTEM_FOLDERS


def _local_crates(project: Project, folder: str, manifest: dict[str, Any]) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """The project's packages, each with its folder relative to `folder` and its manifest: the root package,
    the workspace members (globs expanded, `exclude` left out) and, followed from each, the path dependencies
    and `[patch]`/`[replace]` paths; or why they cannot be followed."""
    found: dict[str, dict[str, Any]] = {}
    queue: list[tuple[str, str]] = []  # (folder relative to `folder`, who names it)
    workspace = manifest.get("workspace")
    if "package" in manifest:
        found[""] = manifest
    if isinstance(workspace, dict):
        excluded = {normpath(str(e)) for e in workspace.get("exclude", [])}
        prefix = in_folder(folder, "")
        for pattern in workspace.get("members", []):
            pattern = str(pattern)
            if any(c in pattern for c in "*?["):
                members = [m[len(prefix) : -len("/Cargo.toml")] for m in project.under(folder, f"{pattern}/Cargo.toml")]
            else:
                members = [normpath(pattern)]
            queue.extend((m, "the workspace") for m in members if m not in excluded)
    if not found and not queue:
        return [], "Cargo.toml has neither a package nor workspace members"
    for relative in list(found):
        queue.extend((in_folder(relative, p), f"`{_join(folder, relative, 'Cargo.toml')}`") for p in _path_dependencies(found[relative]))
    while queue:
        written, named_by = queue.pop(0)
        relative = normpath(written)
        relative = "" if relative == "." else relative
        if relative in found:
            continue
        if relative.startswith(("..", "/")):
            return [], f"{named_by} names the path `{written}` outside the package's folder, which is source"
        if len(found) >= MAX_INCLUDED_FILES:
            return [], f"the project has more than {MAX_INCLUDED_FILES} crates"
        where = _join(folder, relative, "Cargo.toml")
        try:
            crate = toml_loads(project.read(where) or "")
        except ValueError:
            return [], f"`{where}` is not valid TOML"
        if "package" not in crate:
            return [], f"{named_by} names `{relative}`, which has no package manifest in the build context"
        found[relative] = crate
        queue.extend((in_folder(relative, p), f"`{_join(folder, relative, 'Cargo.toml')}`") for p in _path_dependencies(crate))
    return sorted(found.items()), ""


def _join(*parts: str) -> str:
    """Context path parts joined, the empty ones (the context's root, the root package) left out."""
    return "/".join(part for part in parts if part)


def _path_dependencies(manifest: dict[str, Any]) -> list[str]:
    """The `path`s of the dependency tables, target-specific ones, `[workspace.dependencies]`, `[patch]` and
    `[replace]`."""
    kinds = ("dependencies", "dev-dependencies", "build-dependencies")
    tables: list[Any] = [manifest.get(key, {}) for key in kinds]
    for target in manifest.get("target", {}).values():
        tables.extend(target.get(key, {}) for key in kinds)
    tables.extend(manifest.get("patch", {}).values())
    tables.append(manifest.get("replace", {}))
    workspace = manifest.get("workspace")
    if isinstance(workspace, dict):
        tables.append(workspace.get("dependencies", {}))
    return [
        spec["path"]
        for table in tables
        if isinstance(table, dict)
        for spec in table.values()
        if isinstance(spec, dict) and isinstance(spec.get("path"), str)
    ]


def crate_targets(project: Project, folder: str, manifest: dict[str, Any]) -> list[tuple[str, bool]]:
    """The target files cargo loads for the package, relative to its folder, each with whether it is the
    library (the others are given a `main`): the declared `[lib]`, `[[bin]]`, `[[example]]`, `[[test]]`,
    `[[bench]]` and `build` paths (or their defaults), and what target auto-discovery finds in the context
    (src/lib.rs, src/main.rs, src/bin/*.rs, src/bin/*/main.rs, build.rs)."""
    package = manifest["package"]
    found: dict[str, bool] = {}

    def exists(path: str) -> bool:
        return project.is_file(in_folder(folder, path))

    lib = manifest.get("lib")
    if isinstance(lib, dict) or (package.get("autolib", True) and exists("src/lib.rs")):
        found[str((lib or {}).get("path") or "src/lib.rs")] = True
    if package.get("autobins", True):
        if exists("src/main.rs"):
            found["src/main.rs"] = False
        prefix = in_folder(folder, "")
        for path in project.under(in_folder(folder, "src/bin"), "*.rs") + project.under(in_folder(folder, "src/bin"), "*/main.rs"):
            found[path[len(prefix) :]] = False
    defaults = {"bin": "src/bin", "example": "examples", "test": "tests", "bench": "benches"}
    for kind, directory in defaults.items():
        for target in manifest.get(kind, []):
            path = target.get("path")
            if not isinstance(path, str):
                name = str(target.get("name", ""))
                candidates = [f"{directory}/{name}.rs", f"{directory}/{name}/main.rs"]
                if kind == "bin" and name == package["name"]:
                    candidates.insert(0, "src/main.rs")
                path = next((c for c in candidates if exists(c)), candidates[0])
            found[path] = False
    build = package.get("build")
    if isinstance(build, str):
        found[build] = False
    elif build is not False and exists("build.rs"):
        found["build.rs"] = False
    return sorted(found.items())


def _stub_build(program: str, sub: str, options: list[tuple[str, str | None]], crates: list[Crate], locked: bool) -> str:
    """The stub build's chain: make the stubs, build, clean the project's own crates, remove the stubs.

    `program` is cargo as the build writes it (`/usr/local/cargo/bin/cargo`), so that the build's variables
    go in front of the same commands.  Only what the chain made is removed: the stubs (each a file of the
    context, which the source copy puts back), the Cargo.lock it wrote when none is committed, and the
    stubs' folders where nothing else is in them."""
    data = package_managers()["cargo"]
    build: list[str] = []
    clean: list[str] = []
    for name, value in options:
        option = [name] + ([value] if value is not None else [])
        if sub == "install" and name in data["install_only"]:
            continue
        if not locked and name in ("--locked", "--frozen"):  # with no lock to keep, `cargo build` would refuse to write one
            option = [] if name == "--locked" else ["--offline"]
        build.extend(option)
        if name.split("=")[0] in data["clean_options"]:
            clean.extend(option)
    profile = [n.split("=")[0] for n, _ in options]
    if sub == "install" and "--debug" not in profile and "--profile" not in profile:
        build.insert(0, "--release")
        clean.insert(0, "--release")
    stubs = [(in_folder(crate.folder, path), is_lib) for crate in crates for path, is_lib in crate.stubs]
    parents = {str(PurePosixPath(path).parent) for path, _ in stubs} - {"."}
    folders = sorted(f for f in parents if not any(other.startswith(f + "/") for other in parents))
    steps = [f"mkdir -p {' '.join(folders)}"] if folders else []
    steps += [f"touch {path}" if is_lib else f"echo 'fn main() {{}}' > {path}" for path, is_lib in sorted(stubs)]
    steps.append(" ".join([program, "build", *map(shell_quote, build)]))
    steps.append(" ".join([program, "clean", *map(shell_quote, clean), *(f"-p {crate.name}" for crate in crates)]))
    steps.append(f"rm {' '.join(sorted(path for path, _ in stubs) + ([] if locked else ['Cargo.lock']))}")
    if folders:
        steps.append(f"rmdir -p --ignore-fail-on-non-empty {' '.join(folders)}")
    return " && ".join(steps)
