"""Caches of apk, dnf/yum/microdnf/zypper, npm, yarn, gem and conda kept out of layers.

Each rule finds the package manager's commands in the shell of a RUN and
either adds the flag that stops the cache being written (`apk add
--no-cache`, `gem install --no-document`) or appends the command that
removes it (`dnf clean all`, `npm cache clean --force`) in the RUN's own
continuation style.  With `--cache-strategy mount`, caches that have a fixed
place become BuildKit cache mounts instead.  Facts: `data/package_caches.toml`.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, NamedTuple

from rewriter.context import FileContext, json_loads
from rewriter.rules import Applicability, Diagnostic, Edit, Fix, Rule, rule
from rewriter.shell import Command, ShellScript, ShellWord
from rewriter.syntax import Instruction
from transforms._shellfix import (
    append_command,
    base_image_name,
    chains,
    delete_item,
    facts,
    has_cache_mount,
    later_runs,
    mount_edit,
    syntax_edit,
)
from transforms.base_images.stage import runs_as_root


def _sub(command: Command, with_value: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    """Index and value of the first word after the name that is not an option."""
    words = command.words
    i = 1
    while i < len(words):
        value = words[i].value
        if value is None:
            return None
        if value.startswith("-"):
            if value in with_value:
                i += 1
            i += 1
            continue
        return i, value
    return None


def mount_fix(context: FileContext, instruction: Instruction, key: str, check: Rule, title: str) -> Fix | None:
    """A cache-mount fix for `key` of [mounts], or None when the cache is not where the table says."""
    table = facts()["mounts"][key]
    env = context.env_at(instruction)
    if any(name in env for name in table.get("env", ())) or not runs_as_root(context, instruction):
        return None
    if any(has_cache_mount(instruction, t) for t in table["targets"]):
        return None
    edits = [mount_edit(context, instruction, list(table["targets"]), table.get("sharing"))]
    syntax = syntax_edit(context)
    if syntax is not None:
        edits.append(syntax)
    return check.fix(Applicability.SAFE, title, *edits)


def _mount_mode(context: FileContext) -> bool:
    return context.settings.cache_strategy == "mount"


# -- DF209 apk ----------------------------------------------------------------------


def _apk_sub(command: Command) -> tuple[int, str] | None:
    if command.name != "apk":
        return None
    return _sub(command, frozenset({"-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file", "-t", "--virtual"}))


@rule(
    "DF209",
    "apk-add-cache",
    summary="apk add keeps the package index in the layer",
    applicability=Applicability.SAFE,
    hadolint=("DL3019",),
    order=100,
)
def apk_add_cache(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Adds `--no-cache` to `apk add`, and drops the `apk update &&` right
    before it, which `--no-cache` replaces.

    ## Why is this bad?
    `apk update` and `apk add --update` store the repository index in
    /var/cache/apk (1-2 MB per repository) in the layer.  `--no-cache`
    fetches a fresh index for the command and keeps nothing.

    ## Example
    ```dockerfile
    RUN apk update && apk add curl
    ```

    Use instead:
    ```dockerfile
    RUN apk add --no-cache curl
    ```

    ## Fix safety
    Safe: the index `--no-cache` reads is at least as fresh as the one
    `apk update` wrote.  The `apk update` stays when a later command reads
    the stored index (`apk upgrade`, `search`, `info`...), or when it is not
    joined to the add with `&&`.  With `--cache-strategy mount` the same
    fix applies: Alpine does not cache packages unless /etc/apk/cache
    exists, so a mount would hold nothing.  A RUN that already mounts
    /var/cache/apk (or /etc/apk/cache) as a BuildKit cache keeps nothing in
    the layer and is left alone: `--no-cache` would empty the author's cache.
    """
    needs_index = set(facts()["apk"]["needs_index"])
    for instruction, script in context.scripts():
        if any(has_cache_mount(instruction, target) for target in ("/var/cache/apk", "/var/cache/apk/", "/etc/apk/cache", "/etc/apk/cache/")):
            continue  # the author keeps the index and packages in a BuildKit cache, outside the layer
        for _, items in chains(script):
            for k, item in enumerate(items):
                command = item.command
                if command is None:
                    continue
                found = _apk_sub(command)
                if found is None or found[1] != "add":
                    continue
                values = command.arg_values()
                if "--no-cache" in values:
                    continue
                edits = [Edit.insert(command.words[found[0]].span.end, " --no-cache")]
                if k > 0 and items[k - 1].command is not None:
                    before = _apk_sub(items[k - 1].command)  # type: ignore[arg-type]
                    if before is not None and before[1] == "update" and not _index_read_later(context, instruction, script, item, needs_index):
                        deletion = delete_item(items, k - 1)
                        if deletion is not None:
                            edits.append(deletion)
                yield apk_add_cache.diagnostic(
                    "`apk add` without `--no-cache` leaves the package index in the layer",
                    command.words[found[0]].span,
                    apk_add_cache.fix(Applicability.SAFE, "Use `apk add --no-cache`" + (" instead of `apk update`" if len(edits) > 1 else ""), *edits),
                )
        # Commands inside if/for/subshells: the flag alone.
        top = {id(i.command) for _, items in chains(script) for i in items if i.command is not None}
        for command in script.commands:
            found = _apk_sub(command)
            if found is None or found[1] != "add" or id(command) in top or "--no-cache" in command.arg_values():
                continue
            yield apk_add_cache.diagnostic(
                "`apk add` without `--no-cache` leaves the package index in the layer",
                command.words[found[0]].span,
                apk_add_cache.fix(Applicability.SAFE, "Use `apk add --no-cache`", Edit.insert(command.words[found[0]].span.end, " --no-cache")),
            )


