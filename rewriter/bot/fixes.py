"""Run the engine over the Dockerfiles of one commit, and keep what a reviewer needs to know.

The files are read from git blobs (exact bytes, no checkout filters or
line-ending conversion), the build context is the commit exported to a
temporary folder, so the result depends only on the commit: the same base
gives the same fixes, which is what makes the bot idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from rewriter.bot.git import Git
    from rewriter.context import Settings
    from rewriter.rules import Rule
    from rewriter.verify.prove import Proof, Proven

    Prover = Callable[[Path, Path, Settings], Proven]
    """Builds a Dockerfile (in its context, with its settings) and says which unsafe fixes the builds prove."""

REGULAR_FILES = ("100644", "100755")
NEW_FILE_MODE = "100644"


class NothingToScan(Exception):
    pass


@dataclass(frozen=True)
class Change:
    """One applied fix, as a row of the pull request's table."""

    rule: str
    line: int | None
    """In the file as it is on the base branch; None for a fix found after an earlier one."""
    what: str
    why: str
    saving_mb: float | None
    unsafe: bool = False
    """Applied only because unsafe fixes were asked for: the reviewer must check it."""
    note: str = ""
    """What to check, for an unsafe fix."""
    proven: bool = False
    """An unsafe fix applied because real builds proved it (`--prove`)."""


@dataclass(frozen=True)
class Suggestion:
    """A finding left to the maintainers (no fix, or an unsafe one not asked for)."""

    rule: str
    line: int
    message: str
    note: str
    unsafe_fix: str | None
    """Title of the unsafe fix that `--unsafe-fixes` would apply."""


@dataclass
class FileReport:
    path: str
    """Relative to the repository root, with forward slashes."""
    mode: str
    before: bytes
    after: bytes
    changes: list[Change] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    unsafe_fixes: bool = False
    """Whether unsafe fixes were applied to this file (by flag or by the repository's configuration)."""
    created: dict[str, bytes] = field(default_factory=dict)
    """Files the fixes create (a `.dockerignore`), relative to the repository root."""
    proofs: list[Proof] | None = None
    """With `--prove`: the verdict on each unsafe fix (None: nothing was proven for this file)."""
    measured: dict[str, Any] | None = None
    """With `--prove`: the verification of the written Dockerfile (`verify.report.to_json`), when one ran."""

    @property
    def changed(self) -> bool:
        return self.after != self.before or bool(self.created)

    def tree_changes(self) -> dict[str, tuple[str, bytes]]:
        """What the commit writes for this file: path -> (mode, content)."""
        changes = {path: (NEW_FILE_MODE, data) for path, data in self.created.items()}
        if self.after != self.before:
            changes[self.path] = (self.mode, self.after)
        return changes


@dataclass
class Scan:
    files: list[FileReport]
    problems: list[str]
    """Files left alone and why (syntax errors, internal errors): warnings for the user."""

    @property
    def changed(self) -> list[FileReport]:
        return [f for f in self.files if f.changed]

    def tree_changes(self) -> dict[str, tuple[str, bytes]]:
        """Every path the commit writes: the fixed Dockerfiles and the files their fixes create."""
        return {path: change for f in self.changed for path, change in f.tree_changes().items()}


def targets(export_root: Path, target: str) -> list[str]:
    """The Dockerfiles to fix, relative to the root: `target` itself if it is a file, else those below it."""
    from rewriter.discovery import find_dockerfiles

    path = export_root / target if target not in ("", ".") else export_root
    if path.is_file():
        return [path.relative_to(export_root).as_posix()]
    if not path.is_dir():
        raise NothingToScan(f"{target} does not exist on the base branch")
    return [p.relative_to(export_root).as_posix() for p in find_dockerfiles(path)]


