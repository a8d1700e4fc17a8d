"""The `dockerfix` command, on typer.

    dockerfix [OPTIONS] [PATH]...        check or fix Dockerfiles (the default command)
    dockerfix rules | explain ID | pr | verify | completion SHELL

The default command takes paths next to the subcommands, as ruff and black
do: the first word picks a subcommand only when it names one, and a file
named like a subcommand is reached as `./rules` or after `--`
(`DefaultCommandGroup`).  click's usage box and typer's rich error panel are
replaced by one line, `dockerfix: error: ...`, exit 2 (`invoke`).

Exit codes, as in black and ruff: 0 nothing to change, 1 something would
change (or a diff was printed), 2 an error (bad input, bad usage, bad
configuration); `--write` exits 0 once it has written, and `--exit-zero`
turns 1 into 0.

Why typer: the design card asks for it, and it gives help, shell completion
and argument checking that were hand-written here before.  It was once left
out for a start-up goal of twice hadolint's cold start; that goal is
retired for a budget of 150 ms (`bench/speed.py`), which typer fits:
`import typer` does not import rich (help and errors would, and errors
never reach it here), and the modules of `pr` and `verify` are imported only
when those commands run.  rich still colours diffs and tables, imported only
when output goes to a terminal.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, Optional, Sequence, TextIO

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from rewriter.config import Config
    from rewriter.context import Settings
    from rewriter.engine import Result
    from rewriter.rules import Rule

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2

# Help panels (`dockerfix --help`).
OUTPUT, RULE_SELECTION, FIXES, CONTEXT = "Output", "Rule selection", "Fixes", "Context"


class UsageError(Exception):
    """Bad command-line words; reported as one line, exit 2 (shared by every subcommand)."""


def csv_list(values: Sequence[str] | None) -> list[str]:
    """`--select A,B --select C` -> [A, B, C]: options that take lists take them comma-separated and repeated."""
    return [item.strip() for value in values or () for item in value.split(",") if item.strip()]


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class CacheStrategy(str, Enum):
    delete = "delete"
    mount = "mount"


# -- the command line's grammar -------------------------------------------------------


class DefaultCommandGroup(TyperGroup):
    """A group whose own callback is the default command, `dockerfix [PATH]...`.

    click's groups read their arguments up to the first word that is not an
    option and take that word as a subcommand's name.  Here the first word
    names a subcommand only when it is one (`dockerfix rules`); otherwise
    every word belongs to the default command, options and paths in any
    order, `--` ending the options (`dockerfix --check ./rules`,
    `dockerfix --check -- rules`).  When a subcommand runs, the group's own
    parameters keep their defaults and its PATH argument is left out, so that
    it cannot swallow the subcommand's name.
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        ctx.meta[_SUBCOMMAND] = bool(args) and args[0] in self.commands
        if not ctx.meta[_SUBCOMMAND]:
            ctx.allow_interspersed_args = True
        return super().parse_args(ctx, args)

    def get_params(self, ctx: typer.Context) -> list[Any]:
        params = super().get_params(ctx)
        if ctx.meta.get(_SUBCOMMAND):
            params = [param for param in params if param.name != "paths"]
        return params


_SUBCOMMAND = "dockerfix.subcommand"


