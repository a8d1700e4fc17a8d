"""Run the passes, apply their fixes, re-parse, repeat to a fixed point.

As in ruff's fixer: fixes are sorted by position and applied when they do not
overlap one already taken; the others wait for the next round, which runs on
the re-parsed result.  The loop stops when no rule offers an applicable fix.
Output that does not parse is never produced: a round whose result does not
parse is retried fix by fix, and a fix that breaks the file is dropped and
reported as an internal error of its rule.

Diagnostics are reported from the original text, but a fix taken in a later
round may stop another from applying (a merge that puts a RUN in the way of
a reorder).  So the engine follows every original diagnostic through the
rounds (`_Follower`): it knows which ones the output still has, and the
report says exactly what was written.
"""

from __future__ import annotations

import sys
from bisect import bisect_right, insort
from pathlib import Path
from typing import Iterator, NamedTuple

from rewriter.context import BuildContext, FileContext, Settings
from rewriter.rules import Applicability, Diagnostic, Edit, Fix, Rule, select_rules
from rewriter.syntax import Document, DockerfileSyntaxError, parse
from rewriter.text import Span

MAX_ROUNDS = 20


class FixError(Exception):
    """A pass misbehaved (produced invalid output, never converged, or raised)."""


def describe_failure(exc: BaseException) -> str:
    """An exception as one line for a bug report: its type, message and the line that raised it."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        root = Path(__file__).resolve().parent.parent
        filename = Path(frames[-1].filename)
        try:
            filename = filename.relative_to(root)
        except ValueError:
            pass
        where = f" at {filename.as_posix()}:{frames[-1].lineno}"
    message = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}{': ' + message if message else ''}{where}"


class Outcome(NamedTuple):
    """What this run did about one diagnostic of the original text."""

    diagnostic: Diagnostic
    fixed: bool
    """The output no longer has it: its own fix was applied, or another fix removed the problem."""
    applied: bool
    """Its own fix was applied."""
    blocked: bool = False
    """This run could apply its fix, but did not: the fixes made before it left it inapplicable
    (or its fix broke the file).  `left` says why."""
    left: Diagnostic | None = None
    """When not fixed: the same diagnostic as the output has it (positions in the output)."""


class Result:
    """What the engine did to one file.

    `diagnostics` were found in the original text (positions in it);
    `outcomes` say, for each of them in the same order, whether the output
    still has it; `applied` are the fixes taken, over all rounds (positions
    in the text of their round); `output_diagnostics` are the output's own
    (positions in `output_document`).
    """

    def __init__(self, source: bytes, document: Document, settings: Settings) -> None:
        self.source = source
        self.settings = settings
        self.output = source
        self.document = document
        self.diagnostics: list[Diagnostic] = []
        self.applied: list[Diagnostic] = []
        self.outcomes: list[Outcome] = []
        self.output_document = document
        self.output_diagnostics: list[Diagnostic] = []
        self.internal_errors: list[str] = []
        self.created: dict[str, str] = {}
        """Files the applied fixes create (full path to text); none of them existed."""

    @property
    def changed(self) -> bool:
        return self.output != self.source or bool(self.created)

    @property
    def threshold(self) -> Applicability:
        """The least safe fix that this run applies."""
        return _threshold(self.settings)

    def remaining(self) -> list[Outcome]:
        """Diagnostics the output still has (suggestions, unsafe fixes without the flag, fixes that the
        other fixes left inapplicable)."""
        return [o for o in self.outcomes if not o.fixed]

    def written(self) -> list[Outcome]:
        """What the output still has, positions in `output_document` (what `--write` reports): each
        diagnostic that stands for an original one keeps its verdict; the others are findings that only
        the fixes brought (a JDK base image gets the JRE suggestion)."""
        blocked = {id(o.left) for o in self.outcomes if o.blocked}
        return [Outcome(d, False, False, id(d) in blocked, d) for d in self.output_diagnostics]


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (in any order) to text."""
    parts: list[str] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        if edit.span.start < pos:
            raise ValueError("overlapping edits")
        parts.append(text[pos : edit.span.start])
        parts.append(edit.text)
        pos = edit.span.end
    parts.append(text[pos:])
    return "".join(parts)


def map_offset(offset: int, edits: list[Edit], *, end: bool = False) -> int:
    """Where `offset` of a text is once non-overlapping `edits` are applied.  Text inserted at the
    offset comes before it; an offset inside a replaced range goes to the start of its replacement
    (to its end when `end`, so that a span mapped this way covers what replaced it)."""
    return _OffsetMap(edits).map(offset, end=end)


