"""Planning the edit: how the RUN divides (`Split`), the inserted COPY and RUN, and what is removed."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Callable, NamedTuple

from rewriter.context import FileContext
from rewriter.rules import Applicability, Edit
from rewriter.shell import Arm, Command, ShellScript, value_test_variables, walk
from rewriter.syntax import Instruction, Trivia
from rewriter.text import Span
from transforms.base_images.stage import absolute, workdir_at
from transforms.cache_cleanups import trailing_cleanups
from transforms.manifests.common import UNKNOWN_CWD, Env, Plan, Project, analyse, cap, installer_for, join_notes, package_managers, tool_of
from transforms.manifests.conditions import taken_branch
from transforms.manifests.downloads import installer_pipeline
from transforms.manifests.patterns import (
    Candidate,
    SourceCopy,
    and_chain,
    copy_makes_workdir,
    errexit_list,
    install_tool,
    items_commands,
    lock_read_later,
    repeated_workdir_risk,
    repeats_can_move,
    set_options_only,
)
from transforms.manifests.steps import moves

if TYPE_CHECKING:
    import tree_sitter


class Split(NamedTuple):
    """How the RUN (or one arm of an `if`/`case` in it) divides: items [0, cut) go before the copy, the rest stays."""

    items: tuple[tuple[Span, str], ...]
    commands: tuple[Command | None, ...]
    cut: int
    plans: tuple[Plan, ...]
    prefetch: Plan | None
    repeat: tuple[int, ...]
    """Indexes of moved items (`cd`, `export`, `set`, `X=$(...)`) repeated at the head of what stays."""
    partial: Partial | None = None
    """The last moved item is an `if`/`case` split inside its arms: it also stays, with what its arms leave."""
    carried: int = 0
    """How many items at the end of the chain clean a cache the moved install filled: they move with it."""

    def flat_plans(self) -> list[Plan]:
        """Every plan of what moves (the arms' too, not the compound's stand-in) and the prefetches."""
        own = [p for i, p in enumerate(self.plans) if self.partial is None or i != self.cut - 1]
        arms = [p for arm in self.partial.arms if arm is not None for p in arm.flat_plans()] if self.partial else []
        return own + arms + ([self.prefetch] if self.prefetch is not None else [])

    def prefetches(self) -> list[Plan]:
        arms = [p for arm in self.partial.arms if arm is not None for p in arm.prefetches()] if self.partial else []
        return ([self.prefetch] if self.prefetch is not None else []) + arms

    def later_commands(self, plan: Plan) -> tuple[Command | None, ...]:
        """The commands that still run after the source copy, after `plan`'s command."""
        if plan is self.prefetch:
            return self.commands[self.cut + 1 :]
        if self.partial is not None:
            for arm in self.partial.arms:
                if arm is not None and any(plan is p for p in arm.flat_plans()):
                    return arm.later_commands(plan) + self.commands[self.cut :]
        return self.commands[self.cut :]


class Partial(NamedTuple):
    """An `if`/`case` whose condition reads only variables (`[ "$CI" != true ]`), split arm by arm.

    Before the copy it runs with each arm's movable head; after it, with what each arm leaves.  The condition
    gives the same answer in both places (the variables have the same values there), so for every value of
    them the same arm runs its head and then its rest, as it did."""

    node: tree_sitter.Node
    arms: tuple[Split | None, ...]
    """Per arm, how it divides; None for an arm that moves nothing."""
    bodies: tuple[Arm, ...]


NOT_A_CHAIN = (
    "the install is not part of a plain `&&` chain (`;` without `set -e`, `||`, an `if` the pass cannot "
    "evaluate, a pipeline...), which cannot be split without changing what happens when a command fails"
)


class _Chain(NamedTuple):
    """A chain being planned: its items, their commands, the state the shell is in before it."""

    items: tuple[tuple[Span, str], ...]
    commands: tuple[Command | None, ...]
    cwd: PurePosixPath
    env: Env
    errexit: bool


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
    return _split_chain(context, candidate, project_for, _Chain(items, commands, cwd, env, errexit_list(candidate.script)), free_only)


