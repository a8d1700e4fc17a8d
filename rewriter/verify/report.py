"""The verification report: a JSON document (for the PR bot) and a rich table."""

from __future__ import annotations

from typing import Any

from rewriter.verify.builders import BuildOutcome
from rewriter.verify.run import ImageRun, Verification


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _build_json(outcome: BuildOutcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {
        "ok": outcome.ok,
        "seconds": _round(outcome.seconds),
        "steps": [{"instruction": s.instruction, "cached": s.cached} for s in outcome.steps],
        "log_tail": None if outcome.ok else outcome.tail(),
    }


def _image_json(run: ImageRun) -> dict[str, Any]:
    return {
        "built": run.built,
        "size_mb": _round(run.facts.size_mb) if run.facts else None,
        "layers": run.facts.layers if run.facts else None,
        "cold_build_seconds": _round(run.cold.seconds) if run.cold else None,
        "rebuild_seconds": _round(run.rebuild.seconds) if run.rebuild and run.rebuild.ok else None,
        "rebuild_retried": run.rebuild_retried,
        "dependency_install_cached": run.dependency_install_cached,
        "cold_build": _build_json(run.cold),
        "rebuild": _build_json(run.rebuild),
    }


def to_json(result: Verification) -> dict[str, Any]:
    """Everything measured, in a stable shape (see docs of `dockerfix verify --json`)."""
    before, after = result.original.facts, result.rewritten.facts
    savings = None
    if before and after:
        savings = {"size_mb": _round(before.size_mb - after.size_mb), "layers": before.layers - after.layers}
    return {
        "dockerfile": result.dockerfile,
        "builder": result.builder,
        "mode": result.mode,
        "verdict": result.verdict,
        "exit_code": result.exit_code,
        "applied": result.applied,
        "original": _image_json(result.original),
        "rewritten": _image_json(result.rewritten),
        "savings": savings,
        "changed_source": result.changed_source,
        "equivalent": result.equivalent if result.original.built and result.rewritten.built else None,
        "differences": [
            {"category": d.category, "change": d.change, "subject": d.subject, "detail": d.detail, "allowed_by": d.allowed_by or None}
            for d in result.differences
        ],
        "smoke": {
            label: {"exit_code": run.exit_code, "still_running": run.exit_code is None, "seconds": _round(run.seconds), "output_tail": run.tail()}
            for label, run in result.smoke.items()
        } or None,
        "blame": result.blame,
        "problems": result.problems,
        "errors": result.errors,
        "notes": result.notes,
    }


def _fmt(value: object, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}{unit}"
    return f"{value}{unit}"


def _rebuild_cell(run: ImageRun) -> str:
    """The rebuild time, marked when it was measured on a second try (the first missed the builder's cache)."""
    seconds = _fmt(run.rebuild.seconds if run.rebuild else None, " s")
    return f"{seconds} (2nd try)" if run.rebuild_retried else seconds


def _cached(run: ImageRun) -> str:
    if run.rebuild is None:
        return "-"
    steps = run.rebuild.steps
    return f"{sum(s.cached for s in steps)}/{len(steps)}"


def render(result: Verification, console: Any) -> None:
    """Print the report with rich (imported by the caller only when needed)."""
    from rich.table import Table

    colour = {"verified": "green", "unchanged": "green", "failed": "red", "error": "yellow"}[result.verdict]
    console.print(f"[bold]{result.dockerfile}[/] ({result.mode} fixes, {result.builder}): [bold {colour}]{result.verdict}[/]")
    if result.applied:
        console.print("applied: " + ", ".join(result.applied))
    o, r = result.original, result.rewritten
    if o.cold is not None:
        table = Table(show_header=True, header_style="bold")
        table.add_column("")
        table.add_column("original", justify="right")
        table.add_column("rewritten", justify="right")
        table.add_row("built", _fmt(o.built), _fmt(r.built) if r.cold else "-")
        table.add_row("image size", _fmt(o.facts.size_mb if o.facts else None, " MB"), _fmt(r.facts.size_mb if r.facts else None, " MB"))
        table.add_row("layers", _fmt(o.facts.layers if o.facts else None), _fmt(r.facts.layers if r.facts else None))
        table.add_row("cold build", _fmt(o.cold.seconds, " s"), _fmt(r.cold.seconds if r.cold else None, " s"))
        table.add_row(
            "rebuild" + (f" ({result.changed_source} changed)" if result.changed_source else ""),
            _rebuild_cell(o),
            _rebuild_cell(r),
        )
        table.add_row("steps cached on rebuild", _cached(o), _cached(r))
        table.add_row("dependency install cached", _fmt(o.dependency_install_cached), _fmt(r.dependency_install_cached))
        if result.smoke:
            table.add_row("smoke check", result.smoke["original"].describe(), result.smoke["rewritten"].describe())
        console.print(table)
    for label, run in (("original", o), ("rewritten", r)):
        if run.cold is not None and not run.cold.ok:
            console.print(f"[bold red]the {label} build failed[/]; last lines of its log:")
            console.print(run.cold.tail(), markup=False, highlight=False)
    if result.differences:
        table = Table(title="differences between the final images", show_header=True, header_style="bold")
        for column in ("", "category", "change", "subject", "detail"):
            table.add_column(column)
        for d in result.differences:
            mark = f"[green]ok ({d.allowed_by})[/]" if d.allowed else "[red]unexpected[/]"
            table.add_row(mark, d.category, d.change, d.subject, d.detail)
        console.print(table)
    elif o.built and r.built:
        console.print("[green]the final images are equivalent[/] (config, application files, installed packages)")
    for problem in result.problems:
        console.print(f"[red]failed:[/] {problem}", highlight=False)
    for code, why in result.blame.items():
        console.print(f"[red]blame {code}:[/] {why}", highlight=False)
    for error in result.errors:
        console.print(f"[yellow]error:[/] {error}", highlight=False)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
