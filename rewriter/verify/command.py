"""`dockerfix verify [PATH]`: argument parsing and exit codes.

Exit 0: every build succeeded and the images are equivalent (or nothing to
fix); 1: the rewrite failed verification (the report names the fix to
blame); 2: an error (no builder, the original does not build, a builder
limit, bad usage).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_ERROR = 2


from rewriter.cli import Parser, UsageError, add_fix_options  # noqa: E402  (argparse only)


def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="dockerfix verify",
        description=(
            "Build the original and the rewritten Dockerfile in a temporary copy of the build context, "
            "compare the final images and report measured savings."
        ),
        epilog="Exit codes: 0 verified (or nothing to fix), 1 a rewrite failed verification, 2 error.",
    )
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="a Dockerfile, or a folder holding one (default: .)")
    add_fix_options(p, context_help="build context (default: the Dockerfile's folder)")
    p.add_argument("--builder", choices=("auto", "docker", "podman", "buildah"), default="auto", help="image builder (default: the first of docker, podman, buildah that works)")
    p.add_argument("--pull", choices=("missing", "never", "always"), default="missing", help="when to pull base images (default: missing)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-rebuild", action="store_true", help="skip the rebuild after a source change")
    p.add_argument("--no-blame", action="store_true", help="do not rebuild fix by fix to find the one to blame")
    p.add_argument("--keep-images", action="store_true", help="keep the built images (tagged localhost/dockerfix-verify-*)")
    p.add_argument("--no-color", action="store_true", help="never colour output")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    return p


def _dockerfile(path: Path) -> Path | None:
    if path.is_dir():
        for name in ("Dockerfile", "Containerfile", "dockerfile"):
            if (path / name).is_file():
                return path / name
        return None
    return path if path.is_file() else None


def main(argv: list[str]) -> int:
    try:
        args = parser().parse_args(argv)
    except UsageError as exc:
        sys.stderr.write(f"dockerfix verify: error: {exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_ERROR
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
    inputs = Inputs(dockerfile, context, settings, rebuild=not args.no_rebuild, blame=not args.no_blame, keep_images=args.keep_images, progress=progress)
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
    if args.json:
        from rewriter.verify.report import to_json

        json.dump(to_json(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from rich.console import Console

        from rewriter.verify.report import render

        render(result, Console(no_color=args.no_color, highlight=False))
    return result.exit_code
