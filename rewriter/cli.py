"""The `dockerfix` command.

Why argparse and not typer (the design card's choice): the command must start
within twice hadolint's cold start (about 100 ms here), and `import typer`
alone costs 80-90 ms on this kind of machine, while argparse costs under 5.
rich is kept for what it does well (colour, tables) and imported only when
output goes to a terminal.

Exit codes, as in black and ruff: 0 nothing to change, 1 something would
change (or a diff was printed), 2 an error (bad input, bad usage, bad
configuration); `--write` exits 0 once it has written, and `--exit-zero`
turns 1 into 0.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Sequence

if TYPE_CHECKING:
    from rewriter.config import Config
    from rewriter.context import Settings
    from rewriter.engine import Result
    from rewriter.rules import Rule

SUBCOMMANDS = ("rules", "explain", "completion", "pr", "verify")
FORMATS = ("text", "json", "sarif", "github")

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad command-line words; reported as one line, exit 2 (shared by every subcommand)."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def csv_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def add_fix_options(parser: argparse.ArgumentParser, *, context_help: str, config: bool = True) -> None:
    """The options that choose which fixes run, the same for `dockerfix`, `pr` and `verify`.

    --select and --cache-strategy default to None so that configuration
    files decide unless the command line does (see `config.with_flags`).
    """
    parser.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change what the image contains")
    parser.add_argument("--select", type=csv_list, action="extend", metavar="IDS", help="only these rules (code prefixes, comma-separated)")
    parser.add_argument("--ignore", type=csv_list, action="extend", default=[], metavar="IDS", help="leave out these rules")
    parser.add_argument("--context", type=Path, metavar="DIR", help=context_help)
    parser.add_argument("--cache-strategy", choices=("delete", "mount"), help="remove package caches (default), or use BuildKit cache mounts")
    if config:
        parser.add_argument("--config", type=Path, metavar="FILE", help="use this .dockerfix.toml or pyproject.toml instead of searching")
    parser.add_argument("--isolated", action="store_true", help="ignore configuration files")


def main_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="dockerfix",
        description="Rewrite Dockerfiles for faster builds and smaller images.",
        epilog=(
            "Subcommands: rules, explain ID, completion SHELL, pr, verify. "
            "A file named like a subcommand: write ./rules or put it after --."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="Dockerfiles or folders to search (default: .); - for standard input")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff of the changes; exit 1 if there are any")
    mode.add_argument("--write", action="store_true", help="rewrite files in place")
    mode.add_argument("--check", action="store_true", help="print nothing; exit 1 if anything would change")
    add_fix_options(parser, context_help="build context (default: each Dockerfile's folder)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="how to report diagnostics (default: text)")
    parser.add_argument("--statistics", action="store_true", help="count diagnostics per rule")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors (and diffs or fixed text)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when something would change")
    parser.add_argument("--no-color", action="store_true", help="never colour output")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


class FileReport(NamedTuple):
    """What happened to one file: a result, or an error (line may be unknown)."""

    path: str
    result: Result | None = None
    error_line: int | None = None
    error: str | None = None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return _subcommand(argv[0], argv[1:])
        return _run(main_parser().parse_args(argv))
    except UsageError as exc:
        sys.stderr.write(f"dockerfix: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    if args.version:
        print(f"dockerfix {version()}")
        return EXIT_CLEAN
    from rewriter.config import ConfigError, load
    from rewriter.outputs import error_line, stderr

    if args.context is not None and not args.context.is_dir():
        stderr(error_line(str(args.context), None, "--context must be a folder (the build context)"))
        return EXIT_ERROR
    if args.config is not None and not args.isolated:
        try:
            load(args.config)  # a bad --config is one error, not one per file
        except ConfigError as exc:
            stderr(str(exc))
            return EXIT_ERROR
    reports: list[FileReport] = []
    for name in _expand_paths(args.paths or ["."], reports):
        reports.append(_process(name, args))
    return _finish(args, reports)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("dockerfix")
    except PackageNotFoundError:
        return "unknown"


def _expand_paths(paths: list[str], reports: list[FileReport]) -> list[str]:
    files: list[str] = []
    for raw in paths:
        path = Path(raw)
        if raw != "-" and path.is_dir():
            from rewriter.discovery import find_dockerfiles

            found = find_dockerfiles(path)
            if not found:
                reports.append(FileReport(raw, error="is a folder with no Dockerfile below it"))
            files.extend(str(p) for p in found)
        else:
            files.append(raw)
    return files


_config_cache: dict[Path, Config] = {}


def _settings(name: str, args: argparse.Namespace) -> Settings:
    """Configuration for this file, overridden by what the command line says."""
    from rewriter.config import settings_for

    return settings_for(None if name == "-" else Path(name), args, _config_cache)


def _rules(settings: Settings) -> list[Rule]:
    from rewriter.rules import cached_rules

    try:
        return cached_rules(settings.select, settings.ignore)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def _process(name: str, args: argparse.Namespace) -> FileReport:
    from rewriter.config import ConfigError
    from rewriter.engine import FixError, fix_source
    from rewriter.outputs import unified_diff, use_color, write_diff
    from rewriter.syntax import DockerfileSyntaxError

    display = "<stdin>" if name == "-" else name
    try:
        source = _read(name)
    except IsADirectoryError:
        return FileReport(display, error="is a folder, not a Dockerfile")
    except FileNotFoundError:
        return FileReport(display, error="no such file or folder")
    except PermissionError:
        return FileReport(display, error="permission denied")
    except OSError as exc:
        return FileReport(display, error=exc.strerror or str(exc))
    try:
        settings = _settings(name, args)
    except ConfigError as exc:
        return FileReport(str(exc.path), error=exc.message)
    dockerfile_path = None if name == "-" else Path(name)
    context_dir = args.context
    if context_dir is None:
        context_dir = Path.cwd() if dockerfile_path is None else dockerfile_path.resolve().parent
    try:
        result = fix_source(
            source,
            path=display,
            settings=settings,
            context_dir=context_dir,
            dockerfile_path=dockerfile_path,
            rules=_rules(settings),
        )
    except DockerfileSyntaxError as exc:
        return FileReport(display, error_line=exc.line, error=exc.message)
    except FixError as exc:
        return FileReport(display, error=f"internal error: {exc}; file left unchanged")
    if args.diff and result.changed:
        write_diff(unified_diff(display, result.source, result.output), sys.stdout, use_color(sys.stdout, args.no_color))
    elif name == "-" and not (args.write or args.check or args.diff):
        sys.stdout.buffer.write(result.output)
        sys.stdout.flush()
    elif args.write and result.changed and name != "-":
        try:
            _write_atomic(Path(name), result.output)
        except OSError as exc:
            return FileReport(display, error=f"cannot write: {exc.strerror or exc}")
        if not args.quiet:
            sys.stderr.write(f"fixed {display} ({len(result.applied)} fixes)\n")
    return FileReport(display, result)


def _finish(args: argparse.Namespace, reports: list[FileReport]) -> int:
    from rewriter import outputs

    for report in reports:
        if report.error is not None:
            outputs.stderr(outputs.error_line(report.path, report.error_line, report.error))
        elif report.result is not None:
            for message in report.result.internal_errors:
                outputs.stderr(outputs.error_line(report.path, None, f"internal error: {message}"))
    # Standard output carries one thing: a diff, the fixed text of standard
    # input, or the report (text only when not asked to be quiet).
    stdout_taken = args.diff or (len(reports) == 1 and reports[0].path == "<stdin>" and not args.write and not args.check)
    silent = args.format == "text" and (args.check or args.quiet)
    if not stdout_taken and not silent:
        sys.stdout.write(outputs.render(args.format, reports, only_remaining=args.write))
    if args.statistics:
        sys.stdout.write(outputs.statistics(reports))
    if any(r.error is not None for r in reports):
        return EXIT_ERROR
    changed = any(r.result is not None and r.result.changed for r in reports)
    if changed and not args.write and not args.exit_zero:
        return EXIT_CHANGES
    return EXIT_CLEAN


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
    if name == "pr":
        from rewriter import bot

        return bot.main(argv)
    if name == "verify":
        from rewriter import verify

        return verify.main(argv)
    if name == "completion":
        from rewriter.completion import main as completion

        return completion(argv)
    from rewriter import catalogue

    if name == "rules":
        parser = Parser(prog="dockerfix rules", description="List every rule.")
        parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
        parser.add_argument("--no-color", action="store_true")
        args = parser.parse_args(argv)
        return catalogue.print_rules(args.format, no_color=args.no_color)
    parser = Parser(prog="dockerfix explain", description="Document one rule.")
    parser.add_argument("code", metavar="ID")
    args = parser.parse_args(argv)
    return catalogue.explain(args.code)


if __name__ == "__main__":
    sys.exit(main())
