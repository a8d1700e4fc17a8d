"""apt in RUN: fresh lists in the same layer, no prompts, no recommends, no lists shipped.

The rules read the shell of each RUN (`FileContext.shell`), find `apt-get` and
`apt` commands, and edit single words: a flag after the subcommand, a command
appended to the RUN in its author's continuation style, a RUN moved into the
next one.  Facts about apt's options live in `data/package_caches.toml`;
which recommended packages a build needs comes from Debian's own metadata
(`debian_packages`, read only when an install without the flag is seen).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterator, NamedTuple

from rewriter.context import FileContext, load_data
from rewriter.rules import Applicability, Diagnostic, Edit, rule
from rewriter.shell import Command, ShellScript, ShellWord
from rewriter.syntax import Instruction
from rewriter.text import Span
from rewriter.variables import global_args, parent_stage, resolve_image
from transforms.debian_packages import DebianRelease, debian_packages, debian_release
from transforms.base_images.knowledge import ImageRef, Tag, is_eol, knowledge, today
from transforms.base_images.stage import base_packages, copy_destination, stage_config
from transforms._shellfix import (
    Item,
    append_command,
    base_image,
    base_image_name,
    chains,
    earlier_runs,
    facts,
    has_cache_mount,
    has_heredoc_redirect,
    is_heredoc_script,
    later_runs,
    layout,
    mount_edit,
    stdout_url,
    syntax_edit,
)

APT_TOOLS = ("apt-get", "apt")
APT_PROGRAMS = (*APT_TOOLS, "aptitude", "apt-cache")
"""Programs that read the package lists, wherever a command names them."""


def _apt() -> dict[str, Any]:
    return facts()["apt"]


# -- reading an apt command ----------------------------------------------------


class AptCall(NamedTuple):
    """`apt-get [options] SUBCOMMAND [options] [packages]` as written."""

    command: Command
    sub: int | None
    """Index of the subcommand in `command.words`; None when it is not static."""
    options: tuple[ShellWord, ...] = ()
    option_values: tuple[str, ...] = ()
    """Values of `-o NAME=VALUE` and `-oNAME=VALUE`."""
    packages: tuple[ShellWord, ...] = ()

    @property
    def tool(self) -> str:
        return self.command.name or ""

    @property
    def subcommand(self) -> str | None:
        return None if self.sub is None else self.command.words[self.sub].value

    @property
    def sub_word(self) -> ShellWord:
        assert self.sub is not None
        return self.command.words[self.sub]


def apt_call(command: Command) -> AptCall | None:
    if command.name not in APT_TOOLS:
        return None
    with_value = set(_apt()["options_with_value"])
    words = command.words
    sub: int | None = None
    options: list[ShellWord] = []
    configs: list[str] = []
    packages: list[ShellWord] = []
    i = 1
    while i < len(words):
        value = words[i].value
        if value is None:
            if sub is None:
                return AptCall(command, None)
            packages.append(words[i])
        elif value.startswith("-") and value != "-":
            options.append(words[i])
            if value in with_value and i + 1 < len(words):
                if value in ("-o", "--option") and words[i + 1].value:
                    configs.append(words[i + 1].value or "")
                i += 1
            elif value.startswith("-o") and not value.startswith("--"):
                configs.append(value[2:])
            elif value.startswith("--option="):
                configs.append(value[len("--option=") :])
        elif sub is None:
            sub = i
        else:
            packages.append(words[i])
        i += 1
    return AptCall(command, sub, tuple(options), tuple(configs), tuple(packages))


def apt_calls(script: ShellScript) -> list[AptCall]:
    return [call for c in script.commands if (call := apt_call(c)) is not None]


def package_name(word: str) -> str:
    """`curl=7.88.1-10`, `curl:amd64`, `curl/bookworm-backports` -> `curl`."""
    return re.split(r"[=:/]", word, maxsplit=1)[0]


def _assumes_yes(call: AptCall) -> bool:
    yes = set(_apt()["assume_yes"])
    for word in call.options:
        value = word.value or ""
        if value in yes:
            return True
        if re.fullmatch(r"-[a-zA-Z]+", value) and ("y" in value or value.count("q") >= 2):
            return True
    configs = {c.replace(" ", "").lower() for c in call.option_values}
    return any(c.lower() in configs for c in _apt()["assume_yes_config"])


def _skips_recommends(call: AptCall) -> bool | None:
    """True if recommends are off for this call, None if the author asked for them explicitly."""
    values = {(w.value or "").lower() for w in call.options}
    if "--install-recommends" in values:
        return None
    if any(v in values for v in _apt()["no_recommends"]):
        return True
    configs = {c.replace(" ", "").lower() for c in call.option_values}
    if any(c.lower() in configs for c in _apt()["no_recommends_config"]):
        return True
    if any(c.startswith("apt::install-recommends=") for c in configs):
        return None
    return False


def _diag_span(call: AptCall) -> Span:
    word = call.sub_word if call.sub is not None else call.command.words[0]
    return word.span


def _update_only(script: ShellScript) -> AptCall | None:
    """The apt update call when the whole script is `apt-get update` and nothing else."""
    if script.has_errors:
        return None
    found = chains(script)
    if len(found) != 1 or len(found[0][1]) != 1:
        return None
    item = found[0][1][0]
    if item.command is None or item.command.in_subshell:
        return None
    call = apt_call(item.command)
    if call is None or call.subcommand != "update":
        return None
    return call


def _runs_with_apt(context: FileContext) -> Iterator[tuple[Instruction, ShellScript, list[AptCall]]]:
    for instruction, script in context.scripts():
        calls = apt_calls(script)
        if calls:
            yield instruction, script, calls


# -- DF202 ------------------------------------------------------------------------

_NEUTRAL = frozenset({"ENV", "ARG", "LABEL", "EXPOSE", "WORKDIR", "MAINTAINER", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT"})


@rule(
    "DF202",
    "apt-update-separate-run",
    summary="`apt-get update` alone in a RUN: later installs read a stale cached layer",
    applicability=Applicability.SAFE,
    hadolint=("DL3009", "DL3059"),
    order=100,
)
def apt_update_separate_run(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Moves a RUN that only runs `apt-get update` into the RUN that installs.

    ## Why is this bad?
    Docker caches the update layer on its own: when the install line changes
    months later, the build reuses the old package lists and installs
    versions that no longer exist on the mirror (404) or misses security
    updates.  The lists also stay in the image, about 20-40 MB.

    ## Example
    ```dockerfile
    RUN apt-get update
    RUN apt-get install -y curl
    ```

    Use instead:
    ```dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    ## Fix safety
    Safe: the update runs immediately before the install, in the same
    shell, so the install sees the lists it always meant to see.  Only
    instructions that cannot affect apt (ENV, ARG, LABEL, WORKDIR...) may
    stand between the two RUNs; a COPY, USER or SHELL in between, or an
    install that is not at the top level of an `&&` chain, leaves it alone.
    """
    for instruction in context.runs():
        if instruction.effective is not instruction or instruction.flags:
            continue
        script = context.shell(instruction)
        if script is None:
            continue
        update = _update_only(script)
        if update is None:
            continue
        target = _next_install_run(context, instruction)
        message = "`apt-get update` in a RUN of its own: the next install can use stale cached lists"
        if target is None:
            yield apt_update_separate_run.diagnostic(message, _diag_span(update), note="no later RUN of this stage installs right after it; move the update into the RUN that installs")
            continue
        install_run, install_script = target
        edits = [Edit.delete(instruction.span)]
        first = _first_install_item(install_script)
        has_update = any(c.subcommand == "update" for c in apt_calls(install_script) if first is None or c.command.span.start < first.span.start)
        if first is None:
            yield apt_update_separate_run.diagnostic(message, _diag_span(update), note="the install is not at the top level of an `&&` chain; move the update next to it by hand")
            continue
        if not has_update:
            text = " ".join(w.text for w in update.command.assignments + update.command.words)
            edits.append(Edit.insert(first.span.start, f"{text} && "))
        yield apt_update_separate_run.diagnostic(
            message,
            _diag_span(update),
            apt_update_separate_run.fix(Applicability.SAFE, "Move `apt-get update` into the RUN that installs", *edits),
        )


def _next_install_run(context: FileContext, instruction: Instruction) -> tuple[Instruction, ShellScript] | None:
    stage = context.stage(instruction)
    if stage is None:
        return None
    for ins in stage.instructions:
        if ins.index <= instruction.index:
            continue
        if ins.name == "RUN":
            script = context.shell(ins)
            if script is None or script.has_errors or ins.flags or has_heredoc_redirect(script) or is_heredoc_script(ins):
                return None
            if any(c.subcommand in _apt()["installs"] for c in apt_calls(script)):
                return ins, script
            return None
        if ins.name not in _NEUTRAL:
            return None
    return None


def _first_install_item(script: ShellScript) -> Item | None:
    """The first apt install of the script, if it heads or continues an `&&` chain at the top level."""
    installs = set(_apt()["installs"])
    for _, items in chains(script):
        for item in items:
            if item.command is None:
                if any(item.span.start <= c.command.span.start < item.span.end for c in apt_calls(script) if c.subcommand in installs):
                    return None  # timid: the install is inside an if/subshell/pipeline
                continue
            call = apt_call(item.command)
            if call is not None and call.subcommand in installs:
                return item if item.operator in ("", "&&") else None
    return None


# -- DF203 ------------------------------------------------------------------------


