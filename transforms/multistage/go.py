"""DF401's plan: a Go binary on distroless static/base or debian-slim."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Iterator

from rewriter.rules import Edit
from rewriter.shell import Command
from rewriter.syntax import Instruction
from transforms.multistage.common import (
    Decline,
    Facts,
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


def _go_module(facts: Facts) -> str | None:
    build = facts.context.build_context
    text = build.read_text("go.mod") if build is not None else None
    if text is None:
        return None
    m = re.search(r"^module\s+(\S+)", text, re.M)
    return m.group(1).strip('"') if m else None


def go_outputs(facts: Facts) -> list[tuple[str, Command, Instruction]]:
    """The absolute paths `go build`/`go install` write, with the command that writes each."""
    outputs = []
    gobin = knowledge()["go"]["gopath_bin"]
    for ins, command, verb, args in facts.build_commands("go"):
        workdir = facts.context.workdir_at(ins)
        packages = _go_packages(args)
        if verb == "install":
            env = facts.context.env_at(ins)
            if "GOBIN" in env or "GOPATH" in env:
                raise Decline(f"line {ins.line}: `go install` with GOBIN/GOPATH set in the Dockerfile")  # timid:
            if len(packages) != 1 or "@" in packages[0]:
                raise Decline(f"line {ins.line}: `go install` of a tool from a remote module or of several packages")  # timid:
            outputs.append((f"{gobin}/{_go_binary_name(facts, packages[0], ins)}", command, ins))
            continue
        present, out = flag_value(args, ("-o", "--o"))
        if present:
            if not out or out.endswith("/"):
                raise Decline(f"line {ins.line}: `go build -o` to a directory")  # timid:
            path = absolute(out, workdir)
        else:
            if len(packages) > 1:
                raise Decline(f"line {ins.line}: `go build` of several packages writes no binary")  # timid:
            path = absolute(_go_binary_name(facts, packages[0] if packages else ".", ins), workdir)
        if path is None:
            raise Decline(f"line {ins.line}: `go build` in an unknown working directory")  # timid:
        outputs.append((path, command, ins))
    if not outputs:
        raise Decline("no `go build` or `go install` whose output is known")
    return outputs


_GO_FLAGS_WITH_VALUE = frozenset({"-o", "-ldflags", "-gcflags", "-tags", "-mod", "-p", "-asmflags", "-buildmode", "-compiler", "-gccgoflags", "-installsuffix", "-modfile", "-overlay", "-pkgdir", "-toolexec", "-pgo", "-C"})


def _go_packages(args: list[str]) -> list[str]:
    packages = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            if arg == "-C" or arg.startswith("-C="):
                raise Decline("`go build -C` changes directory")  # timid:
            if arg in _GO_FLAGS_WITH_VALUE:
                skip = True
            continue
        packages.append(arg)
    return packages


def _go_binary_name(facts: Facts, package: str, ins: Instruction) -> str:
    if package in (".", "./"):
        module = _go_module(facts)
        if module is None:
            raise Decline(f"line {ins.line}: `go build .` without -o, and no go.mod in the build context to name the binary")  # timid:
        name = module.rstrip("/").rsplit("/", 1)[-1]
        if re.fullmatch(r"v\d+", name):
            raise Decline(f"line {ins.line}: module path ends in a major version; binary name uncertain")  # timid:
        return name
    if package.startswith("./") and not package.endswith("..."):
        return PurePosixPath(package).name
    raise Decline(f"line {ins.line}: `go build {package}`: binary name not known")  # timid:


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


def go_runtime_files(facts: Facts, sources: list[tuple[str, str]], binaries: set[str]) -> tuple[list[str], str]:
    """The image paths the Go program reads at run time, told from its sources, and a note naming them.

    Only when a source calls a file API (os.ReadFile, template.ParseFiles, viper...): then every string
    literal of the sources that names a file or folder the stage copied from the build context (relative
    to the working directory, or absolute), less Go sources, is copied to the runtime stage.  A path the
    program computes from nothing literal cannot be told: the split declines when no literal names one.
    """
    uses = sorted({api.strip("(.") for _, text in sources for api in knowledge()["go"]["file_apis"] if api in text})
    if not uses:
        return [], ""
    build = facts.context.build_context
    found: dict[str, str] = {}
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
    paths = sorted(p for p in found if not any(p != q and under(p, q) for q in found))
    if not paths:
        where = next(path for path, text in sources if any(api in text for api in knowledge()["go"]["file_apis"]))
        raise Decline(
            f"{where} reads files at run time ({', '.join(uses[:3])}) and no string in the Go sources names a file "
            "the stage copied: what it reads cannot be told"
        )  # timid:
    for ins, command in facts.commands():
        if command.name in ("chmod", "chown", "chgrp"):
            workdir = facts.context.workdir_at(ins)
            operands = [v for v in command.arg_values() if v is None or not v.startswith("-")]
            for value in operands[1:]:  # after the mode or owner
                target = absolute(value, workdir) if value is not None else None
                if target is None or any(under(p, target) or under(target, p) for p in paths):
                    raise Decline(f"line {ins.line}: `{command.name}` sets modes or owners that a COPY --from would not keep")  # timid:
    named = ", ".join(f"`{found[p]}`" for p in paths)
    note = (
        f"The program reads files at run time ({', '.join(uses[:3])}): besides the binary, what string literals "
        f"of its sources name in the image is copied ({named}); files it reads by a computed path must be added with COPY"
    )
    return paths, note


def plan_go(facts: Facts) -> Plan:
    facts.commit()
    commands = check_start(facts)
    outputs = go_outputs(facts)
    sources = _go_sources(facts)
    cgo = _go_needs_cgo(facts, sources)
    binaries = {p for p, _, _ in outputs}
    read, read_note = go_runtime_files(facts, sources, binaries)
    check_outputs_stay(facts, binaries)
    entry_binary(facts, commands, binaries, on_path={knowledge()["go"]["gopath_bin"]})
    tools = healthcheck_tools(facts)
    tz = any(api in text for api in knowledge()["go"]["tz_apis"] for _, text in sources) and not any(
        marker in text for marker in knowledge()["go"]["tz_embedded"] for _, text in sources
    )
    needs_shell = facts.start is not None and facts.start.needs_shell or "/bin/sh" in tools
    extra_tools = [t for t in tools if t not in ("/bin/sh",) and t not in binaries and absolute(t, facts.workdir) not in binaries]
    build_edits: list[Edit] = []
    if cgo is not None:
        if facts.apt_packages():
            raise Decline(f"the build needs cgo ({cgo}) and installs system packages: runtime libraries not determined")  # timid:
        if is_alpine(facts.image):
            raise Decline(f"the build needs cgo ({cgo}) and links musl on Alpine")  # timid:
        runtime = distroless("base") if not needs_shell and not extra_tools else debian_slim()
        why_runtime = f"cgo is needed ({cgo}): a glibc runtime"
    else:
        for path, command, ins in outputs:
            if not cgo_disabled(facts.context, ins, command):
                build_edits.append(Edit.insert(command.words[0].span.start, "CGO_ENABLED=0 "))
        runtime = distroless("static") if not needs_shell and not extra_tools else debian_slim()
        why_runtime = "a static binary (CGO_ENABLED=0; no file imports \"C\")"
    lines: list[str] = []
    if runtime.startswith("debian:"):
        unknown = [t for t in extra_tools if t.rsplit("/", 1)[-1] not in ("curl", "wget")]
        if unknown:
            raise Decline(f"the HEALTHCHECK runs `{unknown[0]}`, which a minimal runtime image does not have")  # timid:
        packages = ["ca-certificates"] + (["tzdata"] if tz else []) + sorted({t.rsplit("/", 1)[-1] for t in extra_tools})
        lines.append(apt_line(packages))
        needs = (["a shell"] if needs_shell else []) + [f"`{t}`" for t in sorted({t.rsplit('/', 1)[-1] for t in extra_tools})]
        why_runtime += "; debian-slim because the start-up command or HEALTHCHECK needs " + ", ".join(needs)
    repeated = user_setup_runs(facts) if runtime.startswith("debian:") else []
    check_user(facts, runtime, repeated)
    lines += workdir_and_binaries(facts, [p for p, _, _ in outputs])
    lines += [f"COPY --from={facts.build_stage} {path} {path}" for path in read]
    before = size_of(("images", "golang", "sizes", "alpine" if is_alpine(facts.image) else "full"))
    after = distroless_size(runtime) if "distroless" in runtime else size_of(("images", "debian", "sizes", "slim"))
    note = (
        f"Runtime on `{runtime}`: {why_runtime}. "
        + (read_note if read else "Only the binary is copied")
        + ("" if "distroless" not in runtime else " (distroless has CA certificates and tzdata, but no shell)")
        + ("." if read else ": files the program reads at run time must be added with COPY.")
        + " Check that the image still starts."
    )
    title = "copy the binary and the files it reads" if read else "copy only the binary"
    plan = Plan(runtime, lines, build_edits, title, note, before, after, "DF401")
    plan.extra_runtime = [facts.text(i) for i in repeated]
    return plan
