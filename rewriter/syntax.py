"""Lossless Dockerfile syntax tree.

`parse` follows BuildKit's parser (moby/buildkit, frontend/dockerfile/parser)
step by step: the same line splitting, the same parser-directive rules, the
same continuation regular expression, comment and blank-line skipping inside
continuations, flag extraction, JSON detection and heredoc discovery.  Where
BuildKit throws text away, the tree keeps a `Span` to it instead: every
character of the file belongs to exactly one element of `Document.elements`
(an instruction with its continuation lines and heredoc bodies, or a line of
trivia), so `Document.render()` gives back the input byte for byte, and a
pass can edit any character it can point at.

Nodes are read-only views; a change is a text edit followed by a new parse
(see `rewriter.edits`).  This keeps one source of truth, the text, as in
ruff, rather than a mutable tree that has to be printed back.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Literal, NamedTuple

from rewriter.text import GO_SPACES, LineIndex, LogicalText, Span, go_lstrip_len, go_rstrip_len

KNOWN_INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
        "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    }
)
_MAYBE_JSON = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL"})
_MAYBE_JSON_LIST = frozenset({"ADD", "COPY", "VOLUME"})
_HEREDOC_INSTRUCTIONS = frozenset({"ADD", "COPY", "RUN"})
_NOT_IN_ONBUILD = frozenset({"ONBUILD", "FROM", "MAINTAINER"})

# BuildKit's `([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`, in two steps: as one
# backtracking regex, a long run of blanks inside the value costs its square.
_DIRECTIVE_NAME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=")
_DIRECTIVE_BLANKS = "\t\n\f\r "
_VALID_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_DOCKER_FRONTENDS = frozenset({"docker/dockerfile", "docker/dockerfile-upstream"})
"""Docker's own Dockerfile frontend images (stable and upstream channels, `-labs` tags included)."""
_HEREDOC_RE = re.compile(r"(\d*)<<(-?)[\t\n\f\r ]*([^<]*)\Z", re.S)
_BUILDKIT_WHITESPACE = "\t\v\f\r "


class DockerfileSyntaxError(Exception):
    """Input BuildKit would reject, or that is not a Dockerfile at all."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


class Trivia(NamedTuple):
    """A physical line that is not part of an instruction."""

    kind: Literal["comment", "blank", "directive"]
    span: Span


class Directive(NamedTuple):
    name: str
    value: str
    span: Span


class Word(NamedTuple):
    """A whitespace-delimited argument as BuildKit splits it (quotes kept)."""

    text: str
    span: Span


class Flag(NamedTuple):
    """A builder flag such as `--mount=type=cache,target=/root/.cache`."""

    name: str
    value: str | None
    raw: str
    span: Span


class Heredoc(NamedTuple):
    name: str
    chomp: bool
    expand: bool
    fd: int
    opener: Span
    body: Span
    terminator: Span
    content: str


class Instruction(NamedTuple):
    """One instruction: its logical line, continuation lines and heredoc bodies."""

    keyword: Word
    flags: tuple[Flag, ...]
    args: LogicalText
    header: LogicalText
    span: Span
    line: int
    end_line: int
    heredocs: tuple[Heredoc, ...] = ()
    json: tuple[str, ...] | None = None
    json_spans: tuple[Span, ...] = ()
    inner: Instruction | None = None
    index: int = -1
    stage: int = -1

    @property
    def name(self) -> str:
        return self.keyword.text.upper()

    @property
    def effective(self) -> Instruction:
        """The instruction that runs: ONBUILD's inner one, or itself."""
        return self.inner if self.inner is not None else self

    def flag(self, name: str) -> Flag | None:
        for f in self.flags:
            if f.name == name:
                return f
        return None

    def words(self) -> tuple[Word, ...]:
        """Arguments split on BuildKit's whitespace; JSON arrays give their decoded elements."""
        if self.json is not None:
            return tuple(Word(v, s) for v, s in zip(self.json, self.json_spans))
        return split_words(self.args)

    @property
    def header_end(self) -> int:
        """Offset just past the last character of the logical line (before its line break)."""
        return self.args.physical_span.end if self.args.text else self.header.physical_span.end


def split_words(text: LogicalText) -> tuple[Word, ...]:
    out: list[Word] = []
    s = text.text
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] in _BUILDKIT_WHITESPACE:
            i += 1
        if i >= n:
            break
        j = i
        while j < n and s[j] not in _BUILDKIT_WHITESPACE:
            j += 1
        out.append(Word(s[i:j], text.span(i, j)))
        i = j
    return tuple(out)


