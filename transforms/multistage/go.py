"""DF401's plan: a Go binary on distroless static/base or debian-slim."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

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


def plan_go(facts: Facts) -> Plan:
    facts.commit()
    commands = check_start(facts)
    outputs = go_outputs(facts)
    sources = _go_sources(facts)
    cgo = _go_needs_cgo(facts, sources)
    for path, text in sources:
        uses = [api for api in knowledge()["go"]["file_apis"] if api in text]
        if uses:
            raise Decline(
                f"{path} reads files at run time ({', '.join(uses[:3])}); only the binary would be copied"
            )  # timid:
    binaries = {p for p, _, _ in outputs}
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
    before = size_of(("images", "golang", "sizes", "alpine" if is_alpine(facts.image) else "full"))
    after = distroless_size(runtime) if "distroless" in runtime else size_of(("images", "debian", "sizes", "slim"))
    note = (
        f"Runtime on `{runtime}`: {why_runtime}. Only the binary is copied"
        + ("" if "distroless" not in runtime else " (distroless has CA certificates and tzdata, but no shell)")
        + ": files the program reads at run time must be added with COPY. Check that the image still starts."
    )
    plan = Plan(runtime, lines, build_edits, "copy only the binary", note, before, after, "DF401")
    plan.extra_runtime = [facts.text(i) for i in repeated]
    return plan
