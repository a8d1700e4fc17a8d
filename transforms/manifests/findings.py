"""One finding per source copy: the pattern, the split of the RUN and the edit, or why the pass declines."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Iterator, NamedTuple

from rewriter.context import FileContext
from rewriter.rules import Applicability, Edit
from rewriter.syntax import Instruction, Stage
from rewriter.shell import Command
from rewriter.text import Span
from transforms.base_images.stage import user_at, workdir_at
from transforms.manifests.common import SAFE_WORD, Plan, installer_of_tool, installs_software, updates_index
from transforms.manifests.ownership import owner_mode_risk
from transforms.manifests.steps import install_inputs, sets_modes_of, stay_conflict
from transforms.manifests.edits import Split, plan_edits, split_run
from transforms.manifests.patterns import (
    Candidate,
    FlattenedContext,
    Followed,
    SourceCopy,
    copied_context,
    already_copied,
    already_fetched,
    prefetched_before,
    follow,
    install_tool,
    later_install,
    manifests_copied_before,
    project_for,
    source_copy,
    symlinked,
)


def _message(copy: SourceCopy, plans: list[Plan], context: FileContext, code: str = "DF101") -> str:
    tool = next((p.tool for p in plans if p.kind in ("install", "build")), "") or (plans[-1].tool if plans else "")
    src = " ".join(context.slice(copy.instruction.header.physical_span).split())
    if len(src) > 60:
        src = src[:57].rstrip() + "..."
    if code == "DF102":
        return f"`{src}` comes before the {tool} step, which downloads every dependency again after any source change"
    return f"`{src}` comes before the {tool} dependency install, so any source change reinstalls every dependency"


class Finding(NamedTuple):
    """One diagnostic of this pass, before it is attached to DF101 or DF102."""

    code: str
    message: str
    span: Span
    note: str
    edits: tuple[Edit, ...] = ()
    applicability: Applicability = Applicability.SUGGESTION
    title: str = ""


def findings(context: FileContext) -> list[Finding]:
    """Every finding of the pass for a file, computed once per FileContext (both rules read it)."""
    return context.memo(findings, lambda: list(_find(context)))


def _first_words(context: FileContext, ins: Instruction, limit: int = 40) -> str:
    text = " ".join(context.slice(ins.header.physical_span).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _find(context: FileContext) -> Iterator[Finding]:
    for stage in context.document.stages:
        for ins in stage.instructions:
            copy = source_copy(context, ins)
            if copy is not None:
                yield from _find_for_copy(context, stage, copy)


def _flattened_clash(context: FileContext, copy: SourceCopy) -> str:
    """For `COPY * <dest>`: why a manifest's place in the destination is ambiguous ("" when it is not)."""
    view = copied_context(context, copy)
    if not isinstance(view, FlattenedContext):
        return ""
    clashes = view.collisions(install_inputs())
    if not clashes:
        return ""
    path, sources = clashes[0]
    other = next(s for s in sources if s != path)
    return (
        f"`{_first_words(context, copy.instruction, 20)}` copies the contents of folders, not the folders, so `{other}` "
        f"lands on `{path}` too and the copy order decides which one stays (copy `.` instead of `*`)"
    )


def _find_for_copy(context: FileContext, stage: Stage, copy: SourceCopy) -> Iterator[Finding]:
    followed = follow(context, stage, copy)
    found = list(_reorder(context, stage, copy, followed))
    yield from found
    # A reorder moves the steps that read nothing of the project too; one that is only unsafe must not cost
    # the safe move of those steps.
    if not any(f.edits and f.applicability == Applicability.SAFE for f in found):
        yield from _context_free_installs(context, copy, followed)


