"""`dockerfix verify [PATH]`: what the command does with its options, and its exit codes.

Exit 0: every build succeeded and the images are equivalent (or nothing to
fix); 1: the rewrite failed verification (the report names the fix to
blame); 2: an error (no builder, the original does not build, a builder
limit, bad usage).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

EXIT_ERROR = 2


@dataclass(frozen=True)
class VerifyOptions:
    """What `dockerfix verify` was asked (its options are declared in `rewriter.cli`)."""

    path: Path = Path(".")
    builder: str = "auto"
    pull: str = "missing"
    format: str = "text"
    no_color: bool = False
    quiet: bool = False
    no_rebuild: bool = False
    no_blame: bool = False
    keep_images: bool = False
    smoke: str | None = None
    smoke_seconds: float = 5.0
    select: list[str] | None = None
    ignore: tuple[str, ...] | list[str] = ()
    config: Path | None = None
    isolated: bool = False
    unsafe_fixes: bool = False
    cache_strategy: str | None = None
    context: Path | None = None


def _dockerfile(path: Path) -> Path | None:
    if path.is_dir():
        for name in ("Dockerfile", "Containerfile", "dockerfile"):
            if (path / name).is_file():
                return path / name
        return None
    return path if path.is_file() else None


def main(argv: list[str]) -> int:
    """`dockerfix verify ARGV...`, parsed by the command line in `rewriter.cli`."""
    from rewriter.cli import invoke

    return invoke(["verify", *argv])


def run(args: VerifyOptions) -> int:
    from rewriter.config import ConfigError, settings_for
    from rewriter.verify.builders import BuilderError, detect
    from rewriter.verify.run import Inputs, verify

    dockerfile = _dockerfile(Path(args.path))
    if dockerfile is None:
        sys.stderr.write(f"dockerfix verify: error: {args.path}: no Dockerfile there\n")
        return EXIT_ERROR
    context = args.context or dockerfile.resolve().parent
    if not context.is_dir():
        sys.stderr.write(f"dockerfix verify: error: {context}: --context must be a folder\n")
        return EXIT_ERROR
    try:
        settings = settings_for(dockerfile, args)
    except ConfigError as exc:
        sys.stderr.write(f"dockerfix verify: error: {exc}\n")
        return EXIT_ERROR
    try:
        from rewriter.rules import select_rules

        select_rules(settings.select, settings.ignore)
    except ValueError as exc:
        sys.stderr.write(f"dockerfix verify: error: {exc}\n")
        return EXIT_ERROR
    try:
        builder = detect(args.builder, args.pull)
    except BuilderError as exc:
        sys.stderr.write(f"dockerfix verify: error: {exc}\n")
        return EXIT_ERROR
    progress = (lambda message: None) if args.quiet else (lambda message: sys.stderr.write(f"verify: {message}\n"))
    inputs = Inputs(
        dockerfile, context, settings, rebuild=not args.no_rebuild, blame=not args.no_blame, keep_images=args.keep_images,
        progress=progress, smoke=args.smoke, smoke_seconds=args.smoke_seconds,
    )
    try:
        result = verify(inputs, builder)
    except BuilderError as exc:
        sys.stderr.write(f"dockerfix verify: error: {exc}\n")
        return EXIT_ERROR
    except Exception as exc:  # a syntax error in the input, an engine failure
        from rewriter.engine import FixError
        from rewriter.syntax import DockerfileSyntaxError

        if isinstance(exc, (DockerfileSyntaxError, FixError)):
            sys.stderr.write(f"dockerfix verify: error: {dockerfile}: {exc}\n")
            return EXIT_ERROR
        raise
    if args.format == "json":
        from rewriter.verify.report import to_json

        json.dump(to_json(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from rich.console import Console

        from rewriter.verify.report import render

        render(result, Console(no_color=args.no_color, highlight=False))
    return result.exit_code