def _split_chain(  # noqa: C901
    context: FileContext, candidate: Candidate, project_for: Callable[[PurePosixPath], Project], chain: _Chain, free_only: bool = False, arm: bool = False
) -> Split | Plan | None:
    """`split_run` for one chain: the RUN's, or (`arm`) an arm's, which divides even when it installs nothing."""
    items, commands, cwd, env = chain.items, chain.commands, chain.cwd, chain.env
    data = package_managers()["meta"]
    plans: list[Plan] = []
    repeat: list[int] = []
    partial: Partial | None = None
    compound = ""
    for index, command in enumerate(commands):
        if command is None:  # a pipeline, subshell, `if`...: timid, unless the pass can read it
            span = items[index][0]
            errexit = chain.errexit and (index + 1 == len(items) or items[index + 1][1] != "&&")
            guarded = _compound_plan(context, candidate, project_for, chain._replace(cwd=cwd, env=env, errexit=errexit), span, free_only)
            if isinstance(guarded, Partial):
                partial = guarded
                plans.append(Plan("install", _first_install(guarded), cwd=cwd, overwritten=next((p.overwritten for p in _arm_plans(guarded) if p.overwritten), "")))
                break
            if guarded is not None and guarded.tool == SETS_VARIABLES:
                repeat.append(index)  # the rest of the chain may read what it sets
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
                cwd = PurePosixPath(absolute(values[0], cwd))
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
        if command.name in _ENDS_RUN and not arm:
            # `exit` moved before the copy would end only the first RUN, and the second would run what it skipped;
            # it stays, with what follows (an arm's `exit` is judged by `_split_arms`).
            later = next((tool_of(c) for c in commands[index + 1 :] if c is not None and tool_of(c)), "")
            plans.append(Plan("source", later, cwd=cwd, decline=_ends_run_note(candidate.script, command, "")))
            break
        plan = Plan("free", command.name or "") if _harmless(candidate.script, command) else analyse(command, project_for(cwd), env)
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
    if partial is not None:
        return Split(items, commands, cut, tuple(plans[:cut]), None, tuple(i for i in repeat if i < cut), partial)
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
        if arm:
            return Split(items, commands, cut, tuple(moved), None, tuple(i for i in repeat if i < cut))
        return _blocked(candidate, project_for(cwd), env, items, commands, cut) if declined is not None else None
    # An item repeated in the remainder must not sit after an install (it would run twice in one order).
    return Split(items, commands, cut, tuple(moved), prefetch, tuple(i for i in repeat if i < cut), carried=0 if arm else _carried(commands, cut, data))


def _carried(commands: tuple[Command | None, ...], cut: int, data: dict) -> int:
    """How many cleanups at the end of the chain go before the copy with the install whose cache they clean
    (`npm ci && npm run build && npm cache clean --force`); none when what stays changes the directory or the
    environment they run in.  (An arm of an `if`/`case` keeps its cleanups: `_divide_arms` moves heads only.)"""
    rest = commands[cut:]
    if any(c is not None and c.name in data["repeat_in_remainder"] for c in rest):
        return 0
    return trailing_cleanups(commands[:cut], rest)


SETS_VARIABLES = "="
"""The tool of a free item that sets shell variables (`X=$(uname -m)`, a `case` of them): it is repeated at the
head of what stays, where later commands may read them."""

# Commands that change nothing but the shell's output or status: an arm of only these and assignments may run
# twice (`case "$ARCH" in amd64) T=x86_64 ;; *) echo "unsupported"; exit 1 ;; esac`).
_HARMLESS = frozenset({"echo", "printf", "true", "false", ":", "exit"})
# Commands that print the working folder or its listing: without an operand they cannot fail wherever they run,
# and they change nothing (`ls && go mod download && go build`).
_PRINTS_FOLDER = frozenset({"ls", "pwd"})

# Commands that end the shell (or a sourced script): split at the source copy, they would end only the first RUN,
# and the second would run what they skipped.  Only a `case` of variables repeated whole after the copy (above)
# keeps them, as both RUNs then end at the same point.
_ENDS_RUN = frozenset({"exit", "return"})


def _ends_run_note(script: ShellScript, command: Command, where: str) -> str:
    return (
        f"`{_short(script, command.span)}`{where} ends the RUN; split at the source copy, it would end only the RUN "
        "before the copy, and the RUN after it would run the commands it skipped"
    )


