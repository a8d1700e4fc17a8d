"""A language runtime installed with apt on a distro base, and how to drop it (DF301).

`plan(context, base)` reads the stage: which apt installs bring in the
runtime (python3, nodejs, openjdk-*, golang), which version the release
ships, and what the official image of that version would save.  It then
builds the edits: the FROM, the runtime's package words (or the apt RUN
when nothing else is left in it), and `--break-system-packages` on pip,
which only a distro Python needs.
"""

from __future__ import annotations

import re

from rewriter.context import FileContext
from rewriter.rules import Edit
from rewriter.shell import Command, ShellScript
from rewriter.syntax import Instruction
from rewriter.text import Span
from transforms._shellfix import chains, pip_subcommand

from . import knowledge as kb
from .knowledge import Knowledge, Tag
from .project import newest_allowed, python_requirement
from .stage import Base, apt_install, children, package_name, retag, stage_text

# Signs that the runtime does not come from the release's own packages, or
# that the stage relies on where the distro puts it.  Either way the version
# or the paths dockerfix would assume are wrong.
_FOREIGN_SOURCE = re.compile(r"add-apt-repository|ppa:|nodesource|/etc/apt/sources\.list|deadsnakes|\bn\s+(lts|latest|\d)|nvm install")
_DISTRO_PATHS = re.compile(r"/usr/bin/(python[\d.]*|pip[\d.]*|node(js)?|npm|npx|java|javac|go)\b|/usr/lib/(python3|jvm|go)|dist-packages|update-alternatives")
_NAMES = {"python": "Python", "node": "Node.js", "java": "JDK", "golang": "Go"}
_APT_PLUMBING = frozenset({"update", "clean", "autoclean", "autoremove"})


class Install:
    """One apt install command that brings in the runtime: which of its package words do, which don't."""

    __slots__ = ("instruction", "script", "command", "runtime_words", "other_words", "recommends")

    def __init__(
        self, instruction: Instruction, script: ShellScript, command: Command, runtime_words: list[int], other_words: list[int], recommends: bool
    ) -> None:
        self.instruction = instruction
        self.script = script
        self.command = command
        self.runtime_words = runtime_words
        self.other_words = other_words
        self.recommends = recommends


class Plan:
    """Replace the distro's runtime with the official image: the target tag and the installs to remove."""

    __slots__ = ("runtime", "version", "target", "saving_mb", "packages", "installs", "blocked")

    def __init__(
        self,
        runtime: str,
        version: str,
        target: Tag,
        saving_mb: float,
        packages: list[str],
        installs: list[Install] | None = None,
        blocked: str = "",
    ) -> None:
        self.runtime = runtime
        self.version = version
        self.target = target
        self.saving_mb = saving_mb
        self.packages = packages
        self.installs = [] if installs is None else installs
        self.blocked = blocked
        """Why no fix is offered (the diagnostic is then a suggestion)."""


def _runtimes(knowledge: Knowledge) -> dict[str, dict]:
    table = knowledge.data["apt_runtimes"]
    return {k: v for k, v in table.items() if isinstance(v, dict)}


def classify(knowledge: Knowledge, package: str) -> tuple[str, str | None] | None:
    """(runtime, version named by the package or None) for a runtime package."""
    for runtime, info in _runtimes(knowledge).items():
        if package in info.get("packages", ()):
            return runtime, None
        pattern = info.get("versioned")
        if pattern:
            m = re.match(pattern, package)
            if m:
                return runtime, m.group("v")
    return None


def _classified(context: FileContext, knowledge: Knowledge, package: str) -> tuple[str, str | None] | None:
    """`classify`, once per package and file (a long apt-get install is read by several passes and rounds)."""
    known: dict[str, tuple[str, str | None] | None] = context.memo(_classified, dict)
    if package not in known:
        known[package] = classify(knowledge, package)
    return known[package]


def _release(knowledge: Knowledge, base: Base) -> dict | None:
    key = base.tag.key
    if key is None:
        return None
    if base.image == "ubuntu":
        return knowledge.release("ubuntu", key)
    codename = base.tag.info.get("versions", {}).get(key, {}).get("codename")
    return knowledge.release("debian", codename) if codename else None


