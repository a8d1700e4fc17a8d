"""The engine: non-overlapping fixes, rounds to a fixed point, never an unparseable output."""

from __future__ import annotations

from typing import Iterator

import pytest

from rewriter.context import FileContext
from rewriter.engine import FixError, apply_edits, fix_source, map_offset
from rewriter.rules import Applicability, Diagnostic, Edit, Rule, select_rules
from rewriter.text import Span


def make_rule(code: str, check, applicability: Applicability = Applicability.SAFE) -> Rule:  # type: ignore[no-untyped-def]
    return Rule(code=code, name=code.lower(), summary="test rule", applicability=applicability, check=check)


def fix(code: str, span: Span, text: str, applicability: Applicability = Applicability.SAFE) -> Diagnostic:
    rule = make_rule(code, lambda c: ())
    return rule.diagnostic("message", span, rule.fix(applicability, "title", Edit.replace(span, text)))


def test_apply_edits_in_any_order() -> None:
    assert apply_edits("abcdef", [Edit.insert(6, "!"), Edit.replace(Span(0, 1), "A")]) == "Abcdef!"
    with pytest.raises(ValueError):
        apply_edits("abc", [Edit.replace(Span(0, 2), "x"), Edit.replace(Span(1, 3), "y")])


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    def upper_keyword(context: FileContext) -> Iterator[Diagnostic]:
        for ins in context.document.instructions:
            if ins.keyword.text != ins.name:
                yield fix("T001", ins.keyword.span, ins.name)

    def tag_latest(context: FileContext) -> Iterator[Diagnostic]:
        ins = context.document.instructions[0]
        if ins.args.text == "alpine":
            # Overlaps the keyword fix (same instruction start) only through its span.
            yield fix("T002", Span(ins.keyword.span.start, ins.args.physical_span.end), "FROM alpine:3.20")

    rules = [make_rule("T001", upper_keyword), make_rule("T002", tag_latest)]
    result = fix_source(b"from alpine\nrun echo\n", rules=rules)
    assert result.output == b"FROM alpine:3.20\nRUN echo\n"


def test_unsafe_fixes_only_when_asked() -> None:
    from rewriter.context import Settings

    def rule(context: FileContext) -> Iterator[Diagnostic]:
        if "alpine:3" not in context.text:
            yield fix("T003", context.document.instructions[0].args.physical_span, "alpine:3", Applicability.UNSAFE)

    rules = [make_rule("T003", rule, Applicability.UNSAFE)]
    assert fix_source(b"FROM alpine\n", rules=rules).output == b"FROM alpine\n"
    assert fix_source(b"FROM alpine\n", rules=rules, settings=Settings(unsafe_fixes=True)).output == b"FROM alpine:3\n"


def test_extend_safe_fixes_applies_a_trusted_rules_unsafe_fixes_as_safe_ones() -> None:
    from rewriter.context import Settings

    def rule(context: FileContext) -> Iterator[Diagnostic]:
        if "alpine:3" not in context.text:
            yield fix("T004", context.document.instructions[0].args.physical_span, "alpine:3", Applicability.UNSAFE)

    rules = [make_rule("T004", rule, Applicability.UNSAFE)]
    result = fix_source(b"FROM alpine\n", rules=rules, settings=Settings(extend_safe_fixes=("T00",)))
    assert result.output == b"FROM alpine:3\n"
    assert result.diagnostics[0].applicability == Applicability.SAFE, "reported as what it was applied as"
    assert fix_source(b"FROM alpine\n", rules=rules, settings=Settings(extend_safe_fixes=("T005",))).output == b"FROM alpine\n"


def test_a_fix_that_breaks_the_file_is_dropped_and_reported() -> None:
    def breaker(context: FileContext) -> Iterator[Diagnostic]:
        yield fix("T004", context.document.instructions[0].keyword.span, "FRMO")

    result = fix_source(b"FROM alpine\n", rules=[make_rule("T004", breaker)])
    assert result.output == b"FROM alpine\n"
    assert "T004" in result.internal_errors[0]


def test_fixes_that_never_converge_are_an_error() -> None:
    def grower(context: FileContext) -> Iterator[Diagnostic]:
        yield fix("T005", Span(len(context.text), len(context.text)), "# again\n")

    with pytest.raises(FixError, match="did not converge"):
        fix_source(b"FROM alpine\n", rules=[make_rule("T005", grower)])


