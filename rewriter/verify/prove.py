"""Proven fixes: an unsafe fix is applied when a real build proves it, not on trust.

The largest savings (slim bases, multi-stage splits, joined RUNs) are unsafe
by nature: nothing in the Dockerfile's text shows they keep the image doing
the same thing.  `dockerfix verify` builds both images and compares them,
which is exactly the proof those fixes lack.  `prove` runs it:

1. the rules whose unsafe fixes `--unsafe-fixes` would apply beyond the safe
   rewrite are the candidates;
2. all of them are verified together; when the rewrite verifies, every one
   is proven;
3. otherwise each is verified alone (the safe fixes plus that rule's unsafe
   ones), so a failing fix cannot take the others down with it;
4. the fixes proven alone are verified together once more, since two fixes
   that each pass can still fail together.

The written output is the safe rewrite plus the proven rules' unsafe fixes:
callers apply them through `trusting_proven` (`Settings.extend_safe_fixes`),
so the engine that wrote the verified image writes the file.  A fix the builder cannot judge here (a base image it
cannot pull, a builder limit) is "not provable", never "proven".

The original image is built, measured and run once for all these
verifications (`run.Baseline`): only the rewrites are built each time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple, Protocol

from rewriter.context import Settings
from rewriter.rules import Applicability
from rewriter.verify.builders import Builder
from rewriter.verify.run import Baseline, Inputs, Verification, verify

PROVEN, REJECTED, NOT_PROVABLE = "proven", "rejected", "not provable"


class Proof(NamedTuple):
    """What the builds said about one rule's unsafe fixes."""

    rule: str
    verdict: str
    """`proven`, `rejected` or `not provable`."""
    why: str = ""
    log_tail: str = ""
    """The last lines of the failing build's log, when a build failed."""

    def to_json(self) -> dict[str, str | None]:
        return {"rule": self.rule, "verdict": self.verdict, "why": self.why or None, "log_tail": self.log_tail or None}


class Proven(NamedTuple):
    """The verdicts of a proof.  The output is not part of it: callers rewrite with
    `trusting_proven(settings, proofs)` themselves, for the diagnostics and created files too."""

    proofs: list[Proof]
    verification: Verification | None
    """The verification of the written output (its measured figures), when one ran."""


def candidates(source: bytes, dockerfile: Path, context: Path, settings: Settings) -> list[str]:
    """Rules whose unsafe fixes the `--unsafe-fixes` rewrite applies beyond what `settings` applies.

    A fix that creates a file (DF105's `.dockerignore` with `.env` in it) is
    no candidate: verify builds the rewritten Dockerfile, not the files a fix
    adds, so its build would "prove" a change it never made.
    """
    from rewriter.engine import fix_source

    result = fix_source(source, path=str(dockerfile), settings=settings._replace(unsafe_fixes=True), context_dir=context, dockerfile_path=dockerfile)
    return sorted({d.rule for d in result.applied if d.fix is not None and d.fix.applicability == Applicability.UNSAFE and not d.fix.creates})


def _trusting(settings: Settings, rules: list[str]) -> Settings:
    return settings._replace(unsafe_fixes=False, extend_safe_fixes=settings.extend_safe_fixes + tuple(rules))


def _failure(result: Verification) -> tuple[str, str]:
    """Why a verification did not pass, and the failing build's log tail."""
    why = "; ".join(result.errors or result.problems) or "the images differ"
    tail = ""
    for run in (result.rewritten, result.original):
        if run.cold is not None and not run.cold.ok:
            tail = run.cold.tail()
            break
    return why, tail


class Progress(Protocol):
    """What `prove` tells its user while it builds (`rewriter.verify.progress` draws it)."""

    def step(self, label: str) -> None:
        """A verification starts (`label`: what it verifies)."""

    def phase(self, message: str) -> None:
        """A phase of the current verification: a build, a snapshot, a rebuild, the smoke check."""

    def ended(self, outcome: str) -> None:
        """The current verification ended: `outcome` is its verdict in a few words."""


class Silent:
    """Progress that says nothing (tests, the bot's JSON output)."""

    def step(self, label: str) -> None:
        pass

    def phase(self, message: str) -> None:
        pass

    def ended(self, outcome: str) -> None:
        pass