class Stage(NamedTuple):
    index: int
    from_: Instruction
    instructions: tuple[Instruction, ...]
    image: str
    alias: str | None

    @property
    def name(self) -> str:
        return self.alias if self.alias is not None else str(self.index)


class Document(NamedTuple):
    text: str
    bom: bool
    escape: str
    directives: tuple[Directive, ...]
    elements: tuple[Instruction | Trivia, ...]
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    global_args: tuple[Instruction, ...]
    lines: LineIndex
    aliases: dict[str, int]
    """Lower-cased stage name -> index of the first stage so named (read-only)."""

    def render(self) -> bytes:
        """The document's bytes, rebuilt from its elements."""
        body = "".join(self.text[e.span.start : e.span.end] for e in self.elements)
        return (("\ufeff" if self.bom else "") + body).encode("utf-8")

    def directive(self, name: str) -> Directive | None:
        for d in self.directives:
            if d.name == name:
                return d
        return None

    def stage_of(self, instruction: Instruction) -> Stage | None:
        return self.stages[instruction.stage] if instruction.stage >= 0 else None

    def stage_named(self, name: str) -> Stage | None:
        index = self.aliases.get(name.lower())
        if index is not None:
            return self.stages[index]
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        return None

    def slice(self, span: Span) -> str:
        return self.text[span.start : span.end]


def decode(data: bytes) -> tuple[str, bool]:
    """Decode a Dockerfile, refusing what BuildKit could not mean as text."""
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise DockerfileSyntaxError("binary file (contains NUL bytes), not a Dockerfile", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DockerfileSyntaxError(
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); dockerfix only rewrites UTF-8 text",
            line,
        ) from None
    bom = text.startswith("\ufeff")
    return (text[1:] if bom else text), bom


def parse(source: bytes | str, *, strict: bool = True) -> Document:
    """Parse a Dockerfile.

    With `strict` (the default), also refuse what BuildKit's instruction
    parser refuses after its line parser: unknown instructions, a file with no
    FROM, instructions before the first FROM other than ARG.
    """
    if isinstance(source, bytes):
        text, bom = decode(source)
    else:
        bom = source.startswith("\ufeff")
        text = source[1:] if bom else source
    return _Parser(text, bom).run(strict)