def test_bom_and_untouched_bytes_survive_a_fix() -> None:
    def rule(context: FileContext) -> Iterator[Diagnostic]:
        ins = context.document.instructions[1]
        if "--no-cache-dir" not in ins.args.text:
            at = ins.args.physical_span.start + len("pip install")
            yield fix("T006", Span(at, at), " --no-cache-dir")

    source = b"\xef\xbb\xbfFROM python\r\nRUN pip install \\\r\n  flask\r\n"
    result = fix_source(source, rules=[make_rule("T006", rule)])
    assert result.output == b"\xef\xbb\xbfFROM python\r\nRUN pip install --no-cache-dir \\\r\n  flask\r\n"


def test_an_offset_follows_the_edits_before_it() -> None:
    edits = [Edit.replace(Span(2, 5), "XY"), Edit.insert(8, "__")]
    assert [map_offset(i, edits) for i in (0, 2, 3, 5, 8, 9)] == [0, 2, 2, 4, 9, 10]
    assert map_offset(3, edits, end=True) == 4  # inside a replaced range: the end of what replaced it


def make_ordered_rule(code: str, check, order: int, applicability: Applicability = Applicability.SAFE) -> Rule:  # type: ignore[no-untyped-def]
    return make_rule(code, check, applicability)._replace(order=order)


def test_a_fix_that_an_earlier_fix_makes_inapplicable_is_not_reported_as_fixed() -> None:
    """As when merging two RUNs puts one in the way of a reorder: the report says what was written."""

    def merge(context: FileContext) -> Iterator[Diagnostic]:
        run = context.document.instructions[1]
        if "echo a" in run.args.text:
            yield fix("T010", run.args.physical_span, "echo b")

    def reorder(context: FileContext) -> Iterator[Diagnostic]:
        run = context.document.instructions[1]
        if "echo a" in run.args.text:
            yield fix("T011", run.keyword.span, "RUN", Applicability.SAFE)._replace(span=context.document.instructions[0].span)
        else:
            yield make_rule("T011", lambda c: ()).diagnostic("message", context.document.instructions[0].span, note="`echo b` is in the way.")

    rules = [make_ordered_rule("T010", merge, 0), make_ordered_rule("T011", reorder, 1)]
    result = fix_source(b"FROM alpine\nRUN echo a\n", rules=rules)
    assert result.output == b"FROM alpine\nRUN echo b\n"
    merged, reordered = sorted(result.outcomes, key=lambda o: o.diagnostic.rule)
    assert (merged.fixed, merged.applied, merged.blocked) == (True, True, False)
    assert (reordered.fixed, reordered.applied, reordered.blocked) == (False, False, True)
    assert reordered.left is not None and reordered.left.note == "`echo b` is in the way."
    assert result.remaining() == [reordered]


def test_a_problem_that_another_fix_removes_counts_as_fixed() -> None:
    """An unsafe fix is not applied in safe mode, but a safe fix that deletes its instruction resolves it."""

    def unsafe_join(context: FileContext) -> Iterator[Diagnostic]:
        for ins in context.document.instructions[2:]:
            yield fix("T012", ins.keyword.span, "RUN", Applicability.UNSAFE)

    def drop_true(context: FileContext) -> Iterator[Diagnostic]:
        for ins in context.document.instructions:
            if ins.args.text == "true":
                yield fix("T013", ins.span, "")

    rules = [make_rule("T012", unsafe_join, Applicability.UNSAFE), make_rule("T013", drop_true)]
    result = fix_source(b"FROM alpine\nRUN echo\nRUN true\nRUN echo again\n", rules=rules)
    assert result.output == b"FROM alpine\nRUN echo\nRUN echo again\n"
    fixed = {(o.diagnostic.rule, o.diagnostic.span.start): (o.fixed, o.applied) for o in result.outcomes}
    assert fixed == {("T012", 21): (True, False), ("T013", 21): (True, True), ("T012", 30): (False, False)}


def test_rule_selection_by_prefix() -> None:
    codes = [r.code for r in select_rules(["DF2"])]
    assert codes and all(c.startswith("DF2") for c in codes)
    assert "DF201" not in [r.code for r in select_rules(ignore=["DF201"])]
    with pytest.raises(ValueError, match="unknown rule selector"):
        select_rules(["XX9"])