def _index_read_later(context: FileContext, instruction: Instruction, script: ShellScript, item: Any, needs_index: set[str]) -> bool:
    def reads(command: Command) -> bool:
        found = _apk_sub(command)
        return found is not None and found[1] in needs_index

    if any(reads(c) for c in script.commands if c.span.start > item.span.start):
        return True
    for run in later_runs(context, instruction):
        later = context.shell(run)
        if later is None or any(reads(c) for c in later.commands):
            return True
    return False


# -- DF210 / DF211 dnf, yum, microdnf, zypper ------------------------------------------


class RpmCall(NamedTuple):
    command: Command
    tool: str
    sub: int
    table: dict[str, Any]

    @property
    def subcommand(self) -> str:
        return self.command.words[self.sub].value or ""


def rpm_call(command: Command) -> RpmCall | None:
    tables = facts()["rpm"]
    name = command.name
    if name not in ("dnf", "yum", "microdnf", "zypper", "dnf5"):
        return None
    table = tables["dnf" if name == "dnf5" else name]
    found = _sub(command, frozenset(tables["options_with_value"]))
    if found is None:
        return None
    return RpmCall(command, name, found[0], table)


def _rpm_assumes_yes(call: RpmCall) -> bool:
    values = [v or "" for v in call.command.arg_values()]
    yes = set(call.table["assume_yes"]) | set(call.table.get("global_assume_yes", ()))
    for value in values:
        if value in yes or "assumeyes" in value:
            return True
        if re.fullmatch(r"-[a-zA-Z]+", value) and "y" in value:
            return True
        if call.tool == "zypper" and re.fullmatch(r"-[a-zA-Z]+", value) and "n" in value and values.index(value) < call.sub - 1:
            return True
    return False


