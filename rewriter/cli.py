"""The `dockerfix` command.

Why argparse and not typer (the design card's choice): the command must start
within twice hadolint's cold start (about 100 ms here), and `import typer`
alone costs 80-90 ms on this kind of machine, while argparse costs under 5.
rich is kept for what it does well (colour, tables) and imported only when
output goes to a terminal.

Exit codes, as in black and ruff: 0 nothing to change, 1 something would
change (or a diff was printed), 2 an error (bad input, bad usage); `--write`
exits 0 once it has written.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import Sequence

SUBCOMMANDS = ("rules", "explain")

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _main_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dockerfix",
        description="Rewrite Dockerfiles for faster builds and smaller images.",
        epilog=(
            "Subcommands: `dockerfix rules` lists the rules, `dockerfix explain ID` documents one. "
            "A file named like a subcommand: write ./rules or put it after --."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="Dockerfiles or folders to search (default: .); - for standard input")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff of the changes; exit 1 if there are any")
    mode.add_argument("--write", action="store_true", help="rewrite files in place")
    mode.add_argument("--check", action="store_true", help="print nothing; exit 1 if anything would change")
    parser.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change what the image contains")
    parser.add_argument("--select", type=_csv, action="extend", default=[], metavar="IDS", help="only these rules (code prefixes, comma-separated)")
    parser.add_argument("--ignore", type=_csv, action="extend", default=[], metavar="IDS", help="leave out these rules")
    parser.add_argument("--context", type=Path, metavar="DIR", help="build context (default: each Dockerfile's folder)")
    parser.add_argument("--cache-strategy", choices=("delete", "mount"), default="delete", help="remove package caches, or use BuildKit cache mounts")
    parser.add_argument("--no-color", action="store_true", help="never colour output")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


class _Outcome:
    def __init__(self) -> None:
        self.changed = False
        self.error = False


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return _subcommand(argv[0], argv[1:])
        return _run(_main_parser().parse_args(argv))
    except UsageError as exc:
        sys.stderr.write(f"dockerfix: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    if args.version:
        from importlib.metadata import version

        print(f"dockerfix {version('dockerfix')}")
        return EXIT_CLEAN
    from rewriter.context import Settings
    from rewriter.outputs import error_line, stderr

    settings = Settings(
        unsafe_fixes=args.unsafe_fixes,
        select=tuple(args.select),
        ignore=tuple(args.ignore),
        cache_strategy=args.cache_strategy,
    )
    try:
        from rewriter.rules import select_rules

        rules = select_rules(settings.select, settings.ignore)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.context is not None and not args.context.is_dir():
        stderr(error_line(str(args.context), None, "--context must be a folder (the build context)"))
        return EXIT_ERROR
    paths = args.paths or ["."]
    outcome = _Outcome()
    files: list[str] = []
    for raw in paths:
        if raw == "-":
            files.append("-")
            continue
        path = Path(raw)
        if path.is_dir():
            from rewriter.discovery import find_dockerfiles

            found = find_dockerfiles(path)
            if not found:
                stderr(error_line(raw, None, "is a folder with no Dockerfile below it"))
                outcome.error = True
            files.extend(str(p) for p in found)
        else:
            files.append(raw)
    for name in files:
        _process(name, args, settings, rules, outcome)
    if outcome.error:
        return EXIT_ERROR
    if outcome.changed and not args.write:
        return EXIT_CHANGES
    return EXIT_CLEAN


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def _process(name: str, args: argparse.Namespace, settings, rules, outcome: _Outcome) -> None:  # type: ignore[no-untyped-def]
    from rewriter.engine import FixError, fix_source
    from rewriter.outputs import error_line, format_diagnostic, stderr, unified_diff, use_color, write_diff
    from rewriter.rules import Applicability
    from rewriter.syntax import DockerfileSyntaxError

    display = "<stdin>" if name == "-" else name
    try:
        source = _read(name)
    except IsADirectoryError:
        stderr(error_line(display, None, "is a folder, not a Dockerfile"))
        outcome.error = True
        return
    except FileNotFoundError:
        stderr(error_line(display, None, "no such file or folder"))
        outcome.error = True
        return
    except PermissionError:
        stderr(error_line(display, None, "permission denied"))
        outcome.error = True
        return
    except OSError as exc:
        stderr(error_line(display, None, exc.strerror or str(exc)))
        outcome.error = True
        return
    dockerfile_path = None if name == "-" else Path(name)
    context_dir = args.context
    if context_dir is None:
        context_dir = Path.cwd() if name == "-" else dockerfile_path.resolve().parent  # type: ignore[union-attr]
    try:
        result = fix_source(
            source,
            path=display,
            settings=settings,
            context_dir=context_dir,
            dockerfile_path=dockerfile_path,
            rules=rules,
        )
    except DockerfileSyntaxError as exc:
        stderr(error_line(display, exc.line, exc.message))
        outcome.error = True
        return
    except FixError as exc:
        stderr(error_line(display, None, f"internal error: {exc}; file left unchanged"))
        outcome.error = True
        return
    for message in result.internal_errors:
        stderr(error_line(display, None, f"internal error: {message}"))
    if result.changed:
        outcome.changed = True
    threshold = Applicability.UNSAFE if settings.unsafe_fixes else Applicability.SAFE
    if args.check:
        return
    if args.diff:
        if result.changed:
            write_diff(unified_diff(display, result.source, result.output), sys.stdout, use_color(sys.stdout, args.no_color))
        return
    if name == "-" and not args.write:
        sys.stdout.buffer.write(result.output)
        sys.stdout.flush()
        return
    assert result.document is not None
    if args.write:
        if result.changed:
            _write_atomic(Path(name), result.output)
            stderr(f"fixed {display} ({len(result.applied)} fixes)")
        remaining = [d for d in result.diagnostics if d.fix is None or d.fix.applicability < threshold]
    else:
        remaining = result.diagnostics
    for diagnostic in remaining:
        print(format_diagnostic(display, result.document, diagnostic, threshold))


def _write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder and rename it over the original."""
    import tempfile

    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dockerfix", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _subcommand(name: str, argv: list[str]) -> int:
    from rewriter import catalogue

    if name == "rules":
        parser = _Parser(prog="dockerfix rules", description="List every rule.")
        parser.add_argument("--no-color", action="store_true")
        args = parser.parse_args(argv)
        return catalogue.print_rules(no_color=args.no_color)
    parser = _Parser(prog="dockerfix explain", description="Document one rule.")
    parser.add_argument("code", metavar="ID")
    args = parser.parse_args(argv)
    return catalogue.explain(args.code)


if __name__ == "__main__":
    sys.exit(main())
