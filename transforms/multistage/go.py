"""DF401's plan: a Go binary on distroless static/base or debian-slim."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Iterator, NamedTuple

from rewriter.context import FileContext
from rewriter.rules import Edit
from rewriter.shell import Command
from rewriter.syntax import Instruction, Stage
from rewriter.variables import resolve_image
from transforms.apt import recommends_brought
from transforms.base_images.knowledge import ImageRef
from transforms.base_images.knowledge import knowledge as base_knowledge
from transforms.multistage.common import (
    Decline,
    Facts,
    Image,
    Plan,
    absolute,
    apt_line,
    cgo_disabled,
    check_outputs_stay,
    check_start,
    check_user,
    debian_slim,
    distroless,
    distroless_size,
    entry_binary,
    flag_value,
    healthcheck_tools,
    is_alpine,
    knowledge,
    parse_shell_text,
    size_of,
    under,
    user_setup_runs,
    workdir_and_binaries,
)


def _go_sources(facts: Facts) -> list[tuple[str, str]]:
    build = facts.context.build_context
    if build is None:
        return []
    out = []
    for path in build.files():
        if path.endswith(".go") and not path.endswith("_test.go") and "/vendor/" not in f"/{path}":
            text = build.read_text(path)
            if text is not None:
                out.append((path, text))
    return out


def go_outputs(facts: Facts) -> list[tuple[str, Command, Instruction]]:
    """The absolute paths `go build`/`go install` write, with the command of the Dockerfile that runs each
    (`make`, for a build a Makefile recipe runs)."""
    outputs = []
    for ins, command, verb, args, cwd in facts.build_commands("go"):
        outputs += [(path, command, ins) for path in _command_outputs(facts, ins, command, verb, args, cwd)]
    for ins, command, cwd in facts.command_dirs():
        if command.name == "make":
            for inner, verb, args, inner_cwd in makefile_go_commands(facts, ins, command, cwd):
                outputs += [(path, command, ins) for path in _command_outputs(facts, ins, inner, verb, args, inner_cwd)]
    if not outputs:
        raise Decline("no `go build` or `go install` whose output is known")
    return outputs


def _command_outputs(facts: Facts, ins: Instruction, command: Command, verb: str, args: list[str], cwd: str | None) -> list[str]:
    """The binaries one `go build`/`go install` writes."""
    present, chdir = flag_value(args, ("-C", "--C"))
    if present:
        cwd = absolute(chdir, cwd) if chdir else None  # `-C dir`: everything after it is relative to dir
    if cwd is None:
        raise Decline(f"line {ins.line}: `go {verb}` in an unknown working directory")  # timid:
    packages = _go_packages(args) or ["."]
    env = facts.command_env(ins, command)
    if verb == "install":
        bin_dir = _install_dir(facts, ins, command, cwd)
        return [f"{bin_dir}/{name}" for package in packages for name in _binary_names(facts, ins, env, package, cwd, install=True)]
    present, out = flag_value(args, ("-o", "--o"))
    if present:
        if not out or out.endswith("/"):
            raise Decline(f"line {ins.line}: `go build -o` to a directory")  # timid:
        path = absolute(out, cwd)
    elif all(p.endswith(".go") for p in packages):
        path = absolute(PurePosixPath(packages[0]).stem, cwd)  # `go build main.go util.go` -> main
    else:
        if len(packages) > 1 or packages[0].endswith("..."):
            raise Decline(f"line {ins.line}: `go build` of several packages writes no binary")  # timid:
        path = absolute(_binary_names(facts, ins, env, packages[0], cwd, install=False)[0], cwd)
    return [str(path)]


_MAKE_ASSIGNMENT = re.compile(r"^(?:export\s+|override\s+)?([A-Za-z_][\w.]*)\s*(?::{1,3}=|\?=|=)\s*(.*?)\s*$")
_MAKE_RULE = re.compile(r"^([^\s:=#][^:=#]*?)\s*::?(?!=)\s*([^=;#]*?)\s*(?:;.*)?$")
_MAKE_REFERENCE = re.compile(r"\$[({]([A-Za-z_][\w.]*)[)}]")


def makefile_go_commands(facts: Facts, ins: Instruction, make: Command, cwd: str | None) -> Iterator[tuple[Command, str, list[str], str | None]]:
    """The `go build`/`go install` commands that `make [target...]` runs, read from a simple Makefile.

    Simple means: `NAME = value` variables (also :=, ?=) and `target: prerequisites` rules with
    tab-indented recipes; the targets asked for (the first one by default) and their prerequisites
    are followed.  Anything else a recipe of theirs uses (a variable not defined there, $(shell ...),
    include) makes the split decline: the binary's path would be a guess.
    """
    values = make.arg_values()
    if any(v is None for v in values) or any(v and v.startswith("-") for v in values):
        raise Decline(f"line {ins.line}: `make` with options or computed arguments: the binary's path is not followed")  # timid:
    if cwd is None:
        raise Decline(f"line {ins.line}: `make` in an unknown working directory")  # timid:
    text = facts.context_text(f"{cwd.rstrip('/')}/Makefile") or facts.context_text(f"{cwd.rstrip('/')}/makefile")
    if text is None:
        raise Decline(f"line {ins.line}: `make`: no Makefile the stage copied to {cwd}")  # timid:
    variables: dict[str, str] = {}
    rules: dict[str, tuple[list[str], list[str]]] = {}
    order: list[str] = []
    current: list[str] | None = None
    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("\t"):
            if current is not None:
                current.append(line[1:].lstrip("@-+ "))
            continue
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if stripped.startswith(("include", "-include", "ifeq", "ifneq", "ifdef", "ifndef", "define")):
            raise Decline(f"line {ins.line}: the Makefile uses `{stripped.split()[0]}`: not a simple Makefile")  # timid:
        assignment = _MAKE_ASSIGNMENT.match(stripped)
        if assignment:
            if "?=" not in stripped or assignment.group(1) not in variables:
                variables[assignment.group(1)] = assignment.group(2)
            current = None
            continue
        rule = _MAKE_RULE.match(stripped)
        if rule:
            current = []
            for target in rule.group(1).split():
                rules[target] = (rule.group(2).split(), current)
                if not target.startswith("."):
                    order.append(target)
            continue
        current = None
    goals = [v for v in values if v is not None] or order[:1]
    seen: set[str] = set()
    recipes: list[str] = []

    def visit(target: str, depth: int) -> None:
        if target in seen or depth > 8:
            return
        seen.add(target)
        prerequisites, lines = rules.get(target, ([], []))
        for prerequisite in prerequisites:
            visit(prerequisite, depth + 1)
        recipes.extend(lines)

    for goal in goals:
        if goal not in rules:
            raise Decline(f"line {ins.line}: `make {goal}`: no such target in the Makefile")  # timid:
        visit(goal, 0)
    for recipe in recipes:
        expanded = _make_expand(recipe, variables)
        if expanded is None or "$(" in expanded or "${" in expanded:
            if "go " in recipe:
                raise Decline(f"line {ins.line}: a Makefile recipe `{recipe.strip()}` uses what dockerfix cannot expand")  # timid:
            continue
        script = parse_shell_text(expanded.replace("$$", "$"))
        if script.has_errors:
            raise Decline(f"line {ins.line}: a Makefile recipe dockerfix cannot read as shell")  # timid:
        recipe_cwd: str | None = cwd
        for command in script.commands:
            words = command.arg_values()
            if command.name == "go" and words and words[0] in ("build", "install"):
                if any(w is None for w in words) or any(a.text.startswith("CGO_ENABLED=") for a in command.assignments):
                    raise Decline(f"line {ins.line}: the Makefile's `go {words[0]}` sets its own environment or computes arguments")  # timid:
                yield command, str(words[0]), [str(w) for w in words[1:]], recipe_cwd
            if command.name == "cd":
                target = words[0] if len(words) == 1 and not command.in_subshell and not command.conditional else None
                recipe_cwd = absolute(target, recipe_cwd) if target else None


def _make_expand(text: str, variables: dict[str, str], depth: int = 0) -> str | None:
    """$(NAME) and ${NAME} replaced by the Makefile's values (recursively); None for an undefined one."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        if name not in variables:
            missing = True
            return match.group(0)
        found = _make_expand(variables[name], variables, depth + 1) if depth < 8 else None
        if found is None:
            missing = True
            return match.group(0)
        return found

    out = _MAKE_REFERENCE.sub(value, text)
    return None if missing else out


