"""Ruby: `bundle install` (Gemfile, Gemfile.lock)."""

from __future__ import annotations

import re
from typing import Any

from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms.base_images.knowledge import ImageRef
from transforms.manifests.common import (
    Env,
    Plan,
    Project,
    cap,
    has_lock,
    in_folder,
    installs,
    is_frozen,
    manifest_files,
    outputs_in_context,
    package_managers,
    parse_options,
)


def _chain_env(command: Command, env: Env) -> Env:
    """The environment later commands of the chain see: `bundle config set frozen true` acts like BUNDLE_FROZEN."""
    values = [v for v in command.arg_values() if v not in ("set", "--local", "--global")]
    if command.name in ("bundle", "bundler") and len(values) >= 3 and values[0] == "config":
        key, value = values[1], values[2]
        if key in ("frozen", "deployment") and value in ("true", "1"):
            return {**env, f"BUNDLE_{key.upper()}": value}
    return env


@installs("bundle", "bundler", tool="bundler", chain_env=_chain_env, local_config=".bundle")
def bundler_install(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["bundler"]
    if len(words) < 2 or words[1] not in ("install", "i"):
        if len(words) > 2 and words[1] == "config":
            return Plan("free", "bundler") if "--local" not in words else Plan("source", "bundler", decline="`bundle config --local` writes .bundle/config in the project folder")
        return Plan("source", "bundler")
    folder = project.folder()
    if folder is None:
        return Plan("source", "bundler", decline=project.outside())
    options, positionals = parse_options(words[2:], {"--jobs", "-j", "--retry", "--without", "--with", "--path", "--gemfile", "--binstubs"})
    if positionals or any(n in ("--gemfile", "--path", "--binstubs") for n, _ in options):
        return Plan("source", "bundler", decline="bundle install with a custom Gemfile, path or binstubs is not followed")
    files, why = manifest_files(project, folder, data, "bundler")
    if why:
        return Plan("source", "bundler", decline=why)
    gemfile = project.read(files[0]) or ""
    code = "\n".join(line.split("#", 1)[0] for line in gemfile.splitlines())
    for marker in data["source_reading"]:
        if marker in code:
            return Plan("source", "bundler", decline=f"the Gemfile uses `{marker.rstrip('.[:')}`, which reads the project's own files")
    why = outputs_in_context(project, folder, data["outputs"], "bundler")
    if why:
        return Plan("source", "bundler", decline=why)
    plan = Plan("install", "bundler", files=(*files, *_wrapper_reads(project, folder, data)))
    if has_lock(project, folder, data) and not is_frozen(words, data, env, [a.text for a in command.assignments]):
        why = lock_risk(project, gemfile, project.read(in_folder(folder, "Gemfile.lock")) or "")
        if why:
            plan = cap(
                plan,
                Applicability.UNSAFE,
                f"`bundle install` without frozen mode may rewrite Gemfile.lock, which the source copy then puts back as committed, "
                f"and Bundler reads it at run time (bundler/setup): {why} (set BUNDLE_FROZEN=true to make it safe).",
            )
    return plan


def _wrapper_reads(project: Project, folder: str, data: dict[str, Any]) -> list[str]:
    """Files of the working directory that the base image's `bundle` wrapper reads, where the context has them."""
    image = ImageRef.parse(project.image) if project.image else None
    repository = f"{image.prefix}/{image.name}" if image is not None and image.prefix else (image.name if image else "")
    names = data.get("wrapper_reads", {}).get(repository, [])
    return [in_folder(folder, name) for name in names if project.is_file(in_folder(folder, name))]


_GEM = re.compile(r"""^\s*gem[\s(]+(['"])([^'"]+)\1((?:\s*,\s*(['"])[^'"]*\4)*)""")
_DYNAMIC = re.compile(r"\b(if|unless|case|ENV|eval|instance_eval|send|load)\b")


def lock_risk(project: Project, gemfile: str, lock: str) -> str:
    """The safety proof of an unfrozen `bundle install` with a committed Gemfile.lock; "" when safe.

    Unlike npm's, Bundler's lock file is read at run time: `bundler/setup` loads exactly the gems it lists,
    and resolves again when it does not match the Gemfile.  After the reorder the image holds the committed
    lock file, not the one the install may have rewritten, so the committed one must be the one the install
    keeps: every Gemfile dependency in its DEPENDENCIES with the same requirements, and nothing more, and
    its PLATFORMS covering the image (`ruby`, or the image's architectures and libc).  A frozen install
    (BUNDLE_FROZEN, BUNDLE_DEPLOYMENT, `--frozen`, `--deployment`) never rewrites it, and without a
    committed lock file the one the install writes stays in both orders."""
    code = [line.split("#", 1)[0] for line in gemfile.splitlines()]
    dynamic = next((m.group(1) for line in code for m in [_DYNAMIC.search(line)] if m), None)
    if dynamic is not None:
        return f"the Gemfile uses `{dynamic}`, so which gems it declares is not known from the file"
    declared: dict[str, frozenset[str]] = {}
    for line in code:
        m = _GEM.match(line)
        if m:
            declared[m.group(2)] = frozenset(re.findall(r"['\"]([^'\"]*)['\"]", m.group(3)))
        elif re.match(r"\s*gem\b", line):
            return f"the Gemfile line `{line.strip()}` does not name its gem literally"
    sections = _lock_sections(lock)
    locked: dict[str, frozenset[str]] = {}
    for entry in sections.get("DEPENDENCIES", []):
        m = re.match(r"([^\s!(]+)!?(?:\s*\(([^)]*)\))?", entry)
        if m:
            locked[m.group(1)] = frozenset(r.strip() for r in (m.group(2) or "").split(",") if r.strip() and r.strip() != ">= 0")
    missing = sorted(set(declared) - set(locked))
    if missing:
        return f"its DEPENDENCIES lack `{missing[0]}`, which the Gemfile declares"
    extra = sorted(set(locked) - set(declared))
    if extra:
        return f"its DEPENDENCIES list `{extra[0]}`, which the Gemfile no longer declares"
    changed = next((name for name in sorted(declared) if {" ".join(r.split()) for r in declared[name]} != {" ".join(r.split()) for r in locked[name]}), None)
    if changed is not None:
        return f"the Gemfile's requirement for `{changed}` differs from its DEPENDENCIES"
    platforms = set(sections.get("PLATFORMS", []))
    if "ruby" in platforms:
        return ""
    musl = "alpine" in project.image.lower()
    wanted = _image_architectures(project.platform)
    uncovered = [arch for arch in wanted if not platforms & ({f"{arch}-linux-musl"} if musl else {f"{arch}-linux", f"{arch}-linux-gnu"})]
    if uncovered:
        target = f"{uncovered[0]}-linux{'-musl' if musl else ''}"
        return f"its PLATFORMS ({', '.join(sorted(platforms)) or 'none'}) do not cover {target}, which the image may be built for"
    return ""


def _lock_sections(lock: str) -> dict[str, list[str]]:
    """The top-level sections of a Gemfile.lock and their entries (the lines indented by two spaces)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lock.splitlines():
        if line and not line[0].isspace():
            current = sections.setdefault(line.strip(), [])
        elif current is not None and line.startswith("  ") and not line.startswith("   "):
            current.append(line.strip())
    return sections


def _image_architectures(platform: str) -> tuple[str, ...]:
    """The architectures (Ruby's names) a stage may be built for: its `--platform`, else the two common ones."""
    names = {"linux/amd64": "x86_64", "linux/arm64": "aarch64", "linux/arm64/v8": "aarch64"}
    return (names[platform],) if platform in names else ("x86_64", "aarch64")
