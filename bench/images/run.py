"""Image benchmark: `dockerfix verify` on every example app, safe and unsafe fixes.

    .venv/bin/python bench/images/run.py [--out bench/out/images] [--builder auto] [APP...]

Each folder of `bench/images/apps/` is a small application written for this
repository with a Dockerfile "as found in the wild".  For each app and mode
the script runs the whole verification (cold builds, rebuild after a
source-only change, equivalence, blame) and keeps the JSON report; then it
writes `results.md` (a markdown table, the medians and every verification
failure) and `results.png` (image size and rebuild time, before and after;
needs matplotlib).  On a machine without a registry, prepare the base image
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
from rewriter.verify.report import to_json  # noqa: E402
from rewriter.verify.run import Inputs, rewrite, verify  # noqa: E402

MODES = ("safe", "unsafe")


def _verify(app: Path, mode: str, settings: Settings, builder, out: Path) -> tuple[dict, bytes]:  # type: ignore[no-untyped-def]
    inputs = Inputs(app / "Dockerfile", app, settings, progress=lambda m: print(f"  [{app.name} {mode}] {m}", file=sys.stderr, flush=True))
    output, _, _ = rewrite(inputs.dockerfile.read_bytes(), inputs)
    started = time.monotonic()
    report = to_json(verify(inputs, builder))
    report["wall_seconds"] = round(time.monotonic() - started, 1)
    return report, output


def run_app(app: Path, builder, out: Path, modes: tuple[str, ...] = MODES) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """Both modes; the unsafe run is skipped when it rewrites exactly as the safe one.

    When a fix moves to a base image this machine cannot pull (`verify` says
    so and exits 2), the mode is verified again without that fix, and the
    report says which fixes were left out.
    """
    reports: dict[str, dict] = {}
    outputs: dict[str, bytes] = {}
    for mode in MODES:
        saved = out / f"{app.name}.{mode}.json"
        if mode not in modes:
            if saved.is_file():  # a mode not asked for is read back from an earlier run, or left out
                reports[mode] = json.loads(saved.read_text())
                outputs[mode] = (out / f"{app.name}.{reports[mode].get('same_as') or mode}.Dockerfile").read_bytes()
            continue
        settings = Settings(unsafe_fixes=mode == "unsafe")
        output, _, _ = rewrite((app / "Dockerfile").read_bytes(), Inputs(app / "Dockerfile", app, settings))
        same = next((m for m, o in outputs.items() if o == output), None)
        if same is not None:
            reports[mode] = dict(reports[same], mode=mode, same_as=same)
        else:
            reports[mode], output = _verify(app, mode, settings, builder, out)
            unpullable = [c for c in reports[mode]["applied"] if c.startswith("DF3")]
            if reports[mode]["verdict"] == "error" and unpullable and any("could not be pulled" in e for e in reports[mode]["errors"]):
                first = reports[mode]
                settings = settings._replace(ignore=tuple(unpullable))
                reports[mode], output = _verify(app, mode, settings, builder, out)
                reports[mode]["left_out"] = {"fixes": unpullable, "because": first["errors"]}
            (out / f"{app.name}.{mode}.Dockerfile").write_bytes(output)
        outputs[mode] = output
        saved.write_text(json.dumps(reports[mode], indent=2))
    return reports


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


def failures(results: dict[str, dict[str, dict]]) -> list[str]:
    out = []
    for app, modes in sorted(results.items()):
        for mode, r in modes.items():
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
    apps = sorted(a for a in results if all(m in results[a] for m in MODES))
    if not apps:
        return False  # the chart compares both modes: a run of one mode has none
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.27
    for ax, key, title in ((axes[0], "size_mb", "final image size (MB)"), (axes[1], "rebuild_seconds", "rebuild after a source change (s)")):
        series = [
            ("original", [results[a]["safe"]["original"][key] or 0 for a in apps]),
            ("safe fixes", [results[a]["safe"]["rewritten"][key] or 0 for a in apps]),
            ("unsafe fixes", [results[a]["unsafe"]["rewritten"][key] or 0 for a in apps]),
        ]
        for i, (label, values) in enumerate(series):
            ax.bar([x + (i - 1) * width for x in range(len(apps))], values, width, label=label)
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
    parser.add_argument("--modes", default=",".join(MODES), help="modes to run (others are read from saved reports when there are some): safe,unsafe")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    apps = sorted(p for p in (HERE / "apps").iterdir() if (p / "Dockerfile").is_file() and (not args.apps or p.name in args.apps))
    results: dict[str, dict[str, dict]] = {}
    builder = None if args.report_only else detect(args.builder)
    for app in apps:
        if args.report_only:
            saved = {m: args.out / f"{app.name}.{m}.json" for m in MODES}
            if all(p.is_file() for p in saved.values()):
                results[app.name] = {m: json.loads(p.read_text()) for m, p in saved.items()}
            continue
        print(f"{app.name}", file=sys.stderr, flush=True)
        results[app.name] = run_app(app, builder, args.out, tuple(m for m in args.modes.split(",") if m))
    text, changes = table(results)
    medians = [
        f"- median image size change, {mode} fixes: {_cell(statistics.median(changes[f'{mode}_size']) if changes[f'{mode}_size'] else None, '%')}; "
        f"median rebuild time change: {_cell(statistics.median(changes[f'{mode}_rebuild']) if changes[f'{mode}_rebuild'] else None, '%')}"
        for mode in MODES
    ]
    found = failures(results) or ["- none"]
    builder_name = next((r["builder"] for modes in results.values() for r in modes.values()), "?")
    document = "\n".join(
        [f"# Image benchmark ({builder_name}, {time.strftime('%Y-%m-%d')})", "", text, "", *medians, "", "## Verification failures", "", *found, ""]
    )
    (args.out / "results.md").write_text(document)
    print(document)
    if results:
        chart(results, args.out / "results.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