class _Parser:
    def __init__(self, text: str, bom: bool) -> None:
        self.text = text
        self.bom = bom
        self.escape = "\\"
        self.lines = _split_lines(text)
        self.directives_done = False
        self.directives: list[Directive] = []

    # -- parser directives -------------------------------------------------
    def _directive(self, start: int, end: int, line: int) -> bool:
        if self.directives_done:
            return False
        content = self.text[start:end]
        if not content.startswith("#"):
            self.directives_done = True
            return False
        parsed = _directive(content[go_lstrip_len(content, 1) :])
        if parsed is None or parsed[0].lower() not in _VALID_DIRECTIVES:
            self.directives_done = True
            return False
        name, value = parsed[0].lower(), parsed[1]
        if any(d.name == name for d in self.directives):
            raise DockerfileSyntaxError(f"only one {name} parser directive can be used", line)
        if name == "escape":
            if value not in ("`", "\\"):
                raise DockerfileSyntaxError(f"invalid escape token '{value}' does not match ` or \\", line)
            self.escape = value
        self.directives.append(Directive(name, value, Span(start, end)))
        return True

    def _continues(self, start: int, end: int) -> tuple[int, bool]:
        """BuildKit's continuation regex: `([^E])E[ \\t]*$|^E[ \\t]*$`."""
        j = end
        text = self.text
        while j > start and text[j - 1] in " \t":
            j -= 1
        if j > start and text[j - 1] == self.escape:
            if j - 1 == start or text[j - 2] != self.escape:
                return j - 1, True
        return end, False

    def _is_comment(self, start: int, end: int) -> bool:
        i = go_lstrip_len(self.text, start, end)
        return i < end and self.text[i] == "#"

    # -- main loop ---------------------------------------------------------
    def run(self, strict: bool) -> Document:
        text, lines = self.text, self.lines
        _check_line_lengths(text, lines)
        elements: list[Instruction | Trivia] = []
        instructions: list[Instruction] = []
        i, n = 0, len(lines)
        while i < n:
            start, cend, end = lines[i]
            lstart = go_lstrip_len(text, start, cend)
            is_directive = self._directive(lstart, cend, i + 1)
            if lstart < cend and text[lstart] == "#":
                elements.append(Trivia("directive" if is_directive else "comment", Span(start, end)))
                i += 1
                continue
            keep, continues = self._continues(lstart, cend)
            if not continues and keep == lstart:
                elements.append(Trivia("blank", Span(start, end)))
                i += 1
                continue
            first = i
            slices = [(lstart, keep)]
            i += 1
            while continues and i < n:
                s2, c2, _ = lines[i]
                i += 1
                if self._is_comment(s2, c2) or go_lstrip_len(text, s2, c2) == c2:
                    continue
                keep, continues = self._continues(s2, c2)
                slices.append((s2, keep))
            header = LogicalText.from_slices(text, slices)
            instruction = self._instruction(header, first + 1, i)
            if instruction.effective.name in _HEREDOC_INSTRUCTIONS and instruction.effective.json is None:
                instruction, i = self._heredocs(instruction, i)
            instruction = _replace(
                instruction, span=Span(lines[first][0], lines[i - 1][2]), end_line=i, index=len(instructions)
            )
            elements.append(instruction)
            instructions.append(instruction)
        if not instructions:
            raise DockerfileSyntaxError("file with no instructions", max(1, n))
        syntax = next((d.value for d in self.directives if d.name == "syntax"), None)
        instructions, stages, global_args = _stages(instructions, strict, other_frontend(syntax))
        it = iter(instructions)
        elements = [next(it) if isinstance(e, Instruction) else e for e in elements]
        return Document(
            text=text,
            bom=self.bom,
            escape=self.escape,
            directives=tuple(self.directives),
            elements=tuple(elements),
            instructions=tuple(instructions),
            stages=stages,
            global_args=global_args,
            lines=LineIndex(text),
            aliases=_aliases(stages),
        )

    # -- one logical line --------------------------------------------------
    def _instruction(self, header: LogicalText, line: int, end_line: int, *, in_onbuild: bool = False) -> Instruction:
        s = header.text
        a = go_lstrip_len(s)
        b = go_rstrip_len(s, a)
        k = a
        while k < b and s[k] not in _BUILDKIT_WHITESPACE:
            k += 1
        keyword = Word(s[a:k], header.span(a, k))
        rest = k
        while rest < b and s[rest] in _BUILDKIT_WHITESPACE:
            rest += 1
        flags, args_start = _builder_flags(header, rest, b, self.escape)
        args_start = go_lstrip_len(s, args_start, b)
        args = header.slice(args_start, go_rstrip_len(s, args_start, b))
        name = keyword.text.upper()
        json_args: tuple[str, ...] | None = None
        json_spans: tuple[Span, ...] = ()
        inner: Instruction | None = None
        if name in _MAYBE_JSON or name in _MAYBE_JSON_LIST:
            if args.text or name in _MAYBE_JSON_LIST:
                json_args, json_spans = _maybe_json(args, line)
        elif name == "HEALTHCHECK":
            words = split_words(args)
            if len(words) > 1:
                sep = args.text.index(words[0].text) + len(words[0].text)
                cmd = args.slice(go_lstrip_len(args.text, sep), len(args.text))
                json_args, json_spans = _maybe_json(cmd, line)
        elif name in ("ENV", "LABEL"):
            _check_name_values(args.text, name, self.escape, line)
        elif name == "ONBUILD" and args.text and not in_onbuild:  # one level: BuildKit refuses ONBUILD ONBUILD
            inner = self._instruction(args, line, end_line, in_onbuild=True)
        return Instruction(
            keyword=keyword,
            flags=flags,
            args=args,
            header=header,
            span=header.physical_span,
            line=line,
            end_line=end_line,
            json=json_args,
            json_spans=json_spans,
            inner=inner,
        )

    # -- heredocs ----------------------------------------------------------
    def _heredocs(self, instruction: Instruction, i: int) -> tuple[Instruction, int]:
        header = instruction.header
        if "<<" not in header.text:
            return instruction, i
        found: list[tuple[str, bool, bool, int, Span]] = []
        for word, ws, we in _heredoc_words(header.text):
            m = _HEREDOC_RE.match(word)
            if not m or not m.group(3):
                continue
            names = _unquoted_words(m.group(3))
            if names is None or len(names) != 1:
                continue
            raw_names = _raw_words(m.group(3))
            name = names[0]
            quotes = name.count("'") + name.count('"')
            raw_quotes = raw_names[0].count("'") + raw_names[0].count('"') if raw_names else quotes
            found.append((name, m.group(2) == "-", quotes == raw_quotes, int(m.group(1) or 0), header.span(ws, we)))
        heredocs: list[Heredoc] = []
        lines, text = self.lines, self.text
        for name, chomp, expand, fd, opener in found:
            body_start = lines[i][0] if i < len(lines) else len(text)
            while True:
                if i >= len(lines):
                    raise DockerfileSyntaxError(f"unterminated heredoc {name}", instruction.line)
                start, _, end = lines[i]
                content = text[start:end].rstrip("\r\n")
                if chomp:
                    content = content.lstrip("\t")
                i += 1
                if content == name:
                    heredocs.append(
                        Heredoc(name, chomp, expand, fd, opener, Span(body_start, start), Span(start, end), text[body_start:start])
                    )
                    break
        if not heredocs:
            return instruction, i
        if instruction.inner is not None:
            return _replace(instruction, inner=_replace(instruction.inner, heredocs=tuple(heredocs))), i
        return _replace(instruction, heredocs=tuple(heredocs)), i


