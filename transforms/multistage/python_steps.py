"""Python commands a build runs after installing its dependencies, and where they write.

The split copies the virtual environment and the application directory into the runtime stage; a RUN that
writes anywhere else would be lost.  These commands are run in the build stage as before, and what they write
outside those two folders is named (read from the project, never run) so that the runtime stage copies it:

- `manage.py collectstatic` (also `django-admin`, `python -m django`): STATIC_ROOT;
- `manage.py compilemessages`: `.mo` files beside the `.po` files under the working directory and in
  LOCALE_PATHS (see `transforms.multistage.django`);
- `python -m compileall DIR...` and `pybabel compile -d DIR`: beside the files of the folders named;
- model and corpus downloads (`python -m nltk.downloader`, `python -m spacy download`, and a build script that
  only imports and calls the downloaders listed in `data/multistage.toml`): into the venv, or a folder of the
  home directory.

A command of these tools whose output cannot be named is a decline whose message says what was not known.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, NamedTuple

from rewriter.shell import Command
from rewriter.syntax import Instruction
from transforms.multistage.common import VENV, Decline, Facts, absolute, flag_value, knowledge, under
from transforms.multistage.django import SETTINGS_ENV, Settings, dotted_name, manage_py_settings, setting_paths, settings_file

PYTHON = re.compile(r"python(\d+(\.\d+)?)?\Z")
"""A Python interpreter command (python, python3, python3.12)."""
_INTERPRETER_OPTIONS_WITH_VALUE = frozenset({"-W", "-X", "--check-hash-based-pycs"})


class Step(NamedTuple):
    """A known build step: the paths it writes outside the application directory and the venv, and what was read."""

    outputs: tuple[str, ...]
    read: str


def python_build_step(facts: Facts, ins: Instruction, command: Command) -> Step | None:
    """What a Python build-time command writes outside the application directory; None if it is none of the
    commands this module knows (the caller's general checks apply), Decline if its output cannot be named."""
    name = command.name or ""
    values = command.arg_values()
    if name == "manage.py":
        return _django(facts, ins, command, command.words[0].value, values)
    if name == "django-admin":
        return _django(facts, ins, command, None, values)
    if name == "pybabel" and values[:1] == ["compile"]:
        return _pybabel(facts, ins, command, values[1:])
    if not PYTHON.match(name):
        return None
    rest = _after_interpreter_options(values)
    if rest is None:
        return None
    if rest[:1] == ["-m"] and len(rest) > 1:
        module, args = rest[1], rest[2:]
        if module == "django":
            return _django(facts, ins, command, None, args)
        if module == "compileall":
            return _compileall(facts, ins, command, args)
        return _module_download(facts, ins, command, module, args)
    script = rest[0] if rest else None
    if script is None or script.startswith("-"):
        return None
    if PurePosixPath(script).name == "manage.py":
        return _django(facts, ins, command, script, rest[1:])
    return _script(facts, ins, command, script)


def _after_interpreter_options(values: list[str | None]) -> list[str] | None:
    """The interpreter's arguments after its own options (`-u`, `-W x`); None when one is computed or `-c`."""
    i = 0
    while i < len(values):
        value = values[i]
        if value is None or value == "-c":
            return None
        if value == "-m" or not value.startswith("-"):
            break
        i += 2 if value in _INTERPRETER_OPTIONS_WITH_VALUE else 1
    rest = values[i:]
    return None if any(v is None for v in rest) else [str(v) for v in rest]


def _cwd(facts: Facts, ins: Instruction, command: Command, what: str) -> str:
    """The directory the step runs in: the WORKDIR (the base image's counted), or where a `cd` before it in the
    same RUN went; Decline when that is not known."""
    cwd = next((d for i, c, d in facts.command_dirs() if i is ins and c is command), None)
    if cwd is None:
        raise Decline(f"line {ins.line}: `{what}` runs in a working directory that is not known")  # timid:
    return cwd


def _outside(facts: Facts, paths: list[str]) -> tuple[str, ...]:
    """The paths neither under the application directory nor in the venv (those are copied anyway)."""
    app = facts.app_dir or "//"
    return tuple(dict.fromkeys(p for p in paths if not under(p, app) and not under(p, VENV)))


def _as_root(facts: Facts, ins: Instruction, what: str) -> None:
    """Outputs are copied with `COPY --from` as root owns them; a step run as another USER would own them."""
    users = [i for i in facts.stage.instructions if i.name == "USER" and i.index < ins.index]
    if users and users[-1].args.text.strip().split(":", 1)[0] not in ("root", "0"):
        raise Decline(f"line {ins.line}: `{what}` runs as USER {users[-1].args.text.strip()}: who owns its output in the runtime stage is not known")  # timid:


def _option(args: list[str | None], names: tuple[str, ...]) -> str | None:
    """The value of `--name X` / `--name=X` in args; Decline when it is computed."""
    present, value = flag_value(args, names)
    if present and value is None:
        raise Decline(f"`{names[0]}` with a computed value")  # timid:
    return value


def _django(facts: Facts, ins: Instruction, command: Command, manage_py: str | None, args: list[str | None]) -> Step:
    """collectstatic and compilemessages; any other management command is a decline (its writes are not known)."""
    subcommand = next((a for a in args if a is None or not a.startswith("-")), None)
    shown = f"{'manage.py' if manage_py else 'django-admin'} {subcommand or ''}".strip()
    if subcommand not in ("collectstatic", "compilemessages"):
        raise Decline(f"line {ins.line}: `{shown}` may change files outside the application directory; what it writes is not known")  # timid:
    cwd = _cwd(facts, ins, command, shown)
    _as_root(facts, ins, shown)
    env = facts.command_env(ins, command)
    module = _option(args, ("--settings",)) or env.get(SETTINGS_ENV)
    roots = [cwd]
    script_dir = cwd
    if manage_py is not None:
        manage_path = absolute(manage_py, cwd) or manage_py
        script_dir = str(PurePosixPath(manage_path).parent)
        roots = [script_dir]
        if module is None and SETTINGS_ENV not in env:
            text = facts.context_text(manage_path)
            if text is None:
                raise Decline(f"line {ins.line}: `{manage_path}` is not a file the stage copied from the build context")  # timid:
            module = manage_py_settings(text)
            if module is None:
                raise Decline(f"line {ins.line}: `{manage_path}` does not name its settings module with one literal `os.environ.setdefault`")  # timid:
    if module is None:
        raise Decline(f"line {ins.line}: `{shown}`: DJANGO_SETTINGS_MODULE is not known")  # timid:
    extra = _option(args, ("--pythonpath",))
    python_path = [absolute(extra, cwd) or extra] if extra else []
    python_path += [absolute(p, cwd) or p for p in (env.get("PYTHONPATH") or "").split(":") if p]
    path = settings_file(facts, module, [*roots, *python_path])
    settings = Settings(facts, path, module, env)
    try:
        if subcommand == "collectstatic":
            written = setting_paths(facts, settings, "STATIC_ROOT", cwd)
            read = f"STATIC_ROOT {written[0]} (from {path})"
        else:
            written = _locale_paths(facts, settings, cwd)
            read = f"LOCALE_PATHS {', '.join(written) or '(none)'} (from {path})"
    except Decline as exc:
        raise Decline(f"line {ins.line}: `{shown}`: {exc}") from None
    return Step(_outside(facts, written), f"`{shown}` writes {read}")


def _locale_paths(facts: Facts, settings: Settings, cwd: str) -> list[str]:
    """compilemessages walks the working directory for `locale` folders and adds LOCALE_PATHS."""
    if not under(cwd, facts.app_dir or "//"):
        raise Decline(f"it walks {cwd}, outside the application directory {facts.app_dir}")  # timid:
    if "LOCALE_PATHS" not in settings.names and "LOCALE_PATHS" not in settings.unknown and settings.opaque is None:
        return []  # Django's default: no extra folders
    return setting_paths(facts, settings, "LOCALE_PATHS", cwd)


def _compileall(facts: Facts, ins: Instruction, command: Command, args: list[str]) -> Step:
    """`python -m compileall DIR...` writes __pycache__ beside the sources of each DIR (sys.path when none)."""
    with_value = {"-d", "-s", "-p", "-x", "-r", "-j", "-o", "-e", "--invalidation-mode"}
    paths: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in with_value:
            skip = True
        elif arg == "-i":
            raise Decline(f"line {ins.line}: `compileall -i` reads the list of files from a file")  # timid:
        elif not arg.startswith("-"):
            paths.append(absolute(arg, _cwd(facts, ins, command, "python -m compileall")) or arg)
    if not paths:
        raise Decline(f"line {ins.line}: `python -m compileall` without folders compiles every folder of sys.path, outside the application directory")  # timid:
    outside = _outside(facts, paths)
    if outside:
        raise Decline(f"line {ins.line}: `python -m compileall` compiles {', '.join(outside)}, outside the application directory")  # timid:
    return Step((), f"`python -m compileall` writes beside the sources in {', '.join(paths)}")


def _pybabel(facts: Facts, ins: Instruction, command: Command, args: list[str | None]) -> Step:
    """`pybabel compile -d DIR` (or `-o FILE`) writes the .mo files there."""
    try:
        output = _option(args, ("-o", "--output-file")) or _option(args, ("-d", "--directory"))
    except Decline as exc:
        raise Decline(f"line {ins.line}: `pybabel compile`: {exc}") from None
    if output is None:
        raise Decline(f"line {ins.line}: `pybabel compile` without -d or -o: its output is not known")  # timid:
    path = absolute(output, _cwd(facts, ins, command, "pybabel compile")) or output
    return Step(_outside(facts, [path]), f"`pybabel compile` writes {path}")


def _downloads() -> dict[str, str]:
    data: dict[str, str] = knowledge()["python_steps"]["downloads"]
    return data


def _download_target(facts: Facts, ins: Instruction, where: str, what: str) -> Step:
    """Where a downloader writes: "venv" (copied with it), or "~/DIR" under root's home."""
    if where == "venv":
        return Step((), f"`{what}` installs into the virtual environment")
    _as_root(facts, ins, what)
    path = "/root" + where[1:] if where.startswith("~/") else where
    return Step(_outside(facts, [path]), f"`{what}` writes {path}")


def _module_download(facts: Facts, ins: Instruction, command: Command, module: str, args: list[str]) -> Step | None:
    downloads = _downloads()
    key = f"{module} {args[0]}" if args and f"{module} {args[0]}" in downloads else module
    if key not in downloads:
        return None
    env = facts.context.env_at(ins)
    directory = _option(list(args), ("-d", "--dir"))
    if directory is not None:
        return Step(_outside(facts, [absolute(directory, _cwd(facts, ins, command, f"python -m {module}")) or directory]), f"`python -m {module}` writes {directory}")
    if key.startswith("nltk") and env.get("NLTK_DATA") is not None:
        raise Decline(f"line {ins.line}: `python -m {module}` with NLTK_DATA set: its download folder is not known")  # timid:
    return _download_target(facts, ins, downloads[key], f"python -m {key}")


def _script(facts: Facts, ins: Instruction, command: Command, script: str) -> Step | None:
    """A build script that only imports and calls known downloaders (a for loop over literals is fine); None when
    the script cannot be read (the caller's general check declines)."""
    try:
        cwd = _cwd(facts, ins, command, f"python {script}")
    except Decline:
        return None
    path = absolute(script, cwd) or script
    text = facts.context_text(path)
    shown = f"python {script}"
    if text is None:
        return None
    try:
        calls = _script_calls(text)
    except Decline as exc:
        raise Decline(f"line {ins.line}: `{shown}` runs code whose writes are not known ({PurePosixPath(path).name}:{exc})") from None
    outputs: list[str] = []
    read = []
    for call, download_dir in calls:
        if download_dir is not None:
            outputs += _outside(facts, [absolute(download_dir, cwd) or download_dir])
            read.append(f"`{call}` writes {download_dir}")
            continue
        step = _download_target(facts, ins, _downloads()[call], call)
        outputs += step.outputs
        read.append(step.read)
    return Step(tuple(dict.fromkeys(outputs)), f"`{shown}` only downloads: {'; '.join(dict.fromkeys(read)) or 'nothing'}")


def _script_calls(text: str) -> list[tuple[str, str | None]]:
    """The known downloader calls of a script, (qualified name, download_dir); Decline `LINE: `code`` otherwise."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        wrapper = MetadataWrapper(cst.parse_module(text))
    except Exception:  # noqa: BLE001 - libcst raises several error types
        raise Decline("1: not Python libcst can read") from None
    module = wrapper.module
    positions = wrapper.resolve(PositionProvider)
    downloads = _downloads()
    aliases: dict[str, str] = {}
    calls: list[tuple[str, str | None]] = []

    def unknown(node: Any) -> Decline:
        code = module.code_for_node(node).strip().splitlines()[0]
        return Decline(f"{positions[node].start.line}: `{code[:60]}`")

    def qualified(func: Any) -> str | None:
        dotted = dotted_name(func)
        if dotted is None:
            return None
        head, _, tail = dotted.partition(".")
        base = aliases.get(head, head)
        return f"{base}.{tail}" if tail else base

    def statements(body: Any) -> None:
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    simple(small)
            elif isinstance(statement, cst.If) and _is_main_guard(statement) and statement.orelse is None:
                statements(statement.body.body)
            elif isinstance(statement, cst.For) and isinstance(statement.iter, (cst.List, cst.Tuple)) and statement.orelse is None:
                if not all(isinstance(e.value, (cst.SimpleString, cst.ConcatenatedString)) for e in statement.iter.elements):
                    raise unknown(statement)
                statements(statement.body.body)
            else:
                raise unknown(statement)

    def simple(small: Any) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                dotted = dotted_name(alias.name) or ""
                bound = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else dotted.split(".")[0]
                aliases[bound] = dotted if alias.asname is not None else bound
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar) and not small.relative:
            source = dotted_name(small.module) or ""
            for alias in small.names:
                name = dotted_name(alias.name) or ""
                bound = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
                aliases[bound] = f"{source}.{name}"
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            name = qualified(small.value.func)
            if name not in downloads:
                raise unknown(small)
            directory = None
            for arg in small.value.args:
                if arg.keyword is not None and arg.keyword.value == "download_dir":
                    value = arg.value
                    if not isinstance(value, (cst.SimpleString, cst.ConcatenatedString)) or not isinstance(value.evaluated_value, str):
                        raise unknown(small)
                    directory = value.evaluated_value
                elif arg.keyword is not None or arg.star:
                    raise unknown(small)
            calls.append((name, directory))
        elif not isinstance(small, cst.Pass) and not (isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))):
            raise unknown(small)  # a docstring and `pass` do nothing

    statements(module.body)
    return calls


def _is_main_guard(node: Any) -> bool:
    import libcst as cst

    test = node.test
    return (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Equal)
        and isinstance(test.comparisons[0].comparator, cst.SimpleString)
        and test.comparisons[0].comparator.evaluated_value == "__main__"
    )