def _recommends(options: list[str]) -> bool:
    joined = " ".join(options).lower()
    if "--no-install-recommends" in joined:
        return False
    return not re.search(r"install-recommends[= ](false|0|no)", joined)


def _installs(context: FileContext, base: Base) -> list[Install]:
    knowledge = kb.knowledge(context)
    out = []
    for ins, script in context.scripts(base.stage.instructions):
        for command in script.commands:
            found = apt_install(command)
            if found is None:
                continue
            packages, options = found
            runtime_words, other_words = [], []
            for index, word in packages:
                if word is not None and _classified(context, knowledge, package_name(word)) is not None:
                    runtime_words.append(index)
                else:
                    other_words.append(index)
            if runtime_words:
                out.append(Install(ins, script, command, runtime_words, other_words, _recommends(options)))
    return out


def _version(runtime: str, named: set[str], release: dict, base: Base, context: FileContext) -> str | None:
    if named:
        return max(named, key=lambda v: tuple(int(p) for p in v.split(".")))
    info = _runtimes(kb.knowledge(context))[runtime]
    version = release.get(info["release_key"])
    if info["release_key"] in release.get("unverified", ()):
        return None
    if runtime == "python" and base.tag.floating:
        # `ubuntu:latest` says nothing stable about Python; the project may.
        requirement = python_requirement(context.build_context)
        if requirement is not None:
            supported = supported_pythons(context)
            chosen = newest_allowed(requirement, supported)
            if chosen is not None:
                return chosen
    return str(version) if version is not None else None


def supported_pythons(context: FileContext) -> list[str]:
    """Python minors with published, supported official images, newest first."""
    on = kb.today(context.settings)
    versions = kb.knowledge(context).image_info("python").get("versions", {})
    keep = [k for k, v in versions.items() if v.get("published") and v.get("status") != "prerelease" and not kb.is_eol(v, on)]
    return sorted(keep, key=lambda k: tuple(int(p) for p in k.split(".")), reverse=True)


def _target(knowledge: Knowledge, runtime: str, version: str, flavour: str, base: Base, release: dict) -> Tag:
    image = _runtimes(knowledge)[runtime]["image"]
    if runtime == "java":
        return Tag(image, version, None, flavour, "", knowledge=knowledge)
    codename = release.get("codename") if base.image == "debian" else None
    if base.image == "debian" and codename is None:
        codename = base.tag.codename
    variant = knowledge.slim_suffix(image, codename) or ""
    return Tag(image, version, None, "", variant, knowledge=knowledge)


def _apt_mb(knowledge: Knowledge, runtime: str, packages: set[str], recommends: bool) -> float | None:
    """Compressed MB of the biggest measured package set that the stage's install contains."""
    info = _runtimes(knowledge)[runtime]
    if runtime == "java":
        # measured for JDK 17: map every JDK/JRE package to its JDK 17 name
        mapped = set()
        for p in packages:
            m = re.match(r"^(?:openjdk-\d+|default)-(jdk|jre)(-headless)?$", p)
            if m:
                mapped.add(f"openjdk-17-{m.group(1)}{m.group(2) or ''}")
        packages = mapped
    packages = packages | {info["packages"][0]}  # every runtime package depends on the interpreter
    key = "recommends" if recommends else "no_recommends"
    measured = [
        float(entry[key])
        for entry in info.get("installed_mb", ())
        if key in entry and set(entry["set"].split()) <= packages
    ]
    if not measured:
        return None
    return max(measured) / float(knowledge.data["apt_runtimes"]["compression_ratio"])


