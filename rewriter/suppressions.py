"""Inline suppressions: `# dockerfix: ignore[...]`, and hadolint's pragmas honoured.

Dockerfile comments are whole lines, so a suppression sits in the comment
block right above an instruction (or on a comment line inside its
continuation), and applies to that instruction:

    # dockerfix: ignore[DF201]        one rule (or a prefix: DF2)
    # dockerfix: ignore               every rule
    # hadolint ignore=DL3042,DL3008   the dockerfix rules that fix those hadolint rules

and anywhere in the file, for the whole file:

    # dockerfix: ignore-file[DF3]
    # hadolint global ignore=DL3006
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Iterable

from rewriter.rules import Diagnostic, Rule
from rewriter.syntax import Document, Instruction, Trivia

_OURS = re.compile(r"#\s*dockerfix:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?", re.I)
_HADOLINT = re.compile(r"#\s*hadolint\s+(global\s+)?ignore\s*=\s*([\w,\s]+)", re.I)
EVERYTHING = "*"


class Suppressions:
    def __init__(self, document: Document, rules: Iterable[Rule]) -> None:
        self._by_hadolint: dict[str, set[str]] = {}
        for rule in rules:
            for code in rule.hadolint:
                self._by_hadolint.setdefault(code.upper(), set()).add(rule.code)
        self.file: set[str] = set()
        self.instruction: dict[int, set[str]] = {}
        pending: set[str] = set()
        text = document.text
        for element in document.elements:
            if isinstance(element, Trivia):
                if element.kind == "blank":
                    pending = set()
                    continue
                codes, whole_file = self._parse(text[element.span.start : element.span.end])
                (self.file if whole_file else pending).update(codes)
                continue
            codes = set(pending)
            for line in _comment_lines(text, element):
                found, whole_file = self._parse(line)
                (self.file if whole_file else codes).update(found)
            if codes:
                self.instruction[element.index] = codes
            pending = set()
        self._instructions = document.instructions
        self._starts = [i.span.start for i in document.instructions]

    def _parse(self, line: str) -> tuple[set[str], bool]:
        stripped = line.strip()
        m = _OURS.match(stripped)
        if m:
            codes = {c.strip().upper() for c in (m.group(2) or "").split(",") if c.strip()} or {EVERYTHING}
            return codes, m.group(1).lower() == "ignore-file"
        m = _HADOLINT.match(stripped)
        if m:
            codes: set[str] = set()
            for code in re.split(r"[,\s]+", m.group(2).strip()):
                codes |= self._by_hadolint.get(code.upper(), set())
            return codes, bool(m.group(1))
        return set(), False

    def suppressed(self, diagnostic: Diagnostic) -> bool:
        if _matches(diagnostic.rule, self.file):
            return True
        # Instructions are disjoint and in order: the one holding the diagnostic is found by bisection.
        at = diagnostic.span.start
        i = bisect_right(self._starts, at) - 1
        if i < 0:
            return False
        span = self._instructions[i].span
        if span.start <= at < span.end or span.start == at == span.end:
            return _matches(diagnostic.rule, self.instruction.get(self._instructions[i].index, set()))
        return False


def _matches(code: str, selectors: set[str]) -> bool:
    return any(s == EVERYTHING or code.startswith(s) for s in selectors)


def _comment_lines(text: str, instruction: Instruction) -> list[str]:
    """Comment lines inside an instruction's continuation (BuildKit drops them)."""
    body = text[instruction.span.start : instruction.span.end]
    if "#" not in body or instruction.heredocs:
        return []
    lines = body.split("\n")[1:]
    return [line for line in lines if line.lstrip().startswith("#")]
