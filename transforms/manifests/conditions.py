"""`if [ -f composer.json ]; then composer install; fi`: an install guarded by a test on a file of the project.

The pass evaluates the test from the build context.  Moved before the source copy, the `if` gives the same
answer as after it when the tested file is copied first whenever it exists (it is then added to the files
copied) and is not in the context otherwise.  Only `[ -f X ]`, `[ -e X ]` and `test -f|-e X`, with an
optional `!`, and branches of at most one simple command are read; anything else is left alone.
"""

from __future__ import annotations

from typing import NamedTuple

import tree_sitter

from rewriter.shell import Command, ShellScript
from rewriter.text import Span
from transforms.manifests.common import Project

_TESTS = {"-f": "file", "-e": "exists"}


class Branch(NamedTuple):
    """The branch of an `if` that runs, given the build context."""

    command: Command | None
    """Its one simple command; None for an empty branch (the `if` does nothing)."""
    tested: str
    """The context path the condition tests."""
    holds: bool
    """The condition is true for the build context (so `tested` exists there and must be copied first)."""


def taken_branch(script: ShellScript, span: Span, project: Project) -> Branch | None:
    """The branch the `if` statement at `span` runs; None when the pass cannot tell or the shape is unknown."""
    node = script.node_at(span, "if_statement")
    if node is None:
        return None
    condition: list[tree_sitter.Node] = []
    then: list[tree_sitter.Node] = []
    otherwise: list[tree_sitter.Node] | None = None
    part = "if"
    for child in node.children:
        if child.type in ("if", ";", "fi", "comment"):
            continue
        if child.type == "then":
            part = "then"
        elif child.type == "elif_clause":
            return None  # timid: several conditions
        elif child.type == "else_clause":
            otherwise = [c for c in child.named_children if c.type != "comment"]
        elif part == "if":
            condition.append(child)
        else:
            then.append(child)
    test = _file_test(script, condition)
    if test is None:
        return None
    kind, path, negated = test
    tested = project.context_path(path)
    if tested is None or tested == "":
        return None  # timid: a file the copy does not bring; the image decides
    present = project.is_file(tested) if kind == "file" else project.exists(tested)
    holds = present != negated
    body = then if holds else (otherwise or [])
    if len(body) > 1 or (body and body[0].type != "command"):
        return None  # timid: several commands, a pipeline or another compound in the branch
    command = next((c for c in script.commands if body and c.span == script.span(body[0])), None)
    if body and command is None:
        return None
    return Branch(command, tested, present)


def _file_test(script: ShellScript, condition: list[tree_sitter.Node]) -> tuple[str, str, bool] | None:
    """(`file` or `exists`, the path, negated) for `[ -f X ]`, `[ ! -e X ]`, `test -f X`; None otherwise."""
    if len(condition) != 1:
        return None
    node = condition[0]
    words: list[str]
    if node.type == "test_command" and script.text_of(node).startswith("[ "):
        inner = [c for c in node.named_children]
        if len(inner) != 1:
            return None
        words = _words(script, inner[0])
    elif node.type == "command":
        found = next((c for c in script.commands if c.span == script.span(node)), None)
        if found is None or found.name != "test" or any(v is None for v in found.arg_values()):
            return None
        words = [v for v in found.arg_values() if v is not None]
    else:
        return None
    negated = bool(words) and words[0] == "!"
    words = words[1:] if negated else words
    if len(words) != 2 or words[0] not in _TESTS:
        return None
    return _TESTS[words[0]], words[1], negated


def _words(script: ShellScript, node: tree_sitter.Node) -> list[str]:
    """The words of a test expression (`! -f x`), or [] when one is not a plain word."""
    if node.type == "unary_expression":
        parts = [c for c in node.children]
        out: list[str] = []
        for part in parts:
            if part.type == "unary_expression":
                out.extend(_words(script, part))
            elif part.type in ("test_operator", "!", "word"):
                out.append(script.text_of(part))
            else:
                return []
        return out
    return []