def _reorder(context: FileContext, stage: Stage, copy: SourceCopy, followed: Followed) -> Iterator[Finding]:
    """DF101/DF102: the install moved before the source copy, or why not."""
    at = copy.instruction.keyword.span
    run, between, blocker, stays = followed
    workdir = next((i for i in between if i.name == "WORKDIR"), None)
    result: Split | Plan | None = None
    script = context.shell(run) if run is not None else None
    if run is not None and script is not None and not run.heredocs:
        if any(f.name == "mount" and f.value and "type=bind" in f.value for f in run.flags):
            return  # timid: a bind mount may bring the source in anyway
        candidate = Candidate(copy, run, script, between)
        result = split_run(context, candidate, project_for(context, copy))
    clash = _flattened_clash(context, copy) if result is not None else ""
    if clash:
        tool = result.tool if isinstance(result, Plan) else next((p.tool for p in result.plans if p.kind == "install"), "")  # type: ignore[union-attr]
        yield Finding("DF101", _message(copy, [Plan("install", tool)], context), at, f"Not reordered: {clash}.")
        return
    if result is None:
        # No install in the first RUN's command line: in its heredoc script, or further down, behind other steps?
        stop = run if run is not None else blocker
        heredoc = run is not None and run.heredocs and install_tool(context, run)
        later = run if heredoc else later_install(context, stage, copy, stop.index) if stop is not None else None
        if stop is None or later is None:
            return
        tool = install_tool(context, later)
        if (tool and already_fetched(context, stage, copy, tool)) or manifests_copied_before(context, stage, copy.instruction):
            return
        installer = installer_of_tool(tool)
        code = "DF102" if installer is not None and installer.fetches_in_build else "DF101"
        why = (
            "the install's RUN has a heredoc (`<<EOF`, as its script or as a command's input), which the pass does not "
            "split: copy the manifests and install before the source copy by hand"
            if heredoc
            else f"`{_first_words(context, stop)}` runs between the copy and the install, and the install may need it"
        )
        yield Finding(code, _message(copy, [Plan("install", tool)], context, code), at, f"Not reordered: {why.rstrip('.')}.")
        return
    if isinstance(result, Plan):
        if result.tool and already_fetched(context, stage, copy, result.tool):
            return
        installer = installer_of_tool(result.tool)
        code = "DF102" if installer is not None and installer.only_builds else "DF101"
        yield Finding(code, _message(copy, [result], context, code), at, f"Not reordered: {result.decline.rstrip('.')}.")
        return
    plans = result.flat_plans()
    if any(already_fetched(context, stage, copy, p.tool) for p in plans if p.kind in ("install", "build")):
        return
    if any(prefetched_before(context, stage, copy, p.prefetch) for p in result.prefetches()):
        return
    code = "DF102" if result.prefetches() else "DF101"
    message = _message(copy, plans, context, code)
    if workdir is not None and (workdir_at(context, run) is None or (copy.relative and not SAFE_WORD.match(workdir_at(context, copy.instruction) or ""))):  # type: ignore[arg-type]
        yield Finding(code, message, at, "Not reordered: a WORKDIR between the copy and the install changes the install's folder, and the copy's destination is relative to the old one, which is not known.")
        return
    overwritten = next((p for p in result.plans if p.overwritten), None)
    if overwritten is not None and not _installed_again(context, stage, run, result, overwritten):  # type: ignore[arg-type]
        yield Finding(code, message, at, f"Not reordered: {overwritten.overwritten}.")
        return
    read = [f for p in plans for f in p.files]
    modes = tuple(s for s in stays if sets_modes_of(context, s, read))
    project = project_for(context, copy)(copy.dest)
    conflict = stay_conflict(project, tuple(s for s in stays if s not in modes and not s.changes), plans)
    if conflict is not None:
        step, path = conflict
        yield Finding(code, message, at, f"Not reordered: `{_first_words(context, step)}` changes `{path or '.'}` after the copy, which the install reads or writes.")
        return
    risk = owner_mode_risk(context, run, (s for s in stays if s not in modes and s.changes), plans, project, copy.flags)  # type: ignore[arg-type]
    if risk is not None:
        step, why = risk
        yield Finding(code, message, at, f"Not reordered: `{_first_words(context, step)}` {why}.")
        return
    view = copied_context(context, copy)
    nested = next((f for f in read if isinstance(view, FlattenedContext) and not view.is_file(f)), None)
    if nested is not None:
        yield Finding(code, message, at, f"Not reordered: `{copy.instruction.keyword.text} * ...` copies the contents of folders, not the folders, so `{nested}` is not where the install reads it.")
        return
    linked = next((f for f in read if symlinked(context.build_context, f)), None)  # type: ignore[arg-type]
    if linked is not None:
        yield Finding(code, message, at, f"Not reordered: `{linked}` is a symbolic link; copied on its own it could point at a file that is not there yet.")
        return
    odd = next((f for f in read if not SAFE_WORD.match(f)), None)
    if odd is not None:  # timid: a name that would need quoting or escaping in COPY
        yield Finding(code, message, at, f"Not reordered: the manifest name `{odd}` would need quoting in COPY.")
        return
    restore = ""
    user = next((i for i in between if i.name == "USER"), None)
    if user is not None and any(s.instruction.index < user.index for s in stays):
        # A step left after the copy ran before the USER, which is now repeated before the install: set the
        # user in effect at the copy again after the install, so that the step still runs as that user.
        restore = user_at(context, copy.instruction) or ""
        if not restore:
            yield Finding(code, message, at, f"Not reordered: `{_first_words(context, stays[0].instruction)}` runs before the USER the install needs, and the base image's user, which it ran as, is not known.")
            return
    present = frozenset(already_copied(context, stage, copy))
    edits, applicability, note, files = plan_edits(context, Candidate(copy, run, script, between, present, tuple(s.instruction for s in modes)), result, restore)  # type: ignore[arg-type]
    names = ", ".join(PurePosixPath(f).name for f in files[:4]) + ("..." if len(files) > 4 else "")
    action = f"Copy {names} and install dependencies" if files else "Install dependencies"
    title = f"{action} before `{copy.instruction.keyword.text} ... {copy.dest_text}`"
    yield Finding(code, message, at, note, tuple(edits), applicability, title)


