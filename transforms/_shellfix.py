"""Edits on the shell of a RUN that keep its layout and its meaning.

Shared by the package-manager passes (DF2xx): append a command at the end of
a RUN in the style its author used (`&& \\` at line ends or `&&` at line
starts, the same indentation, the escape character, CRLF), delete one
element of an `&&` chain, find the `&&` chain a command belongs to, and read
the facts of `package_caches.toml`.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, NamedTuple

from rewriter.context import FileContext, load_data
from rewriter.rules import Edit
from rewriter.shell import Command, ShellScript, Statement, walk
from rewriter.syntax import Instruction, Stage, heredoc_name, split_image
from rewriter.text import Span
from rewriter.variables import parent_stage, resolve_image


def facts() -> dict[str, Any]:
    return load_data("package_caches")


# -- layout ---------------------------------------------------------------------


class Layout(NamedTuple):
    """How the author wrote a RUN across lines."""

    escape: str
    newline: str
    multiline: bool
    leading: bool
    """Operators begin continuation lines (`    && b`) rather than end them (`a && \\`)."""
    indent: str


_STDOUT_DOWNLOAD = {"curl": ("-o", "--output", "-O", "--remote-name", "--remote-name-all"), "wget": ()}
"""Downloaders, with the curl options that send the download to a file instead of standard output."""


def stdout_url(command: Command) -> str | None:
    """The URL a `curl`/`wget` command writes to standard output; None for anything else."""
    values = command.arg_values()
    if command.name not in _STDOUT_DOWNLOAD or any(v is None for v in values):
        return None
    words = [v for v in values if v is not None]
    if command.name == "wget":
        pairs = list(zip(words, [*words[1:], ""]))
        if not any(w in ("-O-", "-qO-") or (w in ("-O", "-qO") and after == "-") for w, after in pairs):
            return None  # wget writes a file unless told `-O -`
    elif any(w in _STDOUT_DOWNLOAD["curl"] or w.startswith(("--output=", "-o")) for w in words if w.startswith("-")):
        return None
    urls = [w for w in words if w.startswith(("https://", "http://"))]
    return urls[0].rstrip("/") if len(urls) == 1 else None


def is_heredoc_script(instruction: Instruction) -> bool:
    """True for `RUN <<EOF` whose body is the script (what `shell_source` reads as the shell source)."""
    ins = instruction.effective
    return bool(ins.heredocs) and heredoc_name(ins.args.text) is not None


_OPERATORS = ("&&", "||", ";", "|")


def layout(context: FileContext, instruction: Instruction) -> Layout:
    """Read the continuation style of a RUN from its physical lines (the majority wins)."""
    text = context.text[instruction.span.start : instruction.header_end]
    escape = context.document.escape
    lines = text.split("\n")
    newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") or context.text[instruction.header_end : instruction.header_end + 2] == "\r\n" else "\n"
    leading = trailing = 0
    indents: list[str] = []
    for line in lines[1:]:
        body = line.rstrip("\r")
        stripped = body.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        indents.append(body[: len(body) - len(stripped)])
        if stripped.startswith(_OPERATORS):
            leading += 1
    for line in lines[:-1]:
        body = line.rstrip("\r").rstrip(" \t")
        if body.endswith(escape):
            body = body[:-1].rstrip(" \t")
        if body.endswith(_OPERATORS):
            trailing += 1
    indent = indents[-1] if indents else "    "
    if leading and indents:
        op_lines = [line for line in lines[1:] if line.lstrip(" \t").startswith(_OPERATORS)]
        stripped = op_lines[-1].lstrip(" \t")
        indent = op_lines[-1][: len(op_lines[-1]) - len(stripped)]
    return Layout(escape, newline, len(lines) > 1, leading > trailing, indent)


def joiner(lay: Layout, operator: str = "&&") -> str:
    """Text that continues a RUN with `operator` and a new command, in its layout."""
    if not lay.multiline:
        return f" {operator} "
    if lay.leading:
        return f" {lay.escape}{lay.newline}{lay.indent}{operator} "
    return f" {operator} {lay.escape}{lay.newline}{lay.indent}"


# -- structure --------------------------------------------------------------------


class Item(NamedTuple):
    """One element of an `&&`/`||` chain: its span, the operator before it, its command if simple."""

    span: Span
    operator: str
    command: Command | None


def chains(script: ShellScript) -> list[tuple[Statement, list[Item]]]:
    """Top-level statements with their chain elements (simple commands resolved)."""
    by_span = {c.statement_span: c for c in script.commands if c.parent in ("", "list", "redirected_statement")}
    out = []
    for statement in script.statements():
        items = [Item(span, op, by_span.get(span)) for span, op in statement.and_or]
        out.append((statement, items))
    return out


def has_heredoc_redirect(script: ShellScript) -> bool:
    return any(node.type == "heredoc_redirect" for node in walk(script.root))


def append_command(context: FileContext, instruction: Instruction, script: ShellScript, command: str) -> Edit | None:
    """`&& command` after the last statement, so it runs only if that succeeded.

    The exit status of the RUN stays the same: `a; b && c` fails when b does,
    and c's success gives b's.  None when there is no sound place (a
    background job, an `exit` or a heredoc at the end, a parse error).
    """
    if script.has_errors:
        return None  # timid: the shell would not parse as we read it
    statements = script.statements()
    if not statements:
        return None
    last = statements[-1]
    if last.terminator == "&":
        return None  # timid: the script ends with a background job
    node = _node_at(script, last)
    if node is None or node.type in ("function_definition", "comment"):
        return None
    if not is_heredoc_script(instruction) and has_heredoc_redirect(script):
        return None  # timid: the statement's text runs on past the heredoc body
    tail = [c for c in script.commands if last.span.start <= c.span.start and c.span.end <= last.span.end]
    if tail and tail[-1].name in ("exit", "exec"):
        return None
    if is_heredoc_script(instruction):
        return Edit.insert(last.span.end, f" && {command}")
    lay = layout(context, instruction)
    if lay.multiline and not lay.leading:
        # `a && \` style: the new command lines up with the command it follows.
        item_start = last.and_or[-1][0].start
        line_start = context.text.rfind("\n", 0, item_start) + 1
        if line_start > instruction.span.start:
            prefix = context.text[line_start:item_start]
            indent = prefix[: len(prefix) - len(prefix.lstrip(" \t"))]
            if indent:
                lay = Layout(lay.escape, lay.newline, True, False, indent)
    return Edit.insert(last.span.end, joiner(lay) + command)


def _node_at(script: ShellScript, statement: Statement):  # type: ignore[no-untyped-def]
    for child in script.root.named_children:
        if script.logical(child) == statement.logical:
            return child
    return None


def delete_item(items: list[Item], k: int) -> Edit | None:
    """Delete element k of an `&&` chain (with its operator); None if that changes the logic."""
    if len(items) < 2:
        return None
    if k == 0:
        if items[1].operator != "&&":
            return None
        return Edit.delete(Span(items[0].span.start, items[1].span.start))
    if items[k].operator != "&&" or (k + 1 < len(items) and items[k + 1].operator != "&&"):
        return None
    return Edit.delete(Span(items[k - 1].span.end, items[k].span.end))


# -- the stage around a RUN ------------------------------------------------------


def later_runs(context: FileContext, instruction: Instruction) -> Iterator[Instruction]:
    """RUNs after `instruction` in its stage and in every stage built FROM it."""
    stage = context.stage(instruction)
    if stage is None:
        return
    yield from (i for i in stage.instructions if i.name == "RUN" and i.index > instruction.index)
    for child in descendant_stages(context, stage):
        yield from (i for i in child.instructions if i.name == "RUN")


def descendant_stages(context: FileContext, stage: Stage) -> list[Stage]:
    out: list[Stage] = []
    names = {stage.name, str(stage.index)}
    for other in context.document.stages[stage.index + 1 :]:
        if other.image in names:
            out.append(other)
            names |= {other.name, str(other.index)}
    return out


def earlier_runs(context: FileContext, instruction: Instruction) -> Iterator[Instruction]:
    stage = context.stage(instruction)
    if stage is None:
        return
    yield from (i for i in stage.instructions if i.name == "RUN" and i.index < instruction.index)


def base_image_name(context: FileContext, instruction: Instruction) -> str | None:
    """The image a stage starts from, without registry, tag or digest; stages FROM stages followed."""
    found = base_image(context, instruction)
    return None if found is None else found[0]


def base_image(context: FileContext, instruction: Instruction) -> tuple[str, str] | None:
    """(name, tag) of the image a stage starts from; stages FROM stages followed."""
    stage = context.stage(instruction)
    seen = 0
    while stage is not None and seen < 50:
        seen += 1
        parent = parent_stage(context.document, stage)
        if parent is not None:
            stage = parent
            continue
        return split_image(resolve_image(context.document, stage) or stage.image)
    return None


def root_image(name: str) -> bool:
    """True for an image (named as `split_image` names it) known to run as root: it sets no USER
    (`[root_images]` of base_images.toml)."""
    return name in load_data("base_images")["root_images"]["images"]


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


def has_cache_mount(instruction: Instruction, target: str | None = None) -> bool:
    for flag in instruction.effective.flags:
        if flag.name == "mount" and flag.value and "type=cache" in flag.value:
            if target is None or any(p in (f"target={target}", f"dst={target}", f"destination={target}") for p in flag.value.split(",")):
                return True
    return False


def mount_edit(context: FileContext, instruction: Instruction, targets: list[str], sharing: str | None) -> Edit:
    """`--mount=type=cache,...` flags inserted right after `RUN `."""
    ins = instruction.effective
    flags = " ".join(
        f"--mount=type=cache,target={t}" + (f",sharing={sharing}" if sharing else "") for t in targets
    )
    return Edit.insert(ins.keyword.span.end, " " + flags)


def syntax_edit(context: FileContext) -> Edit | None:
    """`# syntax=docker/dockerfile:1` at the top, for RUN --mount; None if a syntax directive exists."""
    if context.document.directive("syntax") is not None:
        return None
    newline = "\r\n" if "\r\n" in context.text[:200] else "\n"
    return Edit.insert(0, f"# syntax=docker/dockerfile:1{newline}")
