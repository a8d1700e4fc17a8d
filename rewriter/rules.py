"""Rules, diagnostics and fixes: the contract between the engine and the passes.

A pass is a function decorated with `@rule(...)` in a module of `transforms/`.
It reads a `FileContext` and yields `Diagnostic`s; a diagnostic may carry a
`Fix`, a set of text edits with an `Applicability`.  The function's
docstring is the rule's documentation (What it does / Why / Example / Fix
safety), so `dockerfix explain` and the docs can never drift from the code.
The engine knows nothing of any one rule: modules register themselves when
`transforms` is imported.
"""

from __future__ import annotations

import enum
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable, NamedTuple

from rewriter.text import Span

if TYPE_CHECKING:
    from rewriter.context import FileContext


class Applicability(enum.IntEnum):
    """How sure a fix is, ordered as in ruff: a higher value is safer."""

    SUGGESTION = 0
    """Explained to the user, never applied: the right edit depends on facts dockerfix cannot see."""
    UNSAFE = 1
    """Applied only with --unsafe-fixes: the build still works, but what it produces may differ."""
    SAFE = 2
    """Applied by default: the image does the same thing, provably from the file and its context."""

    def __str__(self) -> str:
        return self.name.lower()


class Edit(NamedTuple):
    """Replace the characters of `span` with `text` (an insertion when the span is empty)."""

    span: Span
    text: str

    @staticmethod
    def insert(at: int, text: str) -> Edit:
        return Edit(Span(at, at), text)

    @staticmethod
    def replace(span: Span, text: str) -> Edit:
        return Edit(span, text)

    @staticmethod
    def delete(span: Span) -> Edit:
        return Edit(span, "")


class NewFile(NamedTuple):
    """A file a fix creates beside the Dockerfile or in its build context (a `.dockerignore`).

    Creating is all it may do: the engine drops a fix whose file exists, and
    `--write` never replaces one.  `path` is the full path (the build
    context's root or the Dockerfile's folder joined with the name).
    """

    path: str
    text: str


class Fix(NamedTuple):
    edits: tuple[Edit, ...]
    applicability: Applicability
    title: str
    creates: tuple[NewFile, ...] = ()
    """Files the fix creates, besides its edits of the Dockerfile."""

    @property
    def span(self) -> Span:
        """Where the fix edits the Dockerfile (the start of the file for a fix that only creates files)."""
        if not self.edits:
            return Span(0, 0)
        return Span(min(e.span.start for e in self.edits), max(e.span.end for e in self.edits))


class Diagnostic(NamedTuple):
    """A problem found at `span`, what to do about it, and optionally the edit that does it."""

    rule: str
    message: str
    span: Span
    fix: Fix | None = None
    note: str = ""
    """What the user should check or know (shown with suggestions and unsafe fixes)."""
    saving_mb: float | None = None

    @property
    def applicability(self) -> Applicability:
        return self.fix.applicability if self.fix is not None else Applicability.SUGGESTION


Check = Callable[["FileContext"], Iterable[Diagnostic]]


class Rule(NamedTuple):
    code: str
    name: str
    summary: str
    applicability: Applicability
    check: Check
    doc: str = ""
    """The check function's docstring, as written; see `documentation`."""
    module: str = ""
    hadolint: tuple[str, ...] = ()
    buildkit: tuple[str, ...] = ()
    order: int = 0
    """Lower runs first; rules with equal order run in code order.  See `transforms/__init__.py`."""

    @property
    def documentation(self) -> str:
        """The docstring without its indentation (cleaned on demand: inspect is slow to import)."""
        import inspect

        return inspect.cleandoc(self.doc)

    def diagnostic(self, message: str, span: Span, fix: Fix | None = None, **kwargs: object) -> Diagnostic:
        return Diagnostic(self.code, message, span, fix, **kwargs)  # type: ignore[arg-type]

    def fix(self, applicability: Applicability, title: str, *edits: Edit, creates: Iterable[NewFile] = ()) -> Fix:
        return Fix(tuple(edits), applicability, title, tuple(creates))


_REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    *,
    summary: str,
    applicability: Applicability,
    hadolint: Iterable[str] = (),
    buildkit: Iterable[str] = (),
    order: int = 0,
) -> Callable[[Check], Rule]:
    """Register a check function as a rule.  The function's docstring documents the rule."""

    def register(check: Check) -> Rule:
        if code in _REGISTRY:
            raise RuntimeError(f"rule {code} registered twice")
        registered = Rule(
            code=code,
            name=name,
            summary=summary,
            applicability=applicability,
            check=check,
            doc=check.__doc__ or "",
            module=check.__module__,
            hadolint=tuple(hadolint),
            buildkit=tuple(buildkit),
            order=order,
        )
        _REGISTRY[code] = registered
        return registered

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, in the order the engine runs them."""
    import transforms  # noqa: F401  (registers the passes)

    transforms.load()
    return sorted(_REGISTRY.values(), key=lambda r: (r.order, r.code))


@lru_cache(maxsize=None)
def cached_rules(select: tuple[str, ...], ignore: tuple[str, ...]) -> list[Rule]:
    """`select_rules` for settings that repeat across files (raises ValueError like it)."""
    return select_rules(select, ignore)


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """Rules chosen by code prefixes, as in ruff: `DF2` selects every DF2xx rule."""
    select, ignore = tuple(select), tuple(ignore)
    rules = all_rules()
    known = {r.code for r in rules}
    for prefix in select + ignore:
        if prefix.upper() != "ALL" and not any(code.startswith(prefix.upper()) for code in known):
            raise ValueError(f"unknown rule selector {prefix!r} (see `dockerfix rules`)")

    def matches(code: str, prefixes: tuple[str, ...]) -> bool:
        return any(p.upper() == "ALL" or code.startswith(p.upper()) for p in prefixes)

    return [r for r in rules if (not select or matches(r.code, select)) and not matches(r.code, ignore)]
