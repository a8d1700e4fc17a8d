"""Planning the edit: how the RUN divides (`Split`), the inserted COPY and RUN, and what is removed."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Callable, NamedTuple

from rewriter.context import FileContext
from rewriter.rules import Applicability, Edit
from rewriter.shell import Command
from rewriter.syntax import Instruction, Trivia
from rewriter.text import Span
from transforms.base_images.stage import workdir_at
from transforms.manifests.common import UNKNOWN_CWD, Env, Plan, Project, analyse, cap, installer_for, normpath, package_managers, tool_of
from transforms.manifests.conditions import taken_branch
from transforms.manifests.patterns import (
    Candidate,
    SourceCopy,
    and_chain,
    copy_makes_workdir,
    install_tool,
    lock_read_later,
    repeated_workdir_risk,
    set_options_only,
)
from transforms.manifests.steps import moves


class Split(NamedTuple):
    """How the RUN divides: items [0, cut) go before the copy, the rest stays."""

    items: tuple[tuple[Span, str], ...]
    commands: tuple[Command | None, ...]
    cut: int
    plans: tuple[Plan, ...]
    prefetch: Plan | None
    repeat: tuple[int, ...]
    """Indexes of moved items (`cd`, `export`, `set`) repeated at the head of what stays."""


NOT_A_CHAIN = (
    "the install is not part of a plain `&&` chain (`;` without `set -e`, `||`, an `if` the pass cannot "
    "evaluate, a pipeline...), which cannot be split without changing what happens when a command fails"
)


def split_run(
    context: FileContext, candidate: Candidate, project_for: Callable[[PurePosixPath], Project], free_only: bool = False
) -> Split | Plan | None:
    """Divide the RUN's chain; a declining `Plan` when the install cannot move; None when there is no install.

    With `free_only`, the leading commands that read and write nothing of the project (DF103), or None; a
    `cd` into the copy ends them (before the copy its folder may not exist)."""
    chain = and_chain(candidate.script)
    if chain is None and free_only:
        return None
    if chain is None:
        tool = install_tool(context, candidate.run)
        if not tool:
            return None
        return Plan("source", tool, decline=NOT_A_CHAIN)
    items, commands = chain
    env = context.env_at(candidate.run)
    cwd = PurePosixPath(workdir_at(context, candidate.run) or UNKNOWN_CWD)
    data = package_managers()["meta"]
    plans: list[Plan] = []
    repeat: list[int] = []
    compound = ""
    for index, command in enumerate(commands):
        if command is None:  # a pipeline, subshell, `if`...: timid, unless it holds no install at all
            span = items[index][0]
            guarded = _guarded_plan(candidate, span, project_for(cwd), env)
            if guarded is not None:
                plans.append(guarded._replace(cwd=cwd))
                if guarded.kind not in ("free", "install"):
                    break
                continue
            compound = next((t for c in candidate.script.commands if c.span.start >= span.start for t in [tool_of(c)] if t), "")
            break
        if command.name in data["repeat_in_remainder"]:
            if command.name == "cd":
                values = command.arg_values()
                if len(values) != 1 or values[0] is None or values[0] == "-":
                    break
                if free_only and project_for(cwd).context_path(values[0]) is not None:
                    break
                cwd = PurePosixPath(normpath(str(cwd / values[0])))
            elif command.name == "set" and not set_options_only(command.arg_values()):
                break
            elif command.name in (".", "source"):
                values = command.arg_values()
                if len(values) != 1 or values[0] is None or not values[0].startswith("/"):
                    break
                if project_for(cwd).context_path(values[0]) is not None:
                    break  # timid: it reads a file of the copy (`. ./env.sh`)
            elif command.name == "export" and any(v is None for v in command.arg_values()):
                break
            repeat.append(index)
            plans.append(Plan("free", command.name or "", cwd=cwd))
            continue
        plan = analyse(command, project_for(cwd), env)
        installer = installer_for(command.name or "")
        if installer is not None and installer.chain_env is not None:
            env = installer.chain_env(command, env)
        plans.append(plan._replace(cwd=cwd))
        if plan.kind != "free" and plan.kind != "install":
            break
    cut = 0
    while cut < len(plans) and plans[cut].kind in ("free", "install"):
        if free_only and plans[cut].kind != "free":
            break
        cut += 1
    if free_only:
        return Split(items, commands, cut, tuple(plans[:cut]), None, tuple(i for i in repeat if i < cut)) if cut else None
    prefetch = plans[cut] if cut < len(plans) and plans[cut].kind == "build" else None
    moved = plans[:cut]
    if prefetch is not None and any(p.tool == prefetch.tool and p.kind == "install" for p in moved):
        prefetch = None  # `go mod download && go build`: the download already moves
    if prefetch is not None and commands[cut] is not None and commands[cut].assignments:  # type: ignore[union-attr]
        prefix = " ".join(a.text for a in commands[cut].assignments)  # type: ignore[union-attr]
        prefetch = prefetch._replace(prefetch=_with_prefix(prefetch.prefetch, prefix, commands[cut]))  # type: ignore[arg-type]
    if prefetch is not None and not prefetch.prefetch_safe:
        prefetch = cap(prefetch, Applicability.UNSAFE, "The dependency-only command is new: it runs before the source copy and the original command still runs after it.")
    if not any(p.kind == "install" for p in moved) and prefetch is None:
        if compound and cut == len(plans):
            return Plan("source", compound, decline=NOT_A_CHAIN)
        declined = plans[cut] if cut < len(plans) else None
        if declined is not None and declined.decline:
            return declined
        return None
    # An item repeated in the remainder must not sit after an install (it would run twice in one order).
    return Split(items, commands, cut, tuple(moved), prefetch, tuple(i for i in repeat if i < cut))


def _with_prefix(prefetch: str, prefix: str, build: Command) -> str:
    """The prefetch run with the build's variables (`GOPROXY=... go build` -> `GOPROXY=... go mod download`): on
    each command of the prefetch's `&&` chain that runs the build's program (the cargo commands of a stub build,
    not its `mkdir`)."""
    steps = prefetch.split(" && ")
    if len(steps) == 1:
        return f"{prefix} {prefetch}"
    program = build.words[0].text if build.words else ""
    return " && ".join(f"{prefix} {step}" if step.split(" ", 1)[0] == program else step for step in steps)


def _guarded_plan(candidate: Candidate, span: Span, project: Project, env: Env) -> Plan | None:
    """The plan of `if [ -f manifest ]; then install; fi` (see `conditions`): the branch the build context
    selects, with the tested file among those copied when it exists; None for anything else."""
    branch = taken_branch(candidate.script, span, project)
    if branch is None:
        return None
    if branch.command is None:
        return Plan("free", "if")
    plan = analyse(branch.command, project, env)
    if branch.holds and branch.tested not in plan.files:
        plan = plan._replace(files=(*plan.files, branch.tested))
    return plan


def _newline(context: FileContext, ins: Instruction) -> str:
    text = context.text
    end = ins.span.end
    return "\r\n" if end >= 2 and text[end - 2 : end] == "\r\n" else "\n"


def _indent(context: FileContext, ins: Instruction) -> str:
    text = context.text
    start = ins.span.start
    i = start
    while i < len(text) and text[i] in " \t":
        i += 1
    return text[start:i]


def _copy_lines(copy: SourceCopy, files: list[str]) -> list[str]:
    """`COPY` instructions putting each manifest where the source copy would, grouped by folder."""
    groups: dict[str, list[str]] = {}
    for path in files:
        rel = path[len(copy.source) + 1 :] if copy.source else path
        folder = str(PurePosixPath(rel).parent)
        groups.setdefault("" if folder == "." else folder, []).append(path)
    lines = []
    flags = (copy.flags + " ") if copy.flags else ""
    for folder, paths in sorted(groups.items(), key=lambda kv: (kv[0] != "", kv[0])):
        dest = copy.dest_text.rstrip("/")
        if dest in (".", "./", ""):
            target = f"{folder}/" if folder else "./"
        else:
            target = f"{dest}/{folder}/" if folder else f"{dest}/"
        lines.append(f"COPY {flags}{' '.join(paths)} {target}")
    return lines


def plan_edits(context: FileContext, candidate: Candidate, split: Split, restore_user: str = "") -> tuple[list[Edit], Applicability, str, list[str]]:
    """The edits of the reorder, its applicability and note, and the files copied.  `restore_user`: the USER to
    set again after the moved install, for steps left after the copy that ran before a repeated USER."""
    copy, run = candidate.copy, candidate.run
    newline, indent = _newline(context, copy.instruction), _indent(context, copy.instruction)
    plans = list(split.plans) + ([split.prefetch] if split.prefetch is not None else [])
    files: list[str] = []
    for plan in plans:
        files.extend(f for f in plan.files if f not in files)
    applicability = min([Applicability.SAFE, *(p.applicability for p in plans)])
    notes = [p.note for p in plans if p.note]
    to_copy = [f for f in files if f not in candidate.present]
    # The destination folder may now be created by the manifest copy instead of the source copy: the same
    # folder either way.  BuildKit creates a missing destination (and its parents) with MkdirAll at 0755, or
    # the numeric --chmod, owned by the --chown user (root without one), whichever COPY creates it, and does
    # not reset the metadata of a destination that exists (tonistiigi/fsutil copy: Copy, prepareTargetDir,
    # copyDirectoryOnly with overwriteTargetMetadata false at the top); both copies carry the same flags.
    # Sub-folders are fine too: when the source copy meets an existing sub-folder it gives it the context's
    # mode, owner and times (overwriteTargetMetadata below the top).
    for plan in plans:
        # The build DF102 keeps after the copy is the original command: it read the committed lock file before too.
        later = split.commands[split.cut + 1 :] if plan is split.prefetch else split.commands[split.cut :]
        why = lock_read_later(context, copy, run, later, plan) if plan.rewrites else ""
        if why:
            applicability = min(applicability, Applicability.UNSAFE)
            notes.append(
                f"The {plan.tool} install, whose lock file is not frozen, may rewrite {', '.join(plan.rewrites)}, which the source "
                f"copy then puts back as committed, and {why}: it would see the committed version, not the one the install wrote."
            )
    # A repeated WORKDIR that would create a folder other than the source copy made it goes after the
    # manifest copy, which then creates it as the source copy did (`copy_makes_workdir`).
    workdir_after_copy = False
    if candidate.between_workdir is not None:
        why = repeated_workdir_risk(context, copy, candidate.between_workdir)
        workdir_after_copy = bool(why) and copy_makes_workdir(context, copy, candidate.between_workdir, to_copy)
        if why and not workdir_after_copy:
            applicability = min(applicability, Applicability.UNSAFE)
            notes.append(why)
    text = context.text
    items = split.items
    head_parts: list[str] = []
    if split.cut:
        head_parts.append(text[items[0][0].start : items[split.cut - 1][0].end])
    if split.prefetch is not None:
        head_parts.append(split.prefetch.prefetch)
    separator = "; " if any(op == ";" for _, op in items) else " && "
    head = separator.join(head_parts)
    run_flags = " ".join(context.slice(f.span) for f in run.flags)
    run_line = f"{run.keyword.text} {run_flags + ' ' if run_flags else ''}{head}"
    copy_lines = _copy_lines(copy, to_copy)
    block: list[str] = []
    moved_whole = split.cut == len(items) and split.prefetch is None
    removal = _removal_span(context, run)
    if moved_whole:  # the RUN's own comments travel with it, above the manifest copy
        block.extend(_comment_lines(context, Span(removal.start, run.span.start)))
    copy_keyword = copy.instruction.keyword.text
    copies = [line.replace("COPY", "COPY" if copy_keyword.isupper() else copy_keyword.lower().replace("add", "copy"), 1) for line in copy_lines]
    back = _workdir_back(context, candidate)
    if back or workdir_after_copy:  # the manifests go where the copy puts them, before the WORKDIR changes or creates it
        block.extend(copies)
    moved = moves(context, candidate.between)
    for ins in candidate.between:
        if ins.index in moved:  # moved, with its comments
            lead = _removal_span(context, ins)
            block.extend(_comment_lines(context, Span(lead.start, ins.span.start)))
            block.append(text[ins.span.start : ins.span.end].rstrip("\r\n").lstrip(" \t"))
        else:  # repeated
            block.append(text[ins.span.start : ins.header_end].lstrip(" \t"))
    if not (back or workdir_after_copy):
        block.extend(copies)
    block.extend(text[ins.span.start : ins.span.end].rstrip("\r\n").lstrip(" \t") for ins in candidate.modes)  # `chmod +x gradlew`
    block.append(run_line)
    block.extend(back)
    if restore_user:
        block.append(f"USER {restore_user}")
    insertion = "".join(f"{indent}{line}{newline}" for line in block)
    start = _leading_comments_start(context, copy.instruction)
    previous = context.text[:start].splitlines(keepends=True)
    if previous and previous[-1].strip() == "":
        insertion += newline
    edits = [Edit.insert(start, insertion)]
    edits.extend(Edit.delete(_removal_span(context, ins)) for ins in candidate.between if ins.index in moved)
    if moved_whole:
        edits.append(Edit.delete(removal))
    elif split.cut:
        repeat = "".join(text[items[i][0].start : items[i][0].end] + separator for i in split.repeat)
        edits.append(Edit.replace(Span(items[0][0].start, items[split.cut][0].start), repeat))
    return edits, applicability, " ".join(notes), to_copy


def _workdir_back(context: FileContext, candidate: Candidate) -> list[str]:
    """For a WORKDIR between a copy to a relative destination and the install: the WORKDIR that takes the source
    copy back to the folder it copied into (`WORKDIR /app`, `COPY . .`, `WORKDIR /app/src/Web`, `RUN dotnet restore`).

    The manifests are copied before the repeated WORKDIR, as the source copy was, and the install runs after
    it, as it did; going back to the copy's folder is idempotent (the folder exists: it was the working
    directory), and the original WORKDIR after the source copy still sets what follows."""
    workdir = candidate.between_workdir
    if workdir is None or not candidate.copy.relative:
        return []
    return [f"{workdir.keyword.text} {workdir_at(context, candidate.copy.instruction)}"]


def _leading_comments_start(context: FileContext, ins: Instruction) -> int:
    """Where the comment lines right above an instruction begin (they describe it, so the block goes above them)."""
    elements = context.document.elements
    position = next(i for i, e in enumerate(elements) if isinstance(e, Instruction) and e.index == ins.index)
    start = ins.span.start
    i = position - 1
    while i >= 0 and isinstance(elements[i], Trivia) and elements[i].kind == "comment":  # type: ignore[union-attr]
        start = elements[i].span.start
        i -= 1
    return start


def _comment_lines(context: FileContext, span: Span) -> list[str]:
    """The comment lines in `span` (the ones right above a RUN that moves), without their indentation."""
    return [line.strip(" \t") for line in context.slice(span).splitlines() if line.strip().startswith("#")]


def _removal_span(context: FileContext, run: Instruction) -> Span:
    """The RUN's lines, with its own comment lines above it and one blank line if it sat between blanks."""
    elements = context.document.elements
    position = next(i for i, e in enumerate(elements) if e is run or (isinstance(e, Instruction) and e.index == run.index))
    start = run.span.start
    i = position - 1
    while i >= 0 and isinstance(elements[i], Trivia) and elements[i].kind == "comment":  # type: ignore[union-attr]
        start = elements[i].span.start
        i -= 1
    before_blank = i >= 0 and isinstance(elements[i], Trivia) and elements[i].kind == "blank"  # type: ignore[union-attr]
    nxt = elements[position + 1] if position + 1 < len(elements) else None
    after_blank = nxt is None or (isinstance(nxt, Trivia) and nxt.kind == "blank")
    if before_blank and after_blank:
        start = elements[i].span.start
    return Span(start, run.span.end)

