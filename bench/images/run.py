"""Image benchmark: `dockerfix verify` on every example app, with safe, unsafe and proven fixes.

    .venv/bin/python bench/images/run.py [--out bench/out/images] [--builder auto] [--modes safe,proven] [APP...]

Each folder of `bench/images/apps/` is a small application written for this
repository with a Dockerfile "as found in the wild".  For each app and mode
the script runs the whole verification (cold builds, rebuild after a
source-only change, equivalence, blame) and keeps the JSON report; the
proven mode runs `dockerfix --write --prove`'s procedure (the safe fixes
plus the unsafe ones real builds prove) and keeps its verdicts too.  The
original image is built once per app for every mode.  Then it writes
`results.md` (the tables, the medians and every verification failure) and
`results.png` (image size and rebuild time, before and after; needs
matplotlib).  On a machine without a registry, prepare the base image
stand-ins first: `tools/standins/prepare.sh`.  Not part of CI (it takes
20-40 minutes on two cores).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from rewriter.context import Settings  # noqa: E402
from rewriter.verify.builders import detect  # noqa: E402
from rewriter.verify.progress import Lines  # noqa: E402
from rewriter.verify.prove import candidates, prove, trusting_proven  # noqa: E402
from rewriter.verify.report import to_json  # noqa: E402
from rewriter.verify.run import Baseline, Inputs, rewrite, verify  # noqa: E402

MODES = ("safe", "unsafe", "proven")


def _say(app: Path, mode: str):  # type: ignore[no-untyped-def]
    return lambda message: print(f"  [{app.name} {mode}] {message}", file=sys.stderr, flush=True)


def _verify(app: Path, mode: str, settings: Settings, builder, baseline: Baseline) -> tuple[dict, bytes]:  # type: ignore[no-untyped-def]
    inputs = Inputs(app / "Dockerfile", app, settings, progress=_say(app, mode), baseline=baseline)
    output, _, _ = rewrite(inputs.dockerfile.read_bytes(), inputs)
    started = time.monotonic()
    report = to_json(verify(inputs, builder))
    report["wall_seconds"] = round(time.monotonic() - started, 1)
    return report, output


def _prove(app: Path, builder, baseline: Baseline, reports: dict[str, dict], outputs: dict[str, bytes]) -> tuple[dict, bytes]:  # type: ignore[no-untyped-def]
    """The proven mode: the safe fixes plus the unsafe ones the builds prove; the report of the written output.

    Its verification is the one that proved the written output; when nothing
    was proven the output is the safe rewrite, whose report is taken over.
    """
    dockerfile = app / "Dockerfile"
    started = time.monotonic()
    result = prove(dockerfile, app, Settings(), builder, progress=Lines(sys.stderr, f"{app.name} proven"), baseline=baseline)
    proofs = [p.to_json() for p in result.proofs]
    written = Inputs(dockerfile, app, trusting_proven(Settings(), result.proofs))
    output, _, _ = rewrite(dockerfile.read_bytes(), written)
    if result.verification is not None:
        report = to_json(result.verification)
    else:
        same = next((m for m, o in outputs.items() if o == output), None)
        if same is None:  # cannot happen: with nothing proven the output is the safe rewrite, which the safe mode measured
            report, _ = _verify(app, "proven", Settings(), builder, baseline)
        else:
            report = dict(reports[same], same_as=same)
    report.update(mode="proven", proofs=proofs, wall_seconds=round(time.monotonic() - started, 1))
    return report, output


def run_app(app: Path, builder, out: Path, modes: tuple[str, ...] = MODES) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """Every mode; a run that rewrites exactly as an earlier mode is not built again.

    When a fix moves to a base image this machine cannot pull (`verify` says
    so and exits 2), the mode is verified again without that fix, and the
    report says which fixes were left out (the proven mode says "not
    provable" instead).  The original image is built once for all modes.
    """
    reports: dict[str, dict] = {}
    outputs: dict[str, bytes] = {}
    baseline = Baseline()
    try:
        _run_modes(app, builder, out, modes, reports, outputs, baseline)
    finally:
        baseline.release(builder)
    return reports


def _run_modes(app: Path, builder, out: Path, modes: tuple[str, ...], reports: dict[str, dict], outputs: dict[str, bytes], baseline: Baseline) -> None:  # type: ignore[no-untyped-def]
    for mode in MODES:
        saved = out / f"{app.name}.{mode}.json"
        if mode not in modes:
            if saved.is_file():  # a mode not asked for is read back from an earlier run, or left out
                reports[mode] = json.loads(saved.read_text())
                outputs[mode] = (out / f"{app.name}.{reports[mode].get('same_as') or mode}.Dockerfile").read_bytes()
            continue
        if mode == "proven":
            if not candidates((app / "Dockerfile").read_bytes(), app / "Dockerfile", app, Settings()):
                reports[mode] = dict(reports.get("safe") or _verify(app, "safe", Settings(), builder, baseline)[0], mode=mode, same_as="safe", proofs=[])
            else:
                reports[mode], output = _prove(app, builder, baseline, reports, outputs)
                if not reports[mode].get("same_as"):
                    (out / f"{app.name}.{mode}.Dockerfile").write_bytes(output)
                outputs[mode] = output
            saved.write_text(json.dumps(reports[mode], indent=2))
            continue
        settings = Settings(unsafe_fixes=mode == "unsafe")
        output, _, _ = rewrite((app / "Dockerfile").read_bytes(), Inputs(app / "Dockerfile", app, settings))
        same = next((m for m, o in outputs.items() if o == output), None)
        if same is not None:
            reports[mode] = dict(reports[same], mode=mode, same_as=same)
        else:
            reports[mode], output = _verify(app, mode, settings, builder, baseline)
            unpullable = [c for c in reports[mode]["applied"] if c.startswith("DF3")]
            if reports[mode]["verdict"] == "error" and unpullable and any("could not be pulled" in e for e in reports[mode]["errors"]):
                first = reports[mode]
                settings = settings._replace(ignore=tuple(unpullable))
                reports[mode], output = _verify(app, mode, settings, builder, baseline)
                reports[mode]["left_out"] = {"fixes": unpullable, "because": first["errors"]}
            (out / f"{app.name}.{mode}.Dockerfile").write_bytes(output)
        outputs[mode] = output
        saved.write_text(json.dumps(reports[mode], indent=2))


def _pct(before: float | None, after: float | None) -> float | None:
    if not before or after is None:
        return None
    return 100.0 * (after - before) / before


def _cell(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.1f}{unit}"


def table(results: dict[str, dict[str, dict]]) -> tuple[str, dict[str, list[float]]]:
    lines = [
        "| app | mode | verdict | fixes | size MB before → after | layers | cold build s | rebuild s before → after | deps cached before → after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    changes: dict[str, list[float]] = {f"{m}_{k}": [] for m in MODES for k in ("size", "rebuild")}
    yn = {True: "yes", False: "no", None: "-"}
    for app, modes in sorted(results.items()):
        for mode, r in modes.items():
            o, w = r["original"], r["rewritten"]
            size = _pct(o["size_mb"], w["size_mb"])
            rebuild = _pct(o["rebuild_seconds"], w["rebuild_seconds"])
            if r["verdict"] != "unchanged":
                if size is not None:
                    changes[f"{mode}_size"].append(size)
                if rebuild is not None:
                    changes[f"{mode}_rebuild"].append(rebuild)
            left_out = f" (without {', '.join(r['left_out']['fixes'])})" if r.get("left_out") else ""
            lines.append(
                f"| {app} | {mode}{' (= ' + r['same_as'] + ')' if r.get('same_as') else ''}{left_out} | {r['verdict']} | {', '.join(r['applied']) or '-'} "
                f"| {_cell(o['size_mb'])} → {_cell(w['size_mb'])} ({_cell(size, '%')}) | {o['layers'] or '-'} → {w['layers'] or '-'} "
                f"| {_cell(o['cold_build_seconds'])} → {_cell(w['cold_build_seconds'] if w['built'] else None)} "
                f"| {_cell(o['rebuild_seconds'])} → {_cell(w['rebuild_seconds'])} ({_cell(rebuild, '%')}) "
                f"| {yn[o['dependency_install_cached']]} → {yn[w['dependency_install_cached']]} |"
            )
    return "\n".join(lines), changes


def _smoke_cell(report: dict) -> str:
    """Whether the image's command did in the rewritten image what it did in the original."""
    smoke = report.get("smoke")
    if not smoke:
        return "-"
    before, after = smoke["original"], smoke["rewritten"]
    same = before["exit_code"] == after["exit_code"]
    shown = "running" if after["still_running"] else f"exit {after['exit_code']}"
    return f"{'same' if same else 'DIFFERS'} ({shown})"


def comparison(results: dict[str, dict[str, dict]]) -> tuple[str, list[str]]:
    """Original vs safe vs proven per app, the verdicts on the unsafe fixes, and the medians of the changes."""
    lines = [
        "| app | final image MB: original → safe → proven | rebuild s after a source change: original → safe → proven | unsafe fixes proven / rejected / not provable | smoke check, proven image |",
        "|---|---|---|---|---|",
    ]
    changes: dict[str, list[float]] = {"safe_size": [], "safe_rebuild": [], "proven_size": [], "proven_rebuild": []}
    for app, modes in sorted(results.items()):
        if "safe" not in modes or "proven" not in modes:
            continue
        safe, proven = modes["safe"], modes["proven"]
        original = safe["original"] if safe["original"]["size_mb"] is not None else proven["original"]
        cells: dict[str, tuple[float | None, float | None]] = {}
        for mode, report in (("safe", safe), ("proven", proven)):
            rewritten = report["rewritten"] if report["verdict"] != "unchanged" else original
            cells[mode] = (rewritten["size_mb"], rewritten["rebuild_seconds"])
            for index, key in enumerate(("size", "rebuild")):
                change = _pct(original["size_mb" if key == "size" else "rebuild_seconds"], cells[mode][index])
                if change is not None:
                    changes[f"{mode}_{key}"].append(change)
        verdicts = [p["verdict"] for p in proven.get("proofs") or []]
        counts = " / ".join(str(verdicts.count(v)) for v in ("proven", "rejected", "not provable"))
        named = ", ".join(f"{p['rule']} {p['verdict']}" for p in proven.get("proofs") or [])
        size = " → ".join(_cell(v) for v in (original["size_mb"], cells["safe"][0], cells["proven"][0]))
        rebuild = " → ".join(_cell(v) for v in (original["rebuild_seconds"], cells["safe"][1], cells["proven"][1]))
        lines.append(
            f"| {app} | {size} ({_cell(_pct(original['size_mb'], cells['proven'][0]), '%')}) "
            f"| {rebuild} ({_cell(_pct(original['rebuild_seconds'], cells['proven'][1]), '%')}) "
            f"| {counts}{f' ({named})' if named else ''} | {_smoke_cell(proven) if any(v == 'proven' for v in verdicts) else '-'} |"
        )
    medians = [
        f"- median change of the final image, {mode}: {_cell(statistics.median(changes[f'{mode}_size']) if changes[f'{mode}_size'] else None, '%')}; "
        f"of the rebuild after a source change: {_cell(statistics.median(changes[f'{mode}_rebuild']) if changes[f'{mode}_rebuild'] else None, '%')}"
        for mode in ("safe", "proven")
    ]
    return "\n".join(lines), medians


def failures(results: dict[str, dict[str, dict]]) -> list[str]:
    out = []
    for app, modes in sorted(results.items()):
        for mode, r in modes.items():
            for proof in r.get("proofs") or []:
                if proof["verdict"] != "proven":
                    out.append(f"- **{app}** (proven): {proof['rule']} {proof['verdict']}: {proof['why']}")
            if r.get("same_as"):
                continue
            if r.get("left_out"):
                fixes = ", ".join(r["left_out"]["fixes"])
                out.append(f"- **{app}** ({mode}): {fixes} not verifiable here ({' / '.join(r['left_out']['because'])}); verified again without {fixes}: {r['verdict']}")
            if r["verdict"] in ("verified", "unchanged"):
                continue
            reasons = r["problems"] + r["errors"]
            blame = "; ".join(f"{code}: {why}" for code, why in r["blame"].items())
            out.append(f"- **{app}** ({mode}): {r['verdict']}: {' / '.join(reasons)}" + (f" — blame {blame}" if blame else ""))
    return out


def chart(results: dict[str, dict[str, dict]], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart (pip install matplotlib)", file=sys.stderr)
        return False
    shown = [m for m in MODES if all(m in modes for modes in results.values())]
    apps = sorted(results) if "safe" in shown else []
    if not apps:
        return False  # the chart compares the modes with the original: a run without the safe mode has none
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.8 / (len(shown) + 1)
    for ax, key, title in ((axes[0], "size_mb", "final image size (MB)"), (axes[1], "rebuild_seconds", "rebuild after a source change (s)")):
        series = [("original", [results[a]["safe"]["original"][key] or 0 for a in apps])]
        series += [(f"{mode} fixes", [results[a][mode]["rewritten"][key] or 0 for a in apps]) for mode in shown]
        for i, (label, values) in enumerate(series):
            ax.bar([x + (i - len(series) / 2 + 0.5) * width for x in range(len(apps))], values, width, label=label)
        ax.set_xticks(range(len(apps)), apps, rotation=35, ha="right")
        ax.set_title(title)
        ax.legend()
    fig.suptitle("dockerfix verify: example apps, before and after the rewrite")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apps", nargs="*", help="app folder names (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "images")
    parser.add_argument("--builder", default="auto")
    parser.add_argument("--report-only", action="store_true", help="rebuild the table and chart from the saved JSON")
    parser.add_argument("--modes", default=",".join(MODES), help="modes to run (others are read from saved reports when there are some): safe,unsafe,proven")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    apps = sorted(p for p in (HERE / "apps").iterdir() if (p / "Dockerfile").is_file() and (not args.apps or p.name in args.apps))
    results: dict[str, dict[str, dict]] = {}
    builder = None if args.report_only else detect(args.builder)
    for app in apps:
        if args.report_only:
            saved = {m: args.out / f"{app.name}.{m}.json" for m in MODES}
            if any(p.is_file() for p in saved.values()):
                results[app.name] = {m: json.loads(p.read_text()) for m, p in saved.items() if p.is_file()}
            continue
        print(f"{app.name}", file=sys.stderr, flush=True)
        results[app.name] = run_app(app, builder, args.out, tuple(m for m in args.modes.split(",") if m))
    text, changes = table(results)
    versus, proven_medians = comparison(results)
    medians = [
        f"- median image size change, {mode} fixes: {_cell(statistics.median(changes[f'{mode}_size']) if changes[f'{mode}_size'] else None, '%')}; "
        f"median rebuild time change: {_cell(statistics.median(changes[f'{mode}_rebuild']) if changes[f'{mode}_rebuild'] else None, '%')}"
        for mode in MODES
        if changes[f"{mode}_size"] or changes[f"{mode}_rebuild"]
    ]
    found = failures(results) or ["- none"]
    builder_name = next((r["builder"] for modes in results.values() for r in modes.values()), "?")
    document = "\n".join(
        [
            f"# Image benchmark ({builder_name}, {time.strftime('%Y-%m-%d')})",
            "",
            "## Original vs safe vs proven fixes",
            "",
            versus,
            "",
            *proven_medians,
            "",
            "## Every verification",
            "",
            text,
            "",
            *medians,
            "",
            "## Verification failures and unsafe fixes not proven",
            "",
            *found,
            "",
        ]
    )
    (args.out / "results.md").write_text(document)
    print(document)
    if results:
        chart(results, args.out / "results.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
