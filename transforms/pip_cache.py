"""pip's download cache kept out of image layers."""

from __future__ import annotations

import re
from typing import Iterator

from rewriter.context import FileContext
from rewriter.rules import Applicability, Diagnostic, Edit, rule
from rewriter.shell import Command

_PIP = re.compile(r"pip(\d+(\.\d+)?)?\Z")
_PYTHON = re.compile(r"python(\d+(\.\d+)?)?\Z")


def pip_subcommand(command: Command) -> tuple[int, str] | None:
    """Index and value of pip's subcommand word, for `pip ...` and `python -m pip ...`."""
    words = command.words
    name = command.name or ""
    start = None
    if _PIP.match(name):
        start = 1
    elif _PYTHON.match(name):
        for i in range(1, len(words) - 1):
            if words[i].value == "-m" and words[i + 1].value == "pip":
                start = i + 2
                break
            if words[i].value is None or not (words[i].value or "").startswith("-"):
                return None
    if start is None:
        return None
    for i in range(start, len(words)):
        value = words[i].value
        if value is None:
            return None
        if not value.startswith("-"):
            return i, value
    return None


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
    for flag in instruction.flags:
        if flag.name == "mount" and flag.value and "type=cache" in flag.value:
            return True
    return False


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

    ## Fix safety
    Safe: the cache only stores downloads for later runs; the installed
    packages are the same. Left alone when `PIP_NO_CACHE_DIR` is set or the
    RUN already mounts a BuildKit cache.
    """
    for instruction in context.runs():
        script = context.shell(instruction)
        if script is None:
            continue
        for command in script.commands:
            found = pip_subcommand(command)
            if found is None or found[1] != "install":
                continue
            if pip_cache_disabled(context, instruction, command):
                continue
            install = command.words[found[0]]
            yield pip_install_cache.diagnostic(
                "`pip install` without `--no-cache-dir` ships pip's download cache in the layer",
                install.span,
                pip_install_cache.fix(
                    Applicability.SAFE, "Add `--no-cache-dir`", Edit.insert(install.span.end, " --no-cache-dir")
                ),
            )