@rule(
    "DF203",
    "apt-get-assume-yes",
    summary="apt-get would ask for confirmation, which a build cannot answer",
    applicability=Applicability.SAFE,
    hadolint=("DL3014",),
    order=100,
)
def apt_get_assume_yes(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Adds `-y` to `apt-get install` (and upgrade, remove, purge...).

    ## Why is this bad?
    Without `-y`, apt-get asks "Do you want to continue? [Y/n]" whenever it
    installs more than the packages named; a build has no terminal, reads
    end-of-file and aborts.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install curl
    ```

    Use instead:
    ```dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    ## Fix safety
    Safe: `-y` only answers the question; when apt-get would not ask, it
    does nothing.  `--yes`, `--assume-yes`, `-qq` (quiet level 2 implies
    `-y`) and `-o APT::Get::Assume-Yes=true` count as present.
    """
    for _, _, calls in _runs_with_apt(context):
        for call in calls:
            if call.subcommand not in _apt()["confirming"] or _assumes_yes(call):
                continue
            yield apt_get_assume_yes.diagnostic(
                f"`{call.tool} {call.subcommand}` without `-y` stops at the confirmation prompt",
                _diag_span(call),
                apt_get_assume_yes.fix(Applicability.SAFE, "Add `-y`", Edit.insert(call.sub_word.span.end, " -y")),
            )


# -- DF204 ------------------------------------------------------------------------


class RecommendsPlan(NamedTuple):
    """What `--no-install-recommends` would drop that the build needs, and how sure that is."""

    applicability: Applicability
    additions: tuple[str, ...]
    """Packages to name in the install: the needed recommends, then those kept unjudged."""
    reasons: tuple[str, ...]
    unknown: tuple[str, ...]
    selected: tuple[str, ...] = ()
    """Names the release has no package of, each with the one package apt-get installs in its place."""
    unresolved: tuple[str, ...] = ()
    """Names apt-get fails on, or may, each with why: no such package, several provide it, a pinned version."""
    unjudged: tuple[str, ...] = ()
    """The additions kept only because nobody judged them (`name (a -> b)`), for the note."""


def apt_selects(release: DebianRelease, word: str) -> tuple[str | None, str]:
    """The package `apt-get install WORD` installs on the release (None: it fails), and why when not WORD's own.

    A name that is no package of the release but that exactly one of its
    packages Provides is installed as that package: apt-get says "Note,
    selecting 'libssl3t64' instead of 'libssl3'" (only at quiet level 0,
    so not in a build's log) and goes on.  It fails on a name several
    packages provide ("You should explicitly select one to install") and
    on a name nothing provides ("Unable to locate package").  A pinned
    version (`libssl3=3.0.11`) selects the provider only where apt matches
    it against the version the provider's Provides carries (apt 2.6 never
    does: "Version '3.0.11' for 'libssl3' was not found"); that version is
    not in the packed data, so such a word is not resolved.
    """
    name = package_name(word)
    if release.has(name):
        return name, ""
    providers = release.providers(name)
    if providers is None:
        return None, f"{release.title} has no package {name}, and what provides it is not in dockerfix's data"
    if not providers:
        return None, f"{release.title} has no package {name} and none provides it: apt-get fails on it, so the install fails as written"
    if len(providers) > 1:
        return None, f"{name} is a virtual package of {release.title} that {', '.join(providers)} provide: apt-get asks for one of them, so the install fails as written"
    if "=" in word:
        return None, f"{word} pins a version of {name}, which is no package of {release.title} but a name {providers[0]} provides: apt-get installs {providers[0]} only if it provides that version"
    return providers[0], f"{name} is {providers[0]} on {release.title}"


UNJUDGED_KEPT_AT_MOST = 3
"""How many unjudged recommends a safe fix names: beyond that the edit would be mostly names for the
maintainer to vet (a compiler's whole toolchain), which says the judgement data is missing, not that
the install should grow; the fix is then unsafe and leaves them out."""


def recommends_plan(
    packages: list[str | None],
    release: DebianRelease | None,
    recommends_off: bool = False,
    installed_before: frozenset[str] = frozenset(),
    other_sources: bool = False,
    keep_unjudged: bool = True,
) -> RecommendsPlan:
    """Decide from Debian's metadata what the flag would break and what keeps it working.

    `packages` are the words of the install (None: not static), `release`
    the Debian release whose metadata describes them.  For each package,
    every recommend the flag drops (data/debian_recommends.json.gz) is:
    named by a curated functional claim, of the package or of the package
    of its Depends closure that recommends it: added to the install; judged
    not needed for this package: dropped; one of the recommends needed
    whoever recommends them (ca-certificates...): added; not judged, and
    one real package of the release: added too, so that apt installs what
    it installed before (at most UNJUDGED_KEPT_AT_MOST of them; more make
    the plan unsafe, leaving them out).  A package added is judged in
    turn, as apt installs the recommends of a recommend.  What is added
    already, named in the install, or installed by the Depends of one of
    its packages (python3-pip depends on ca-certificates) is not added
    again.  A name the release has no package of is judged as the package
    apt-get installs in its place (apt_selects), unless `other_sources`
    (sources added before the install, or `release` stands in for an
    unknown one) may hold that name.  An unjudged choice (`curl | wget`),
    a name apt-get fails on, or a word that is not static makes the fix
    unsafe.
    """
    if recommends_off:
        return RecommendsPlan(Applicability.SAFE, (), (), ())
    data = debian_packages()
    if release is None or data is None:
        unknown = tuple(p if p is not None else "(a word that is not static)" for p in packages)
        return RecommendsPlan(Applicability.UNSAFE, (), (), unknown)
    unknown = ["(a word that is not static)"] if None in packages else []
    names: list[str] = []
    selected: list[str] = []
    unresolved: list[str] = []
    for word in packages:
        if word is not None:
            if other_sources and not release.has(package_name(word)):
                unknown.append(package_name(word))
                continue
            name, why = apt_selects(release, word)
            if name is None:
                unresolved.append(why)
                continue
            names.append(name)
            if why:
                selected.append(why)
    installed = set(names) | set(installed_before)
    for name in names:
        installed |= release.installs(name)
    additions: list[str] = []
    reasons: list[str] = []
    unjudged: list[str] = []
    choices: list[tuple[str, str]] = []
    routes: dict[str, tuple[str, ...]] = {}

    def add(target: str, path: tuple[str, ...], reason: str | None) -> None:
        if target in installed:
            return
        additions.append(target)
        routes[target] = path = tuple(dict.fromkeys(path))
        installed.add(target)
        installed.update(release.installs(target))
        route = " -> ".join(path)
        if reason is None:
            unjudged.append(f"{target} ({route})")
        else:
            reasons.append(f"{target} ({route}: {reason})")

    cut: list[str] = []

    def judge(name: str, via: tuple[str, ...]) -> None:
        dropped = release.dropped(name)
        if release.dropped_cut(name):
            cut.append(name)  # the file left out more of them than it lists
        for group, recommender in dropped.items():
            # apt does not look again at the recommends of a package installed before; but the file keeps one
            # recommender per group, and a package new to the image may recommend it too: such a group is not
            # named unjudged (nor dropped as left out by this install).
            recommender_installed = recommender in installed_before and recommender not in names
            claims = [c for c in release.claims if c.group == group and (c.owner == name or c.recommender == recommender)]
            claims.sort(key=lambda c: (c.owner != name, c.owner, c.target))
            for claim in claims:
                if claim.owner == name:
                    add(claim.target, (*via, *claim.path), claim.reason)
                else:  # another owner's claim: its reason may be about that owner (cargo's crates.io index)
                    reason = data.always_functional.get(claim.target, claim.reason)
                    add(claim.target, (*via, name, *claim.path[-2:]), reason)
            if claims or group in data.not_needed.get(name, ()):
                continue
            if group in data.always_functional:
                add(group, (*via, name, recommender, group), data.always_functional[group])
            elif keep_unjudged and not recommender_installed and " | " not in group and release.installable_everywhere(group):
                add(group, (*via, name, recommender, group), None)
            else:
                choices.append((name, group))

    for name in names:
        judge(name, ())
    # The recommends of what was added: apt installs them too (build-essential's fakeroot...).
    judged = 0
    while judged < len(additions):
        target = additions[judged]
        judge(target, routes[target][:-1])
        judged += 1
    # A choice that a package added for another reason satisfies is not left out (musl-tools' gcc
    # recommends libc6-dev, claimed under its virtual name libc-dev, too).
    unknown += [f"{name} (drops {group})" for name, group in choices if not set(group.split(" | ")) & installed]
    unknown += [f"{name} (drops more recommends nobody judged than dockerfix's data lists)" for name in cut]
    unknown = list(dict.fromkeys(unknown))
    if keep_unjudged and (cut or len(unjudged) > UNJUDGED_KEPT_AT_MOST):
        return recommends_plan(packages, release, installed_before=installed_before, other_sources=other_sources, keep_unjudged=False)
    applicability = Applicability.UNSAFE if unknown or unresolved else Applicability.SAFE
    return RecommendsPlan(
        applicability, tuple(additions), tuple(reasons), tuple(unknown), tuple(selected), tuple(unresolved), tuple(unjudged)
    )


_SOURCE_MARKERS = re.compile(r"sources\.list|add-apt-repository|apt-add-repository|\bdpkg\s+(?:-i|--install)\b|/etc/apt/preferences")
_DEBIAN_SOURCES = ("/etc/apt/sources.list", "/etc/apt/sources.list.d/debian.sources")
"""The files the Debian images list their archive in (classic, and deb822 since Debian 12)."""
_URL_PART = r"[A-Za-z0-9.:/_~@%+-]"


def _mirror_switch(command: Command) -> bool:
    """`sed -i 's/deb.debian.org/MIRROR/g' /etc/apt/sources.list` (or debian.sources): same archive, another host.

    Every expression must replace a Debian host (or the URL scheme) with a
    host or URL: a release name, a component or a line cannot be written.
    """
    if command.name != "sed":
        return False
    expressions: list[str] = []
    files: list[str] = []
    values = command.arg_values()
    if any(v is None for v in values):
        return False
    i = 0
    in_place = False
    while i < len(values):
        value = values[i] or ""
        if value in ("-e", "--expression"):
            if i + 1 >= len(values):
                return False
            expressions.append(values[i + 1] or "")
            i += 2
            continue
        if value.startswith("-i") or value.startswith("--in-place"):
            in_place = True
        elif value in ("-E", "-r", "--regexp-extended"):
            pass
        elif value.startswith("-"):
            return False
        elif not expressions and not files and "-e" not in values:
            expressions.append(value)
        else:
            files.append(value)
        i += 1
    if not in_place or not expressions or not files or any(f not in _DEBIAN_SOURCES for f in files):
        return False
    for expression in expressions:
        match = re.fullmatch(r"s(.)(.+?)\1(.*?)\1g?", expression)
        if match is None:
            return False
        old, new = match.group(2).replace("\\", ""), match.group(3).replace("\\", "")
        if not re.fullmatch(f"{_URL_PART}+", old) or not re.fullmatch(f"{_URL_PART}*", new):
            return False
        if "debian.org" not in old and old.rstrip(":/") not in ("http", "https"):
            return False
        if new.rstrip(":/") not in ("http", "https") and ("." not in new or re.search(r"\b(stable|testing|unstable|sid|experimental|backports|contrib|non-free)\b|[a-z]+-(updates|security)\b", new)):
            return False
    return True


def _same_archive_lines(command: Command, redirect: str, codename: str | None) -> bool:
    """`echo "deb http://MIRROR/debian CODENAME main" > /etc/apt/sources.list`: the release's own archive from a mirror.

    Every line must name a Debian archive path (…/debian, …/debian-security),
    the stage's release or its -updates/-security suite, and only `main`, the
    one component the Debian images enable.
    """
    if command.name not in ("echo", "printf") or codename is None:
        return False
    target = re.match(r"\s*>>?\s*(\S+)\s*$", redirect)
    if target is None or not target.group(1).strip("'\"").startswith("/etc/apt/sources.list"):
        return False
    values = [v for v in command.arg_values() if v is None or not v.startswith("-")]
    if not values or any(v is None for v in values):
        return False
    lines = [line.strip() for v in values for line in re.split(r"\\n|\n", v or "") if line.strip()]
    suites = {codename, f"{codename}-updates", f"{codename}-security", f"{codename}/updates"}
    for line in lines:
        match = re.fullmatch(r"deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.+)", line)
        if match is None:
            return False
        uri, suite, components = match.groups()
        if not re.fullmatch(r"https?://[^/\s]+(/[^\s]*)?/debian(-security)?/?", uri) or suite not in suites or set(components.split()) != {"main"}:
            return False
    return bool(lines)


class SourceChange(NamedTuple):
    """A command that may make apt take packages from elsewhere than the stage's Debian release."""

    reason: str
    needs_update: bool
    """True: it only writes apt's sources, which apt reads at the next `apt-get update`; False: it may
    act at once (pins in /etc/apt/preferences) or run an update itself (setup scripts,
    add-apt-repository, a package's maintainer scripts)."""



def _source_change(context: FileContext, script: ShellScript, command: Command, end: int, codename: str | None) -> SourceChange | None:
    """How this command may make apt install packages from elsewhere than the stage's Debian release, or None.

    `end`: where the next command starts; the text up to it holds the
    command's redirections (the shell model's statement may not: in
    `a && echo … > f && b` it leaves `> f` out).
    """
    local = _local_package(command)
    if local is not None:
        return SourceChange(f"`{local}` installed before it: a package's maintainer scripts may add a non-Debian repository (packages-microsoft-prod's do)", needs_update=False)
    unread = unread_script(context, script, command)
    if unread == "-":
        return SourceChange("a downloaded script piped into a shell before it may add a non-Debian repository", needs_update=False)
    if unread is not None:
        return SourceChange(f"`{unread}` runs before it, a script dockerfix does not read: it may add a non-Debian repository", needs_update=False)
    text = context.text[command.span.start : max(end, command.statement_span.end)]
    found = _SOURCE_MARKERS.search(text)
    if found is None:
        return None
    redirect = re.sub(r"(\s|\\\n|&&|\|\||;|\))+$", "", text[command.span.end - command.span.start :])
    if _mirror_switch(command) or _same_archive_lines(command, redirect, codename):
        return None
    marker = found.group(0)
    if marker.startswith("dpkg"):
        return SourceChange(f"`{marker}` before it: a package's maintainer scripts may add a non-Debian repository (google-chrome's and packages-microsoft-prod's do)", needs_update=False)
    return SourceChange(f"`{marker}` before it may add a non-Debian repository", needs_update=marker.startswith("sources.list"))


def unread_script(context: FileContext, script: ShellScript, command: Command) -> str | None:
    """`Command.script_run`, less a listed installer piped into its interpreter (`_known_installer`)."""
    unread = command.script_run
    return None if unread == "-" and _known_installer(context, script, command) else unread


def _known_installer(context: FileContext, script: ShellScript, command: Command) -> bool:
    """`curl -sS https://getcomposer.org/installer | php -- ...`: a download of an installer that
    `package_managers.toml` lists (`meta.installer_scripts`, with its sources) piped into its interpreter.
    Such an installer fetches one program and writes it where told; it changes no apt configuration."""
    source = next((c for c in reversed(script.commands) if c.span.end <= command.span.start and "pipeline" in c.ancestors), None)
    if source is None or context.text[source.span.end : command.span.start].replace("\\\n", " ").strip() != "|":
        return False
    url = stdout_url(source)
    return any(url == entry["url"] and command.name in entry["interpreters"] for entry in load_data("package_managers")["meta"]["installer_scripts"])


def _local_package(command: Command) -> str | None:
    """The .deb file an apt install takes from the image's files (`apt-get install -y ./tool.deb`), or None
    (`git/bookworm-backports` names a release, not a file)."""
    call = apt_call(command)
    if call is None or call.subcommand not in _apt()["installs"]:
        return None
    return next((w.value for w in call.packages if w.value is not None and (w.value.startswith(("/", "./", "../")) or w.value.endswith(".deb"))), None)


def _is_update(command: Command) -> bool:
    found = apt_call(command)
    return found is not None and found.subcommand == "update"


def _third_party_sources(context: FileContext, instruction: Instruction, script: ShellScript, call: AptCall, codename: str | None) -> str | None:
    """Why packages of this install may come from a repository other than the release's own, or None.

    Looks at the earlier RUNs of the stage and of the stages it is built
    FROM, and at the commands of this RUN before the install: a repository
    added (a deb line of another archive or release, add-apt-repository, a
    sources file COPYed in), a setup script piped into a shell (NodeSource
    style) or run from a file (`Command.script_run`) or a .deb installed with dpkg -i.  Switching the
    Debian archive's host to a mirror, or writing the release's own lines
    from a mirror, keeps the same packages.  A sources file written after
    the last `apt-get update` before the install is not read by it: apt
    installs from the lists that update fetched.
    """
    waiting: list[str] = []
    """Sources written since the last update: they count once an update reads them."""
    listed = False
    """An earlier RUN fetched the lists."""

    def judge(change: SourceChange | None) -> str | None:
        if change is None:
            return None
        if change.needs_update:
            waiting.append(change.reason)
            return None
        return change.reason

    for earlier in _earlier_in_image(context, instruction):
        if earlier.name in ("COPY", "ADD"):
            target = copy_destination(context, earlier)
            if target is None and not any(_APT_CONFIG_NAME.search(w.text) for w in earlier.words()[:-1]):
                continue  # where it lands is not known, but nothing it copies is named like apt configuration
            if target is None or target.startswith("/etc/apt"):
                shown = target or "a destination that is not known"
                reason = f"{earlier.name} of apt configuration into {shown} before it may add a non-Debian repository"
                if found := judge(SourceChange(reason, needs_update=target is not None and "sources.list" in target)):
                    return found
            continue
        script_before = context.shell(earlier)
        if script_before is None:
            text = earlier.args.text + "".join(h.content for h in earlier.heredocs)
            marker = _SOURCE_MARKERS.search(text)
            if marker:
                return f"`{marker.group(0)}` before it may add a non-Debian repository"
            if re.search(r"\|\s*(sudo\s+)?(-E\s+)?(bash|sh)\b", text):
                return "a downloaded script piped into a shell before it may add a non-Debian repository"
            continue
        for command, end in _with_ends(script_before, earlier):
            if _is_update(command) and waiting:
                return waiting[0]
            listed = listed or _is_update(command)
            if found := judge(_source_change(context, script_before, command, end, codename)):
                return found
    updated_here = False
    for command, end in _with_ends(script, instruction):
        if command.span.start >= call.command.span.start:
            break
        if _is_update(command):
            if waiting:
                return waiting[0]
            updated_here = True
        if found := judge(_source_change(context, script, command, end, codename)):
            return found
    if waiting and listed and not updated_here:
        # An install that reads lists an earlier RUN fetched gets an update of its own from DF205
        # (lists across RUNs), which would read the waiting line too.
        return waiting[0] + " (an `apt-get update` another fix gives this install would read it)"
    return None


_APT_CONFIG_NAME = re.compile(r"(^|/)(sources\.list|[^/]*\.(list|sources|pref|gpg|asc)|preferences|apt\.conf)\W*$")
"""Source names of a COPY that may be apt configuration, when its destination is not known."""


def _with_ends(script: ShellScript, instruction: Instruction) -> Iterator[tuple[Command, int]]:
    """Each command of a RUN with the offset where the next one starts (the RUN's end for the last)."""
    commands = sorted(script.commands, key=lambda c: c.span.start)
    ends = [c.span.start for c in commands[1:]] + [instruction.span.end]
    yield from zip(commands, ends)


def _earlier_in_image(context: FileContext, instruction: Instruction) -> Iterator[Instruction]:
    """RUN, COPY and ADD instructions before `instruction` in its stage and in the stages it is built FROM."""
    stage = context.stage(instruction)
    chain = []
    while stage is not None and len(chain) < 50:
        chain.append(stage)
        stage = parent_stage(context.document, stage)
    for i, stage in enumerate(reversed(chain)):
        last = i == len(chain) - 1
        yield from (ins for ins in stage.instructions if ins.name in ("RUN", "COPY", "ADD") and (not last or ins.index < instruction.index))


def _unresolved_from(context: FileContext, instruction: Instruction) -> str | None:
    """Why the release of the image the stage is built on cannot be read from its FROM: a build argument
    without default, a digest without a tag (it pins one image, of any release), or a tag that follows the
    interim releases (`ubuntu:rolling`, `ubuntu:devel`), which have no package metadata."""
    stage = context.stage(instruction)
    seen = 0
    while stage is not None and seen < 50:
        parent = parent_stage(context.document, stage)
        if parent is None:
            break
        stage, seen = parent, seen + 1
    if stage is None:
        return None
    image = resolve_image(context.document, stage) or stage.image
    name, _, digest = image.partition("@")
    if digest and ":" not in name.rsplit("/", 1)[-1]:
        return f"`FROM {image}` pins a digest without a tag: which release that image is built on is not written"
    if re.fullmatch(r"(?:docker\.io/)?(?:library/)?ubuntu:(?:rolling|devel)", name):
        return f"`{name}` follows Ubuntu's interim releases, for which dockerfix has no package metadata"
    if "$" not in stage.image or resolve_image(context.document, stage) is not None:
        return None
    defaults = global_args(context.document)
    names = [n for n in dict.fromkeys(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", stage.image)) if defaults.get(n) is None]
    return f"`FROM {stage.image}` depends on {', '.join(names) or 'a build argument'}, given no default: a --build-arg chooses the image"


class StageRelease(NamedTuple):
    """The Debian or Ubuntu release whose metadata decides DF204 for a stage, and why."""

    release: DebianRelease | None
    """None: no package metadata describes the stage's packages (the fix is unsafe)."""
    described: str
    """What decided: "python:3.13-slim is Debian 13 (trixie)", or why nothing could."""
    stand_in: DebianRelease | None = None
    """For an unsafe plan on a non-Debian base: the nearest Debian release, to name what would be kept."""


_DEFAULT_FOLLOWS_RELEASE = dt.timedelta(days=30)
"""How soon after a Debian release the official images' unsuffixed tags moved to it (days, for bookworm and trixie)."""


def _debian_default_on(context: FileContext, day: dt.date) -> str | None:
    """The Debian release the official images defaulted to on `day`; None within a month of a release (they were moving)."""
    releases = knowledge(context).data["debian"]["releases"]
    dated = sorted((entry["released"], name) for name, entry in releases.items() if isinstance(entry.get("released"), dt.date))
    found = None
    for released, name in dated:
        if day >= released + _DEFAULT_FOLLOWS_RELEASE:
            found = name
        elif day >= released:
            return None
    return found


def _last_build_release(context: FileContext, tag: Tag, codename: str) -> tuple[str | None, str]:
    """The release a tag whose release is its image's default `codename` was last built on, and when, if not today.

    A tag is rebuilt while its version is current: `python:3.9.15` was last
    built in 2022, `php:7.4-cli` at PHP 7.4's end of life (November 2022,
    on bullseye).  Today's default holds when the tag still floats (no
    version, the line's newest release of a supported line), or its line
    came out a month or more after that default's Debian release.  An
    end-of-life line was last built at its end, on the Debian release the
    images defaulted to then; an older patch release when the next one came
    out (see `_patch_last_build`).  None: unknown.  The text says when, for
    the note ("" when today's default holds), or why it is unknown.
    """
    names_its_release = not str(tag.suffix.get("codename", "(")).startswith("(")
    if tag.version is None or names_its_release or tag.info.get("kind") == "os":
        return codename, ""
    key = knowledge(context).version_key(tag.image, tag.version)
    entry = tag.info.get("versions", {}).get(key or "")
    if not entry or key is None:
        return None, ""
    line_released, eol = entry.get("released"), entry.get("eol")
    if isinstance(line_released, dt.date) and _debian_default_on(context, line_released) == codename:
        return codename, ""
    if tag.version not in (key, entry.get("current")):
        return _patch_last_build(context, tag.image, key, tag.version, codename)
    if not is_eol(entry, today(context.settings)) or entry.get("default_codename"):
        return codename, ""
    if not isinstance(eol, dt.date):
        return None, ""
    then = _debian_default_on(context, eol)
    return (codename, "") if then == codename else (then, f", last built at its version's end of life ({eol:%B %Y}),")


_REBUILD_LAG = dt.timedelta(days=7)
"""How long after a patch release the official images may still build the one before it.

In official-images' history they drop the older tags the day the new
release is built, within a day or two of it (python 3.10.11's last on
2023-06-06, the day 3.10.12 came out); a week leaves room."""


def _patch_last_build(context: FileContext, image: str, line: str, version: str, codename: str) -> tuple[str | None, str]:
    """The release an older patch release's tag (`python:3.9.15`) was last built on, from `[patch_releases]`.

    The images build a line's newest patch release only, so the tag was
    last built when the next patch release came out: on the default of
    that day, when it is the same a week later; within a month of a Debian
    release, on the release `[patch_last_built_on]` records from the
    images' history.  A line never moves to an
    older release, so its own release (`codename`, what its last build
    used) caps the answer: ruby 3.0 stayed on bullseye after bookworm came
    out.  None when the dates are not known or fall within a month of a
    Debian release, when the images were moving.
    """
    data = knowledge(context).data
    dates = data.get("patch_releases", {}).get(image, {}).get(line)
    patch = version[len(line) + 1 :]
    if not isinstance(dates, list) or not patch.isdigit() or int(patch) + 1 >= len(dates):
        return None, ""
    following = dates[int(patch) + 1]
    recorded = data.get("patch_last_built_on", {}).get(image, {}).get(version)
    if recorded is not None:  # the images were moving then; their history says where the tag ended
        return recorded, f", last built when {line}.{int(patch) + 1} came out ({following:%B %Y}; official-images' history),"
    then = _debian_default_on(context, following)
    if then is None or _debian_default_on(context, following + _REBUILD_LAG) != then:
        return None, f" was last built when {line}.{int(patch) + 1} came out ({following:%B %Y}), within a month of a Debian release, while the images moved to it"
    order = {name: entry.get("released") for name, entry in knowledge(context).data["debian"]["releases"].items()}
    newer = order.get(then) and order.get(codename) and order[then] > order[codename]
    last = codename if newer else then
    return last, f", last built when {line}.{int(patch) + 1} came out ({following:%B %Y}),"


def stage_release(context: FileContext, instruction: Instruction) -> StageRelease:
    """The release of the image a stage starts FROM (ARGs and earlier stages resolved), read from its tag.

    Official images built FROM debian carry the release in the tag or in
    their default (`python:3.13-slim` is trixie, `node:22-bookworm-slim`
    bookworm); data/base_images.toml knows which, and which OS release
    other images are built on (`mcr.microsoft.com/dotnet/sdk:8.0` is
    bookworm, `maven:3-eclipse-temurin-21` Ubuntu).  An Ubuntu base is
    described by its own release's metadata; one whose release has none, or
    is unknown, by none (the nearest Debian release names what an unsafe
    fix keeps).
    """
    unresolved = _unresolved_from(context, instruction)
    if unresolved is not None:
        return StageRelease(None, unresolved)
    found = base_image(context, instruction)
    table = _apt()["debian_images"]
    if found is None:
        return StageRelease(None, "the base image is unknown")
    name, tag = found
    shown = f"{name}:{tag}" if tag else name
    parsed = knowledge(context).parse_tag(name, tag or None) if name in table["names"] or name == "ubuntu" else None
    codename = parsed.codename if parsed is not None else None
    unlisted = parsed is not None and parsed.info.get("kind") == "os" and parsed.version is not None and parsed.key is None
    if unlisted:
        codename = None  # ubuntu:16.04, debian:9: a release the data does not list, not the image's default
    built = ""
    if parsed is not None and codename is not None:
        last, built = _last_build_release(context, parsed, codename)
        if last is None:
            return StageRelease(None, f"{shown}{built}" if built else f"{shown} is no longer rebuilt: its last build used the default release of its day, which may be older than {codename}")
        codename = last
    stage = context.stage(instruction)
    # Not for an unlisted release: the image's facts describe its default tag (debian:9 is not trixie).
    config = stage_config(context, stage) if codename is None and not unlisted and name != "ubuntu" and stage is not None else None
    os_name = config.os if config is not None else None
    if os_name in ("debian", "ubuntu"):
        codename = config.codename  # built FROM debian or ubuntu, as data/base_images.toml describes (dotnet, rust...)
    if name == "ubuntu" or os_name == "ubuntu" or codename in table["ubuntu_codenames"] or any(c in tag for c in table["ubuntu_codenames"]):
        ubuntu = codename or next((c for c in table["ubuntu_codenames"] if c in tag), "")
        release = _release_of("Ubuntu", ubuntu)
        if release is not None:
            return StageRelease(release, f"{shown}{built} is {release.title}")
        nearest = table["ubuntu_nearest_debian"].get(ubuntu)
        described = f"{shown} is Ubuntu {ubuntu}, for which dockerfix has no package metadata" if ubuntu else f"the Ubuntu release of {shown} is unknown"
        return StageRelease(None, described, debian_release(nearest) if nearest else None)
    if name not in table["names"] and os_name != "debian":
        if config is None and knowledge(context).repository(ImageRef.parse(shown), context.settings) is not None:
            return StageRelease(None, f"the release of {shown} is unknown: data/base_images.toml describes only the tags of {name} that name theirs")
        return StageRelease(None, f"{name} is not known to be Debian-based")
    if codename is None:
        # A dated or otherwise unlisted tag that still names its release: debian:trixie-20250428.
        codename = next((word for word in tag.split("-") if _release_of("Debian", word) is not None), None) if tag else None
    if codename is None:
        return StageRelease(None, f"the Debian release of {shown} is unknown")
    release = _release_of("Debian", codename)
    if release is None:
        return StageRelease(None, f"{shown}{built} is Debian {codename}, for which dockerfix has no package metadata")
    return StageRelease(release, f"{shown}{built} is {release.title}")


def _release_of(distribution: str, codename: str) -> DebianRelease | None:
    """The package metadata of `codename` when it is a release of `distribution` ("Debian", "Ubuntu")."""
    release = debian_release(codename) if codename else None
    return release if release is not None and release.distribution == distribution else None


def _other_release(call: AptCall) -> str | None:
    """Why this install may take packages from another release (`-t bookworm-backports`, `git/bookworm-backports`), or None."""
    words = [w.value or "" for w in call.command.words]
    for i, value in enumerate(words):
        if value in ("-t", "--target-release", "--default-release") and i + 1 < len(words):
            return f"`{value} {words[i + 1]}` selects another release"
        if value.startswith(("--target-release=", "--default-release=")) or re.fullmatch(r"-t\S+", value):
            return f"`{value}` selects another release"
    for word in call.packages:
        if word.value is not None and "/" in word.value and not word.value.startswith((".", "/")):
            return f"`{word.value}` comes from another release"
    return None


_WHOLE_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def install_words(context: FileContext, instruction: Instruction, call: AptCall) -> tuple[list[str | None], list[str]]:
    """The package words of an install (None: not static), and which variables were read as the Dockerfile sets them.

    An unquoted `$PKGS` or `${PKGS}` whose value the Dockerfile gives (an
    ARG default, an ENV) is split on blanks as the shell splits it, when the
    RUN never names the variable otherwise (no assignment, `read`, `export`,
    loop) and the value holds no glob.  A `--build-arg` may still name other
    packages: the note says which value was read.
    """
    words: list[str | None] = []
    read: list[str] = []
    text = instruction.args.text + "".join(h.content for h in instruction.heredocs)
    for word in call.packages:
        match = _WHOLE_VARIABLE.fullmatch(word.text) if word.value is None else None
        name = match and (match.group(1) or match.group(2))
        value = context.env_at(instruction).get(name) if name else None
        others = re.sub(rf"\$(\{{{name}\}}|{name}\b)", "", text) if name else ""
        if name is None or value is None or re.search(rf"\b{name}\b", others) or re.search(r"[*?\[]", value):
            words.append(word.value)
            continue
        words.extend(value.split())
        read.append(f"`{word.text}` read as {value.strip() and ' '.join(value.split()) or 'empty'}")
    return words, read


def recommends_brought(context: FileContext, stage_index: int) -> frozenset[str] | None:
    """The Recommends the stage's apt installs brought besides what they name (each group as written, `a | b`),
    by the release's package metadata; None when it cannot be told (release unknown, a computed package)."""
    brought: set[str] = set()
    for instruction, _, calls in _runs_with_apt(context):
        if instruction.stage != stage_index or _recommends_configured(context, instruction):
            continue
        for call in calls:
            if call.subcommand != "install" or _skips_recommends(call):
                continue
            release = stage_release(context, instruction).release
            words, _ = install_words(context, instruction, call)
            if release is None or any(w is None for w in words):
                return None
            brought.update(group for w in words if w is not None for group in release.dropped(package_name(w)))
    return frozenset(brought)


_PACKAGE_TOOLS = (*APT_PROGRAMS, "dpkg")


def _removes_packages(context: FileContext, script: ShellScript, command: Command) -> bool:
    """A package installed before may be gone after this command: `apt-get purge`, `autoremove`,
    `dist-upgrade`, `apt-get install pkg-` (a trailing minus removes), `aptitude purge`, `dpkg -r` or `-P`,
    any of them behind `sudo`, `xargs`, `sh -c "..."`; an apt subcommand, or a word of another command
    running one of these tools, that only the shell knows (an apt package word that only the shell knows
    is read as packages to install); or code dockerfix does not read (`./setup.sh`, `curl ... | sh`),
    which may run anything."""
    if unread_script(context, script, command) is not None:
        return True
    call = apt_call(command)
    if call is not None and call.sub is None:
        return True
    runs_one = command.name in _PACKAGE_TOOLS or command.mentions(_PACKAGE_TOOLS)
    if not runs_one:
        return False
    if call is None and any(word.value is None for word in command.words):
        return True
    tokens = [command.name or "", *command.tokens()]
    removes = set(_apt()["removes"]) | {"--remove", "--purge"}
    dpkg = "dpkg" in (token.rsplit("/", 1)[-1] for token in tokens)
    return any(
        token in removes
        or (token.endswith("-") and not token.startswith("-"))
        or (dpkg and re.fullmatch(r"-[a-zA-Z]*[rP][a-zA-Z]*", token) is not None)
        for token in tokens
    )


def _installed_at_start(context: FileContext, instruction: Instruction, installed: dict[int, set[str]]) -> set[str]:
    """The packages DF204 knows are installed when the instruction's stage starts: what the stage it is
    built FROM had after its apt commands, or what its base image keeps (`base_packages`)."""
    stage = context.stage(instruction)
    for _ in range(50):
        if stage is None:
            return set()
        parent = parent_stage(context.document, stage)
        if parent is None:
            return set(base_packages(context, stage))
        if parent.index in installed:
            return set(installed[parent.index])
        stage = parent
    return set()


def _with_depends(release: DebianRelease | None, names: set[str]) -> frozenset[str]:
    """`names` and what their Depends install of the packages DF204 may add (`DebianRelease.installs`)."""
    if release is None:
        return frozenset(names)
    return frozenset(names).union(*(release.installs(name) for name in names))


def _spared_by_base(
    context: FileContext, instruction: Instruction, words: list[str | None], release: DebianRelease | None, before: set[str], plan: RecommendsPlan
) -> str | None:
    """The note naming what the base image's own packages spare the fix: recommends it would otherwise add, or
    leave out unjudged; None when they change nothing."""
    stage = context.stage(instruction)
    base = base_packages(context, stage) & before if stage is not None else frozenset()
    if not base:
        return None
    without = recommends_plan(words, release, installed_before=_with_depends(release, before - base))
    added = [a for a in without.additions if a not in plan.additions]
    # A recommend left out only without the base may be named now, kept unjudged: that is not the base's doing.
    settled = [u for u in without.unknown if u not in plan.unknown and u.rpartition(" (drops ")[2].rstrip(")") not in plan.additions]
    found = base_image(context, instruction)
    shown = ":".join(p for p in found if p) if found is not None else "the base image"
    parts = [f"not added: {shown} already has {', '.join(added)} installed"] if added else []
    if settled:
        parts.append(f"satisfied by what {shown} has installed: {', '.join(settled)}")
    return "; ".join(parts) or None


def _recommends_configured(context: FileContext, instruction: Instruction) -> bool:
    """An earlier RUN wrote `APT::Install-Recommends "false"` into apt's configuration."""
    for run in earlier_runs(context, instruction):
        text = run.args.text + "".join(h.content for h in run.heredocs)
        if re.search(r"Install-Recommends\W+(\"?)(false|0|no)\b", text, re.I):
            return True
    return False


@rule(
    "DF204",
    "apt-no-install-recommends",
    summary="apt-get install pulls in recommended packages the image does not need",
    applicability=Applicability.SAFE,
    hadolint=("DL3015",),
    order=100,
)
def apt_no_install_recommends(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Adds `--no-install-recommends` to `apt-get install`, and names explicitly
    the recommended packages the build needs.

    ## Why is this bad?
    apt installs every package's Recommends by default: documentation
    helpers, X11 libraries, compilers.  `python3` alone brings about 60 MB
    of them, and each one is more code to patch.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    Use instead:
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
    ```

    ## Fix safety
    Some recommends are what makes a package work: without `ca-certificates`
    curl, wget and git cannot verify any https server; without
    `build-essential` pip cannot build an sdist.  The decision comes from
    the distribution's own metadata for every binary package of Debian 11, 12
    and 13 (main, amd64 and arm64) and Ubuntu 18.04, 20.04, 22.04, 24.04 and
    26.04 (main, restricted, universe and multiverse, the components the
    ubuntu images enable; amd64: Ubuntu's arm64 archive was not reachable
    where the data was generated), each with its -updates and -security
    suites (`data/debian_recommends.json.gz`, generated by
    `data/regenerate_debian.py` from the archives' Packages indexes): what
    `--no-install-recommends` leaves out is each recommend of the package or
    of its Depends closure that nothing installed satisfies.
    - nothing is left out, or only documentation, translations and what only
      a booted host uses (time sync, sysctl defaults...): safe, the flag alone;
    - a recommend a build needs would be left out (a curated claim, such as
      pip's build-essential (and on Ubuntu 18.04, where they are its
      Recommends, the setuptools and wheel pip 9 builds sdists with), or
      one needed whoever recommends it:
      ca-certificates, netbase, libsasl2-modules): safe, with that package
      added to the install explicitly;
    - a curated package (curl, git, python3...) leaves out recommends judged
      not needed (git's less and patch): safe.  The judgement never covers
      the recommends needed whoever recommends them (git keeps netbase: its
      perl looks `tcp` up in /etc/protocols) but where the only way to one
      passes a library that never uses it (curl reaches libsasl2-modules
      only through libcurl's LDAP client, which binds without Cyrus SASL);
    - a recommend that a package named or added for another recommend
      satisfies is not left out (musl-tools' gcc recommends libc6-dev and
      the virtual libc-dev; the claim on libc-dev names libc6-dev);
    - nor is one that the stage already has installed: apt installs no
      recommend an installed package satisfies, so the flag changes nothing
      for it.  That is what earlier installs of the stage, and of the stages
      it is built FROM, named or added, and what the base image keeps on top
      of its OS image, from its Dockerfiles and their history
      (`data/base_images.toml` [installed_packages]; an image, tag or OS not
      described there keeps nothing): on `python:3.12`, built FROM
      buildpack-deps with ca-certificates, netbase and openssh-client, curl
      and git need nothing added; on `python:3.12-slim`, which keeps
      ca-certificates and netbase only, git's openssh-client is still named.
      After a command that may remove packages (`apt-get purge`, `remove`,
      `autoremove`, `dist-upgrade`, `install pkg-`, `aptitude purge`, `dpkg
      -r`, also behind `sudo`, `xargs` or `sh -c`), or code dockerfix does not
      read (`./setup.sh`), nothing installed before counts;
    - a name the release has no package of but that one of its packages
      Provides is judged as that package: apt-get installs it in its place
      (on Debian 13 `libssl3` is libssl3t64, after the 64-bit time_t
      transition; on Debian 12 `libhdf5-serial-dev` is libhdf5-dev).  It
      says "Note, selecting 'libssl3t64' instead of 'libssl3'" only at
      quiet level 0, which a build's non-terminal output is not (checked
      with apt 2.6 on Debian 12's and 13's lists; apt's
      CacheSetHelperAPTGet::tryVirtualPackage).  A name several packages
      provide (`netcat` on Debian 12) or a name neither a package nor
      provided (`software-properties-common` on Debian 13): apt-get fails,
      so the install fails as written on that release (or the base is
      another release than the one read); unsafe, and the note says so.
      So is a pinned version of a provided name (`libssl3=3.0.11`): apt
      2.6 fails on it, later apt selects the provider only if its Provides
      carries that version, which the packed data does not hold.  Where
      sources are added before the install, or the release is unknown, a
      name the release lacks may be a package there: unknown, as below;
    - a recommend nobody judged, one package of the release: named in the
      install, so that apt installs what it installed before (zsh keeps
      libgdbm6t64 and libncursesw6); the note lists them for the maintainer to remove
      those the image does not need.  More than three such names would make
      the edit mostly names to vet: the fix is then unsafe and leaves them
      out;
    - every package added is judged in turn, as apt installs the recommends
      of a recommend (gpg's gnupg keeps gnupg-utils and gpgv on Debian 13);
    - a choice nobody judged (`curl | wget | lynx`: apt takes the first
      unless the image has another, which dockerfix knows only of the images
      described), or a word that is not
      static (`$PKGS` set in the RUN itself): unsafe.  An unquoted `$PKGS` that the
      Dockerfile gives a value (an ARG default, an ENV) is read as that
      value, and the note says so: a `--build-arg` may name other packages.
      A word that is only a backquoted comment (`` `# for lxml` ``, a comment
      inside a continued list) expands to nothing and is no package.
    The release comes from the stage's base image, ARGs and earlier stages
    resolved, read from its tag with `data/base_images.toml`
    (`python:3.13-slim` is Debian 13, `python:3.11-slim-bookworm` Debian
    12, `mcr.microsoft.com/dotnet/sdk:8.0` Debian 12, and a dev container's
    `mcr.microsoft.com/devcontainers/python:3.12` the variant its manifest
    lists for it, 3.12-trixie); the note says which.
    A base image whose release is unknown (a private image, an image not
    built FROM debian, Debian 10) makes the fix unsafe; so does a tag that
    is no longer rebuilt, does not name its release, and whose last build
    cannot be dated: it was built on the default release of its day.  An
    older patch release was last built when the next one came out
    (`python:3.9.15` in December 2022, bullseye; dates in
    `data/base_images.toml` [patch_releases]); when that fell within a
    month of a Debian release, the images' history says which release
    (`python:3.9.16`, bullseye: [patch_last_built_on]).  Images that
    record it say which release each version's tags were last built on
    (`rust:1.75-slim` is Debian 12, `rust:1.89` Debian 13), or which their
    floating tags follow (`gradle:jdk8` is Ubuntu 22.04).  The official images move their
    default a month after a Debian release (bookworm, trixie); a version
    line that came out after the move is built on that release
    (`node:26.3.0` is trixie), and an end-of-life line was last built at its
    end of life, on the default of that day (`php:7.4-cli`, November 2022,
    is bullseye; `php:8.1-apache`, December 2025, trixie).  Within a month
    of a Debian release the answer is unknown.
    Sources added before the install (a third-party deb line, another
    release such as backports, add-apt-repository, a sources file COPYed in,
    setup scripts, whether piped into a shell or run from a file dockerfix
    does not read (`bash setup.sh`, `./configure-repos`, behind `sudo`,
    `env` or `timeout` too), `dpkg -i` or an apt install of a local .deb), or an install that selects
    another release (`-t bookworm-backports`, `git/bookworm-backports`), may
    bring packages with other Depends and Recommends: unsafe.  Switching the Debian archive's
    host to a mirror (`sed -i 's/deb.debian.org/MIRROR/g'` on
    /etc/apt/sources.list or the deb822 debian.sources), or writing the
    release's own `main` lines from a mirror, keeps the same packages and
    changes nothing.  A sources line counts from the first `apt-get update`
    after it: apt installs from the lists the last update fetched, so an
    install before that update cannot take its packages.  A setup script,
    add-apt-repository (which updates itself), `dpkg -i` (a package's
    maintainer scripts may add a repository, as google-chrome's do) and
    apt preferences (pins act at once) count at once.
    Ubuntu: a base whose Ubuntu release is known (`ubuntu:22.04`,
    `buildpack-deps:noble`, or an image data/base_images.toml knows to be
    built FROM ubuntu: `eclipse-temurin:21-jdk`, `mcr.microsoft.com/dotnet/sdk:10.0`)
    is decided by that release's own metadata exactly as a Debian one: Ubuntu
    patches the Depends and Recommends of many packages it takes from Debian,
    so Debian's data never stands in for it.  An Ubuntu release without
    metadata (an interim release, 16.04) or an Ubuntu image whose release is
    unknown: unsafe, and what is kept follows the nearest Debian release.
    An arm64 build on Ubuntu is decided by the amd64 data.  That is a gap:
    on Debian, where both are read, about one package in twenty (ghc, and
    none of the curated ones) drops more recommends on arm64 than on amd64.
    Real builds check the rewrite on Debian 12 and 13 (tests/test_apt_build.py);
    there is no local stand-in of an Ubuntu image, so on Ubuntu the decision
    rests on the metadata alone.
    When an earlier RUN set `APT::Install-Recommends "false"`, the flag changes
    nothing and is safe.  `--install-recommends` written explicitly is left alone.
    """
    installed: dict[int, set[str]] = {}
    for instruction, script in context.scripts():
        configured: bool | None = None
        for command in script.commands:
            if _removes_packages(context, script, command):
                installed[instruction.stage] = set()  # and the command may install too: `apt-get install -y $PKGS`
            call = apt_call(command)
            if call is None or call.subcommand not in ("install", "build-dep", "reinstall", "satisfy"):
                continue
            if configured is None:
                configured = _recommends_configured(context, instruction)
            before = installed.get(instruction.stage)
            if before is None:
                before = installed[instruction.stage] = _installed_at_start(context, instruction, installed)
            words, read = install_words(context, instruction, call)
            if call.subcommand != "install":
                words, read = [None], []
            skips = _skips_recommends(call)
            if skips is None or skips:
                before.update(package_name(w) for w in words if w is not None)
                continue
            notes = [f"{', '.join(read)}, the value this Dockerfile gives (a --build-arg may name other packages)"] if read else []
            if configured:
                plan = recommends_plan(words, None, recommends_off=True)
            else:
                stage = context.memo((stage_release, instruction.stage), lambda: stage_release(context, instruction))
                codename = stage.release.codename if stage.release is not None else None
                third_party = _other_release(call) or _third_party_sources(context, instruction, script, call, codename)
                release = stage.release or stage.stand_in
                plan = recommends_plan(
                    words, release, installed_before=_with_depends(release, before),
                    other_sources=stage.release is None or third_party is not None,
                )
                if stage.release is None:
                    plan = plan._replace(applicability=Applicability.UNSAFE)
                    notes.append(stage.described + (f"; what is kept follows {stage.stand_in.title}" if stage.stand_in is not None else ""))
                elif third_party is not None:
                    plan = plan._replace(applicability=Applicability.UNSAFE)
                    notes.append(f"{third_party}; the decision uses the metadata of {stage.release.title}")
                else:
                    notes.append(f"{stage.described}: decided by its package metadata")
                spared = _spared_by_base(context, instruction, words, release, before, plan)
                if spared is not None:
                    notes.append(spared)
            before.update(package_name(w) for w in words if w is not None)
            before.update(plan.additions)
            edits = [Edit.insert(call.sub_word.span.end, " --no-install-recommends")]
            if plan.additions:
                addition = _add_packages(context, instruction, script, call, plan.additions)
                if addition is None:
                    yield apt_no_install_recommends.diagnostic(
                        f"`{call.tool} install` without `--no-install-recommends`", _diag_span(call),
                        note="add --no-install-recommends together with " + ", ".join(plan.additions),
                    )
                    continue
                edits.append(addition)
            title = "Add `--no-install-recommends`" + (f" and install {', '.join(plan.additions)} explicitly" if plan.additions else "")
            if plan.reasons:
                notes.append("kept explicitly: " + "; ".join(plan.reasons))
            if plan.selected:
                notes.append("apt-get installs the one package that provides a name the release has no package of: " + ", ".join(plan.selected))
            notes += plan.unresolved
            if plan.unjudged:
                notes.append("kept as apt installed them, not judged (remove those the image does not need): " + "; ".join(plan.unjudged))
            if plan.unknown:
                notes.append("recommends not known to be unneeded, check what they do for the image: " + ", ".join(plan.unknown))
            yield apt_no_install_recommends.diagnostic(
                f"`{call.tool} install` without `--no-install-recommends` installs recommended packages too",
                _diag_span(call),
                apt_no_install_recommends.fix(plan.applicability, title, *edits),
                note="; ".join(notes),
            )


def _add_packages(context: FileContext, instruction: Instruction, script: ShellScript, call: AptCall, names: tuple[str, ...]) -> Edit | None:
    """Insert package names after the last package, on a line of their own when the list has one per line."""
    if not call.packages:
        return None
    last = call.packages[-1]
    text = context.text
    line_start = text.rfind("\n", 0, last.span.start) + 1
    line_end = text.find("\n", last.span.end)
    line_end = len(text) if line_end < 0 else line_end
    before = text[line_start : last.span.start]
    after = text[last.span.end : line_end].rstrip("\r").strip(" \t")
    escape = "\\" if is_heredoc_script(instruction) else context.document.escape
    if not before.strip(" \t") and after in ("", escape) and before != "":
        newline = "\r\n" if text[line_end - 1 : line_end] == "\r" else "\n"
        return Edit.insert(last.span.end, "".join(f" {escape}{newline}{before}{n}" for n in names))
    return Edit.insert(last.span.end, "".join(f" {n}" for n in names))


# -- DF205 ------------------------------------------------------------------------


def _cleans_lists(command: Command) -> bool:
    if command.name != "rm":
        return False
    return any(v is not None and v.rstrip("/*").rstrip("/") in ("/var/lib/apt/lists", "/var/lib/apt") for v in command.arg_values())


class ListsReader(NamedTuple):
    """A later RUN that reads the package lists before any `apt-get update` of its own."""

    run: Instruction
    script: ShellScript
    command: Command


def reads_lists(command: Command) -> bool:
    call = apt_call(command)
    if call is not None:
        return call.subcommand is None or call.subcommand in _apt()["needs_lists"]
    return command.name == "apt-cache"


def lists_readers(context: FileContext, instruction: Instruction) -> tuple[list[ListsReader], bool]:
    """(later RUNs reading the lists without updating first, whether a later RUN runs a script we cannot see)."""
    readers: list[ListsReader] = []
    opaque = False
    for run in later_runs(context, instruction):
        script = context.shell(run)
        if script is None:
            opaque = True
            continue
        for command in script.commands:
            call = apt_call(command)
            if call is not None and call.subcommand == "update":
                break
            if reads_lists(command):
                readers.append(ListsReader(run, script, command))
                break
            if unread_script(context, script, command) is not None or command.mentions(APT_PROGRAMS):
                opaque = True  # a script, or apt behind a wrapper (`sudo apt-get`, `sh -c "apt-get ..."`)
    return readers, opaque


def _update_before(reader: ListsReader) -> Edit | None:
    """`apt-get update && ` before the reader's command, when it heads or continues a top-level `&&` chain."""
    run, script = reader.run, reader.script
    if script.has_errors or has_heredoc_redirect(script) or is_heredoc_script(run) or reader.command.in_subshell:
        return None  # timid: a heredoc or a shell we do not read as the shell would
    for _, items in chains(script):
        for item in items:
            if item.command is reader.command or (item.command is not None and item.command.span == reader.command.span):
                return Edit.insert(item.span.start, "apt-get update && ") if item.operator in ("", "&&") else None
    return None  # inside an if, a loop or a pipeline


@rule(
    "DF205",
    "apt-lists-in-layer",
    summary="apt's package lists stay in the layer",
    applicability=Applicability.SAFE,
    hadolint=("DL3009",),
    order=100,
)
def apt_lists_in_layer(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Appends `rm -rf /var/lib/apt/lists/*` to a RUN that runs apt, in the same
    RUN (with `--cache-strategy mount`: mounts apt's directories as BuildKit
    caches instead).

    ## Why is this bad?
    `apt-get update` downloads the package lists, 20-50 MB that no running
    container reads.  Deleting them in a later RUN does not help: the
    earlier layer keeps them.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    Use instead:
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    ```
    or, with `--cache-strategy mount`:
    ```dockerfile
    # syntax=docker/dockerfile:1
    RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && ...
    ```

    ## Fix safety
    The command is appended with `&&` to the last statement, so the RUN
    fails exactly when it failed before.  A later RUN of the stage (or of a
    stage built FROM it) that reads the lists without its own `apt-get
    update` (DL3009's "lists used across RUNs") gets one, put before the
    command that reads them: each RUN then installs from lists it fetched
    itself, as DF202 would have it, and can remove them in turn.  Safe when
    the reading command heads or continues a top-level `&&` chain, so the
    update runs exactly before it; inside an `if`, a loop or a heredoc
    nothing is changed (move an update there by hand).  When a later RUN
    runs a script dockerfix cannot read, the fix is unsafe.  In mount mode
    Debian's `docker-clean` hook stays in place: the layer stays as clean as
    before, the lists are cached between builds, and no apt configuration of
    the image changes (removing the hook would make derived images keep
    every downloaded .deb).
    """
    mount = context.settings.cache_strategy == "mount"
    for instruction, script, calls in _runs_with_apt(context):
        touching = [c for c in calls if c.subcommand == "update" or c.subcommand in _apt()["installs"]]
        if not touching:
            continue
        last_apt = max(c.command.span.end for c in touching)
        if any(_cleans_lists(c) and c.span.start > last_apt for c in script.commands):
            continue
        if has_cache_mount(instruction, "/var/lib/apt/lists") or has_cache_mount(instruction, "/var/lib/apt"):
            continue
        if _update_only(script) is not None:
            continue  # DF202 moves it
        if not any(c.subcommand == "update" for c in calls):
            continue  # the lists come from an earlier layer: deleting or mounting them here is DF202's business
        message = "apt's package lists (/var/lib/apt/lists) are left in the layer"
        readers, opaque = lists_readers(context, instruction)
        updates = [_update_before(reader) for reader in readers]
        if None in updates:
            yield apt_lists_in_layer.diagnostic(message, _diag_span(touching[0]), note="a later RUN reads the lists where an `apt-get update` cannot be put before it; move an update into it first")
            continue
        applicability = Applicability.UNSAFE if opaque else Applicability.SAFE
        notes = []
        if opaque:
            notes.append("a later RUN runs a script dockerfix cannot read; check it does not use apt without `apt-get update`")
        if readers:
            notes.append("a later RUN used these lists; it runs its own `apt-get update` now")
        note = "; ".join(notes)
        extra = [u for u in updates if u is not None]
        if mount:
            edits = [mount_edit(context, instruction, list(facts()["mounts"]["apt"]["targets"]), "locked"), *extra]
            syntax = syntax_edit(context)
            if syntax is not None:
                edits.append(syntax)
            yield apt_lists_in_layer.diagnostic(
                message, _diag_span(touching[0]),
                apt_lists_in_layer.fix(applicability, "Mount apt's cache and lists as BuildKit caches", *edits), note=note,
            )
            continue
        edit = append_command(context, instruction, script, _apt()["cleanup"])
        if edit is None:
            yield apt_lists_in_layer.diagnostic(message, _diag_span(touching[0]), note="append `&& rm -rf /var/lib/apt/lists/*` where the apt commands end")
            continue
        yield apt_lists_in_layer.diagnostic(
            message, _diag_span(touching[0]),
            apt_lists_in_layer.fix(applicability, "Append `rm -rf /var/lib/apt/lists/*`" + (" and update where the lists are read later" if extra else ""), edit, *extra), note=note,
        )


# -- DF206 ------------------------------------------------------------------------


@rule(
    "DF206",
    "apt-in-script",
    summary="`apt` is meant for terminals; scripts use apt-get",
    applicability=Applicability.SAFE,
    hadolint=("DL3027",),
    order=100,
)
def apt_in_script(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Replaces `apt install`, `apt update`... with the apt-get command that does
    the same thing.

    ## Why is this bad?
    apt's command line "is not stable" (its own warning, printed on every
    run in a build): its output and defaults may change between releases.

    ## Example
    ```dockerfile
    RUN apt update && apt install -y curl
    ```

    Use instead:
    ```dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    ## Fix safety
    `apt upgrade` becomes `apt-get upgrade --with-new-pkgs` and `apt
    full-upgrade` becomes `apt-get dist-upgrade` (apt(8)).  `apt` deletes
    the .deb files it downloaded, apt-get keeps them unless the image's
    docker-clean hook removes them: safe on images known to carry that hook
    (debian, ubuntu and the official images built on them), and for
    subcommands that download nothing; unsafe elsewhere.  `apt list`,
    `search`, `show` have no apt-get twin and are left alone.
    """
    mapping = _apt()["apt_to_apt_get"]
    clean_images = set(_apt()["docker_clean_images"]["names"])
    for instruction, _, calls in _runs_with_apt(context):
        for call in calls:
            if call.tool != "apt" or call.subcommand not in mapping or not call.command.words[0].text.endswith("apt"):
                continue  # timid: a quoted or computed command name
            edits = [Edit.replace(call.command.words[0].span, call.command.words[0].text[:-3] + "apt-get")]
            replacement = mapping[call.subcommand]
            if replacement != call.subcommand:
                edits.append(Edit.replace(call.sub_word.span, replacement))
            downloads = call.subcommand in _apt()["installs"] or call.subcommand in ("download", "source")
            base = base_image_name(context, instruction)
            safe = not downloads or (base is not None and base in clean_images)
            note = "" if safe else f"`apt` deletes downloaded .deb files, apt-get keeps them unless the base image has docker-clean; add `apt-get clean` if {base or 'the base image'} lacks it"
            yield apt_in_script.diagnostic(
                f"`apt {call.subcommand}` in a script; use `apt-get {replacement}`",
                call.command.words[0].span,
                apt_in_script.fix(Applicability.SAFE if safe else Applicability.UNSAFE, f"Use `apt-get {replacement}`", *edits),
                note=note,
            )


# -- DF207 ------------------------------------------------------------------------


def _in_debian(name: str) -> bool:
    """A binary package of a Debian release dockerfix has metadata for."""
    data = debian_packages()
    return data is not None and any(release.has(name) for release in data.releases.values())


def _changes_sources(item: Item) -> bool:
    """Could this chain element change apt's sources (so a new update is needed)?"""
    if item.command is None:
        return True
    call = apt_call(item.command)
    if call is None:
        return True
    if call.subcommand in ("remove", "purge", "autoremove", "autopurge", "clean", "autoclean"):
        return False
    if call.subcommand != "install":
        return True
    for word in call.packages:
        value = word.value
        if value is None or "/" in value and value.startswith((".", "/")):
            return True
        name = package_name(value)
        if "keyring" in name or name.endswith(("-release", "-apt-config")) or not _in_debian(name):
            return True
    return False


@rule(
    "DF207",
    "apt-update-repeated",
    summary="a second `apt-get update` in the same RUN downloads the same lists again",
    applicability=Applicability.SAFE,
    hadolint=("DL3059",),
    order=100,
)
def apt_update_repeated(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Removes a second `apt-get update` from an `&&` chain when nothing between
    the two updates can change apt's sources; `rm -rf /var/lib/apt/lists/* &&
    apt-get update` in the middle of a chain (what merging two apt RUNs
    leaves) goes as a pair.

    ## Why is this bad?
    Each update downloads every package list again: seconds to minutes of
    build time for nothing.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl \\
        && apt-get update && apt-get install -y --no-install-recommends git
    ```

    Use instead:
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl \\
        && apt-get install -y --no-install-recommends git
    ```

    ## Fix safety
    Safe when every command between the two updates is an apt-get install of
    Debian packages known to the metadata (not a keyring, `-release` or
    local .deb, which add sources), a remove/purge/clean, or the lists
    cleanup right before the second update.
    """
    for instruction, script, _ in _runs_with_apt(context):
        for _, items in chains(script):
            first: int | None = None
            for k, item in enumerate(items):
                call = apt_call(item.command) if item.command is not None else None
                if call is not None and call.subcommand == "update":
                    if first is None:
                        first = k
                        continue
                    between = items[first + 1 : k]
                    pair = bool(between) and between[-1].command is not None and _cleans_lists(between[-1].command)
                    middle = between[:-1] if pair else between
                    if any(it.operator != "&&" for it in items[first + 1 : k + 1]):
                        first = k
                        continue
                    if k + 1 < len(items) and items[k + 1].operator != "&&":
                        first = k
                        continue
                    if any(_changes_sources(it) for it in middle):
                        first = k
                        continue
                    if k + 1 < len(items):
                        # Delete up to the next command, keeping the line break before this one.
                        span = Span(items[k - 1].span.start if pair else item.span.start, items[k + 1].span.start)
                    else:
                        span = Span(items[k - 2].span.end if pair else items[k - 1].span.end, item.span.end)
                    yield apt_update_repeated.diagnostic(
                        "`apt-get update` again in the same RUN, with no new sources since the first",
                        item.span,
                        apt_update_repeated.fix(Applicability.SAFE, "Remove the repeated update", Edit.delete(span)),
                    )
                    break


# -- DF208 ------------------------------------------------------------------------


@rule(
    "DF208",
    "apt-package-list",
    summary="apt-get install names a package twice (or, as a style option, not one per line sorted)",
    applicability=Applicability.SAFE,
    order=100,
)
def apt_package_list(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Removes a package named twice in one `apt-get install`.  With the style
    option `sort_packages`, writes the packages one per line, sorted, as
    the Docker documentation recommends, so that diffs show one package
    each.

    ## Why is this bad?
    A duplicate hides in long lists and makes the next edit ambiguous.

    ## Example
    ```dockerfile
    RUN apt-get install -y curl git curl
    ```

    Use instead:
    ```dockerfile
    RUN apt-get install -y curl git
    ```

    ## Fix safety
    Safe: apt resolves the whole set at once, so the order and repetition of
    the names do not matter.  Lists with words that are not static, options
    between packages, or comment lines inside are left alone.
    """
    sort = context.settings.sort_packages
    for instruction, script, calls in _runs_with_apt(context):
        for call in calls:
            if call.subcommand != "install" or not call.packages:
                continue
            values = [w.value for w in call.packages]
            if any(v is None for v in values):
                continue
            seen: set[str] = set()
            dupes: list[ShellWord] = []
            for word in call.packages:
                if word.value in seen:
                    dupes.append(word)
                seen.add(word.value or "")
            if sort:
                edit = _sorted_list_edit(context, instruction, call)
                if edit is not None:
                    yield apt_package_list.diagnostic(
                        "packages not one per line in sorted order (style option sort_packages)",
                        Span(call.packages[0].span.start, call.packages[-1].span.end),
                        apt_package_list.fix(Applicability.SAFE, "Sort the packages, one per line", edit),
                    )
                    continue
            for word in dupes:
                yield apt_package_list.diagnostic(
                    f"`{word.value}` is already in this install",
                    word.span,
                    apt_package_list.fix(Applicability.SAFE, f"Remove the second `{word.value}`", _delete_word(context, word)),
                )


def _delete_word(context: FileContext, word: ShellWord) -> Edit:
    text = context.text
    start = word.span.start
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    line_start = text.rfind("\n", 0, word.span.start) + 1
    if start == line_start:
        # Alone at the start of its line: take the line with it.
        end = text.find("\n", word.span.end)
        rest = text[word.span.end : end if end >= 0 else len(text)].strip(" \t\r")
        if rest in ("\\", "`") and end >= 0:
            return Edit.delete(Span(line_start, end + 1))
        start = word.span.start
    return Edit.delete(Span(start, word.span.end))


def _sorted_list_edit(context: FileContext, instruction: Instruction, call: AptCall) -> Edit | None:
    words = call.packages
    indices = [call.command.words.index(w) for w in words]
    if indices != list(range(indices[0], indices[0] + len(indices))) or indices[-1] != len(call.command.words) - 1:
        return None  # timid: options between or after the packages
    text = context.text
    region = text[words[0].span.start : words[-1].span.end]
    if re.search(r"\n[ \t]*#", region):
        return None  # timid: a comment line inside the list
    heredoc = is_heredoc_script(instruction)
    escape = "\\" if heredoc else context.document.escape
    lay = layout(context, instruction)
    newline = lay.newline
    indent = (lay.indent if lay.multiline else "") + "    "
    unique = sorted(dict.fromkeys(w.value or "" for w in words), key=lambda v: (package_name(v), v))
    previous = call.command.words[indices[0] - 1]
    gap_start = previous.span.end
    new = "".join(f" {escape}{newline}{indent}{name}" for name in unique)
    old = text[gap_start : words[-1].span.end]
    # Already in the form: accept any indentation, one package a line, sorted.
    pattern = "".join(rf"[ \t]*{re.escape(escape)}\r?\n[ \t]*{re.escape(name)}" for name in unique)
    if re.fullmatch(pattern, old):
        return None
    return Edit.replace(Span(gap_start, words[-1].span.end), new)