def _replace(instruction: Instruction, **changes: object) -> Instruction:
    return instruction._replace(**changes)  # type: ignore[arg-type]


# BuildKit reads lines with a bufio.Scanner of this many bytes (line break excluded, a CR included).
MAX_LINE_BYTES = 65535


def _check_line_lengths(text: str, lines: list[tuple[int, int, int]]) -> None:
    for number, (start, _, end) in enumerate(lines, 1):
        length = end - start - (1 if text.endswith("\n", 0, end) else 0)
        if length * 4 > MAX_LINE_BYTES and len(text[start : start + length].encode("utf-8")) > MAX_LINE_BYTES:
            raise DockerfileSyntaxError(f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES}", number)


def _split_lines(text: str) -> list[tuple[int, int, int]]:
    """(start, end of content without trailing CR/LF, end including the line break)."""
    out: list[tuple[int, int, int]] = []
    pos, n = 0, len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl == -1 else nl + 1
        cend = end
        while cend > pos and text[cend - 1] in "\r\n":
            cend -= 1
        out.append((pos, cend, end))
        pos = end
    return out


def _builder_flags(header: LogicalText, pos: int, end: int, escape: str) -> tuple[tuple[Flag, ...], int]:
    """BuildKit's extractBuilderFlags, keeping where each flag lies."""
    s = header.text
    flags: list[Flag] = []
    while True:
        while pos < end and s[pos] in GO_SPACES:
            pos += 1
        if pos >= end or not s.startswith("--", pos) or pos + 1 >= end:
            return tuple(flags), pos
        start = pos
        value: list[str] = []
        quote = ""
        while pos < end:
            ch = s[pos]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == escape and pos + 1 < end:
                    pos += 1
                    value.append(s[pos])
                elif ch != escape:
                    value.append(ch)
                pos += 1
                continue
            if ch in GO_SPACES:
                break
            if ch in "'\"":
                quote = ch
            elif ch == escape:
                if pos + 1 < end:
                    pos += 1
                    value.append(s[pos])
            else:
                value.append(ch)
            pos += 1
        word = "".join(value)
        if word == "--":
            return tuple(flags), pos
        body = word[2:]
        name, eq, val = body.partition("=")
        flags.append(Flag(name, val if eq else None, s[start:pos], header.span(start, pos)))


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def _directive(text: str) -> tuple[str, str] | None:
    """(name, value) of a `name=value` directive body, as BuildKit's regular expression reads it."""
    m = _DIRECTIVE_NAME_RE.match(text)
    if m is None:
        return None
    rest = text[m.end() :]
    value = rest.lstrip(_DIRECTIVE_BLANKS).rstrip(_DIRECTIVE_BLANKS)
    if not value:  # only blanks: the lazy group still takes one character, the last
        return (m.group(1), rest[-1]) if rest else None
    return m.group(1), value


# Go's encoding/json refuses JSON nested deeper than this; BuildKit then reads shell form.
GO_JSON_MAX_DEPTH = 10000


def _json_array(text: str) -> object:
    """json.loads as Go's decoder answers: nesting past GO_JSON_MAX_DEPTH is not JSON.

    Python's decoder recurses once per level, so for deep input the recursion
    limit is raised to the depth for the call (Go's bound keeps that finite).
    """
    depth = _json_depth(text)
    if depth > GO_JSON_MAX_DEPTH:
        raise ValueError("nested too deeply")
    limit = sys.getrecursionlimit()
    if depth + 100 > limit:
        sys.setrecursionlimit(depth + 100)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:  # a Python whose C stack has its own, lower limit
        raise ValueError("nested too deeply") from None
    finally:
        sys.setrecursionlimit(limit)