def plan(context: FileContext, base: Base) -> Plan | None:
    if base.image not in ("ubuntu", "debian"):
        return None
    knowledge = kb.knowledge(context)
    installs = _installs(context, base)
    if not installs:
        return None
    text = "\n".join(stage_text(context, member) for member in children(context, base.stage))
    if _FOREIGN_SOURCE.search(text):
        return None  # timid: the runtime may come from another repository, in another version
    release = _release(knowledge, base)
    if release is None:
        return None
    runtimes: dict[str, set[str]] = {}
    packages: set[str] = set()
    for install in installs:
        for index in install.runtime_words:
            name = package_name(install.command.words[index].value or "")
            runtime, named = classify(knowledge, name) or ("", None)
            runtimes.setdefault(runtime, set())
            if named:
                runtimes[runtime].add(named)
            packages.add(name)
    if len(runtimes) != 1:
        return None  # timid: two runtimes (python3 and nodejs) fit no single official image
    runtime, named = next(iter(runtimes.items()))
    version = _version(runtime, named, release, base, context)
    if version is None:
        return None
    flavour = "jdk" if any("jdk" in p for p in packages) else "jre"
    target = _target(knowledge, runtime, version, flavour, base, release)
    sizes = [_apt_mb(knowledge, runtime, _runtime_packages(i), i.recommends) for i in installs]
    apt_mb = max((s for s in sizes if s is not None), default=None)
    distro_mb = knowledge.size_mb(base.image, kb.kind_of(base.tag))
    target_mb = knowledge.size_mb(target.image, kb.kind_of(target))
    if apt_mb is None or distro_mb is None or target_mb is None:
        return None
    saving = round(distro_mb + apt_mb - target_mb)
    if saving <= 0:
        return None  # no size gain (no Recommends, or no slim image for this runtime): not this rule's business
    result = Plan(runtime, version, target, float(saving), sorted(packages), installs)
    dependents = _dependents(knowledge, runtime, installs)
    if dependents:
        result.blocked = f"{', '.join(dependents[:3])} {'need' if len(dependents) > 1 else 'needs'} the distro's {_NAMES.get(runtime, runtime)}: apt would install it again"
    elif _DISTRO_PATHS.search(text):
        result.blocked = "the stage refers to where the distro installs the runtime (/usr/bin/python3, dist-packages...), which the official image does not have"
    elif any(i.script.has_errors for i in installs):
        result.blocked = "a RUN that installs it does not parse as shell"
    return result


def _runtime_packages(install: Install) -> set[str]:
    return {package_name(install.command.words[k].value or "") for k in install.runtime_words}


def _dependents(knowledge: Knowledge, runtime: str, installs: list[Install]) -> list[str]:
    """Other packages of the installs that are built for the distro's runtime (python3-numpy, maven)."""
    pattern = _runtimes(knowledge)[runtime].get("dependents")
    if not pattern:
        return []
    names = []
    for install in installs:
        for index in install.other_words:
            value = install.command.words[index].value
            if value is not None and re.match(pattern, package_name(value)):
                names.append(package_name(value))
    return sorted(set(names))


# -- edits -------------------------------------------------------------------------


def edits(context: FileContext, base: Base, plan_: Plan) -> tuple[Edit, ...] | None:
    """The FROM, the removal of the runtime's packages, `--break-system-packages`; None if any is not sound."""
    new_image = base.ref.with_tag(plan_.target.render())
    new_image = kb.ImageRef(new_image.prefix, plan_.target.image, new_image.tag, None).render()
    retagged = retag(context, base, new_image)
    if retagged is None:
        return None
    out: list[Edit] = list(retagged[0])
    by_instruction: dict[int, list[Install]] = {}
    for install in plan_.installs:
        by_instruction.setdefault(install.instruction.index, []).append(install)
    for installs in by_instruction.values():
        removed = _remove_installs(context, installs)
        if removed is None:
            return None
        out.extend(removed)
    if plan_.runtime == "python":
        out.extend(_drop_break_system_packages(context, base))
    return tuple(out)


def _remove_installs(context: FileContext, installs: list[Install]) -> list[Edit] | None:
    instruction, script = installs[0].instruction, installs[0].script
    partial = [i for i in installs if i.other_words]
    whole = [i for i in installs if not i.other_words]
    out: list[Edit] = []
    for install in partial:
        out.extend(_remove_words(install))
    if not whole:
        return out
    if all(_is_plumbing(c) or any(c is i.command for i in whole) for c in script.commands) and not partial:
        if any(c.conditional or c.in_subshell for c in script.commands):
            return None  # timid: apt inside if/while/subshell
        return [_delete_instruction(context, instruction)]
    chain = _chain_removal(script, whole, keep_update=bool(partial) or _other_installs(script, whole))
    if chain is None:
        return None
    return out + chain