def scan(
    git: Git,
    commit: str,
    export_root: Path,
    paths: list[str],
    settings_for: Callable[[Path], Settings],
    rules_for: Callable[[Settings], list[Rule]],
    context: str | None = None,
    prover: Prover | None = None,
) -> Scan:
    """Fix each of `paths` as it is in `commit` (exported below `export_root`).

    `settings_for(dockerfile)` gives the settings of one file (the repository's
    configuration with the command line over it), `rules_for` the rules they
    select.  With a `prover`, the unsafe fixes its builds prove are applied
    too (and only those: the settings' own unsafe fixes stay off), and the
    report keeps the verdicts and the measured figures.
    """
    from rewriter.engine import FixError, fix_source
    from rewriter.outputs import explanation
    from rewriter.rules import Applicability
    from rewriter.syntax import DockerfileSyntaxError

    entries = git.ls_tree(commit, paths)
    files: list[FileReport] = []
    problems: list[str] = []
    for path in paths:
        entry = entries.get(path)
        if entry is None or entry.mode not in REGULAR_FILES:
            continue  # timid: a symlink or submodule is not ours to rewrite
        source = git.blob(entry.sha)
        dockerfile = export_root / path
        context_dir = export_root / context if context else dockerfile.parent
        settings = settings_for(dockerfile)
        proofs, measured, trusted = None, None, ()
        if prover is not None:
            try:
                proven = prover(dockerfile, context_dir, settings)
            except DockerfileSyntaxError as exc:
                problems.append(f"{path}:{exc.line}: {exc.message}; left unchanged")
                continue
            from rewriter.verify.prove import PROVEN, trusting_proven
            from rewriter.verify.report import to_json

            proofs = proven.proofs
            verification = proven.verification
            # Figures only from an original that built: otherwise the body says what was not measured.
            measured = to_json(verification) if verification is not None and verification.original.built else None
            trusted = tuple(p.rule for p in proofs if p.verdict == PROVEN)
            settings = trusting_proven(settings, proofs)
        threshold = Applicability.UNSAFE if settings.unsafe_fixes else Applicability.SAFE
        try:
            result = fix_source(
                source, path=path, settings=settings, context_dir=context_dir, dockerfile_path=dockerfile, rules=rules_for(settings)
            )
        except DockerfileSyntaxError as exc:
            problems.append(f"{path}:{exc.line}: {exc.message}; left unchanged")
            continue
        except FixError as exc:
            problems.append(f"{path}: internal error: {exc}; left unchanged")
            continue
        problems.extend(f"{path}: internal error: {message}" for message in result.internal_errors)
        assert result.document is not None
        lines = result.document.lines
        original = {id(d) for d in result.diagnostics}
        report = FileReport(
            path=path, mode=entry.mode, before=source, after=result.output, unsafe_fixes=settings.unsafe_fixes, proofs=proofs, measured=measured
        )
        for created, text in result.created.items():
            relative = Path(created).resolve().relative_to(export_root.resolve()).as_posix()
            if any(relative in f.created for f in files):
                problems.append(f"{path}: another Dockerfile's fixes create {relative} already; not created twice")
                continue
            report.created[relative] = text.encode("utf-8")
        for diagnostic in result.applied:
            assert diagnostic.fix is not None
            line = lines.line(diagnostic.span.start) if id(diagnostic) in original else None
            unsafe = diagnostic.fix.applicability < Applicability.SAFE
            proven_fix = diagnostic.rule in trusted  # promoted to safe by the proof, so not `unsafe`
            note = diagnostic.note if unsafe else ""
            report.changes.append(Change(diagnostic.rule, line, diagnostic.fix.title, diagnostic.message, diagnostic.saving_mb, unsafe, note, proven_fix))
        for outcome in result.remaining():
            diagnostic = outcome.diagnostic
            fix = diagnostic.fix
            unsafe_fix = fix.title if fix is not None and fix.applicability == Applicability.UNSAFE and not outcome.blocked else None
            note = explanation(outcome, threshold) or diagnostic.note
            report.suggestions.append(Suggestion(diagnostic.rule, lines.line(diagnostic.span.start), diagnostic.message, note, unsafe_fix))
        report.changes.sort(key=lambda c: (c.line is None, c.line or 0, c.rule))
        files.append(report)
    return Scan(files, problems)