def _harmless(script: ShellScript, command: Command) -> bool:
    """`echo "unsupported: $ARCH"`, `exit 1`, `ls -la`: a command of `_HARMLESS`, or of `_PRINTS_FOLDER` without
    operands, that expands only variables (no `$(...)` in its words) and redirects nothing."""
    if command.name in _PRINTS_FOLDER:
        if any(v is None or not v.startswith("-") for v in command.arg_values()):
            return False
    elif command.name not in _HARMLESS:
        return False
    if command.span != command.statement_span or command.assignments:
        return False
    return not any(c is not command and command.span.start <= c.span.start and c.span.end <= command.span.end for c in script.commands)


def _compound_plan(
    context: FileContext, candidate: Candidate, project_for: Callable[[PurePosixPath], Project], state: _Chain, span: Span, free_only: bool
) -> Partial | Plan | None:
    """The plan of a chain item that is no simple command; None when the pass cannot read it."""
    project = project_for(state.cwd)
    plan = _guarded_plan(candidate, span, project, state.env) or _assignment_plan(candidate, span, project, state.env)
    if plan is None and installer_pipeline(candidate.script, span, project):
        plan = Plan("free", "|")
    if plan is None:
        plan = _split_arms(context, candidate, project_for, state, span)
    if free_only and isinstance(plan, Partial):
        return None
    return plan


def _split_arms(
    context: FileContext, candidate: Candidate, project_for: Callable[[PurePosixPath], Project], state: _Chain, span: Span
) -> Partial | Plan | None:
    """The `if`/`case` at `span`, when its conditions read only variables (`shell.value_test_variables`): one
    plan when every arm moves whole (`if [ "$DEV" = 1 ]; then npm install; else npm ci; fi`), a `Partial` when
    some arm moves only its head, with an install or a prefetch in it; a declining plan when an arm's install
    cannot move; None otherwise."""
    script = candidate.script
    node = script.node_at(span, "if_statement") or script.node_at(span, "case_statement")
    shape = script.arms(node) if node is not None else None
    if node is None or shape is None:
        return None
    conditions, bodies = shape
    patterns = [p for item in node.named_children if item.type == "case_item" for p in item.named_children if p.end_byte <= _close(item)]
    whole = script.span(node)
    tool = next((t for c in script.commands if whole.start <= c.span.start < whole.end for t in [tool_of(c)] if t), "")
    word = "`if`" if node.type == "if_statement" else "`case`"
    chains = [script.chain(body.body, state.errexit) if body.span is not None else None for body in bodies]
    for body, items in zip(bodies, chains):
        if items is None and body.span is not None and any(tool_of(c) for c in script.commands if body.span.start <= c.span.start < body.span.end):
            why = f"an arm of the {word} is not a plain `&&` chain (`;` without `set -e`, `||`, a pipeline...), which cannot be split without changing what happens when a command fails"
            return Plan("source", tool, decline=why)
    tested = next((c for c in conditions if value_test_variables(script, list(c)) is None), None)
    if tested is not None or any(value_test_variables(script, [p]) is None for p in patterns):
        what = f"`{_short(script, script.span(tested[0]))}`" if tested else "a pattern"
        why = f"the {word} tests {what}, which runs a command or reads a file, so its answer before the copy may differ from after it"
        return Plan("source", tool, decline=why) if tool else None
    arms: list[Split | None] = []
    for body, items in zip(bodies, chains):
        found = _split_chain(context, candidate, project_for, state._replace(items=items, commands=items_commands(script, items)), arm=True) if items else None
        if isinstance(found, Plan):
            return found if found.decline else None
        arms.append(found)
    plans = [p for a in arms if a is not None for p in a.plans]
    moves_whole = all(a is not None and a.cut == len(a.items) and a.prefetch is None and a.partial is None for a in arms)
    if moves_whole and any(a.repeat for a in arms if a is not None):  # sets variables: repeated after the copy, so it must be harmless
        harmless = all(i in a.repeat or (c is not None and _harmless(script, c)) for a in arms if a is not None for i, c in enumerate(a.commands))
        return Plan("free", SETS_VARIABLES) if harmless else None
    ends = next((c for c in script.commands if whole.start <= c.span.start < whole.end and c.name in _ENDS_RUN), None)
    if ends is not None:  # not repeated: an arm's `exit` would end only the RUN before the copy
        later = tool or next((t for c in script.commands if c.span.start >= whole.end for t in [tool_of(c)] if t), "")
        return Plan("source", later, decline=_ends_run_note(script, ends, f" in an arm of the {word}"))
    if moves_whole:
        files = tuple(dict.fromkeys(f for p in plans for f in p.files))
        kind = "install" if any(p.kind == "install" for p in plans) else "free"
        tool = next((p.tool for p in plans if p.kind == "install"), node.type)
        applicability = min([Applicability.SAFE, *(p.applicability for p in plans)])
        note = join_notes(*dict.fromkeys(p.note for p in plans))
        rewrites = tuple(dict.fromkeys(r for p in plans for r in p.rewrites))
        return Plan(kind, tool, files, applicability, note, rewrites=rewrites, overwritten=next((p.overwritten for p in plans if p.overwritten), ""))
    useful = tuple(a if a is not None and (a.prefetches() or any(p.kind == "install" for p in a.flat_plans())) else None for a in arms)
    if not any(useful):
        return None
    return Partial(node, useful, bodies)


