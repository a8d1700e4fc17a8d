"""ARG and ENV: what a word like `${APP_HOME:-/app}` means at a given instruction.

BuildKit expands variables in FROM, COPY, ADD, WORKDIR, ENV, ARG and a few
more with its own small shell-word lexer (frontend/dockerfile/shell/lex.go).
A pass that must know where `COPY . $APP_HOME` copies to asks `expand`; the
answer is None whenever it depends on something the file does not say (an
ENV of the base image, a --build-arg), so the pass can decline instead of
guessing.
"""

from __future__ import annotations

from typing import Mapping

from rewriter.syntax import Document, Instruction, Stage, parse_words


def expand(word: str, env: Mapping[str, str | None], escape: str = "\\") -> str | None:
    """Expand quotes, escapes and variables in one word; None if the result is not known."""
    out: list[str] = []
    i, n = 0, len(word)
    quote = ""
    while i < n:
        ch = word[i]
        if quote == "'":
            if ch == "'":
                quote = ""
            else:
                out.append(ch)
            i += 1
            continue
        if ch == escape and i + 1 < n and (quote != '"' or word[i + 1] in ('"', "$", escape)):
            out.append(word[i + 1])
            i += 2
            continue
        if ch in "'\"" and (not quote or quote == ch):
            quote = "" if quote else ch
            i += 1
            continue
        if ch == "$":
            value, i = _dollar(word, i, env, escape)
            if value is None:
                return None
            out.append(value)
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _dollar(word: str, i: int, env: Mapping[str, str | None], escape: str) -> tuple[str | None, int]:
    n = len(word)
    if i + 1 >= n:
        return "$", i + 1
    if word[i + 1] == "{":
        close = _matching_brace(word, i + 2)
        if close < 0:
            return None, n
        body = word[i + 2 : close]
        name_end = 0
        while name_end < len(body) and (body[name_end].isalnum() or body[name_end] == "_"):
            name_end += 1
        name, op = body[:name_end], body[name_end:]
        value = env.get(name)
        known = name in env and value is not None
        if not op:
            return (value if known else None), close + 1
        for prefix in (":-", ":+", "-", "+"):
            if op.startswith(prefix):
                alt = expand(op[len(prefix) :], env, escape)
                is_set = known and (bool(value) or not prefix.startswith(":"))
                if name in env and value is None:
                    return None, close + 1
                if prefix.endswith("-"):
                    return (value if is_set else alt), close + 1
                return (alt if is_set else ""), close + 1
        return None, close + 1
    j = i + 1
    while j < n and (word[j].isalnum() or word[j] == "_"):
        j += 1
    if j == i + 1:
        return "$", i + 1
    name = word[i + 1 : j]
    value = env.get(name)
    return value, j


def _matching_brace(word: str, start: int) -> int:
    depth = 1
    for k in range(start, len(word)):
        if word[k] == "{":
            depth += 1
        elif word[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return -1


def assignments(instruction: Instruction, escape: str) -> list[tuple[str, str | None]]:
    """The (name, raw value) pairs of an ARG, ENV or LABEL; value None for a bare `ARG name`."""
    text = instruction.args.text
    words = parse_words(text, escape)
    if not words:
        return []
    if instruction.name != "ARG" and "=" not in words[0]:
        name, _, value = text.strip().partition(" ")
        return [(name, value.strip())]
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        name, eq, value = word.partition("=")
        pairs.append((name, value if eq else None))
    return pairs


def global_args(document: Document) -> dict[str, str | None]:
    """ARGs declared before the first FROM, with their defaults expanded."""
    env: dict[str, str | None] = {}
    for ins in document.global_args:
        for name, raw in assignments(ins, document.escape):
            env[name] = expand(raw, env, document.escape) if raw is not None else None
    return env


class Environments:
    """The variables visible at every instruction of a file, from one walk over its stages.

    Instructions between two ARG/ENV share one dict (read it, never change
    it), and a stage FROM an earlier stage starts from that stage's end, so a
    file costs its length once, however many passes ask and however long the
    chain of stages is.
    """

    def __init__(self, document: Document) -> None:
        self._before: dict[int, dict[str, str | None]] = {}
        self._after: dict[int, dict[str, str | None]] = {}
        from_env = global_args(document)
        escape = document.escape
        for stage in document.stages:  # a parent stage always comes first
            parent = document.stage_named(stage.image) if stage.image else None
            env = self._after[parent.index] if parent is not None and parent.index < stage.index else {}
            self._before[stage.from_.index] = env
            for ins in stage.instructions:
                self._before[ins.index] = env
                if ins.name == "ARG":
                    env = dict(env)
                    for name, raw in assignments(ins, escape):
                        env[name] = expand(raw, env, escape) if raw is not None else from_env.get(name)
                elif ins.name == "ENV":
                    env = dict(env)
                    for name, raw in assignments(ins, escape):
                        env[name] = expand(raw or "", env, escape)
            self._after[stage.index] = env

    def before(self, instruction: Instruction) -> Mapping[str, str | None]:
        """What `instruction` sees (empty outside a stage)."""
        return self._before.get(instruction.index, {})

    def after(self, stage: Stage) -> Mapping[str, str | None]:
        """What the stage's image ends with, as far as the file says."""
        return self._after[stage.index]


def resolve_image(document: Document, stage: Stage) -> str | None:
    """The FROM image with global ARG defaults applied; None if it depends on an unknown value."""
    return expand(stage.image, global_args(document), document.escape)


def parent_stage(document: Document, stage: Stage) -> Stage | None:
    """The earlier stage a FROM names, as written or with global ARG defaults applied (`FROM base-${VARIANT}`).

    BuildKit expands the FROM before it looks the name up among the stages.
    """
    if not stage.image:
        return None
    found = document.stage_named(stage.image)
    if found is None and "$" in stage.image:
        resolved = resolve_image(document, stage)
        found = document.stage_named(resolved) if resolved else None
    return found if found is not None and found.index < stage.index else None