class _OffsetMap:
    """`map_offset` for many offsets through the same edits: sorted once, each offset found by bisection."""

    def __init__(self, edits: list[Edit]) -> None:
        self.edits = sorted(edits, key=lambda e: (e.span.start, e.span.end))
        self.stops = [e.span.end for e in self.edits]
        self.shifts = [0]  # shift after the first k edits
        for edit in self.edits:
            self.shifts.append(self.shifts[-1] + len(edit.text) - (edit.span.end - edit.span.start))

    def map(self, offset: int, *, end: bool = False) -> int:
        from bisect import bisect_left

        k = bisect_left(self.stops, offset)  # edits [0, k) end before the offset
        # Edits ending exactly at the offset (replacements before it, insertions at it) shift it too.
        while k < len(self.edits) and self.edits[k].span.end == offset:
            k += 1
        if k < len(self.edits):
            start, stop = self.edits[k].span
            if start < offset < stop:
                return start + self.shifts[k] + (len(self.edits[k].text) if end else 0)
        return offset + self.shifts[k]


class _Follower:
    """Follows the diagnostics of the original text through the rounds, pass-agnostic.

    A diagnostic is the same in a later round when it has the same rule and
    its span, mapped through the edits made since, overlaps the later one's
    (the nearest is taken); failing that, the same rule and message (the
    instruction moved).  Its fix counts as applied when the same diagnostic's
    fix is taken in some round; when none of the output's diagnostics is the
    same, another fix removed the problem.
    """

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.original = diagnostics
        self.spans = [d.span for d in diagnostics]
        self.applied = [False] * len(diagnostics)

    def find(self, diagnostics: list[Diagnostic]) -> dict[int, Diagnostic]:
        """The diagnostics of the current text that stand for original ones not yet applied, by index."""
        found: dict[int, Diagnostic] = {}
        taken: set[int] = set()
        for candidates in (self._near, self._same_message_pairs):  # every match in place before any by message
            pairs = sorted(
                (self._distance(i, diagnostics[j]), i, j)
                for i, j in candidates(diagnostics, found, taken)
                if not self.applied[i]
            )
            for _, i, j in pairs:  # the closest pairs first
                if i not in found and j not in taken:
                    found[i] = diagnostics[j]
                    taken.add(j)
        return found

    def _near(self, diagnostics: list[Diagnostic], found: dict[int, Diagnostic], taken: set[int]) -> Iterator[tuple[int, int]]:
        """(original, current) pairs of one rule whose spans overlap, found by bisection on the
        originals' starts (linear in the file, where comparing every pair was quadratic)."""
        from bisect import bisect_right

        by_rule: dict[str, list[int]] = {}
        for i, original in enumerate(self.original):
            by_rule.setdefault(original.rule, []).append(i)
        for indices in by_rule.values():
            indices.sort(key=lambda i: self.spans[i].start)
        starts = {rule: [self.spans[i].start for i in indices] for rule, indices in by_rule.items()}
        longest = {rule: max(self.spans[i].end - self.spans[i].start for i in indices) for rule, indices in by_rule.items()}
        for j, diagnostic in enumerate(diagnostics):
            indices = by_rule.get(diagnostic.rule)
            if not indices:
                continue
            span = diagnostic.span
            k = bisect_right(starts[diagnostic.rule], span.end)  # originals starting after it cannot overlap
            while k > 0 and starts[diagnostic.rule][k - 1] >= span.start - longest[diagnostic.rule]:
                k -= 1
                if span.overlaps(self.spans[indices[k]]) and indices[k] not in found and j not in taken:
                    yield indices[k], j

    def _same_message_pairs(self, diagnostics: list[Diagnostic], found: dict[int, Diagnostic], taken: set[int]) -> Iterator[tuple[int, int]]:
        """(original, current) pairs of one rule and message, among those not matched in place."""
        by_message: dict[tuple[str, str], list[int]] = {}
        for i, original in enumerate(self.original):
            if i not in found and not self.applied[i]:
                by_message.setdefault((original.rule, original.message), []).append(i)
        for j, diagnostic in enumerate(diagnostics):
            if j not in taken:
                for i in by_message.get((diagnostic.rule, diagnostic.message), ()):
                    yield i, j

    def _distance(self, i: int, diagnostic: Diagnostic) -> int:
        span = self.spans[i]
        return abs(diagnostic.span.start - span.start) + abs(diagnostic.span.end - span.end)

    def round(self, found: dict[int, Diagnostic], chosen: list[tuple[Diagnostic, Fix]]) -> None:
        """Record the fixes taken this round, and map the remaining spans into the new text."""
        taken = {id(d) for d, _ in chosen}
        offsets = _OffsetMap([e for _, fix in chosen for e in fix.edits])
        for i, span in enumerate(self.spans):
            if i in found and id(found[i]) in taken:
                self.applied[i] = True
            elif not self.applied[i]:
                self.spans[i] = Span(offsets.map(span.start), offsets.map(span.end, end=True))

    def outcomes(self, final: dict[int, Diagnostic], threshold: Applicability) -> list[Outcome]:
        """Given the output's diagnostics that stand for original ones (`find`)."""
        outcomes = []
        for i, diagnostic in enumerate(self.original):
            fixed = self.applied[i] or i not in final
            blocked = not fixed and diagnostic.fix is not None and diagnostic.fix.applicability >= threshold
            outcomes.append(Outcome(diagnostic, fixed, self.applied[i], blocked, final.get(i)))
        return outcomes