def _close(item: tree_sitter.Node) -> int:
    """Where the patterns of a `case` item end (its `)`)."""
    return next((c.start_byte for c in item.children if c.type == ")"), item.end_byte)


def _arm_plans(partial: Partial) -> list[Plan]:
    return [p for a in partial.arms if a is not None for p in a.flat_plans()]


def _first_install(partial: Partial) -> str:
    plans = _arm_plans(partial)
    return next((p.tool for p in plans if p.kind == "install"), next((p.tool for p in plans if p.kind == "build"), ""))


def _short(script: ShellScript, span: Span) -> str:
    node = script.node_at(span)
    node_text = " ".join((script.text_of(node) if node is not None else "").split())
    return node_text if len(node_text) <= 40 else node_text[:37].rstrip() + "..."


def _assignment_plan(candidate: Candidate, span: Span, project: Project, env: Env) -> Plan | None:
    """`X=value` or `export X=value` on its own (`apkArch="$(apk --print-arch)"`): free when every command in its value reads and
    writes nothing of the project, so that running it again after the copy (it is repeated there, for the
    commands that read the variable) gives the same value; None when the item is no assignment."""
    script = candidate.script
    node = script.node_at(span, "variable_assignment") or script.node_at(span, "variable_assignments") or script.node_at(span, "declaration_command")
    if node is None or (node.type == "declaration_command" and script.text_of(node).split(None, 1)[0] != "export"):
        return None
    inner = script.commands_in(node)
    if any(n.type in ("process_substitution", "arithmetic_expansion", "subshell", "pipeline", "list") for n in walk(node)):
        return Plan("source")
    if any(analyse(c, project, env).kind != "free" for c in inner):
        return Plan("source")
    return Plan("free", SETS_VARIABLES)


def _blocked(candidate: Candidate, project: Project, env: Env, items: tuple[tuple[Span, str], ...], commands: tuple[Command | None, ...], cut: int) -> Plan | None:
    """Why an install later in the chain stays where it is: the item at `cut`, which runs before it, may read or
    change the project (`cp .env.example .env && composer install`); None when no install follows."""
    stop = commands[cut]
    installer = installer_for(stop.name or "") if stop is not None else None
    unknown = next((w.text for w in stop.words if w.value is None), None) if stop is not None else None
    if installer is not None and unknown is not None and stop is not None and len(stop.words) > 1 and stop.words[1].value is not None:
        return Plan("source", tool_of(stop), decline=f"`{unknown}` in `{_short(candidate.script, items[cut][0])}` is known only when the shell runs (a --build-arg may give it any value), so what the install reads is not known")
    later = next((tool_of(c) for c in commands[cut + 1 :] if c is not None and _may_install(c, project, env)), "")
    if not later:
        return None
    return Plan("source", later, decline=f"`{_short(candidate.script, items[cut][0])}` runs before the install in the same RUN, and nothing shows that it reads and writes nothing of the project")