@rule(
    "DF210",
    "rpm-assume-yes",
    summary="dnf/yum/microdnf/zypper would ask for confirmation, which a build cannot answer",
    applicability=Applicability.SAFE,
    hadolint=("DL3030", "DL3038", "DL3034"),
    order=100,
)
def rpm_assume_yes(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Adds `-y` after `dnf install`, `yum install`, `microdnf install`,
    `zypper install` (and update, remove...).

    ## Why is this bad?
    Without it the tool asks "Is this ok [y/N]", reads end-of-file in a
    build and aborts.

    ## Example
    ```dockerfile
    RUN dnf install httpd
    ```

    Use instead:
    ```dockerfile
    RUN dnf install -y httpd
    ```

    ## Fix safety
    Safe: `-y` only answers the question.  `--assumeyes`, `--setopt=assumeyes=1`
    and zypper's global `-n`/`--non-interactive` count as present.
    """
    for _, script in context.scripts():
        for command in script.commands:
            call = rpm_call(command)
            if call is None or call.subcommand not in call.table["confirming"] or _rpm_assumes_yes(call):
                continue
            word = command.words[call.sub]
            yield rpm_assume_yes.diagnostic(
                f"`{call.tool} {call.subcommand}` without `-y` stops at the confirmation prompt",
                word.span,
                rpm_assume_yes.fix(Applicability.SAFE, "Add `-y`", Edit.insert(word.span.end, " -y")),
            )


def _rpm_cleans(command: Command, tool: str) -> bool:
    call = rpm_call(command)
    if call is not None and call.subcommand in ("clean", "cc"):
        return tool == "zypper" or any(v in ("all", "--all", "-a") for v in command.arg_values())
    if command.name == "rm":
        return any(v is not None and v.startswith(("/var/cache/dnf", "/var/cache/yum", "/var/cache/zypp")) for v in command.arg_values())
    return False


@rule(
    "DF211",
    "rpm-cache-in-layer",
    summary="dnf/yum/microdnf/zypper metadata and packages stay in the layer",
    applicability=Applicability.SAFE,
    hadolint=("DL3032", "DL3040", "DL3036"),
    order=100,
)
def rpm_cache_in_layer(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Appends `dnf clean all` (`yum clean all`, `microdnf clean all`, `zypper
    clean --all`) and the removal of the cache directory to a RUN that
    installs, in the same RUN.  With `--cache-strategy mount`, dnf's and
    yum's caches become BuildKit cache mounts instead.

    ## Why is this bad?
    The repository metadata these tools download is tens to hundreds of MB
    (Fedora's is over 100 MB), shipped in the layer and never read again.

    ## Example
    ```dockerfile
    RUN dnf install -y httpd
    ```

    Use instead:
    ```dockerfile
    RUN dnf install -y httpd && dnf clean all && rm -rf /var/cache/dnf
    ```

    ## Fix safety
    Safe: these tools download metadata again when it is missing, so a later
    RUN still works.  The command is appended with `&&`, so the RUN fails
    exactly when it did.
    """
    for instruction, script in context.scripts():
        calls = [c for c in (rpm_call(cmd) for cmd in script.commands) if c is not None]
        installs = [c for c in calls if c.subcommand in c.table["installs"]]
        if not installs:
            continue
        tool = installs[-1].tool
        last = max(c.command.span.end for c in installs)
        if any(_rpm_cleans(c, tool) and c.span.start > last for c in script.commands):
            continue
        if has_cache_mount(instruction):
            continue
        table = installs[-1].table
        word = installs[-1].command.words[installs[-1].sub]
        message = f"`{tool} {installs[-1].subcommand}` leaves its cache in the layer"
        if _mount_mode(context) and tool in ("dnf", "yum"):
            fix = mount_fix(context, instruction, tool, rpm_cache_in_layer, f"Mount {table['cache_dir']} as a BuildKit cache")
            if fix is not None:
                yield rpm_cache_in_layer.diagnostic(message, word.span, fix)
                continue
        cleanup = table["clean"] + (f" && rm -rf {table['cache_dir']}" if table["cache_dir"] else "")
        edit = append_command(context, instruction, script, cleanup)
        if edit is None:
            yield rpm_cache_in_layer.diagnostic(message, word.span, note=f"append `{cleanup}` where the installs end")
            continue
        yield rpm_cache_in_layer.diagnostic(message, word.span, rpm_cache_in_layer.fix(Applicability.SAFE, f"Append `{cleanup}`", edit))


# -- DF212 npm ---------------------------------------------------------------------------


def npm_install(command: Command) -> ShellWord | None:
    if command.name != "npm":
        return None
    found = _sub(command, frozenset({"--prefix", "-C", "--cache", "--registry", "-w", "--workspace"}))
    if found is None or found[1] not in facts()["npm"]["installs"]:
        return None
    return command.words[found[0]]


def npm_cache_clean(command: Command) -> bool:
    """`npm cache clean --force`."""
    if command.name != "npm":
        return False
    found = _sub(command)
    return found is not None and found[1] == "cache" and "clean" in command.arg_values()


def installs_offline(command: Command, tool: str) -> bool:
    """`npm ci --offline`, `yarn install --prefer-offline`: a command of `tool` that installs from its download
    cache, which it therefore needs (`offline` in package_caches.toml)."""
    return command.name == tool and any(v in facts()[tool]["offline"] for v in command.arg_values())


def _npm_cleans(command: Command) -> bool:
    if command.name == "npm":
        return npm_cache_clean(command)
    if command.name == "rm":
        return any(v is not None and (".npm" in v) for v in command.arg_values())
    return False


@rule(
    "DF212",
    "npm-cache-in-layer",
    summary="npm install keeps its download cache (~/.npm) in the layer",
    applicability=Applicability.SAFE,
    order=100,
)
def npm_cache_in_layer(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Appends `npm cache clean --force` to a RUN that runs `npm install` or
    `npm ci` (with `--cache-strategy mount`: mounts /root/.npm instead).

    ## Why is this bad?
    npm keeps a copy of every tarball it downloaded in ~/.npm/_cacache, often
    as large as node_modules itself, in a layer where nothing reads it.

    ## Example
    ```dockerfile
    RUN npm ci
    ```

    Use instead:
    ```dockerfile
    RUN npm ci && npm cache clean --force
    ```

    ## Fix safety
    Safe: the cache only speeds up later downloads.  Left alone when a later
    RUN installs with `--offline`/`--prefer-offline` (it reads the cache),
    or when the RUN already cleans or mounts it.  The mount is used only
    for root with the default HOME and no `npm_config_cache`.
    """
    for instruction, script in context.scripts():
        installs = [(c, w) for c in script.commands if (w := npm_install(c)) is not None]
        if not installs:
            continue
        last = max(c.span.end for c, _ in installs)
        if any(_npm_cleans(c) and c.span.start > last for c in script.commands) or has_cache_mount(instruction):
            continue
        if any(installs_offline(c, "npm") for c, _ in installs):
            continue
        if _later_reads(context, instruction, lambda c: installs_offline(c, "npm")):
            continue
        word = installs[-1][1]
        message = f"`npm {word.value}` leaves npm's download cache in the layer"
        if _mount_mode(context):
            fix = mount_fix(context, instruction, "npm", npm_cache_in_layer, "Mount /root/.npm as a BuildKit cache")
            if fix is not None:
                yield npm_cache_in_layer.diagnostic(message, word.span, fix)
                continue
        yield from _append(context, instruction, script, npm_cache_in_layer, message, word, facts()["npm"]["clean"])


def _later_reads(context: FileContext, instruction: Instruction, predicate: Any) -> bool:
    for run in later_runs(context, instruction):
        script = context.shell(run)
        if script is not None and any(predicate(c) for c in script.commands):
            return True
    return False


def _append(context: FileContext, instruction: Instruction, script: ShellScript, check: Rule, message: str, word: ShellWord, command: str, applicability: Applicability = Applicability.SAFE, note: str = "") -> Iterator[Diagnostic]:
    edit = append_command(context, instruction, script, command)
    if edit is None:
        yield check.diagnostic(message, word.span, note=f"append `{command}` at the end of the RUN")
        return
    yield check.diagnostic(message, word.span, check.fix(applicability, f"Append `{command}`", edit), note=note)


# -- DF213 yarn --------------------------------------------------------------------------


def yarn_install(command: Command) -> ShellWord | None:
    if command.name != "yarn":
        return None
    found = _sub(command, frozenset({"--cwd", "--cache-folder", "--modules-folder", "--network-timeout", "--mutex"}))
    if found is None:
        options = [v for v in command.arg_values()]
        if any(v is None for v in options):
            return None
        return command.words[0]  # bare `yarn` installs
    return command.words[found[0]] if found[1] in facts()["yarn"]["installs"] else None


def yarn_cleans(command: Command) -> bool:
    return command.name == "yarn" and command.arg_values()[:2] == ["cache", "clean"]


def _yarn_berry(context: FileContext) -> tuple[str, bool] | None:
    """Why yarn may be berry (2+) here and whether that is certain; None when it is yarn classic."""
    table = facts()["yarn"]
    for marker in table["berry_commands"]:
        if marker in context.text:
            return f"the Dockerfile runs `{marker}`, which can switch to yarn berry", False
    build = context.build_context
    if build is None:
        return "no build context to tell yarn classic from yarn berry", False
    for path in build.files():
        name = path.rsplit("/", 1)[-1]
        if name == ".yarnrc.yml" or path.startswith(".yarn/releases/") or "/.yarn/releases/" in path:
            return f"{path} in the build context means yarn berry", True
        if name == "package.json":
            try:
                manager = json_loads(build.read_text(path) or "{}").get("packageManager", "")
            except (ValueError, AttributeError):
                return f"{path} is not valid JSON", False
            if isinstance(manager, str) and manager.startswith("yarn@") and not manager.startswith("yarn@1."):
                return f"{path} asks for {manager}, which is yarn berry", True
    return None


@rule(
    "DF213",
    "yarn-cache-in-layer",
    summary="yarn install keeps its download cache in the layer",
    applicability=Applicability.SAFE,
    hadolint=("DL3060",),
    order=100,
)
def yarn_cache_in_layer(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Appends `yarn cache clean` to a RUN that runs `yarn install` (or bare
    `yarn`, or `yarn add`).

    ## Why is this bad?
    yarn classic keeps every package it downloaded in its global cache
    (/usr/local/share/.cache/yarn for root), often hundreds of MB.

    ## Example
    ```dockerfile
    RUN yarn install --frozen-lockfile
    ```

    Use instead:
    ```dockerfile
    RUN yarn install --frozen-lockfile && yarn cache clean
    ```

    ## Fix safety
    Safe for yarn classic (1.x), which the build context shows: no
    .yarnrc.yml or .yarn/releases, no `packageManager: yarn@2+`, no
    corepack in the Dockerfile.  Yarn berry keeps its cache inside the
    project, where Plug'n'Play loads packages from at run time: cleaning it
    would break the app, so without a build context the fix is unsafe.
    """
    berry: tuple[str, bool] | None | bool = False
    for instruction, script in context.scripts():
        installs = [(c, w) for c in script.commands if (w := yarn_install(c)) is not None]
        if not installs:
            continue
        last = max(c.span.end for c, _ in installs)
        cleaned = any(yarn_cleans(c) and c.span.start > last for c in script.commands)
        if cleaned or has_cache_mount(instruction):
            continue
        if berry is False:
            berry = _yarn_berry(context)
        word = installs[-1][1]
        message = "`yarn install` leaves yarn's cache in the layer"
        reason, certain = berry if isinstance(berry, tuple) else (None, False)
        if certain:
            yield yarn_cache_in_layer.diagnostic(message, word.span, note=f"{reason}: its cache is part of the project, leave it")
            continue
        if _mount_mode(context) and reason is None:
            fix = mount_fix(context, instruction, "yarn", yarn_cache_in_layer, "Mount yarn's cache as a BuildKit cache")
            if fix is not None:
                yield yarn_cache_in_layer.diagnostic(message, word.span, fix)
                continue
        applicability = Applicability.UNSAFE if reason else Applicability.SAFE
        yield from _append(context, instruction, script, yarn_cache_in_layer, message, word, facts()["yarn"]["clean"], applicability, note=reason or "")


# -- DF214 gem ---------------------------------------------------------------------------


@rule(
    "DF214",
    "gem-install-docs",
    summary="gem install generates documentation no container reads",
    applicability=Applicability.SAFE,
    order=100,
)
def gem_install_docs(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Adds `--no-document` to `gem install`.

    ## Why is this bad?
    RubyGems generates ri and rdoc documentation for every gem it installs:
    megabytes of files, and minutes of build time for large gems.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN gem install bundler
    ```

    Use instead:
    ```dockerfile
    RUN gem install --no-document bundler
    ```

    ## Fix safety
    Safe: only the documentation is not generated.  Left alone on the
    official ruby images, whose /usr/local/etc/gemrc already says
    `gem: --no-document` (the flag would save nothing).
    """
    table = facts()["gem"]
    for instruction, script in context.scripts():
        base = base_image_name(context, instruction)
        if base in table["no_document_images"]:
            continue
        for command in script.commands:
            if command.name != "gem":
                continue
            found = _sub(command, frozenset({"-v", "--version", "-i", "--install-dir", "-n", "--bindir", "-s", "--source", "-P", "--trust-policy"}))
            if found is None or found[1] not in table["installs"]:
                continue
            values = command.arg_values()
            if any(v in table["no_document"] or (v or "").startswith("--document") for v in values):
                continue
            word = command.words[found[0]]
            yield gem_install_docs.diagnostic(
                "`gem install` generates ri/rdoc documentation into the layer",
                word.span,
                gem_install_docs.fix(Applicability.SAFE, "Add `--no-document`", Edit.insert(word.span.end, " --no-document")),
            )


# -- DF215 conda -------------------------------------------------------------------------


@rule(
    "DF215",
    "conda-cache-in-layer",
    summary="conda install keeps downloaded tarballs and the index cache in the layer",
    applicability=Applicability.SAFE,
    order=100,
)
def conda_cache_in_layer(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Appends `conda clean -afy` (or `mamba clean -afy`) to a RUN that runs
    `conda install`, `conda create` or `conda env create/update`.

    ## Why is this bad?
    conda keeps every package tarball and its extracted copy in pkgs/,
    often hundreds of MB, besides the environment itself.

    ## Example
    ```dockerfile
    RUN conda install -y numpy
    ```

    Use instead:
    ```dockerfile
    RUN conda install -y numpy && conda clean -afy
    ```

    ## Fix safety
    Safe with conda's default hard links: environments do not point into
    pkgs/.  Left alone when the Dockerfile mentions soft links
    (`always_softlink`, `allow_softlinks`), where `-f` would break them.
    """
    table = facts()["conda"]
    if "softlink" in context.text:
        return
    for instruction, script in context.scripts():
        installs = []
        for command in script.commands:
            if command.name not in table["tools"]:
                continue
            found = _sub(command, frozenset({"-n", "--name", "-p", "--prefix", "-c", "--channel", "-f", "--file"}))
            if found is None:
                continue
            if found[1] in table["installs"] or found[1] == "env" and set(command.arg_values()) & {"create", "update"}:
                installs.append((command, command.words[found[0]]))
        if not installs:
            continue
        last = max(c.span.end for c, _ in installs)
        if any(c.name in table["tools"] and "clean" in c.arg_values() and c.span.start > last for c in script.commands):
            continue
        if has_cache_mount(instruction):
            continue
        command, word = installs[-1]
        yield from _append(context, instruction, script, conda_cache_in_layer, f"`{command.name} {word.value}` leaves its package cache in the layer", word, f"{command.name} {table['clean']}")
