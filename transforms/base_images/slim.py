"""Does a stage need what the slim variant of its base leaves out (DF302)?

The knowledge file lists, per image, the commands the smaller variant drops
(`slim_drops.commands`) and which apt packages bring each back
(`command_packages`).  A stage is read for:

* hard needs: it runs a dropped command it does not install itself, a
  HEALTHCHECK calls curl, `pip install --no-binary`, a locked gem that
  compiles -- slim would break the build, so only a suggestion;
* soft needs: `pip install`, `npm install`, `bundle install` without a lock
  file to read, scripts and RUNs dockerfix cannot read -- usually fine on
  slim, said in the note of an unsafe fix.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from rewriter.context import FileContext
from rewriter.rules import Applicability
from transforms._shellfix import pip_subcommand

from . import knowledge as kb
from .knowledge import Knowledge, Tag
from .stage import Base, uses

_SCRIPT = re.compile(r"\.(sh|bash)$")


class Advice(NamedTuple):
    target: Tag
    applicability: Applicability
    message: str
    note: str
    saving_mb: float | None


def slim_target(knowledge: Knowledge, base: Base) -> Tag | None:
    """The smaller variant of the base's tag, per `slim_of`."""
    tag = base.tag
    key = "-".join(p for p in (tag.flavour, tag.variant) if p)
    target = tag.info.get("slim_of", {}).get(key)
    if target is None:
        return None
    head = tag.version or (tag.alias if tag.alias not in (None, "latest") else None)
    text = "-".join(p for p in (head, target) if p)
    return knowledge.parse_tag(base.image, text or None)