def _may_install(command: Command, project: Project, env: Env) -> bool:
    """An install or build of the project, or a command of a package manager with words known only when the
    shell runs (`cargo build --target "$RUST_TARGET"`)."""
    if analyse(command, project, env).kind in ("install", "build"):
        return True
    return bool(tool_of(command)) and any(w.value is None for w in command.words)


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
    plans = split.flat_plans()
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
        later = split.later_commands(plan)
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
    head, rest = _divide(context, candidate.script, split)
    run_flags = " ".join(context.slice(f.span) for f in run.flags)
    run_line = f"{run.keyword.text} {run_flags + ' ' if run_flags else ''}{head}"
    copy_lines = _copy_lines(copy, to_copy)
    block: list[str] = []
    moved_whole = split.cut == len(items) and split.prefetch is None and split.partial is None
    removal = _removal_span(context, run)
    if moved_whole:  # the RUN's own comments travel with it, above the manifest copy
        block.extend(_comment_lines(context, Span(removal.start, run.span.start)))
    copy_keyword = copy.instruction.keyword.text
    copies = [line.replace("COPY", "COPY" if copy_keyword.isupper() else copy_keyword.lower().replace("add", "copy"), 1) for line in copy_lines]
    back = _workdir_back(context, candidate)
    if back or workdir_after_copy:  # the manifests go where the copy puts them, before the WORKDIR changes or creates it
        block.extend(copies)
    moved = frozenset(i.index for i in candidate.between) if not restore_user and repeats_can_move(context, candidate) else moves(context, candidate.between)
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
    else:
        edits.extend(Edit.replace(span, replacement) for span, replacement in rest)
    return edits, applicability, " ".join(notes), to_copy


def _separator(items: tuple[tuple[Span, str], ...]) -> str:
    return "; " if any(op == ";" for _, op in items) else " && "


def _divide(context: FileContext, script: ShellScript, split: Split) -> tuple[str, list[tuple[Span, str]]]:
    """The text of what runs before the copy, and the edits that leave what stays: the moved items make way
    for the repeated ones; an `if`/`case` split in its arms keeps their rests (`_divide_arms`)."""
    text, items, cut = context.text, split.items, split.cut
    separator = _separator(items)
    parts: list[str] = []
    rest: list[tuple[Span, str]] = []
    if split.partial is not None:
        arms_head, arms_rest = _divide_arms(context, script, split.partial)
        parts.append(text[items[0][0].start : items[cut - 1][0].start] + arms_head)
        rest.extend(arms_rest)
        stop: int | None = items[cut - 1][0].start
    elif cut:
        parts.append(text[items[0][0].start : items[cut - 1][0].end])
        stop = items[cut][0].start if cut < len(items) else None
    else:
        stop = items[0][0].start
    if split.prefetch is not None:
        parts.append(split.prefetch.prefetch)
        stop = items[cut][0].start
    if split.carried:  # the cleanups follow the install, with the operators and line breaks before them
        carried = Span(items[len(items) - split.carried - 1][0].end, items[-1][0].end)
        parts[-1] += context.slice(carried)
        rest.append((carried, ""))
    repeat = "".join(text[items[i][0].start : items[i][0].end] + separator for i in split.repeat)
    before = sum(1 for span, _ in items if stop is not None and span.start < stop)
    if split.repeat == tuple(range(before)) and stop is not None:
        return separator.join(parts), rest  # every item before what stays is repeated: it stays as written
    if stop is None:  # the whole chain moves (an arm's: its place keeps the repeated items, or `:`)
        rest.append((Span(items[0][0].start, items[-1][0].end), repeat[: -len(separator)] if repeat else ":"))
    elif stop > items[0][0].start or repeat:
        rest.append((Span(items[0][0].start, stop), repeat))
    return separator.join(parts), rest


def _divide_arms(context: FileContext, script: ShellScript, partial: Partial) -> tuple[str, list[tuple[Span, str]]]:
    """The `if`/`case` with each arm's head (before the copy) and the edits that leave each arm's rest.

    Before the copy, an arm that moves nothing becomes `:`, and an `else` that moves nothing goes."""
    whole = script.span(partial.node)
    changes: list[tuple[Span, str]] = []
    rest: list[tuple[Span, str]] = []
    clauses = [c for c in partial.node.children if c.type in ("elif_clause", "else_clause")]
    for position, (arm, body) in enumerate(zip(partial.arms, partial.bodies)):
        if body.span is None:
            continue
        if arm is None:
            is_else = partial.node.type == "if_statement" and clauses and clauses[-1].type == "else_clause" and position == len(partial.bodies) - 1
            if is_else:
                previous = partial.bodies[position - 1].body
                changes.append((Span(script.span(previous[-1]).end, script.span(clauses[-1]).end), ""))
            else:
                changes.append((body.span, ":"))
            continue
        head, arm_rest = _divide(context, script, arm)
        changes.append((body.span, head))
        rest.extend(arm_rest)
    out, at = [], whole.start
    for span, replacement in sorted(changes):
        out.append(context.text[at : span.start] + replacement)
        at = span.end
    out.append(context.text[at : whole.end])
    return "".join(out), rest


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