_GO_FLAGS_WITH_VALUE = frozenset({"-o", "-ldflags", "-gcflags", "-tags", "-mod", "-p", "-asmflags", "-buildmode", "-compiler", "-gccgoflags", "-installsuffix", "-modfile", "-overlay", "-pkgdir", "-toolexec", "-pgo", "-C"})


def _go_packages(args: list[str]) -> list[str]:
    packages = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            if arg in _GO_FLAGS_WITH_VALUE or arg.lstrip("-") in {f.lstrip("-") for f in _GO_FLAGS_WITH_VALUE}:
                skip = True
            continue
        packages.append(arg)
    return packages


def _import_name(import_path: str) -> str:
    """The binary name of a main package: the last element of its import path that is not a major version (`/v2`)."""
    elements = [e for e in import_path.strip("/").split("/") if e]
    while len(elements) > 1 and re.fullmatch(r"v\d+", elements[-1]):
        elements.pop()
    return elements[-1]


def _go_version(facts: Facts) -> tuple[int, int] | None:
    """The Go release of the image tag (`1.13.3-alpine` -> (1, 13)), or of the Debian package that installs it;
    None for the newest (`1`, `alpine`, `latest`, a release the table does not know)."""
    if facts.image.repo != "golang":
        version = debian_go_release(facts.context, facts.stage)
    else:
        version, _ = facts.image.split()
    m = re.match(r"(\d+)\.(\d+)", version or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def _apt_installs(context: FileContext, stage: Stage) -> list[str]:
    """The package words of the stage's `apt-get install` / `apt install` commands (None for a computed one)."""
    words: list[str] = []
    for ins in stage.instructions:
        script = context.shell(ins) if ins.name == "RUN" else None
        for command in script.commands if script is not None else []:
            values = command.arg_values()
            if command.name in ("apt-get", "apt") and "install" in values:
                words += [v for v in values[values.index("install") + 1 :] if v is not None and not v.startswith("-")]
    return words


def debian_go_packages(context: FileContext, stage: Stage) -> list[str]:
    """The Go toolchain packages (golang-go, golang-1.NN-go) the stage installs with apt on a debian or ubuntu
    image; [] for any other image.  DF401 splits such a build as it splits one on the golang image."""
    data = knowledge()["go"]["debian"]
    ref = resolve_image(context.document, stage)
    if ref is None or Image.parse(ref).repo not in data["images"]:
        return []
    versioned = re.compile(data["versioned"])
    return [p.split("=", 1)[0] for p in _apt_installs(context, stage) if p.split("=", 1)[0] in data["packages"] or versioned.fullmatch(p.split("=", 1)[0])]


def debian_go_release(context: FileContext, stage: Stage) -> str | None:
    """The Go release a Debian toolchain package installs: `golang-1.NN-go` names it; golang-go installs the
    default of the image's Debian or Ubuntu release (the knowledge base's codename, the table of releases)."""
    data = knowledge()["go"]["debian"]
    packages = debian_go_packages(context, stage)
    named = {m.group(1) for p in packages if (m := re.fullmatch(data["versioned"], p))}
    if len(named) == 1:
        return named.pop()
    ref = resolve_image(context.document, stage)
    image = ImageRef.parse(ref) if ref is not None else None
    tag = base_knowledge(context).parse_tag(image.name, image.tag) if image is not None else None
    codename = tag.codename if tag is not None else None
    return data["default_go"].get(codename or "")


def _module_of(facts: Facts, directory: str) -> tuple[str, str] | None:
    """(module path, module root) of the go.mod at or above `directory` in the image, as the stage copied it."""
    for folder in [PurePosixPath(directory), *PurePosixPath(directory).parents]:
        text = facts.context_text(str(folder / "go.mod"))
        if text is not None:
            m = re.search(r"^module\s+(\S+)", text, re.M)
            return (m.group(1).strip('"'), str(folder)) if m else None
    return None


def _module_mode(facts: Facts, env: dict[str, str | None], directory: str, has_go_mod: bool) -> bool:
    """Whether `go` builds in module mode here: GO111MODULE (`env`: the command's), else the default of the image's Go release."""
    setting = env.get("GO111MODULE") or ""
    version = _go_version(facts)
    if setting in ("on", "off"):
        return setting == "on"
    if version is not None and version < (1, 11):
        return False
    if setting != "auto" and (version is None or version >= (1, 16)):
        return True
    gopath_src = f"{_gopath(facts, env)}/src"
    return has_go_mod and (version is None or version >= (1, 13) or not under(directory, gopath_src))


def _gopath(facts: Facts, env: dict[str, str | None]) -> str:
    """The first GOPATH in `env` (a command's environment), else the golang image's, else Go's default for root
    ($HOME/go) with a Debian toolchain, which sets none."""
    default = knowledge()["image_env"]["golang"] if facts.image.repo == "golang" else {"GOPATH": knowledge()["go"]["debian"]["gopath"]}
    known = {**default, **{k: v for k, v in env.items() if v is not None}}
    return known["GOPATH"].split(":", 1)[0]


def _install_dir(facts: Facts, ins: Instruction, command: Command, cwd: str) -> str:
    """Where `go install` writes: GOBIN, else the first GOPATH's bin (the golang image: /go/bin)."""
    env = facts.command_env(ins, command)
    gobin = env.get("GOBIN")
    if "GOBIN" in env:
        if gobin is None or not gobin.startswith("/"):
            raise Decline(f"line {ins.line}: `go install` with a GOBIN that is not known")  # timid:
        return str(PurePosixPath(gobin))
    if "GOPATH" not in env and facts.image.repo != "golang" and _user_before(facts, ins):
        raise Decline(f"line {ins.line}: `go install` as a USER whose home folder, where GOPATH defaults, is not known")  # timid:
    gopath = _gopath(facts, env)
    if not gopath.startswith("/"):
        raise Decline(f"line {ins.line}: `go install` with a GOPATH that is not known")  # timid:
    return f"{gopath.rstrip('/')}/bin"


def _user_before(facts: Facts, ins: Instruction) -> bool:
    """A USER other than root set before `ins` (Go's defaults then follow that user's home folder)."""
    users = [i for i in facts.stage.instructions if i.name == "USER" and i.index < ins.index]
    return bool(users) and users[-1].args.text.strip().split(":", 1)[0] not in ("root", "0")


def _binary_names(facts: Facts, ins: Instruction, env: dict[str, str | None], package: str, cwd: str, install: bool) -> list[str]:
    """The binaries `go build`/`go install` of `package` writes, named as `go help build` says."""
    if "@" in package:
        return [_import_name(package.split("@", 1)[0])]  # go install tool@version: a module from the proxy
    if package.endswith(".go"):
        raise Decline(f"line {ins.line}: `go install` of .go files has no install location")  # timid:
    pattern = package.endswith("...")
    root = package[: -len("...")].rstrip("/") if pattern else package
    if not (root in (".", "..", "") or root.startswith(("./", "../", "/"))):
        if pattern:
            raise Decline(f"line {ins.line}: `go {package}`: which packages the pattern names is not known")  # timid:
        return [_import_name(package)]  # an import path
    directory = absolute(root or ".", cwd)
    assert directory is not None
    directories = _main_packages(facts, directory) if pattern else [directory]
    if not directories:
        raise Decline(f"line {ins.line}: `{package}` names no main package in the build context")  # timid:
    if len(directories) > 1 and not install:
        raise Decline(f"line {ins.line}: `go build {package}` of several packages writes no binary")  # timid:
    module = _module_of(facts, directory)
    if not _module_mode(facts, env, directory, module is not None):
        gopath_src = f"{_gopath(facts, env)}/src"
        if install and not under(directory, gopath_src):
            raise Decline(f"line {ins.line}: `go install` in GOPATH mode of {directory}, outside {gopath_src}: no install location")  # timid:
        return [_import_name(d) for d in directories]  # GOPATH mode: the folder's import path under $GOPATH/src
    if module is None:
        raise Decline(f"line {ins.line}: no go.mod at or above {directory}, and this Go builds modules only")  # timid:
    path, module_root = module
    return [_import_name(path + d[len(module_root.rstrip("/")) :]) for d in directories]


def _main_packages(facts: Facts, directory: str) -> list[str]:
    """The folders under `directory` in the image that hold a main package, from the build context."""
    build = facts.context.build_context
    source = facts.context_source(directory)
    if build is None or source is None:
        return []
    prefix = "" if source == "." else source.rstrip("/") + "/"
    found = set()
    for path in build.files():
        if not path.startswith(prefix) or not path.endswith(".go") or path.endswith("_test.go"):
            continue
        rel = PurePosixPath(path[len(prefix) :])
        if any(part.startswith((".", "_")) or part in ("testdata", "vendor") for part in rel.parts[:-1]):
            continue  # `./...` skips these folders
        if re.search(r"^package\s+main\b", build.read_text(path) or "", re.M):
            found.add(str(PurePosixPath(directory) / rel.parent))
    return sorted(found)


def _go_needs_cgo(facts: Facts, sources: list[tuple[str, str]]) -> str | None:
    """Why the build needs cgo, or None."""
    for ins, command in facts.commands():
        if command.name == "go":
            for a in command.assignments:
                if a.text.startswith("CGO_ENABLED=") and a.text != "CGO_ENABLED=0":
                    return f"line {ins.line} sets {a.text}"
            if "-race" in command.arg_values():
                return f"line {ins.line} builds with -race"
        env = facts.context.env_at(ins)
        if env.get("CGO_ENABLED") not in (None, "0") and command.name == "go":
            return "CGO_ENABLED is set in the Dockerfile"
    for path, text in sources:
        if re.search(r'^\s*import\s+"C"|^\s*"C"\s*$', text, re.M):
            return f"{path} imports \"C\""
    build = facts.context.build_context
    gomod = build.read_text("go.mod") if build is not None else None
    for module in knowledge()["go"]["cgo_modules"]:
        if gomod and module in gomod:
            return f"go.mod requires {module}, which needs cgo"
    return None


_GO_TOKENS = re.compile(
    r"""(?P<skip>//[^\n]*|/\*.*?\*/|'(?:[^'\\\n]|\\.)*'|^[ \t]*import\s*\([^)]*\)|^[ \t]*import\s+(?:[\w.]+\s+)?"[^"\n]*")"""
    r"""|"(?P<interpreted>(?:[^"\\\n]|\\.)*)"|`(?P<raw>[^`]*)`""",
    re.S | re.M,
)
_GLOB = re.compile(r"[*?\[]")


def go_string_literals(text: str) -> Iterator[str]:
    """The string literals of Go source text, outside comments, rune literals and imports.

    Interpreted strings with escapes are left out: a path is written without them.
    """
    for token in _GO_TOKENS.finditer(text):
        if token.group("raw") is not None:
            yield token.group("raw")
        elif token.group("interpreted") is not None and "\\" not in token.group("interpreted"):
            yield token.group("interpreted")


def _literal_path(value: str) -> str | None:
    """The path a string literal may name: the folder part before a wildcard (`templates/*.html` -> `templates`)."""
    if not value or value.strip() != value or "\n" in value or "://" in value or value.startswith(("-", "~", "$")):
        return None
    parts = PurePosixPath(value).parts
    for index, part in enumerate(parts):
        if _GLOB.search(part):
            parts = parts[:index]
            break
    if not parts or parts in (("/",), (".",)):
        return None  # the working directory or the root: not one file that can be named
    return str(PurePosixPath(*parts))


def _only_sources(build, source: str) -> bool:  # type: ignore[no-untyped-def]
    """A context file or folder that holds nothing but Go sources and module files (the binary has them compiled in)."""
    names = [source] if build.is_file(source) else [f for f in build.files() if under(f, source)]
    return all(n.endswith(".go") or PurePosixPath(n).name in ("go.mod", "go.sum", "go.work", "go.work.sum") for n in names)


def _maybe_copied(facts: Facts, image_path: str) -> bool:
    """Whether a COPY of a context folder would put `image_path` in the image if the build context had it
    (a file git ignores, such as `.env`, is missing from a checkout but present where the image is built)."""
    build = facts.context.build_context
    if build is None:
        return False
    for _, sources, dest in facts.copies():
        for source in sources:
            src = source.strip("/") or "."
            base = dest.rstrip("/") or "/"
            if build.exists(src) and not build.is_file(src) and under(image_path, base) and image_path != base:
                rel = image_path[len(base.rstrip("/")) + 1 :]
                if not build.ignore.excluded(rel if src == "." else f"{src}/{rel}"):
                    return True
    return False


def _data_file_name(value: str) -> bool:
    """A literal that reads as a data file's name (`messages.json`, `.env`), not a host name or a key."""
    name = PurePosixPath(value).name
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return name.startswith(".env") or suffix in knowledge()["go"]["data_file_suffixes"]


def _names_a_file_within(facts: Facts, value: str, folders: dict[str, str]) -> bool:
    """A literal that is the name of a file inside a folder the sources name: a template's name
    (`ExecuteTemplate(w, "index.html", ...)` after `ParseGlob("templates/*")`), not a file of its own."""
    build = facts.context.build_context
    if build is None or "/" in value:
        return False
    for folder in folders:
        source = facts.context_source(folder)
        if source is not None and not build.is_file(source):
            prefix = "" if source == "." else source.rstrip("/") + "/"
            if any(f.startswith(prefix) and PurePosixPath(f).name == value for f in build.files()):
                return True
    return False


def application_folders(facts: Facts) -> list[str]:
    """Where the stage's COPY/ADD from the build context write: the application files, as the image has them."""
    build = facts.context.build_context
    targets: set[str] = set()
    for _, sources, dest in facts.copies():
        for source in sources:
            src = source.strip("/") or "."
            is_file = build is not None and build.is_file(src)
            if is_file and (dest.endswith("/") or len(sources) > 1):
                targets.add(str(PurePosixPath(dest) / PurePosixPath(src).name))
            else:
                targets.add(str(PurePosixPath(dest)))
    return sorted(t for t in targets if not any(t != o and under(t, o) for o in targets))


def _check_apart_from_toolchain(facts: Facts, folders: list[str]) -> None:
    """Decline when copying `folders` would bring the toolchain, module cache or installed tools along."""
    gopath = _gopath(facts, facts.context.env_at(facts.stage.instructions[-1])).rstrip("/")
    kept_out = [f"{gopath}/pkg", f"{gopath}/bin", *knowledge()["go"]["goroot"], *knowledge()["go"]["debian"]["goroot"]]
    for folder in folders:
        for path in kept_out:
            if under(path, folder) or under(folder, path):
                raise Decline(f"the application files are copied to {folder}, together with the Go toolchain or module cache in {path}")  # timid:


class RuntimeFiles(NamedTuple):
    """What the runtime stage copies besides the binary, and why."""

    paths: list[str]
    note: str
    whole: bool
    """The application files copied whole (what the program reads could not be named)."""


def go_runtime_files(facts: Facts, sources: list[tuple[str, str]], binaries: set[str]) -> RuntimeFiles:
    """The image paths the Go program reads at run time, told from its sources, and a note naming them.

    Only when a source calls a file API (os.ReadFile, template.ParseFiles, viper...).  When every string
    literal of the sources that names a file or folder in the image names one the build context has
    (relative to the working directory, or absolute; less Go sources), those are copied.  Otherwise (a
    data file the checkout lacks but a COPY would bring, such as a git-ignored `.env`, or a path computed
    from nothing literal) the application files are copied whole: every COPY destination of the stage.
    """
    file_apis = knowledge()["go"]["file_apis"]
    uses = sorted({api.strip("(.") for _, text in sources for api in file_apis if api in text})
    if not uses:
        return RuntimeFiles([], "", False)
    build = facts.context.build_context
    found: dict[str, str] = {}
    absent: list[str] = []
    defaults = knowledge()["go"]["default_reads"]
    for _, text in sources:
        implicit = [path for call, path in defaults.items() if call in text]
        for value in [*go_string_literals(text), *implicit]:
            literal = _literal_path(value)
            image_path = absolute(literal, facts.workdir) if literal is not None else None
            if image_path is None or image_path in binaries or image_path.endswith(".go"):
                continue
            source = facts.context_source(image_path)
            if source is not None and build is not None and not _only_sources(build, source):
                found.setdefault(image_path, value)
            elif source is None and _data_file_name(value) and _maybe_copied(facts, image_path) and value not in absent:
                absent.append(value)
    absent = [value for value in absent if not _names_a_file_within(facts, value, found)]
    reads = f"The program reads files at run time ({', '.join(uses[:3])})"
    if found and not absent:
        paths = sorted(p for p in found if not any(p != q and under(p, q) for q in found))
        named = ", ".join(f"`{found[p]}`" for p in paths)
        note = (
            f"{reads}: besides the binary, what string literals of its sources name in the image is copied "
            f"({named}); files it reads by a computed path must be added with COPY"
        )
    else:
        paths = application_folders(facts)
        if not paths:
            raise Decline(f"{reads}, and the stage copies no application files: what it reads cannot be told")  # timid:
        _check_apart_from_toolchain(facts, paths)
        why = (
            f"`{absent[0]}` is not in this build context, but the stage copies it where it is"
            if absent
            else "which files cannot be told from the string literals of its sources"
        )
        note = (
            f"{reads}; {why}: the application files are copied whole from the build stage "
            f"({', '.join(paths)}, Go sources included)"
        )
    for ins, command in facts.commands():
        if command.name in ("chmod", "chown", "chgrp"):
            workdir = facts.workdir_at(ins)
            operands = [v for v in command.arg_values() if v is None or not v.startswith("-")]
            for value in operands[1:]:  # after the mode or owner
                target = absolute(value, workdir) if value is not None else None
                if target is None or any(under(p, target) or under(target, p) for p in paths):
                    raise Decline(f"line {ins.line}: `{command.name}` sets modes or owners that a COPY --from would not keep")  # timid:
    return RuntimeFiles(paths, note, whole=not found or bool(absent))


def _debian_runtime(facts: Facts, packages: list[str]) -> str:
    """The runtime image of a build with Go from Debian's packages: the build's own image, where the toolchain is
    only what the build stage installs.  Declines when the stage installs more than the toolchain and build tools
    (the program may run one of those packages, and the runtime stage would lack it)."""
    data = knowledge()["go"]["debian"]
    others = sorted(set(facts.apt_packages()) - set(packages) - set(data["build_only"]))
    if others:
        raise Decline(f"the stage installs {', '.join(others)} besides the Go toolchain: whether the program needs it at run time is not known")  # timid:
    ref = resolve_image(facts.document, facts.stage)
    assert ref is not None  # stage_facts resolved it
    return ref


def _debian_sizes(facts: Facts, runtime: str) -> tuple[float | None, float | None]:
    """Estimated sizes before and after the split of a build with Go from Debian's packages: the image plus the
    toolchain, against the runtime image (the same image when it needs a shell)."""
    toolchain = float(knowledge()["go"]["debian"]["toolchain_mb"]["value"])
    base = size_of(("images", facts.image.repo, "sizes", "slim" if "slim" in (facts.image.tag or "") else "full"))
    after = distroless_size(runtime) if runtime.startswith("gcr.io/distroless/") else base
    return (base + toolchain, after) if base is not None and after is not None else (None, None)


def plan_go(facts: Facts) -> Plan:
    facts.commit()
    commands = check_start(facts)
    outputs = go_outputs(facts)
    sources = _go_sources(facts)
    cgo = _go_needs_cgo(facts, sources)
    binaries = {p for p, _, _ in outputs}
    files = go_runtime_files(facts, sources, binaries)
    read = files.paths
    check_outputs_stay(facts, binaries)
    debian = debian_go_packages(facts.context, facts.stage)
    entry_binary(facts, commands, binaries, on_path=set() if debian else {knowledge()["go"]["gopath_bin"]})
    tools = healthcheck_tools(facts)
    tz = any(api in text for api in knowledge()["go"]["tz_apis"] for _, text in sources) and not any(
        marker in text for marker in knowledge()["go"]["tz_embedded"] for _, text in sources
    )
    needs_shell = facts.start is not None and facts.start.needs_shell or "/bin/sh" in tools
    extra_tools = [t for t in tools if t not in ("/bin/sh",) and t not in binaries and absolute(t, facts.workdir) not in binaries]
    build_edits: list[Edit] = []
    # With Go from Debian's packages, the image itself (without the toolchain, which stays in the build stage)
    # is the runtime when a shell or the same C library is needed.
    plain = _debian_runtime(facts, debian) if debian else debian_slim()
    if cgo is not None:
        if facts.apt_packages() and not debian:
            raise Decline(f"the build needs cgo ({cgo}) and installs system packages: runtime libraries not determined")  # timid:
        if is_alpine(facts.image):
            raise Decline(f"the build needs cgo ({cgo}) and links musl on Alpine")  # timid:
        runtime = plain if debian or needs_shell or extra_tools else distroless("base")
        why_runtime = f"cgo is needed ({cgo}): " + (f"the same C library as the build, on `{plain}`" if debian else "a glibc runtime")
    else:
        for command, ins in {command.span.start: (command, ins) for _, command, ins in outputs}.values():
            if not cgo_disabled(facts.context, ins, command):
                build_edits.append(Edit.insert(command.words[0].span.start, "CGO_ENABLED=0 "))
        runtime = distroless("static") if not needs_shell and not extra_tools else plain
        why_runtime = "a static binary (CGO_ENABLED=0; no file imports \"C\")"
    if debian:
        why_runtime = f"Go from the {', '.join(sorted(set(debian)))} package, installed in the build stage only; " + why_runtime
    lines: list[str] = []
    if not runtime.startswith("gcr.io/distroless/"):
        unknown = [t for t in extra_tools if t.rsplit("/", 1)[-1] not in ("curl", "wget")]
        if unknown:
            raise Decline(f"the HEALTHCHECK runs `{unknown[0]}`, which a minimal runtime image does not have")  # timid:
        packages = ["ca-certificates"] + (["tzdata"] if tz else []) + sorted({t.rsplit("/", 1)[-1] for t in extra_tools})
        if debian:  # the build's own image: what it had without the build's packages, and those it installed
            # ca-certificates stays when the install brought Recommends: git's and curl's bring it, and the
            # program's HTTPS calls need it (the distroless images have it; a bare debian image does not).
            brought = recommends_brought(facts.context, facts.stage.index)  # None: unknown, keep the bundle
            recommended = {"ca-certificates"} if brought is None or any("ca-certificates" in g.split(" | ") for g in brought) else set()
            installed = set(facts.apt_packages())
            packages = [p for p in packages if p in installed or p in recommended]
        if packages:
            lines.append(apt_line(packages))
        needs = (["a shell"] if needs_shell else []) + [f"`{t}`" for t in sorted({t.rsplit('/', 1)[-1] for t in extra_tools})]
        if needs:
            shown = f"`{runtime}`" if debian else "debian-slim"
            why_runtime += f"; {shown} because the start-up command or HEALTHCHECK needs " + ", ".join(needs)
    repeated = user_setup_runs(facts) if not runtime.startswith("gcr.io/distroless/") else []
    check_user(facts, runtime, repeated)
    lines += workdir_and_binaries(facts, [p for p, _, _ in outputs if not any(under(p, r) for r in read)])
    lines += [f"COPY --from={facts.build_stage} {path} {path}" for path in read]
    if debian:
        before, after = _debian_sizes(facts, runtime)
    else:
        before = size_of(("images", "golang", "sizes", "alpine" if is_alpine(facts.image) else "full"))
        after = distroless_size(runtime) if "distroless" in runtime else size_of(("images", "debian", "sizes", "slim"))
    note = (
        f"Runtime on `{runtime}`: {why_runtime}"
        + ("" if "distroless" not in runtime or not read else "; distroless has CA certificates and tzdata, but no shell")
        + (f". {files.note}." if read else ". Only the binary is copied")
        + ("" if "distroless" not in runtime or read else " (distroless has CA certificates and tzdata, but no shell)")
        + ("" if read else ": files the program reads at run time must be added with COPY.")
        + " Check that the image still starts."
    )
    title = "copy only the binary" if not read else "copy the binary and the application files" if files.whole else "copy the binary and the files it reads"
    plan = Plan(runtime, lines, build_edits, title, note, before, after, "DF401")
    plan.extra_runtime = [facts.text(i) for i in repeated]
    return plan

