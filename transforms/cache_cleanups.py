"""Commands that only delete what a package manager downloaded: apt's lists and .debs, npm's and yarn's caches.

A cleanup belongs to the command that filled the cache: `npm ci && npm run build && npm cache clean
--force` cleans what `npm ci` downloaded.  When the layer-order pass (DF101/DF102) moves the install in
front of the source copy, the cleanup has to go with it, or the install's layer keeps the cache and the
build's RUN ends with a cleanup of nothing.  This module answers which cache a command cleans (and nothing
else), which commands fill that cache and which ones need it.  Facts: `data/package_caches.toml`.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Callable, NamedTuple, Sequence

from rewriter.shell import Command
from transforms._shellfix import facts
from transforms.apt import APT_PROGRAMS, apt_call, reads_lists
from transforms.package_caches import installs_offline, npm_cache_clean, npm_install, yarn_cleans, yarn_install


class Cache(NamedTuple):
    """A package manager's download cache (or package lists) and the commands that touch it."""

    tool: str
    """Its section of `package_caches.toml`, which lists its `cache_dirs`."""
    cleans: Callable[[Command], bool]
    """The tool's own cleanup (`npm cache clean --force`); an `rm` of only its `cache_dirs` counts too."""
    fills: Callable[[Command], bool]
    needs: Callable[[Command], bool]
    """True for a command that fails, or works differently, once the cache is gone (`apt-get install` without
    the lists, `npm ci --offline`)."""
    programs: tuple[str, ...]
    """The programs that use the cache: a command that names one anywhere (`sudo apt-get`, `timeout 60 npm ci`,
    `sh -c "apt-get ..."`) may need it."""


def _apt_cleans(command: Command) -> bool:
    call = apt_call(command)
    return call is not None and call.subcommand in facts()["apt"]["clean_subcommands"]


def _apt_fills(command: Command) -> bool:
    call = apt_call(command)
    return call is not None and (call.subcommand == "update" or call.subcommand in facts()["apt"]["installs"])


CACHES = (
    Cache("apt", _apt_cleans, _apt_fills, reads_lists, (*APT_PROGRAMS, "dpkg")),
    Cache("npm", npm_cache_clean, lambda c: npm_install(c) is not None, lambda c: installs_offline(c, "npm"), ("npm", "npx")),
    Cache("yarn", yarn_cleans, lambda c: yarn_install(c) is not None, lambda c: installs_offline(c, "yarn"), ("yarn",)),
)


def _may_need(cache: Cache, command: Command | None) -> bool:
    """True unless `command` provably does without the cache: it runs no code dockerfix does not read, names
    no path inside the cache (`dpkg -i /var/cache/apt/archives/*.deb`), and is either one of the cache's own
    programs that does not need it (`npm run build`) or names none of them in any word (`sudo apt-get`,
    `timeout 60 apt-get`, `sh -c "apt-get ..."` all may)."""
    if command is None or not command.words or command.words[0].value is None or command.script_run is not None:
        return True
    texts = [word.value if word.value is not None else word.text for word in command.words]
    if any(text.startswith(folder) for text in texts for folder in facts()[cache.tool]["cache_dirs"]):
        return True
    if command.name in cache.programs:
        return cache.needs(command)
    return command.mentions(cache.programs)


def _removes_only(command: Command, dirs: Sequence[str]) -> bool:
    """`rm -rf /var/lib/apt/lists/*`: an `rm` whose every operand is one of `dirs`, or in one."""
    if command.name != "rm" or command.assignments:
        return False
    operands = [v for v in command.arg_values() if v is None or not v.startswith("-")]
    if not operands:
        return False
    for value in operands:
        if value is None or ".." in value.split("/"):
            return False
        path = PurePosixPath(value.rstrip("*").rstrip("/") or "/")
        if not any(path == PurePosixPath(d) or PurePosixPath(d) in path.parents for d in dirs):
            return False
    return True


def cleaned_cache(command: Command) -> Cache | None:
    """The cache `command` deletes, when deleting it is all the command does; None otherwise."""
    return next((cache for cache in CACHES if cache.cleans(command) or _removes_only(command, facts()[cache.tool]["cache_dirs"])), None)


def trailing_cleanups(moved: Sequence[Command | None], rest: Sequence[Command | None]) -> int:
    """How many commands at the end of `rest` only clean a cache that a command of `moved` filled, and may run
    right after `moved` instead: the commands of `rest` before them neither fill that cache again (the cleanup
    would then leave their layer with it) nor need it (`apt-get install` fails once the lists are gone).  The
    first command of `rest` always stays; one the pass cannot read (None) keeps every cleanup after it."""
    count = 0
    while count < len(rest) - 1:
        command, kept = rest[len(rest) - 1 - count], rest[: len(rest) - 1 - count]
        cache = cleaned_cache(command) if command is not None else None
        if cache is None or not any(c is not None and cache.fills(c) for c in moved):
            break
        if any(c is not None and cache.fills(c) or _may_need(cache, c) for c in kept):
            break
        count += 1
    return count