def needs(context: FileContext, base: Base) -> tuple[list[str], list[str]]:
    """(hard, soft) reasons the stage may need what the full image has."""
    info = base.tag.info.get("slim_drops", {})
    dropped = set(info.get("commands", ()))
    providers = kb.knowledge(context).data.get("command_packages", {})
    used = uses(context, base.stage)
    hard: list[str] = []
    soft: list[str] = []
    installed = used.apt_packages
    compilers = any(p in installed for p in ("build-essential", "gcc", "g++", "clang"))
    for name, ins, command in used.commands:
        line = context.line(ins.span.start)
        if name in dropped and not any(p in installed for p in providers.get(name, [name])):
            hard.append(f"`{name}` (line {line})")
            continue
        if command is None:
            continue
        values = command.arg_values()
        if pip_subcommand(command) is not None and "install" in values and not compilers:
            sdists = _sdist_only(context, values)
            if any(v is not None and v.startswith("--no-binary") for v in values):
                hard.append(f"`pip install --no-binary` (line {line}) builds from source")
            elif sdists:
                hard.append(f"`pip install` (line {line}) builds {', '.join(sdists[:3])} from source (no Linux wheel)")
            else:
                soft.append(f"`pip install` (line {line}): wheels usually exist, but a package without one for this Python needs gcc")
        elif name in ("npm", "yarn", "pnpm") and (not values or values[0] in ("install", "i", "ci", "add", None)) and not compilers:
            soft.append(f"`{name} {values[0] if values and values[0] else 'install'}` (line {line}): a native addon without a prebuilt binary needs python3, make and g++ (node-gyp)")
        elif name in ("bundle", "gem") and "install" in values and not compilers:
            native = _native_gems(context)
            if native:
                hard.append(f"`{name} install` (line {line}) compiles {', '.join(native[:4])} (Gemfile.lock)")
            else:
                soft.append(f"`{name} install` (line {line}): gems with C extensions need build-essential")
        elif _SCRIPT.search(name) or (name in ("sh", "bash") and values and values[0] and _SCRIPT.search(values[0])):
            soft.append(f"a script (line {line}) dockerfix does not read")
    for ins in used.unreadable:
        soft.append(f"a RUN dockerfix cannot read (line {context.line(ins.span.start)})")
    return _unique(hard), _unique(soft)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _requirement_names(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if m and not line.lstrip().startswith("-"):
            names.append(re.sub(r"[-_.]+", "-", m.group(1)).lower())
    return names


def _sdist_only(context: FileContext, values: list[str | None]) -> list[str]:
    """Requirements (on the command line or in a `-r` file of the build context) that have no Linux wheel."""
    known = set(kb.knowledge(context).data["sdist_only_pypi"]["names"])
    names: list[str] = []
    for k, value in enumerate(values):
        if value is None:
            continue
        if value in ("-r", "--requirement") and k + 1 < len(values) and values[k + 1]:
            text = context.build_context.read_text(str(values[k + 1]).lstrip("./")) if context.build_context else None
            names.extend(_requirement_names(text or ""))
        elif not value.startswith("-") and value != "install" and (k == 0 or values[k - 1] not in ("-r", "--requirement", "-c", "--constraint")):
            names.extend(_requirement_names(value))
    return sorted({n for n in names if n in known})


def _native_gems(context: FileContext) -> list[str]:
    lock = context.build_context.read_text("Gemfile.lock") if context.build_context else None
    if not lock:
        return []
    names = set(kb.knowledge(context).data["native_gems"]["names"])
    found = []
    for line in lock.splitlines():
        m = re.match(r"^    ([A-Za-z0-9_.-]+) \(", line)
        if m and m.group(1) in names:
            found.append(m.group(1))
    return sorted(set(found))


def _jdk_needed(context: FileContext, base: Base) -> list[str]:
    tools = set(kb.knowledge(context).data["jdk_commands"]["names"])
    return sorted({name for name, _, _ in uses(context, base.stage).commands if name in tools or name.lstrip("./") in tools})


def alpine_target(knowledge: Knowledge, base: Base) -> Tag | None:
    """The alpine variant of the same version, for users who prefer alpine."""
    tag = base.tag
    if tag.suffix.get("os") == "alpine" or "alpine" not in tag.info.get("variants", ()) or tag.flavour:
        return None
    head = tag.version or (tag.alias if tag.alias not in (None, "latest") else None)
    return knowledge.parse_tag(base.image, "-".join(p for p in (head, "alpine") if p))


def slim_advice(context: FileContext, base: Base) -> Advice | None:
    knowledge = kb.knowledge(context)
    if kb.options(context.settings).get("preferred_variant") == "alpine":
        target = alpine_target(knowledge, base)
        if target is not None and kb.kind_of(base.tag) == "full":
            saving = knowledge.saving(base.tag, target)
            size = f"~{round(saving)} MB" if saving is not None else "much"
            return _preferred_alpine(context, base, target, saving, size, base.with_tag(target))
    target = slim_target(knowledge, base)
    if target is None:
        return None
    saving = knowledge.saving(base.tag, target)
    if saving is not None and saving <= 0:
        return None
    shown_new = base.with_tag(target)
    size = f"~{round(saving)} MB" if saving is not None else "much"
    if base.image == "eclipse-temurin":
        if _jdk_needed(context, base):
            return None  # the stage builds Java: it needs the JDK
        return Advice(
            target,
            Applicability.SUGGESTION,
            f"`{base.shown}` is a JDK; if this stage only runs Java, `{shown_new}` is {size} smaller",
            "A JRE has no javac, jar or jlink; check that nothing in the stage, or what CMD runs, needs them.",
            saving,
        )
    if target.suffix.get("os") == "alpine":
        return _alpine_advice(context, base, target, saving, size, shown_new)
    hard, soft = needs(context, base)
    if base.image == "debian":
        note = "debian slim images drop /usr/share/doc, man pages and most locales; check nothing reads them."
        return Advice(target, Applicability.UNSAFE, f"`{base.shown}` can be `{shown_new}` ({size} smaller)", note, saving)
    if hard:
        return Advice(
            target,
            Applicability.SUGGESTION,
            f"`{base.shown}` is the full image, {size} larger than `{shown_new}`, but this stage uses what slim drops: {', '.join(hard[:3])}",
            "Install just what the stage needs (apt-get install --no-install-recommends build-essential...) on slim, "
            "or build in a full-image stage and copy the result into a slim one (the multi-stage pass, DF4xx, can do this).",
            saving,
        )
    note = "Check: slim has no compilers, -dev headers, git or curl. " + ("; ".join(soft) + "." if soft else "Nothing in the stage appears to need them.")
    return Advice(target, Applicability.UNSAFE, f"`{base.shown}` is the full image; `{shown_new}` is {size} smaller and has what this stage uses", note, saving)


def _alpine_advice(context: FileContext, base: Base, target: Tag, saving: float | None, size: str, shown_new: str) -> Advice:
    hard, soft = needs(context, base)
    caveats = "Alpine uses musl instead of glibc and apk instead of apt"
    if base.image == "golang":
        caveats += "; golang alpine images have neither gcc (cgo) nor git (modules fetched directly from VCS)"
        extra = " For the final image, a multi-stage build onto distroless/static is smaller still (DF4xx)."
    else:
        extra = ""
    reasons = f" This stage uses {', '.join(hard[:3])}." if hard else ""
    return Advice(
        target,
        Applicability.SUGGESTION,
        f"`{base.shown}` has no slim variant; `{shown_new}` is {size} smaller",
        f"{caveats}.{reasons}{extra}",
        saving,
    )


def _preferred_alpine(context: FileContext, base: Base, target: Tag, saving: float | None, size: str, shown_new: str) -> Advice:
    """`preferred-variant = "alpine"`: the user accepts musl; apt and what alpine lacks still block the fix."""
    hard, soft = needs(context, base)
    apt = sorted({name for name, _, _ in uses(context, base.stage).commands if name in ("apt-get", "apt", "dpkg")})
    if hard or apt:
        reasons = hard[:3] + [f"`{name}` (alpine has apk)" for name in apt]
        return Advice(
            target,
            Applicability.SUGGESTION,
            f"`{base.shown}` is the full image, {size} larger than `{shown_new}`, but this stage uses what alpine lacks: {', '.join(reasons)}",
            "Rewrite the installs for apk (build-base, the -dev packages) or build in a separate stage (DF4xx).",
            saving,
        )
    note = "Check: alpine uses musl (wheels and prebuilt binaries must exist for musllinux) and has no bash, compilers, git or curl. " + ("; ".join(soft) + "." if soft else "")
    return Advice(target, Applicability.UNSAFE, f"`{base.shown}` is the full image; `{shown_new}` (your preferred variant) is {size} smaller", note.strip(), saving)
