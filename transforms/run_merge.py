"""Consecutive RUN instructions joined into one, when the shell does the same thing.

Two RUNs are two shells.  Joined with `&&`, the second command runs only
if the first succeeded, exactly as the build ran it; what the first shell
leaves behind (working directory, variables, options, traps, functions)
would leak into the second, so such a first RUN is wrapped in a subshell,
or, where a subshell would itself change the meaning (`set -e` is ignored
inside a subshell on the left of `&&`), left alone.
"""

from __future__ import annotations

from typing import Iterator

from rewriter.context import FileContext
from rewriter.rules import Applicability, Diagnostic, Edit, rule
from rewriter.shell import Command, ShellScript, walk
from rewriter.syntax import Instruction, Trivia
from rewriter.text import Span
from transforms._shellfix import has_heredoc_redirect, layout

# Shell features that assign variables or define names without being in
# STATE_CHANGING_BUILTINS: their effects would leak into the joined command.
_LEAKING_NODES = frozenset({"function_definition", "for_statement", "c_style_for_statement", "arithmetic_expansion", "expansion"})
_OWN_SHELL = frozenset({"subshell", "command_substitution", "process_substitution"})
_LEAKING_COMMANDS = frozenset({"read", "getopts", "let", "mapfile", "readarray", "printf", "cd", "pushd", "popd"})


def _mergeable(context: FileContext, instruction: Instruction) -> ShellScript | None:
    if instruction.effective is not instruction or instruction.heredocs or instruction.json is not None:
        return None
    script = context.shell(instruction)
    if script is None or script.has_errors or has_heredoc_redirect(script) or not script.statements():
        return None
    return script


def _needs_subshell(script: ShellScript) -> list[str]:
    """Why the first RUN's shell state could leak into the second (empty: it cannot)."""
    reasons = list(script.changes_shell_state())
    for node in walk(script.root, prune=_OWN_SHELL):  # what a subshell sets stays there
        if node.type in _LEAKING_NODES:
            if node.type == "expansion" and "=" not in script.text_of(node):
                continue
            if node.type == "arithmetic_expansion" and "=" not in script.text_of(node).replace("==", ""):
                continue
            reasons.append(node.type.replace("_", " "))
    for command in script.commands:
        if command.name in _LEAKING_COMMANDS and not command.in_subshell:
            reasons.append(command.name or "")
    return sorted(set(reasons))


def _sets_options(script: ShellScript) -> bool:
    return any(c.name in ("set", "shopt") and not c.in_subshell for c in script.commands)


def _has_shell_instruction(context: FileContext, instruction: Instruction) -> bool:
    return context.shell_instruction_before(instruction) is not None


def _between(context: FileContext, first: Instruction, second: Instruction) -> list[Trivia] | None:
    """Comment and blank lines between two instructions (None if anything else is there)."""
    elements = context.document.elements
    positions = context.memo(_between, lambda: {e.index: i for i, e in enumerate(elements) if isinstance(e, Instruction)})
    start, end = positions.get(first.index), positions.get(second.index)
    if start is None or end is None or end <= start:
        return None
    out: list[Trivia] = []
    for element in elements[start + 1 : end]:
        if not isinstance(element, Trivia) or element.kind == "directive":
            return None
        out.append(element)
    return out