def _complete_first_word(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The subcommands, while the first word is typed; else nothing, so the shell offers files."""
    group = ctx.command
    assert isinstance(group, TyperGroup)
    if ctx.params.get("paths"):
        return []  # a path came first
    sources = (ctx.get_parameter_source(name) for name in ctx.params if name != "paths")  # typer 0.26 marks an empty PATH as given
    if any(source is not None and source.name == "COMMANDLINE" for source in sources):
        return []  # an option came first: the words are paths
    return [(name, command.get_short_help_str()) for name, command in group.commands.items() if not command.hidden]


app = typer.Typer(
    cls=DefaultCommandGroup,
    name="dockerfix",
    epilog="A file named like a subcommand: write ./rules or put it after --.",
    invoke_without_command=True,
    no_args_is_help=False,
    subcommand_metavar="| COMMAND [ARGS]...",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


# Options shared by the default command, `pr` and `verify` (the context's help differs).
UnsafeFixes = Annotated[bool, typer.Option("--unsafe-fixes", help="Also apply fixes that may change what the image contains.", rich_help_panel=FIXES)]
CacheStrategyOption = Annotated[
    Optional[CacheStrategy],
    typer.Option("--cache-strategy", help="Remove package caches (default), or use BuildKit cache mounts.", rich_help_panel=FIXES, show_default=False),
]
Select = Annotated[
    Optional[list[str]],
    typer.Option("--select", metavar="IDS", help="Only these rules (code prefixes, comma-separated).", rich_help_panel=RULE_SELECTION, show_default=False),
]
Ignore = Annotated[
    Optional[list[str]],
    typer.Option("--ignore", metavar="IDS", help="Leave out these rules.", rich_help_panel=RULE_SELECTION, show_default=False),
]
ConfigFile = Annotated[
    Optional[Path],
    typer.Option("--config", metavar="FILE", help="Use this .dockerfix.toml or pyproject.toml instead of searching.", rich_help_panel=RULE_SELECTION, show_default=False),
]
Isolated = Annotated[bool, typer.Option("--isolated", help="Ignore configuration files.", rich_help_panel=RULE_SELECTION)]
NoColor = Annotated[bool, typer.Option("--no-color", help="Never colour output.", rich_help_panel=OUTPUT)]


def fix_flags(
    select: list[str] | None, ignore: list[str] | None, unsafe_fixes: bool, cache_strategy: CacheStrategy | None
) -> dict[str, Any]:
    """The fix options as `config.settings_for` reads them, the same for every command that fixes."""
    return {
        "select": csv_list(select) or None,  # None: the configuration decides
        "ignore": csv_list(ignore),
        "unsafe_fixes": unsafe_fixes,
        "cache_strategy": cache_strategy.value if cache_strategy else None,
    }


class Builder(str, Enum):
    auto = "auto"
    docker = "docker"
    podman = "podman"
    buildah = "buildah"


@dataclass(frozen=True)
class Options:
    """What the default command was asked to do (read by `config.settings_for` too)."""

    paths: list[str]
    diff: bool = False
    write: bool = False
    check: bool = False
    format: str = "text"
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    unsafe_fixes: bool = False
    context: Path | None = None
    cache_strategy: str | None = None
    statistics: bool = False
    quiet: bool = False
    exit_zero: bool = False
    config: Path | None = None
    isolated: bool = False
    no_color: bool = False
    prove: bool = False
    builder: str = "auto"


def _print_version(value: bool) -> None:
    if value:
        print(f"dockerfix {version()}")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def check_or_fix(
    ctx: typer.Context,
    paths: Annotated[
        Optional[list[str]],
        typer.Argument(
            metavar="[PATH]...",
            help="Dockerfiles or folders to search (default: .); - for standard input.",
            show_default=False,
            autocompletion=_complete_first_word,
        ),
    ] = None,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of the changes; exit 1 if there are any.", rich_help_panel=OUTPUT)] = False,
    write: Annotated[bool, typer.Option("--write", help="Rewrite files in place.", rich_help_panel=OUTPUT)] = False,
    check: Annotated[bool, typer.Option("--check", help="Print nothing; exit 1 if anything would change.", rich_help_panel=OUTPUT)] = False,
    output_format: Annotated[Format, typer.Option("--format", help="How to report diagnostics.", rich_help_panel=OUTPUT)] = Format.text,
    statistics: Annotated[bool, typer.Option("--statistics", help="Count diagnostics per rule.", rich_help_panel=OUTPUT)] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors (and diffs or fixed text).", rich_help_panel=OUTPUT)] = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when something would change.", rich_help_panel=OUTPUT)] = False,
    no_color: NoColor = False,
    select: Select = None,
    ignore: Ignore = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    unsafe_fixes: UnsafeFixes = False,
    cache_strategy: CacheStrategyOption = None,
    prove: Annotated[
        bool,
        typer.Option("--prove", help="Also apply the unsafe fixes that building both images proves (see `dockerfix verify`).", rich_help_panel=FIXES),
    ] = False,
    builder: Annotated[Builder, typer.Option("--builder", help="Image builder for --prove.", rich_help_panel=FIXES)] = Builder.auto,
    context: Annotated[
        Optional[Path],
        typer.Option("--context", metavar="DIR", help="Build context (default: each Dockerfile's folder).", rich_help_panel=CONTEXT, show_default=False),
    ] = None,
    show_version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version)] = False,
) -> int | None:
    """Rewrite Dockerfiles for faster builds and smaller images.

    Lists what would change, prints a diff (--diff), rewrites the files
    (--write), or prints nothing (--check).  Exit 0: nothing to change;
    1: something would change; 2: an error.
    """
    if ctx.invoked_subcommand is not None:
        return None
    if diff + write + check > 1:
        raise UsageError("choose one of --diff, --write and --check")
    if prove and unsafe_fixes:
        raise UsageError("--prove applies the unsafe fixes a build proves; --unsafe-fixes applies them all: choose one")
    options = Options(
        paths=list(paths or ()),
        diff=diff,
        write=write,
        check=check,
        format=output_format.value,
        context=context,
        statistics=statistics,
        quiet=quiet,
        exit_zero=exit_zero,
        config=config,
        isolated=isolated,
        no_color=no_color,
        prove=prove,
        builder=builder.value,
        **fix_flags(select, ignore, unsafe_fixes, cache_strategy),
    )
    return _run(options)


# -- running it ----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """The `dockerfix` console script (and, with `argv`, the same in-process)."""
    return invoke(list(sys.argv[1:] if argv is None else argv))


def invoke(argv: list[str], *, obj: Any = None, stderr: TextIO | None = None) -> int:
    """Run the command line `dockerfix ARGV...` and return its exit code.

    Usage errors become one line on `stderr`, `PROGRAM: error: MESSAGE`
    (PROGRAM is `dockerfix` or `dockerfix SUBCOMMAND`), exit 2: click's
    usage box is for people who read help, not for hooks and CI logs.
    `obj` reaches the subcommands as `ctx.obj` (the `pr` tests inject their
    streams and clock through it).
    """
    from typer._click.exceptions import ClickException, UsageError as ClickUsageError  # typer >= 0.26 vendors click

    err = stderr or sys.stderr
    try:
        code = command().main(argv, prog_name="dockerfix", standalone_mode=False, obj=obj)
    except ClickUsageError as exc:
        program = exc.ctx.command_path if exc.ctx is not None else "dockerfix"
        err.write(f"{program}: error: {_one_line(exc.format_message())}\n")
        return EXIT_ERROR
    except ClickException as exc:
        err.write(f"dockerfix: error: {_one_line(exc.format_message())}\n")
        return EXIT_ERROR
    except UsageError as exc:
        err.write(f"dockerfix: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:  # inside the command typer makes it exit 130 itself; this is for shell completion
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    return EXIT_CLEAN if code is None else int(code)


@functools.cache
def command() -> Any:
    """The click command typer builds from `app` (built once: it reads every command's signature)."""
    return typer.main.get_command(app)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _run(args: Options) -> int:
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


class FileReport(NamedTuple):
    """What happened to one file: a result, or an error (line may be unknown)."""

    path: str
    result: Result | None = None
    error_line: int | None = None
    error: str | None = None


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


def _settings(name: str, args: Options) -> Settings:
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
    from rewriter.files import read_dockerfile

    if name == "-":
        return sys.stdin.buffer.read()
    return read_dockerfile(Path(name))


def _process(name: str, args: Options) -> FileReport:
    from rewriter.config import ConfigError
    from rewriter.engine import FixError, fix_source
    from rewriter.outputs import display_path, result_diff, use_color, write_diff
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
    if args.prove:
        if dockerfile_path is None:
            return FileReport(display, error="--prove builds images: it needs a Dockerfile path, not standard input")
        try:
            settings = _proven_settings(dockerfile_path, context_dir, settings, args)
        except DockerfileSyntaxError as exc:
            return FileReport(display, error_line=exc.line, error=exc.message)
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
        write_diff(result_diff(display, result), sys.stdout, use_color(sys.stdout, args.no_color))
    elif name == "-" and not (args.write or args.check or args.diff):
        sys.stdout.buffer.write(result.output)
        sys.stdout.flush()
    elif args.write and result.changed and name != "-":
        from rewriter.files import LeftAlone, create_all, write_atomic, write_target
        from rewriter.outputs import error_line, plural, stderr

        try:
            target = write_target(Path(name), [Path(p) for p in args.paths or ["."] if os.path.isdir(p)])
            created = create_all(result.created)  # first: the Dockerfile's fixes may count on them
            if result.output != result.source:
                write_atomic(target, result.output)
        except LeftAlone as exc:
            stderr(error_line(display, None, f"notice: {exc}"))
            return FileReport(display, result)
        except OSError as exc:
            where = display_path(str(exc.filename)) if exc.filename else display
            return FileReport(display, error=f"cannot write {where}: {exc.strerror or exc}; left unchanged")
        if not args.quiet:
            also = "".join(f", created {display_path(str(path))}" for path in created)
            sys.stderr.write(f"fixed {display} ({plural(len(result.applied), 'fix', 'fixes')}{also})\n")
    return FileReport(display, result)


def _proven_settings(dockerfile: Path, context: Path, settings: Settings, args: Options) -> Settings:
    """`settings` trusting the unsafe fixes real builds proved (`rewriter.verify.prove`), each verdict said on stderr.

    While it builds: live progress on a terminal, plain lines in a log (`rewriter.verify.progress`).

    Without a builder that works here, every unsafe fix is "not provable" and the safe fixes alone apply.
    """
    from rewriter.verify.builders import BuilderError, detect
    from rewriter.verify.progress import progress_for
    from rewriter.verify.prove import PROVEN, not_provable, prove, trusting_proven

    try:
        builder = detect(args.builder)
        with progress_for(sys.stderr, str(dockerfile), quiet=args.quiet, no_color=args.no_color) as progress:
            proofs = prove(dockerfile, context, settings, builder, progress=progress).proofs
    except BuilderError as exc:
        proofs = not_provable(dockerfile, context, settings, str(exc).splitlines()[0])
    for proof in proofs:  # the verdicts, even with --quiet: they say why the file has fewer fixes than --unsafe-fixes
        detail = f": {proof.why}" if proof.why else ""
        sys.stderr.write(f"prove: {dockerfile}: {proof.rule} {proof.verdict}{detail}\n")
        if proof.log_tail and proof.verdict != PROVEN:
            sys.stderr.write("  " + proof.log_tail.replace("\n", "\n  ") + "\n")
    return trusting_proven(settings, proofs)


def _finish(args: Options, reports: list[FileReport]) -> int:
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


# -- subcommands ---------------------------------------------------------------------------


class RulesFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command("rules")
def rules_command(
    output_format: Annotated[RulesFormat, typer.Option("--format", help="Text, JSON, or the Markdown of docs/rules.md.")] = RulesFormat.text,
    no_color: NoColor = False,
) -> int:
    """List every rule."""
    from rewriter import catalogue

    return catalogue.print_rules(output_format.value, no_color=no_color)


@app.command("explain")
def explain_command(code: Annotated[str, typer.Argument(metavar="ID", help="A rule's code (DF201) or name (pip-install-cache).")]) -> int:
    """Document one rule."""
    from rewriter import catalogue

    return catalogue.explain(code)


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command("completion")
def completion_command(shell: Annotated[Shell, typer.Argument(help="The shell to print the script for.")]) -> int:
    """Print the shell completion script (the same as --show-completion SHELL).

    \b
        eval "$(dockerfix completion bash)"      # ~/.bashrc
        dockerfix completion zsh > "${fpath[1]}/_dockerfix"
        dockerfix completion fish > ~/.config/fish/completions/dockerfix.fish
    """
    from typer.completion import shell_complete

    return shell_complete(command(), {}, "dockerfix", COMPLETE_VAR, f"source_{shell.value}")


COMPLETE_VAR = "_DOCKERFIX_COMPLETE"  # typer's name for it: _{PROG}_COMPLETE


class VerifyFormat(str, Enum):
    text = "text"
    json = "json"


class Pull(str, Enum):
    missing = "missing"
    never = "never"
    always = "always"


@app.command("verify", epilog="Exit codes: 0 verified (or nothing to fix), 1 a rewrite failed verification, 2 error.")
def verify_command(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A Dockerfile, or a folder holding one (default: .).", show_default=False)] = Path("."),
    builder: Annotated[Builder, typer.Option("--builder", help="Image builder (default: the first of docker, podman, buildah that works).")] = Builder.auto,
    pull: Annotated[Pull, typer.Option("--pull", help="When to pull base images.")] = Pull.missing,
    output_format: Annotated[VerifyFormat, typer.Option("--format", help="How to print the report.", rich_help_panel=OUTPUT)] = VerifyFormat.text,
    json_alias: Annotated[bool, typer.Option("--json", help="The same as --format json.", rich_help_panel=OUTPUT)] = False,
    no_color: NoColor = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.", rich_help_panel=OUTPUT)] = False,
    no_rebuild: Annotated[bool, typer.Option("--no-rebuild", help="Skip the rebuild after a source change.")] = False,
    no_blame: Annotated[bool, typer.Option("--no-blame", help="Do not rebuild fix by fix to find the one to blame.")] = False,
    keep_images: Annotated[bool, typer.Option("--keep-images", help="Keep the built images (tagged localhost/dockerfix-verify-*) and their build cache.")] = False,
    smoke: Annotated[
        Optional[str],
        typer.Option("--smoke", metavar="CMD", help="A shell command to run in both images instead of the image's own; exit status and output must match.", show_default=False),
    ] = None,
    smoke_seconds: Annotated[float, typer.Option("--smoke-seconds", metavar="S", help="How long the smoke command may run (a server still running then counts as running).")] = 5.0,
    select: Select = None,
    ignore: Ignore = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    unsafe_fixes: UnsafeFixes = False,
    cache_strategy: CacheStrategyOption = None,
    context: Annotated[
        Optional[Path],
        typer.Option("--context", metavar="DIR", help="Build context (default: the Dockerfile's folder).", rich_help_panel=CONTEXT, show_default=False),
    ] = None,
) -> int:
    """Build the original and the rewritten Dockerfile in a temporary copy of the build context, compare the final images and report measured savings."""
    from rewriter.verify.command import VerifyOptions, run

    return run(
        VerifyOptions(
            path=path,
            builder=builder.value,
            pull=pull.value,
            format="json" if json_alias else output_format.value,
            no_color=no_color,
            quiet=quiet,
            no_rebuild=no_rebuild,
            no_blame=no_blame,
            keep_images=keep_images,
            smoke=smoke,
            smoke_seconds=smoke_seconds,
            config=config,
            isolated=isolated,
            context=context,
            **fix_flags(select, ignore, unsafe_fixes, cache_strategy),
        )
    )


@app.command("pr")
def pr_command(
    ctx: typer.Context,
    path: Annotated[
        str,
        typer.Argument(metavar="PATH", help="A checkout, or a folder or Dockerfile in it (default: .); with --repo, relative to the clone.", show_default=False),
    ] = ".",
    repo: Annotated[Optional[str], typer.Option("--repo", metavar="OWNER/NAME", help="Clone this GitHub repository into a temporary folder and work there.", show_default=False)] = None,
    base: Annotated[Optional[str], typer.Option("--base", metavar="BRANCH", help="The branch to fix and to open the pull request against (default: the repository's default branch).", show_default=False)] = None,
    branch: Annotated[Optional[str], typer.Option("--branch", metavar="NAME", help="The bot's branch (default: dockerfix/BASE).", show_default=False)] = None,
    remote: Annotated[str, typer.Option("--remote", metavar="NAME", help="The git remote of the GitHub repository.")] = "origin",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the branch, commit message, pull request and diff; touch no remote and no API.")] = False,
    draft: Annotated[bool, typer.Option("--draft", help="Open the pull request as a draft.")] = False,
    labels: Annotated[Optional[list[str]], typer.Option("--labels", metavar="NAMES", help="Labels for the pull request (comma-separated).", show_default=False)] = None,
    reviewers: Annotated[Optional[list[str]], typer.Option("--reviewers", metavar="LOGINS", help="Reviewers to request: logins or ORG/TEAM (comma-separated).", show_default=False)] = None,
    api_url: Annotated[
        Optional[str],
        typer.Option("--api-url", metavar="URL", help="GitHub API root (default: $GITHUB_API_URL or https://api.github.com; Enterprise: https://HOST/api/v3).", show_default=False),
    ] = None,
    token_env: Annotated[str, typer.Option("--token-env", metavar="NAME", help="The environment variable that holds the token.")] = "GITHUB_TOKEN",
    author: Annotated[Optional[str], typer.Option("--author", metavar="'NAME <EMAIL>'", help="Author of the commit (default: git's user.name/user.email, else dockerfix).", show_default=False)] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the git commands and API requests.", rich_help_panel=OUTPUT)] = False,
    output_format: Annotated[
        VerifyFormat, typer.Option("--format", help="What to print: the pull request's URL (text), or everything the run did (json).", rich_help_panel=OUTPUT)
    ] = VerifyFormat.text,
    no_color: NoColor = False,
    select: Select = None,
    ignore: Ignore = None,
    isolated: Isolated = False,
    unsafe_fixes: UnsafeFixes = False,
    prove: Annotated[
        bool,
        typer.Option("--prove", help="Also apply the unsafe fixes that building both images proves; the body shows the measured figures.", rich_help_panel=FIXES),
    ] = False,
    builder: Annotated[Builder, typer.Option("--builder", help="Image builder for --prove.", rich_help_panel=FIXES)] = Builder.auto,
    cache_strategy: CacheStrategyOption = None,
    context: Annotated[
        Optional[Path],
        typer.Option(
            "--context",
            metavar="DIR",
            help="Build context for every Dockerfile, relative to the repository root (default: each Dockerfile's folder).",
            rich_help_panel=CONTEXT,
            show_default=False,
        ),
    ] = None,
) -> int:
    """Fix the Dockerfiles of a GitHub repository and open (or update) a pull request with the fixes.

    Works on the remote base branch; never changes your checkout.  The
    configuration is the repository's own, read from the base branch (so
    there is no --config).
    """
    from rewriter.bot.command import PrOptions, Surroundings, deliver

    if prove and unsafe_fixes:
        raise UsageError("--prove applies the unsafe fixes a build proves; --unsafe-fixes applies them all: choose one")
    options = PrOptions(
        path=path,
        repo=repo,
        base=base,
        branch=branch,
        remote=remote,
        dry_run=dry_run,
        draft=draft,
        labels=csv_list(labels),
        reviewers=csv_list(reviewers),
        api_url=api_url,
        token_env=token_env,
        author=author,
        verbose=verbose,
        isolated=isolated,
        context=context,
        prove=prove,
        builder=builder.value,
        format=output_format.value,
        no_color=no_color,
        **fix_flags(select, ignore, unsafe_fixes, cache_strategy),
    )
    return deliver(options, ctx.obj if isinstance(ctx.obj, Surroundings) else Surroundings())


if __name__ == "__main__":
    sys.exit(main())