def _json_depth(text: str) -> int:
    """The deepest nesting of [ and { outside JSON strings (an upper bound is enough)."""
    if text.count("[") + text.count("{") < 100:
        return text.count("[") + text.count("{")
    depth = deepest = 0
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def _maybe_json(args: LogicalText, line: int) -> tuple[tuple[str, ...] | None, tuple[Span, ...]]:
    s = args.text
    start = go_lstrip_len(s)
    if not s.startswith("[", start):
        return None, ()
    try:
        value = _json_array(s[start:])
    except ValueError:
        return None, ()
    if not isinstance(value, list):
        return None, ()
    if not all(isinstance(v, str) for v in value):
        raise DockerfileSyntaxError("when using JSON array syntax, arrays must be comprised of strings only", line)
    spans = tuple(args.span(m.start(), m.end()) for m in _JSON_STRING.finditer(s, start))
    return tuple(value), spans if len(spans) == len(value) else ()


def parse_words(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords: split on whitespace, keeping quotes and escapes."""
    words: list[str] = []
    buf: list[str] = []
    in_word = False
    quote = ""
    blank_ok = False
    i, n = 0, len(rest)
    while i < n:
        ch = rest[i]
        if not in_word:
            if ch in GO_SPACES:
                i += 1
                continue
            in_word = True
        if not quote:
            if ch in GO_SPACES:
                if blank_ok or buf:
                    words.append("".join(buf))
                buf, in_word, blank_ok = [], False, False
                i += 1
                continue
            if ch in "'\"":
                quote, blank_ok = ch, True
            if ch == escape:
                if i + 1 == n:
                    i += 1
                    continue
                buf.append(ch)
                i += 1
                ch = rest[i]
            buf.append(ch)
            i += 1
            continue
        if ch == quote:
            quote = ""
        elif ch == escape and quote != "'":
            if i + 1 == n:
                quote = ""
                i += 1
                continue
            buf.append(ch)
            i += 1
            ch = rest[i]
        buf.append(ch)
        i += 1
    if in_word and (blank_ok or buf):
        words.append("".join(buf))
    return words


def _check_name_values(rest: str, key: str, escape: str, line: int) -> None:
    words = parse_words(rest, escape)
    if not words:
        return
    if "=" not in words[0]:
        parts = re.split(r"[\t\v\f\r ]+", rest, maxsplit=1)
        if len(parts) < 2:
            raise DockerfileSyntaxError(f"{key} must have two arguments", line)
        return
    for word in words:
        if "=" not in word:
            raise DockerfileSyntaxError(
                f"Syntax error - can't find = in {json.dumps(word)}. Must be of the form: name=value", line
            )


def _heredoc_words(line: str) -> list[tuple[str, int, int]]:
    """Words of a line as BuildKit's shell lexer splits them to look for heredocs.

    Quotes and escapes are kept raw, `<<` swallows the blanks after it, and an
    unterminated quote makes the lexer give up (no heredocs at all).
    """
    words: list[tuple[str, int, int]] = []
    buf: list[str] = []
    start = -1
    i, n = 0, len(line)

    def flush(at: int) -> None:
        nonlocal buf, start
        if buf:
            words.append(("".join(buf), start, at))
        buf, start = [], -1

    def add(text: str, at: int) -> None:
        nonlocal start
        if start < 0:
            start = at
        buf.append(text)

    while i < n:
        ch = line[i]
        if ch in "'\"":
            j = i + 1
            while j < n and line[j] != ch:
                j += 2 if ch == '"' and line[j] == "\\" and j + 1 < n else 1
            if j >= n:
                return []
            add(line[i : j + 1], i)
            i = j + 1
        elif ch == "<" and line.startswith("<<", i):
            j = i + 2
            while j < n and line[j] in "\t\r ":
                j += 1
            add(line[i:j], i)
            i = j
        elif ch == "\\":
            add(line[i : i + 2], i)
            i += 2
        elif ch in GO_SPACES:
            flush(i)
            i += 1
        else:
            add(ch, i)
            i += 1
    flush(n)
    return words


def heredoc_name(word: str) -> str | None:
    """The delimiter if `word` opens a heredoc for BuildKit (its ParseHeredoc), else None."""
    m = _HEREDOC_RE.match(word)
    names = _unquoted_words(m.group(3)) if m and m.group(3) else None
    return names[0] if names is not None and len(names) == 1 else None


def _unquoted_words(text: str) -> list[str] | None:
    """Shell-lexed words with quotes and escapes removed; None if a quote is open."""
    words: list[str] = []
    buf: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            j = text.find("'", i + 1)
            if j < 0:
                return None
            buf.append(text[i + 1 : j])
            in_word = True
            i = j + 1
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n and text[j + 1] in '"$\\':
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                return None
            in_word = True
            i = j + 1
        elif ch == "\\":
            if i + 1 < n:
                buf.append(text[i + 1])
                in_word = True
            i += 2
        elif ch in GO_SPACES:
            if in_word:
                words.append("".join(buf))
                buf, in_word = [], False
            i += 1
        else:
            buf.append(ch)
            in_word = True
            i += 1
    if in_word:
        words.append("".join(buf))
    return words


def _raw_words(text: str) -> list[str]:
    return [w for w, _, _ in _heredoc_words(text)]


def _aliases(stages: tuple[Stage, ...]) -> dict[str, int]:
    aliases: dict[str, int] = {}
    for stage in stages:
        if stage.alias is not None:
            aliases.setdefault(stage.alias.lower(), stage.index)
    return aliases


def other_frontend(syntax: str | None) -> str | None:
    """The frontend image a `# syntax=` directive names when it is not Docker's own Dockerfile
    frontend: BuildKit then builds with that image, whose syntax (an INCLUDE, say) this parser,
    which follows Docker's, does not know."""
    if not syntax or split_image(syntax)[0] in _DOCKER_FRONTENDS:
        return None
    return syntax


def split_image(reference: str) -> tuple[str, str]:
    """(name, tag) of an image reference: the digest dropped, Docker Hub's `docker.io/` and `library/` too."""
    name = reference.split("@", 1)[0]
    tag = ""
    if ":" in name.rsplit("/", 1)[-1]:
        name, _, tag = name.rpartition(":")
    for prefix in ("docker.io/library/", "library/", "docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name, tag


def _unknown_instruction(keyword: str, line: int, frontend: str | None) -> DockerfileSyntaxError:
    if frontend is None:
        return DockerfileSyntaxError(f"unknown instruction: {keyword}", line)
    return DockerfileSyntaxError(
        f"unknown instruction: {keyword}; the file is written for the frontend {frontend} (its syntax directive), "
        "and dockerfix reads only Docker's own Dockerfile syntax",
        line,
    )


def _stages(
    instructions: list[Instruction], strict: bool, frontend: str | None = None
) -> tuple[list[Instruction], tuple[Stage, ...], tuple[Instruction, ...]]:
    """`frontend`: the other frontend the file names, which an unknown instruction is blamed on."""
    out: list[Instruction] = []
    stages: list[tuple[Instruction, list[Instruction]]] = []
    global_args: list[Instruction] = []
    for ins in instructions:
        name = ins.name
        if strict:
            if name not in KNOWN_INSTRUCTIONS:
                raise _unknown_instruction(ins.keyword.text, ins.line, frontend)
            if name == "ONBUILD" and ins.inner is not None:
                inner = ins.inner.name
                if inner in _NOT_IN_ONBUILD:
                    raise DockerfileSyntaxError(f"{inner} isn't allowed as an ONBUILD trigger", ins.line)
                if inner not in KNOWN_INSTRUCTIONS:
                    raise _unknown_instruction(ins.inner.keyword.text, ins.line, frontend)
        if name == "FROM":
            ins = _replace(ins, stage=len(stages))
            stages.append((ins, []))
        elif stages:
            ins = _replace(ins, stage=len(stages) - 1)
            stages[-1][1].append(ins)
        else:
            if strict and name != "ARG":
                raise DockerfileSyntaxError(
                    f"{ins.keyword.text} before the first FROM: a Dockerfile must begin with FROM (only ARG may come first)",
                    ins.line,
                )
            global_args.append(ins)
        out.append(ins)
    if strict and not stages:
        raise DockerfileSyntaxError("no FROM instruction: a Dockerfile needs at least one stage", instructions[-1].line)
    built: list[Stage] = []
    for index, (from_, body) in enumerate(stages):
        words = from_.words()
        image = words[0].text if words else ""
        alias = words[2].text if len(words) >= 3 and words[1].text.lower() == "as" else None
        built.append(Stage(index, from_, tuple(body), image, alias))
    return out, tuple(built), tuple(global_args)