def not_provable(dockerfile: Path, context: Path, settings: Settings, why: str) -> list[Proof]:
    """Every candidate judged "not provable" for one reason (no builder works here)."""
    return [Proof(rule, NOT_PROVABLE, why) for rule in candidates(dockerfile.read_bytes(), dockerfile, context, settings._replace(unsafe_fixes=False))]


def trusting_proven(settings: Settings, proofs: list[Proof]) -> Settings:
    """`settings` with the proven rules' unsafe fixes applied as if safe, and no other unsafe fix."""
    return _trusting(settings, [p.rule for p in proofs if p.verdict == PROVEN])


def prove(
    dockerfile: Path,
    context: Path,
    settings: Settings,
    builder: Builder,
    *,
    progress: Progress | None = None,
    smoke: str | None = None,
    measure: bool = False,
    baseline: Baseline | None = None,
) -> Proven:
    """The unsafe fixes of `dockerfile` beyond its safe rewrite that real builds prove (see the module docstring).

    The original image is built once for all the verifications (a `Baseline`,
    removed at the end unless the caller passed its own).  With `measure`,
    the written output is verified even when no unsafe fix needed proving, so
    that its figures are measured (the bot's pull request shows them).
    """
    from rewriter.engine import fix_source

    source = dockerfile.read_bytes()
    base = settings._replace(unsafe_fixes=False)
    say: Progress = progress or Silent()
    shared = baseline if baseline is not None else Baseline()

    def rewrite(rules: list[str]) -> bytes:
        return fix_source(source, path=str(dockerfile), settings=_trusting(base, rules), context_dir=context, dockerfile_path=dockerfile).output

    def check(rules: list[str], label: str) -> Verification:
        say.step(label)
        inputs = Inputs(dockerfile, context, _trusting(base, rules), blame=False, progress=say.phase, smoke=smoke, baseline=shared)
        result = verify(inputs, builder)
        say.ended(result.verdict if result.exit_code == 0 else f"{result.verdict}: " + _failure(result)[0].splitlines()[0])
        return result

    try:
        proofs, proven, final = _decide(candidates(source, dockerfile, context, base), check)
        if final is None and measure and rewrite(proven) != source:
            final = check(proven, "the written Dockerfile (to measure it)")
        return Proven(proofs, final)
    finally:
        if baseline is None:
            shared.release(builder)


def _decide(found: list[str], check: Callable[[list[str], str], Verification]) -> tuple[list[Proof], list[str], Verification | None]:
    """The verdict on each candidate, the proven rules, and the verification of the proven rewrite (if one ran)."""
    if not found:
        return [], [], None
    together = check(found, ("every unsafe fix together: " if len(found) > 1 else "") + ", ".join(found))
    if together.exit_code == 0:
        return [Proof(rule, PROVEN) for rule in found], found, together
    if together.exit_code == 2 and not together.original.built:
        why, tail = _failure(together)
        return [Proof(rule, NOT_PROVABLE, why, tail) for rule in found], [], None
    proofs: dict[str, Proof] = {}
    alone: dict[str, Verification] = {}
    for rule in found:
        alone[rule] = together if len(found) == 1 else check([rule], f"{rule} alone")
        if alone[rule].exit_code == 0:
            proofs[rule] = Proof(rule, PROVEN)
        else:
            why, tail = _failure(alone[rule])
            proofs[rule] = Proof(rule, NOT_PROVABLE if alone[rule].exit_code == 2 else REJECTED, why, tail)
    proven = [rule for rule in found if proofs[rule].verdict == PROVEN]
    final = alone[proven[0]] if len(proven) == 1 else None
    if len(proven) > 1:
        final = check(proven, "the proven fixes together: " + ", ".join(proven))
        if final.exit_code != 0:
            why, tail = _failure(final)
            for rule in proven:
                others = ", ".join(r for r in proven if r != rule)
                proofs[rule] = Proof(rule, REJECTED, f"proven alone, but not together with {others}: {why}", tail)
            proven, final = [], None
    return [proofs[rule] for rule in found], proven, final