def _is_plumbing(command: Command) -> bool:
    """apt-get update/clean/autoremove and removing apt's lists: only there for an install."""
    name = command.name
    values = command.arg_values()
    if name in ("apt-get", "apt") and any(v in _APT_PLUMBING for v in values):
        return True
    if name == "set" and all(v is not None and v[:1] in "-+" or v in ("pipefail", "errexit", "xtrace", "nounset") for v in values):
        return True  # `set -eux`: only how the script fails
    if name == "rm" and values and all(v is not None and (v.startswith("-") or v.startswith("/var/lib/apt/lists") or v.startswith("/var/cache/apt")) for v in values):
        return True
    return False


def _other_installs(script: ShellScript, whole: list[Install]) -> bool:
    return any(apt_install(c) is not None and not any(c is i.command for i in whole) for c in script.commands)


def _chain_removal(script: ShellScript, whole: list[Install], keep_update: bool) -> list[Edit] | None:
    """Delete the runtime installs (and `apt-get update`, unless still needed) from a single `&&` chain."""
    statements = chains(script)
    if len(statements) != 1:
        return None  # timid: several statements; which of them the install belongs with is not clear
    _, items = statements[0]
    doomed = []
    for k, item in enumerate(items):
        command = item.command
        if command is None:
            if any(item.span.contains(i.command.span) for i in whole):
                return None  # timid: the install is nested in a pipeline or group
            continue
        if any(command is i.command for i in whole):
            doomed.append(k)
        elif not keep_update and command.name in ("apt-get", "apt") and "update" in command.arg_values():
            doomed.append(k)
    if not doomed or len(doomed) == len(items):
        return None
    if any(items[k].operator not in ("", "&&") for k in range(len(items))):
        return None  # timid: `||` or `|` changes what removing an element means
    edits = []
    runs: list[list[int]] = []
    for k in doomed:
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    for run in runs:
        first, last = run[0], run[-1]
        if first == 0:
            edits.append(Edit.delete(Span(items[0].span.start, items[last + 1].span.start)))
        else:
            edits.append(Edit.delete(Span(items[first - 1].span.end, items[last].span.end)))
    return edits


def _remove_words(install: Install) -> list[Edit]:
    """Delete the runtime's package words, keeping the others and the author's line layout."""
    words = install.command.words
    doomed = set(install.runtime_words)
    edits = []
    k = 1
    while k < len(words):
        if k not in doomed:
            k += 1
            continue
        start = k
        while k + 1 < len(words) and k + 1 in doomed:
            k += 1
        if k + 1 < len(words):
            edits.append(Edit.delete(Span(words[start].span.start, words[k + 1].span.start)))
        else:
            edits.append(Edit.delete(Span(words[start - 1].span.end, words[k].span.end)))
        k += 1
    return edits


def _delete_instruction(context: FileContext, instruction: Instruction) -> Edit:
    """Delete a whole instruction with its line, and a blank line it leaves doubled."""
    text = context.text
    start = text.rfind("\n", 0, instruction.span.start) + 1
    end = instruction.span.end
    if not text[start:end].endswith("\n"):
        newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    before_blank = start == 0 or text[text.rfind("\n", 0, start - 1) + 1 : start].strip() == ""
    next_end = text.find("\n", end)
    next_line = text[end : len(text) if next_end < 0 else next_end + 1]
    if before_blank and next_line and next_line.strip() == "":
        end += len(next_line)
    return Edit.delete(Span(start, end))


def _drop_break_system_packages(context: FileContext, base: Base) -> list[Edit]:
    """pip on a distro Python (PEP 668) needs `--break-system-packages`; the official image's pip does not."""
    out = []
    for ins, script in context.scripts(base.stage.instructions):
        for command in script.commands:
            if pip_subcommand(command) is None:
                continue
            for k, word in enumerate(command.words):
                if k > 0 and word.value == "--break-system-packages":
                    out.append(Edit.delete(Span(command.words[k - 1].span.end, word.span.end)))
    return out