def check(context: FileContext, rules: list[Rule]) -> list[Diagnostic]:
    """Every rule's diagnostics, less those the file suppresses inline."""
    from rewriter.suppressions import Suppressions

    diagnostics: list[Diagnostic] = []
    for rule in rules:
        try:
            diagnostics.extend(rule.check(context))
        except Exception as exc:  # noqa: BLE001 - a pass's bug is one line about the file, never a traceback
            raise FixError(f"{rule.code} raised {describe_failure(exc)}") from exc
    promoted = context.settings.extend_safe_fixes
    if promoted:
        diagnostics = [_promote(d) if d.rule.startswith(promoted) else d for d in diagnostics]
    if diagnostics and "ignore" in context.text:
        suppressions = Suppressions(context.document, rules)
        diagnostics = [d for d in diagnostics if not suppressions.suppressed(d)]
    return diagnostics


def _promote(diagnostic: Diagnostic) -> Diagnostic:
    """An unsafe fix the settings trust (`extend_safe_fixes`) is applied and reported as a safe one."""
    fix = diagnostic.fix
    if fix is None or fix.applicability != Applicability.UNSAFE:
        return diagnostic
    return diagnostic._replace(fix=fix._replace(applicability=Applicability.SAFE))


def _threshold(settings: Settings) -> Applicability:
    return Applicability.UNSAFE if settings.unsafe_fixes else Applicability.SAFE


def _self_consistent(fix: Fix) -> bool:
    """A fix's own edits may touch (delete up to a point, insert at it) but not share characters."""
    edits = sorted(fix.edits, key=lambda e: (e.span.start, e.span.end))
    for a, b in zip(edits, edits[1:]):
        if b.span.start < a.span.end or (a.span == b.span and a.span.start == a.span.end):
            return False
    return True


class _TakenSpans:
    """Spans of the edits taken this round, sorted, for overlap questions in O(log n).

    Taken spans never share a character (a fix's own edits may only touch),
    so sorted by (start, end) their ends rise too: the spans that can overlap
    a new one are the few just before where it would go.
    """

    def __init__(self) -> None:
        self._spans: list[Span] = []

    def overlaps(self, span: Span) -> bool:
        i = bisect_right(self._spans, (span.end, sys.maxsize))
        while i > 0:
            i -= 1
            taken = self._spans[i]
            if taken.end < span.start:
                return False
            if taken.overlaps(span):
                return True
        return False

    def add(self, span: Span) -> None:
        insort(self._spans, span)


def _non_overlapping(fixes: list[tuple[Diagnostic, Fix]], result: Result) -> list[tuple[Diagnostic, Fix]]:
    """Fixes to apply this round.  Fixes of different diagnostics must not even touch:
    which would come first is not defined, so the later one waits for the next round."""
    taken: list[tuple[Diagnostic, Fix]] = []
    taken_spans = _TakenSpans()
    for diagnostic, fix in fixes:
        if not _self_consistent(fix):
            result.internal_errors.append(f"{diagnostic.rule}: its fix has overlapping edits; skipped")
            continue
        if any(taken_spans.overlaps(e.span) for e in fix.edits):
            continue
        taken.append((diagnostic, fix))
        for edit in fix.edits:
            taken_spans.add(edit.span)
    return taken


def _render(document: Document, text: str) -> bytes:
    return (("\ufeff" if document.bom else "") + text).encode("utf-8")


