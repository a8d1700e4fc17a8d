"""pip's and uv's download caches kept out of image layers."""

from __future__ import annotations

from typing import Iterator

from rewriter.context import FileContext
from rewriter.rules import Applicability, Diagnostic, Edit, rule
from rewriter.shell import Command
from rewriter.syntax import Instruction
from transforms._shellfix import pip_subcommand
from transforms.package_caches import mount_fix


def pip_cache_disabled(context: FileContext, instruction, command: Command) -> bool:  # type: ignore[no-untyped-def]
    """True if pip already keeps nothing in a layer: the flag, PIP_NO_CACHE_DIR, or a cache mount."""
    values = command.arg_values()
    if "--no-cache-dir" in values or any(v and v.startswith("--no-cache-dir=") for v in values):
        return True
    for assignment in command.assignments:
        if assignment.text.startswith("PIP_NO_CACHE_DIR="):
            return True
    if "PIP_NO_CACHE_DIR" in context.env_at(instruction):
        return True
    return _mounts_cache(instruction, "pip", context.env_at(instruction).get("PIP_CACHE_DIR"))


def _mounts_cache(instruction: Instruction, tool: str, moved_to: str | None) -> bool:
    """A BuildKit cache mount over the tool's cache (…/.cache/pip, …/.cache/uv, or where the env moved it).

    A cache mount for something else (apt's lists) leaves the tool's cache in the layer.
    """
    for flag in instruction.flags:
        if flag.name != "mount" or not flag.value or "type=cache" not in flag.value:
            continue
        for part in flag.value.split(","):
            key, _, target = part.partition("=")
            if key in ("target", "dst", "destination") and (target.rstrip("/").endswith(f"/{tool}") or target == moved_to):
                return True
    return False


def uv_subcommand(command: Command) -> tuple[int, str] | None:
    """Index and value of the word that names what uv does: `uv pip install` -> install, `uv sync` -> sync."""
    if command.name != "uv":
        return None
    words = [w.value for w in command.words]
    positional = [(i, v) for i, v in enumerate(words) if i > 0 and v is not None and not v.startswith("-")]
    if not positional or any(v is None for v in words[1 : positional[0][0]]):
        return None
    first = positional[0]
    if first[1] == "pip" and len(positional) > 1 and positional[1][1] in ("install", "sync"):
        return positional[1]
    if first[1] == "sync":
        return first
    return None


def uv_cache_disabled(context: FileContext, instruction: Instruction, command: Command) -> bool:
    """True if uv keeps nothing in a layer: `--no-cache`/`-n`, UV_NO_CACHE, or a cache mount."""
    values = command.arg_values()
    if "--no-cache" in values or "-n" in values:
        return True
    if any(a.text.startswith("UV_NO_CACHE=") for a in command.assignments) or "UV_NO_CACHE" in context.env_at(instruction):
        return True
    return _mounts_cache(instruction, "uv", context.env_at(instruction).get("UV_CACHE_DIR"))


@rule(
    "DF201",
    "pip-install-cache",
    summary="pip install keeps its download cache in the layer",
    applicability=Applicability.SAFE,
    hadolint=("DL3042",),
    order=100,
)
def pip_install_cache(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Adds `--no-cache-dir` to `pip install` in RUN instructions.

    ## Why is this bad?
    pip keeps every wheel it downloads or builds in `~/.cache/pip`. In an image
    that cache is never used again, but it is shipped in the layer: often tens
    of megabytes, hundreds with large wheels such as numpy or torch.

    ## Example
    ```dockerfile
    RUN pip install -r requirements.txt
    ```

    Use instead:
    ```dockerfile
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    `uv pip install`, `uv pip sync` and `uv sync` get `--no-cache` (uv then
    uses a temporary cache and removes it).  With `--cache-strategy mount`,
    /root/.cache/pip (/root/.cache/uv) becomes a BuildKit cache mount
    instead, when the RUN is root's and no variable moves the cache.

    ## Fix safety
    Safe: the cache only stores downloads for later runs; the installed
    packages are the same. Left alone when `PIP_NO_CACHE_DIR` (`UV_NO_CACHE`)
    is set or the RUN already mounts a BuildKit cache.
    """
    mount = context.settings.cache_strategy == "mount"
    for instruction, script in context.scripts():
        for command in script.commands:
            found = pip_subcommand(command)
            if found is not None and found[1] == "install" and not pip_cache_disabled(context, instruction, command):
                install = command.words[found[0]]
                message = "`pip install` without `--no-cache-dir` ships pip's download cache in the layer"
                fix = mount_fix(context, instruction, "pip", pip_install_cache, "Mount pip's cache as a BuildKit cache") if mount else None
                fix = fix or pip_install_cache.fix(Applicability.SAFE, "Add `--no-cache-dir`", Edit.insert(install.span.end, " --no-cache-dir"))
                yield pip_install_cache.diagnostic(message, install.span, fix)
                continue
            found = uv_subcommand(command)
            if found is not None and not uv_cache_disabled(context, instruction, command):
                word = command.words[found[0]]
                message = f"`uv {'pip ' if found[1] != 'sync' else ''}{found[1]}` without `--no-cache` ships uv's cache in the layer"
                fix = mount_fix(context, instruction, "uv", pip_install_cache, "Mount uv's cache as a BuildKit cache") if mount else None
                fix = fix or pip_install_cache.fix(Applicability.SAFE, "Add `--no-cache`", Edit.insert(word.span.end, " --no-cache"))
                yield pip_install_cache.diagnostic(message, word.span, fix)
