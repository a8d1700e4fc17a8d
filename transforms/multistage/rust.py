"""DF405's plan: a cargo binary on distroless cc or debian-slim."""

from __future__ import annotations

import re

from rewriter.context import toml_loads

from transforms.multistage.common import (
    Decline,
    Facts,
    Plan,
    absolute,
    apt_line,
    check_outputs_stay,
    check_start,
    check_user,
    debian13_note,
    debian_slim,
    distroless,
    distroless_size,
    entry_binary,
    flag_value,
    healthcheck_tools,
    is_alpine,
    knowledge,
    size_of,
    split_packages,
    user_setup_runs,
    workdir_and_binaries,
)


def _cargo_names(facts: Facts) -> tuple[str | None, list[str]]:
    """(package name, [[bin]] names) of Cargo.toml in the build context."""
    build = facts.context.build_context
    text = build.read_text("Cargo.toml") if build is not None else None
    if text is None:
        raise Decline("no Cargo.toml in the build context: binary name unknown")  # timid:
    try:
        data = toml_loads(text)
    except ValueError:  # tomllib.TOMLDecodeError
        raise Decline("Cargo.toml does not parse") from None
    if "workspace" in data and "package" not in data:
        raise Decline("a Cargo workspace: which binary is built is not determined")  # timid:
    bins = [b.get("name") for b in data.get("bin", []) if isinstance(b, dict) and b.get("name")]
    return data.get("package", {}).get("name"), bins


def _check_sys_crates(facts: Facts) -> None:
    """Decline for `*-sys` crates that link a system library: the rust image has many -dev
    packages nobody installed explicitly, so the runtime library would be a guess."""
    build = facts.context.build_context
    text = (build.read_text("Cargo.lock") or build.read_text("Cargo.toml") or "") if build is not None else ""
    allowed = set(knowledge()["rust"]["sys_crates_without_system_library"])
    for name in sorted(set(re.findall(r'^name = "([\w-]+-sys)"', text, re.M) + re.findall(r'^([\w-]+-sys)\s*=', text, re.M))):
        if name not in allowed:
            raise Decline(f"crate `{name}` links a system library; which runtime library the binary needs is not determined")  # timid:


def plan_rust(facts: Facts) -> Plan:
    facts.commit()
    check_start(facts)
    package, bins = _cargo_names(facts)
    outputs: list[str] = []
    for ins, command, verb, args, workdir in facts.build_commands("cargo"):
        for option in ("--target", "--target-dir", "--manifest-path", "--profile", "--out-dir", "--artifact-dir", "--root", "--example"):
            if flag_value(args, (option,))[0]:
                raise Decline(f"line {ins.line}: `cargo {verb} {option}` moves the output")  # timid:
        present, chosen = flag_value(args, ("--bin",))
        names = [chosen] if present and chosen else (bins or ([package] if package else []))
        if not names:
            raise Decline("Cargo.toml names no package or binary")  # timid:
        if verb == "install":
            if "--path" not in args:
                raise Decline(f"line {ins.line}: `cargo install` of a crate from the registry")  # timid:
            outputs += [f"{knowledge()['rust']['cargo_bin']}/{n}" for n in names]
        else:
            profile = "release" if "--release" in args or "-r" in args else "debug"
            if workdir is None:
                raise Decline(f"line {ins.line}: cargo build in an unknown working directory")  # timid:
            if workdir.rstrip("/") != (facts.workdir_at(ins) or "").rstrip("/"):
                # timid: the names come from the Cargo.toml of the WORKDIR, and a package under a workspace builds into its target/
                raise Decline(f"line {ins.line}: cargo build after `cd`: which package it builds, and where, is not followed")
            env = facts.context.env_at(ins)
            if "CARGO_TARGET_DIR" in env:
                raise Decline("CARGO_TARGET_DIR is set: output directory moved")  # timid:
            outputs += [f"{workdir.rstrip('/')}/target/{profile}/{n}" for n in names]
    if not outputs:
        raise Decline("no `cargo build`/`cargo install` whose output is known")
    commands = check_start(facts)
    check_outputs_stay(facts, outputs)
    _check_sys_crates(facts)
    entry_binary(facts, commands, set(outputs), on_path={knowledge()["rust"]["cargo_bin"]})
    packages = facts.apt_packages()
    _, runtime_packages = split_packages(packages)
    tools = healthcheck_tools(facts)
    needs_shell = facts.start is not None and facts.start.needs_shell or "/bin/sh" in tools
    extra_tools = sorted({t.rsplit("/", 1)[-1] for t in tools if t != "/bin/sh" and absolute(t, facts.workdir) not in outputs})
    if is_alpine(facts.image):
        raise Decline("Rust on Alpine links musl; runtime not determined")  # timid:
    lines: list[str] = []
    in_cc = set(knowledge()["rust"]["distroless_cc_has"])
    if any(p not in in_cc for p in runtime_packages) or needs_shell or extra_tools:
        unknown = [t for t in extra_tools if t not in ("curl", "wget")]
        if unknown:
            raise Decline(f"the HEALTHCHECK runs `{unknown[0]}`, which a minimal runtime image does not have")  # timid:
        runtime = debian_slim()
        lines.append(apt_line(sorted(set(["ca-certificates"] + runtime_packages + extra_tools))))
        why = "debian-slim, because the runtime needs " + ", ".join(
            (["a shell"] if needs_shell else []) + [f"`{p}`" for p in runtime_packages + extra_tools]
        )
    else:
        runtime = distroless("cc")
        why = "distroless/cc: glibc, libgcc, libssl and CA certificates, no shell"
        if runtime_packages:
            why += f"; it provides the runtime libraries the build needs ({', '.join(runtime_packages)})"
    repeated = user_setup_runs(facts) if runtime.startswith("debian:") else []
    check_user(facts, runtime, repeated)
    lines += workdir_and_binaries(facts, outputs)
    before = size_of(("rust", "sizes", "full"), knowledge())
    after = distroless_size(runtime) if "distroless" in runtime else size_of(("images", "debian", "sizes", "slim"))
    note = (
        f"Runtime on `{runtime}` ({why}). The binary is built on the Debian of `{facts.image.repo}:{facts.image.tag or 'latest'}` "
        "and runs on Debian 13's glibc. Only the binary is copied: files it reads at run time must be added with COPY."
        + (debian13_note(runtime_packages) if runtime.startswith("debian:") else "")
    )
    plan = Plan(runtime, lines, [], "copy only the binary", note, before, after, "DF405")
    plan.extra_runtime = [facts.text(i) for i in repeated]
    return plan