def fix_source(
    source: bytes,
    *,
    path: str = "Dockerfile",
    settings: Settings | None = None,
    context_dir: Path | None = None,
    dockerfile_path: Path | None = None,
    rules: list[Rule] | None = None,
) -> Result:
    """Parse, check and fix one Dockerfile.

    Raises DockerfileSyntaxError for bad input and FixError for anything else
    that goes wrong, so that a caller reports one line for the file.
    """
    try:
        return _fix_source(source, path, settings or Settings(), context_dir, dockerfile_path, rules)
    except (DockerfileSyntaxError, FixError):
        raise
    except Exception as exc:  # noqa: BLE001 - see above
        raise FixError(describe_failure(exc)) from exc


def _fix_source(
    source: bytes,
    path: str,
    settings: Settings,
    context_dir: Path | None,
    dockerfile_path: Path | None,
    rules: list[Rule] | None,
) -> Result:
    rules = rules if rules is not None else select_rules(settings.select, settings.ignore)
    build_context = BuildContext(context_dir, dockerfile_path) if context_dir is not None else None
    document = parse(source)
    threshold = _threshold(settings)
    order = {rule.code: rule.order for rule in rules}
    result = Result(source, document, settings)
    text = document.text
    follower = _Follower([])
    for round_ in range(MAX_ROUNDS):
        context = FileContext(document, path=path, settings=settings, build_context=build_context)
        diagnostics = check(context, rules)
        if round_ == 0:
            result.diagnostics = sorted(diagnostics, key=lambda d: (d.span.start, d.rule))
            follower = _Follower(result.diagnostics)
        found = follower.find(diagnostics)
        applicable = [(d, d.fix) for d in diagnostics if d.fix is not None and d.fix.applicability >= threshold]
        if not applicable:
            break
        # Passes run in order: a later pass (say, the multi-stage split) only
        # fixes once every earlier pass is done, so it sees the finished stage.
        first = min(order[d.rule] for d, _ in applicable)
        fixes = sorted(
            ((d, f) for d, f in applicable if order[d.rule] == first),
            key=lambda pair: (pair[1].span.start, pair[1].span.end),
        )
        chosen = _non_overlapping(fixes, result)
        if not chosen:
            break
        new_text = apply_edits(text, [e for _, fix in chosen for e in fix.edits])
        try:
            new_document = parse(new_text)
        except DockerfileSyntaxError:
            new_text, new_document, chosen = _apply_one_by_one(text, chosen, result)
            if new_document is None:
                break
        created = _created(chosen, result)
        if new_text == text and not created:
            break
        result.applied.extend(d for d, _ in chosen)
        follower.round(found, chosen)
        text, document = new_text, new_document
        if created:
            result.created.update(created)
            # Later rounds see the build as it will be once the files are written.
            build_context = BuildContext(context_dir, dockerfile_path, result.created) if context_dir is not None else None
    else:
        codes = sorted({d.rule for d in result.applied[-10:]})
        raise FixError(f"fixes did not converge after {MAX_ROUNDS} rounds (rules {', '.join(codes)})")
    result.outcomes = follower.outcomes(found, threshold)
    result.output_document = document
    result.output_diagnostics = sorted(diagnostics, key=lambda d: (d.span.start, d.rule))
    # The BOM is outside the text the passes see: keep the original's.
    result.output = _render(result.document, text) if text != result.document.text else source
    return result


def _created(chosen: list[tuple[Diagnostic, Fix]], result: Result) -> dict[str, str]:
    """The files the chosen fixes create.  A file that exists, or that an
    earlier fix of this run created, is never replaced: that is a pass's bug."""
    import os

    created: dict[str, str] = {}
    for diagnostic, fix in chosen:
        for new in fix.creates:
            if new.path in result.created or new.path in created or os.path.lexists(new.path):
                result.internal_errors.append(f"{diagnostic.rule}: its fix would replace {new.path}; skipped")
                continue
            created[new.path] = new.text
    return created


def _apply_one_by_one(
    text: str, chosen: list[tuple[Diagnostic, Fix]], result: Result
) -> tuple[str, Document | None, list[tuple[Diagnostic, Fix]]]:
    kept: list[tuple[Diagnostic, Fix]] = []
    document: Document | None = None
    current = text
    for diagnostic, fix in chosen:
        candidate = apply_edits(text, [e for _, f in kept for e in f.edits] + list(fix.edits))
        try:
            candidate_document = parse(candidate)
        except DockerfileSyntaxError as exc:
            result.internal_errors.append(f"{diagnostic.rule}: its fix would produce an invalid Dockerfile ({exc}); skipped")
            continue
        current, document = candidate, candidate_document
        kept.append((diagnostic, fix))
    if not kept:
        return text, None, []
    return current, document, kept
