"""What `--prove` shows while it builds: live progress on a terminal, plain lines everywhere else.

Proving a Dockerfile takes minutes (cold builds, snapshots, rebuilds), so a
silent command looks hung.  On a terminal a rich progress line shows the
verification under way, its current phase (which image is building, the
snapshot, the rebuild, the smoke check) and the time it has taken; each
finished verification stays above it as one line with its outcome.  In a
log (not a terminal, CI) the same events are plain lines with the time since
the proof of the file started, since a log cannot redraw a line.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TextIO

from rewriter.verify.prove import Progress, Silent


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class Lines:
    """One line per verification and per phase, each with the elapsed time: for logs."""

    def __init__(self, stream: TextIO, dockerfile: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.dockerfile, self.clock = stream, dockerfile, clock
        self.started = clock()
        self.steps = 0

    def _say(self, text: str) -> None:
        self.stream.write(f"prove: {self.dockerfile}: [{_clock(self.clock() - self.started)}] {text}\n")
        self.stream.flush()

    def step(self, label: str) -> None:
        self.steps += 1
        self._say(f"step {self.steps}: verifying {label}")

    def phase(self, message: str) -> None:
        self._say(f"  {message}")

    def ended(self, outcome: str) -> None:
        self._say(f"step {self.steps}: {outcome}")


class Live:
    """A rich progress line (spinner, step, phase, elapsed time); finished steps printed above it."""

    def __init__(self, console: Any, dockerfile: str) -> None:
        from rich.progress import Progress as RichProgress
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console, self.dockerfile = console, dockerfile
        self.bar = RichProgress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("[dim]{task.fields[phase]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task: Any = None
        self.steps = 0
        self.started = self.step_started = time.monotonic()

    def __enter__(self) -> Live:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()
        self.console.print(f"[dim]prove: {self.dockerfile}: {self.steps} verification(s) in {_clock(time.monotonic() - self.started)}[/]", highlight=False)

    def step(self, label: str) -> None:
        self.steps += 1
        self.step_started = time.monotonic()
        self.task = self.bar.add_task(f"{self.dockerfile} · step {self.steps}: {label}", phase="", total=None)

    def phase(self, message: str) -> None:
        if self.task is not None:
            self.bar.update(self.task, phase=message)

    def ended(self, outcome: str) -> None:
        mark = "[green]✓[/]" if outcome in ("verified", "unchanged") else "[red]✗[/]"
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None
        description = f"{self.dockerfile} · step {self.steps}"
        self.bar.console.print(f"{mark} {description}: {outcome} [dim]({_clock(time.monotonic() - self.step_started)})[/]", highlight=False)


@contextmanager
def progress_for(stream: TextIO, dockerfile: str, *, quiet: bool = False, no_color: bool = False) -> Iterator[Progress]:
    """Live progress on a terminal, plain lines elsewhere, none with --quiet (the verdicts are still printed)."""
    if quiet:
        yield Silent()
        return
    if not stream.isatty():
        yield Lines(stream, dockerfile)
        return
    from rich.console import Console

    with Live(Console(file=stream, no_color=no_color, highlight=False), dockerfile) as live:
        yield live