@rule(
    "DF216",
    "consecutive-runs",
    summary="consecutive RUN instructions make a layer each",
    applicability=Applicability.UNSAFE,
    hadolint=("DL3059",),
    order=250,
)
def consecutive_runs(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Joins a RUN into the RUN right before it with `&&`, keeping comments
    and the first RUN's continuation style.

    ## Why is this bad?
    Every RUN is a layer: files one RUN deletes stay in the layer of the
    RUN that created them, and each layer costs a snapshot and a pull.

    ## Example
    ```dockerfile
    RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz
    RUN tar -xzf /tmp/tool.tgz -C /usr/local && rm /tmp/tool.tgz
    ```

    Use instead:
    ```dockerfile
    RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz \\
        && tar -xzf /tmp/tool.tgz -C /usr/local && rm /tmp/tool.tgz
    ```

    ## Fix safety
    Unsafe, though the image is the same: joining trades cache granularity
    for layers, so a change to either command reruns both, and a build that
    dockerfix touches must never get slower by default.  (An `apt-get
    update` alone in its RUN is another matter, with a safe fix: DF202.)

    The continuation style is the first RUN's (the second's when the first
    is one line).  The shell does the same thing: the fix is only offered with both RUNs in shell form with
    the same flags, no heredoc, the second one a single statement (wrapped
    in `{ ...; }` if it contains `||`, so that it still runs only after
    the first succeeded).  A first RUN that changes the shell's state (`cd`,
    `export`, variables, `umask`, `trap`, functions, loops, `exit`...) is
    wrapped in a subshell `( ... )`.  Left alone when the first RUN uses
    `set`/`shopt` (a subshell on the left of `&&` ignores `set -e`), when a
    SHELL instruction is in effect, when it starts a background job, or
    when it ends with a comment or `;`.

    When the second RUN starts with the forced removal the first ends with
    (`... && rm -rf /var/lib/apt/lists/*` then `RUN rm -rf
    /var/lib/apt/lists/* && ...`, as after DF205), the joined RUN runs it
    once: run again right after it succeeded, it removes nothing.
    """
    for stage in context.document.stages:
        instructions = stage.instructions
        for first, second in zip(instructions, instructions[1:]):
            if first.name != "RUN" or second.name != "RUN":
                continue
            if tuple(sorted(f.raw for f in first.flags)) != tuple(sorted(f.raw for f in second.flags)):
                continue
            a = _mergeable(context, first)
            b = _mergeable(context, second)
            if a is None or b is None or _has_shell_instruction(context, first):
                continue
            trivia = _between(context, first, second)
            if trivia is None:
                continue
            if any(s.terminator == "&" for s in a.statements()) or any(s.terminator == "&" for s in b.statements()):
                continue  # timid: background jobs
            if len(b.statements()) != 1:
                continue  # timid: `b; c` would run c even when the first RUN failed
            last = a.statements()[-1]
            if a.source.text[last.logical[1] :].strip():
                continue  # timid: a `;` or a comment after the last command
            leaks = _needs_subshell(a)
            if leaks and _sets_options(a):
                continue  # timid: `( set -e; ... ) && b` ignores set -e
            edits = _join_edits(context, first, second, a, b, trivia, wrap_first=bool(leaks))
            message = "RUN right after a RUN: one more layer"
            note = f"the first RUN is wrapped in a subshell because of: {', '.join(leaks)}" if leaks else ""
            yield consecutive_runs.diagnostic(
                message,
                second.keyword.span,
                consecutive_runs.fix(Applicability.UNSAFE, "Join with the RUN before it", *edits),
                note=note,
            )


def _join_edits(
    context: FileContext, first: Instruction, second: Instruction, a: ShellScript, b: ShellScript, trivia: list[Trivia], wrap_first: bool
) -> list[Edit]:
    lay = layout(context, first)
    if not lay.multiline:
        lay = layout(context, second)  # a one-line RUN joined to a continued one takes its style
    escape = context.document.escape
    newline = lay.newline
    indent = lay.indent if lay.multiline else "    "
    comments = "".join(context.slice(t.span) for t in trivia if t.kind == "comment")
    if comments and not comments.endswith("\n"):
        comments += newline
    a_end = a.statements()[-1].span.end
    b_start = b.statements()[0].span.start
    if lay.multiline and not lay.leading:
        glue = f" && {escape}{newline}{comments}{indent}"
    else:
        glue = f" {escape}{newline}{comments}{indent}&& "
    edits: list[Edit] = []
    if wrap_first:
        opener = "( " if a.source.text[a.statements()[0].logical[0] :].startswith("(") else "("
        edits.append(Edit.insert(a.statements()[0].span.start, opener))  # `((` would read as arithmetic
        glue = ")" + glue
    b_chain = b.statements()[0].and_or
    wrap_second = any(op == "||" for _, op in b_chain)
    if wrap_second:
        glue += "{ "
    elif _repeats_last_removal(a, b):
        b_start = b_chain[1][0].start
    edits.append(Edit.replace(Span(a_end, b_start), glue))
    if wrap_second:
        edits.append(Edit.insert(b.statements()[0].span.end, "; }"))
    return edits


def _repeats_last_removal(a: ShellScript, b: ShellScript) -> bool:
    """True if `b` starts with `rm -f` of what `a` removes last, joined with `&&` to more commands:
    right after the same removal succeeded, it removes nothing."""
    a_chain, b_chain = a.statements()[-1].and_or, b.statements()[0].and_or
    if len(b_chain) < 2 or b_chain[1][1] != "&&" or (len(a_chain) > 1 and a_chain[-1][1] != "&&"):
        return False
    last, first = _command_at(a, a_chain[-1][0]), _command_at(b, b_chain[0][0])
    if last is None or first is None or last.name != "rm" or last.assignments or first.assignments:
        return False
    words = [w.value for w in last.words]
    forced = any(w is not None and (w == "--force" or (w.startswith("-") and not w.startswith("--") and "f" in w)) for w in words[1:])
    return forced and None not in words and words == [w.value for w in first.words]


def _command_at(script: ShellScript, span: Span) -> Command | None:
    """The simple command that is the whole of a chain item (None for a pipeline, subshell...)."""
    return next((c for c in script.commands if c.statement_span == span and c.span == span), None)