def _installed_again(context: FileContext, stage: Stage, run: Instruction, split: Split, plan: Plan) -> bool:
    """True if the first later command of the plan's tool, in the rest of the RUN or a later RUN of the stage,
    in the same working directory, installs again what the moved install wrote (`Installer.reinstalls`), so that
    what the source copy overwrote is written again as before.  A `cd` on the way, or a command that reads the
    install's output as it is, ends the search."""
    installer = installer_of_tool(plan.tool)
    install = split.commands[split.plans.index(plan)]
    if installer is None or installer.reinstalls is None or install is None:
        return False
    later = [(c, plan.cwd) for c in split.commands[split.cut :]]
    for ins in (i for i in stage.instructions if i.index > run.index and i.name == "RUN"):
        script = context.shell(ins)
        workdir = workdir_at(context, ins)
        later.extend((c, PurePosixPath(workdir) if workdir else None) for c in (script.commands if script is not None else ()))
    for command, cwd in later:
        if command is None or command.name == "cd":
            return False
        again = installer.reinstalls(install, command) if command.name == install.name else None
        if again is not None:
            return again and cwd == plan.cwd
    return False


def _context_free_installs(context: FileContext, copy: SourceCopy, followed: Followed) -> Iterator[Finding]:
    """DF103: RUNs after the source copy that install software and read nothing of the project, moved above it
    (with the steps between, repeated or moved as for DF101; the rest of a split RUN stays)."""
    run, between, _, _ = followed
    if copy.dest == PurePosixPath("/"):
        return  # timid: the copy could overwrite what the install put in the image
    make = project_for(context, copy)
    split: Split | Plan | None = None
    script = context.shell(run) if run is not None else None
    if run is not None and script is not None and not run.heredocs and not any(f.name == "mount" for f in run.flags):
        split = split_run(context, Candidate(copy, run, script, between), make, free_only=True)
    if isinstance(split, Split) and _separates_index_update(split):
        return  # (the install stays on lists the moved update refreshed in another layer: DF205 would join them again)
    if isinstance(split, Split) and any(installs_software(c) for c in split.commands[: split.cut] if c is not None):
        candidate = Candidate(copy, run, script, between)  # type: ignore[arg-type]
    else:
        runs = [i for i in between if i.name == "RUN"]
        if not any(installs_software(c) for r in runs for c in _commands(context, r)):
            return
        last = runs[-1]
        script = context.shell(last)
        split = split_run(context, Candidate(copy, last, script, ()), make, free_only=True)  # type: ignore[arg-type]
        if not isinstance(split, Split) or split.cut != len(split.items):
            return
        candidate = Candidate(copy, last, script, tuple(i for i in between if i.index < last.index))  # type: ignore[arg-type]
    first = next(i for i in (*candidate.between, candidate.run) if i.name == "RUN")
    edits, applicability, note, _ = plan_edits(context, candidate, split)
    src = _first_words(context, copy.instruction, 30)
    message = f"`{_first_words(context, first)}` reads nothing of the build context but runs after `{src}`, so any source change runs it again"
    title = f"Move it above `{copy.instruction.keyword.text} ... {copy.dest_text}`"
    yield Finding("DF103", message, first.keyword.span, note, tuple(edits), applicability, title)


def _separates_index_update(split: Split) -> bool:
    """True when the moved head refreshes a package index (`apt-get update`) whose tool runs again in what stays
    (`apt-get install -y $BUILD_DEPS`, which the pass cannot move).

    DF103's alone, not every split's (`_split_chain`): DF101 moves such a head with the dependency install it is
    for, and the apt install that stays still finds the lists in the image (DF205 refreshes them there); DF103
    moves a head only to spare its rerun, and an update moved away from its install is the shape DF205 joined
    again, so that the fixes never converged."""
    moved = {c.name for c in split.commands[: split.cut] if c is not None and updates_index(c)}
    return any(c is not None and c.name in moved for c in split.commands[split.cut :])


def _commands(context: FileContext, run: Instruction) -> tuple[Command, ...]:
    script = context.shell(run)
    return script.commands if script is not None else ()
