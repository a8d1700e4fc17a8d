"""Positions in Dockerfile text, and text that BuildKit sees after joining continuations.

Every node of the syntax tree points into the original text with a `Span`.
BuildKit does not read the physical lines: it joins continuation lines, drops
comment and blank lines inside them, and only then splits keyword, flags and
arguments.  `LogicalText` is that joined text together with a map back to the
physical offsets, so a pass can find a word in the logical text and edit the
exact characters in the file, whatever continuations lie in between.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple


class Span(NamedTuple):
    """Half-open range of character offsets into a document's text."""

    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        """Two spans overlap if they share a character, or insert at the same point."""
        if self.start == self.end or other.start == other.end:
            return self.start <= other.end and other.start <= self.end
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


# Go's unicode.IsSpace, which BuildKit uses to trim lines: Python's str.isspace
# also accepts the information separators U+001C..U+001F, which Go does not.
GO_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def go_lstrip_len(text: str, start: int = 0, end: int | None = None) -> int:
    """Offset of the first non-space character at or after `start`."""
    end = len(text) if end is None else end
    i = start
    while i < end and text[i] in GO_SPACES:
        i += 1
    return i


def go_rstrip_len(text: str, start: int = 0, end: int | None = None) -> int:
    """Offset just past the last non-space character before `end`."""
    end = len(text) if end is None else end
    while end > start and text[end - 1] in GO_SPACES:
        end -= 1
    return end


class Segment(NamedTuple):
    """A run of logical text copied verbatim from the physical text."""

    logical_start: int
    physical_start: int
    length: int


class LogicalText:
    """Text as BuildKit or the shell sees it, with a map to physical offsets.

    The text is the concatenation of `segments`, each a verbatim slice of the
    document; what lies between segments in the file (an escape character and
    line break, a comment line inside a continuation) is invisible here.
    """

    __slots__ = ("text", "segments", "_starts")

    def __init__(self, text: str, segments: tuple[Segment, ...]) -> None:
        self.text = text
        self.segments = segments
        self._starts = tuple(s.logical_start for s in segments)

    def __repr__(self) -> str:
        return f"LogicalText({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LogicalText) and (self.text, self.segments) == (other.text, other.segments)

    def __hash__(self) -> int:
        return hash((self.text, self.segments))

    @staticmethod
    def from_slices(source: str, slices: list[tuple[int, int]]) -> LogicalText:
        parts: list[str] = []
        segments: list[Segment] = []
        logical = 0
        for start, end in slices:
            if end <= start:
                continue
            parts.append(source[start:end])
            segments.append(Segment(logical, start, end - start))
            logical += end - start
        return LogicalText("".join(parts), tuple(segments))

    def __len__(self) -> int:
        return len(self.text)

    def _segment_index(self, offset: int) -> int:
        return max(0, bisect_right(self._starts, offset) - 1)

    def physical(self, offset: int, *, end: bool = False) -> int:
        """Physical offset of logical `offset`.

        At a boundary between two segments, a start position maps to the
        beginning of the next segment and an end position (`end=True`) to the
        end of the previous one, so a span never swallows a continuation it
        does not need.
        """
        segments = self.segments
        if not segments:
            return 0
        if not 0 <= offset <= len(self.text):
            raise IndexError(offset)
        if len(segments) == 1:  # one unbroken slice of the file: a shift
            return segments[0].physical_start + offset
        if end and offset > 0:
            seg = self.segments[self._segment_index(offset - 1)]
            return seg.physical_start + (offset - seg.logical_start)
        seg = self.segments[self._segment_index(offset)]
        if offset - seg.logical_start >= seg.length and seg is self.segments[-1]:
            return seg.physical_start + seg.length
        return seg.physical_start + (offset - seg.logical_start)

    def span(self, start: int, end: int) -> Span:
        """Physical span covering logical characters start..end."""
        if start == end:
            point = self.physical(start)
            return Span(point, point)
        return Span(self.physical(start), self.physical(end, end=True))

    @property
    def physical_span(self) -> Span:
        return self.span(0, len(self.text))

    def slice(self, start: int, end: int) -> LogicalText:
        """The logical sub-text start..end, keeping its map."""
        out: list[Segment] = []
        for seg in self.segments:
            lo = max(start, seg.logical_start)
            hi = min(end, seg.logical_start + seg.length)
            if lo < hi:
                out.append(Segment(lo - start, seg.physical_start + (lo - seg.logical_start), hi - lo))
        return LogicalText(self.text[start:end], tuple(out))

    def is_contiguous(self) -> bool:
        """True when the text is one unbroken slice of the file."""
        return len(self.segments) <= 1


def concat(*parts: LogicalText) -> LogicalText:
    """Join logical texts, shifting their maps."""
    text: list[str] = []
    segments: list[Segment] = []
    offset = 0
    for part in parts:
        text.append(part.text)
        for seg in part.segments:
            segments.append(Segment(seg.logical_start + offset, seg.physical_start, seg.length))
        offset += len(part.text)
    return LogicalText("".join(text), tuple(segments))


class LineIndex:
    """Maps offsets to 1-based line and column numbers."""

    __slots__ = ("_starts",)

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts

    def line(self, offset: int) -> int:
        return bisect_right(self._starts, offset)

    def column(self, offset: int) -> int:
        return offset - self._starts[self.line(offset) - 1] + 1

    def line_start(self, line: int) -> int:
        return self._starts[line - 1]
