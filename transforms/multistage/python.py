"""DF402's plan: dependencies in a venv, the slim image of the same Python, runtime libraries of the -dev packages."""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath

from rewriter.rules import Edit
from rewriter.shell import Command
from rewriter.syntax import Instruction
from transforms.base_images.knowledge import ImageRef
from transforms.base_images.knowledge import knowledge as base_knowledge
from transforms.base_images.stage import stage_config
from transforms.multistage.common import (
    APT,
    USER_TOOLS,
    VENV,
    Decline,
    Facts,
    Plan,
    Start,
    absolute,
    apt_line,
    check_redirects,
    check_run_command,
    check_start,
    check_start_command,
    check_user,
    check_dev_runtime_release,
    debian13_note,
    healthcheck_tools,
    image_facts,
    knowledge,
    is_alpine,
    newline,
    parse_shell_text,
    size_of,
    slim_tag,
    split_packages,
    under,
    user_setup_runs,
)
from transforms.multistage.compose import compose_commands
from transforms.multistage.python_steps import PYTHON, python_build_step


_PIP = re.compile(r"pip(\d+(\.\d+)?)?\Z")




def _pip_install(command: Command) -> list[str | None] | None:
    """Arguments after `install` for `pip install` / `python -m pip install`, else None."""
    values = command.arg_values()
    name = command.name or ""
    if _PIP.match(name):
        rest = values
    elif PYTHON.match(name) and values[:2] == ["-m", "pip"]:
        rest = values[2:]
    else:
        return None
    if rest and rest[0] == "install":
        return rest[1:]
    return None


def plan_python(facts: Facts) -> Plan | None:
    image = facts.image
    if image.repo != "python":
        return None
    pip_runs: list[Instruction] = []
    others: list[tuple[Instruction, Command]] = []
    tools_installing: set[str] = set()
    for ins, command in facts.commands():
        name = command.name or ""
        args = _pip_install(command)
        if args is not None:
            if command.words[0].value is not None and command.words[0].value.startswith("/") and _PIP.match(name):
                raise Decline(f"line {ins.line}: pip called by absolute path bypasses a virtual environment")  # timid:
            if any(a is not None and (a in ("--user", "--target", "-t", "--prefix", "--root", "--system") or a.startswith(("--target=", "--prefix=", "--root="))) for a in args):
                raise Decline(f"line {ins.line}: `pip install` into a chosen location")  # timid:
        elif _environment_install(facts, ins, command):
            tools_installing.add(name)
        elif _PIP.match(name) or (PYTHON.match(name) and command.arg_values()[:2] == ["-m", "pip"]) or _tool_configuration(command):
            continue
        else:
            others.append((ins, command))
            continue
        if not pip_runs or pip_runs[-1].index != ins.index:  # commands come in file order
            pip_runs.append(ins)
    if not pip_runs:
        return None
    if is_alpine(image):
        if any(c.name in ("apk", "apt-get") for _, c in others):
            raise Decline("Alpine packages: the -dev -> runtime library data is Debian's")  # timid:
        return None  # already the small image, and nothing compiled
    installed = facts.apt_packages()
    headers = _debian_python_headers(facts, installed)
    build_only, runtime_packages = split_packages([p for p in installed if p not in headers])
    build_only += headers
    version, suffix = image.split()
    full = "slim" not in suffix
    if not full and not build_only:
        return None  # nothing to gain: already slim and no compilers (the base-image pass covers the rest)
    facts.commit()
    replayed = _application_layout(facts, pip_runs, others)
    for ins, script in facts.runs:
        check_redirects(facts, ins, script)
    steps = []
    _check_cd(facts)
    for ins, command in others:
        if command.name == "cd":
            continue
        step = python_build_step(facts, ins, command)
        if step is None:
            check_run_command(facts, ins, command)
        else:
            steps.append(step)
    runtime = f"python:{slim_tag('python', image)}"
    check_dev_runtime_release(facts.context, runtime, [p for p in runtime_packages if p not in installed])
    commands, start_note = _start_commands(facts, runtime)
    tools = healthcheck_tools(facts)
    slim_missing = set(image_facts()["images"]["python"]["slim_drops"]["commands"])
    for words in commands:
        program = (words[0] or "").rsplit("/", 1)[-1]
        if (words[0] or "").startswith("/usr/local/bin/"):
            raise Decline(f"the container runs `{words[0]}` by absolute path, outside the virtual environment")  # timid:
        if program in slim_missing and program not in runtime_packages:
            raise Decline(f"the container runs `{program}`, which `{runtime}` does not have")  # timid:
    extra_tools = []
    for tool in tools:
        program = tool.rsplit("/", 1)[-1]
        if program in slim_missing and program not in runtime_packages:
            if program not in ("curl", "wget"):
                raise Decline(f"the HEALTHCHECK runs `{program}`, which `{runtime}` does not have")  # timid:
            extra_tools.append(program)
    runtime_packages = sorted(set(runtime_packages + extra_tools))
    nl = newline(facts.document.text)
    first = pip_runs[0]
    # poetry 2 with virtualenvs.create false installs into the interpreter its venv was made from unless
    # VIRTUAL_ENV names the active environment (checked with poetry 2.5 and pipenv 2026.10).
    activate = f"ENV VIRTUAL_ENV={VENV}{nl}" if "poetry" in tools_installing else ""
    build_edits = [
        Edit.insert(first.span.start, f"RUN python -m venv {VENV}{nl}{activate}ENV PATH=\"{VENV}/bin:$PATH\"{nl}")
    ]
    lines = []
    repeated = user_setup_runs(facts)
    check_user(facts, runtime, repeated)
    extra_runtime = [facts.text(ins) for ins in repeated]
    if runtime_packages:
        lines.append(apt_line(runtime_packages))
    lines.append(f"WORKDIR {facts.workdir}")
    lines.append(f"COPY --from={facts.build_stage} {VENV} {VENV}")
    if replayed is not None:
        lines += [facts.text(ins).rstrip("\r\n") for ins in replayed]
    else:
        app = facts.app_dir or ""
        chown = _chown(facts)
        lines.append(f"COPY --from={facts.build_stage}{chown} {app} {app}")
        lines += _outside_copies(facts, app, chown)
    outputs = list(dict.fromkeys(path for step in steps for path in step.outputs))
    lines += [f"COPY --from={facts.build_stage} {path} {path}" for path in outputs]
    if "poetry" in tools_installing:
        lines.append(f"ENV VIRTUAL_ENV={VENV}")  # `poetry run` at start-up finds the venv without the build's poetry config
    lines.append(f"ENV PATH=\"{VENV}/bin:$PATH\"")
    if full:
        # timid: the full image has libraries pip may have linked without an explicit apt-get install
        lines.append(
            f"RUN out=\"$(find {VENV} -name '*.so*' -type f -exec ldd {{}} + 2>&1)\"; "
            "case \"$out\" in *'not found'*) printf '%s\\n' \"$out\"; exit 1;; esac"
        )
    # On a slim base the saving is the compilers and headers, which the knowledge base does not size.
    before = size_of(("images", "python", "sizes", "full")) if full else None
    after = size_of(("images", "python", "sizes", "slim")) if full else None
    saving = None if full else _build_only_saving(build_only)
    parts = [f"Runtime on `{runtime}`, the same Python {version or '(default)'}"]
    if build_only:
        parts.append(f"build-only packages left in the build stage: {', '.join(build_only)}")
    if headers:
        parts.append(f"{', '.join(headers)}: headers of Debian's Python, which builds with the image's own Python in /usr/local do not use")
    if saving is not None:
        parts.append(f"estimated saving at least ~{saving:g} MB (the largest build-only package with what it depends on)")
    if runtime_packages:
        parts.append(f"installed in the runtime stage: {', '.join(runtime_packages)} (the runtime libraries of the -dev packages, from Debian's metadata, and the other packages the build installed)")
    if replayed is not None:
        parts.append(
            f"dependencies go into a virtual environment at {VENV}; the application files lie in `/` among the system's, "
            "so the runtime stage copies them from the build context as the build did (no step after the copies changes them)"
        )
    else:
        parts.append(f"dependencies go into a virtual environment at {VENV}, copied with the application directory {facts.app_dir}")
        if facts.app_dir != facts.workdir:
            parts.append(f"the working directory is `{facts.workdir}`, and every COPY of the build context lands in {facts.app_dir}, a top-level folder that is not a system folder (FHS): that is the application directory")
    if tools_installing:
        parts.append(" and ".join(_INTO_VENV[t] for t in sorted(tools_installing)) + " into that environment")
    parts += [step.read for step in steps]
    if outputs:
        parts.append(f"the runtime stage copies {', '.join(outputs)} from the build stage (outside the application directory and the venv)")
    if start_note:
        parts.append(start_note)
    if full:
        parts.append("the full image has libraries a compiled package may link to without an explicit apt-get install: the runtime stage runs `ldd` over the venv and fails the build if one is missing")
    note = "; ".join(parts) + "." + debian13_note(runtime_packages) + " Check that the application starts."
    plan = Plan(runtime, lines, build_edits, "copy the virtual environment and the application", note, before, after, "DF402")
    plan.extra_runtime = extra_runtime
    plan.saving_mb = saving
    return plan


def _build_only_saving(build_only: list[str]) -> float | None:
    """A lower bound of what leaving the build-only packages in the build stage saves on the same slim image:
    the largest one's measured installed size with its dependencies, as compressed MB (an estimate)."""
    sizes = knowledge()["python_image"]["build_only_installed_mb"]
    known = [float(sizes[p]) for p in build_only if isinstance(sizes.get(p), (int, float))]
    return float(round(max(known) * float(sizes["compressed_ratio"]))) if known else None


_INTO_VENV = {  # what the note says
    "pipenv": "`pipenv install --system` installs with the Python first on PATH",
    "poetry": "`poetry install` (virtualenvs.create false) and `poetry run` use the environment VIRTUAL_ENV names",
}


_SYSTEM_DIRS = frozenset({
    "bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt", "opt", "proc",
    "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var",
})
"""The top-level folders of the Filesystem Hierarchy Standard 3.0 (and Debian's multiarch lib folders): a
folder of the image, never an application's own."""
_READ_ONLY = frozenset({"true", ":", "echo", "set", "ls", "cat", "test", "["})


def _application_layout(facts: Facts, pip_runs: list[Instruction], others: list[tuple[Instruction, Command]]) -> list[Instruction] | None:
    """Where the application files are when the working directory is `/`; the COPY instructions the runtime
    stage replays from the build context, or None when it copies the application directory from the build stage.

    A WORKDIR other than `/` is the application directory.  At `/`, when every COPY of the build context lands
    in one top-level folder that is not a system folder (`COPY . /app`), that folder is.  When the files land in
    `/` itself, nothing can tell them from the system's; the runtime stage then copies them from the build context
    again, which gives the same files only when no step after the copies changes them: anything but pip (of
    packages, not of the local project), apt and read-only commands declines."""
    if facts.workdir not in (None, "/"):
        return None
    if facts.workdir is None:
        raise Decline("no WORKDIR, and the base image's working directory is not known: the application files cannot be told apart from the system")  # timid:
    copies = facts.copies()
    fresh = _fresh_application_dir(copies)
    if fresh is not None:
        facts.app_dir = fresh
        return None
    first = min((ins.index for ins, _, _ in copies), default=len(facts.stage.instructions))
    for ins, command in others:
        if ins.index > first and command.name not in _READ_ONLY | APT | USER_TOOLS:
            raise Decline(
                f"no WORKDIR: the application files lie in `/` among the system's, and line {ins.line}: `{command.name or '?'}` "
                "after they were copied may change them"
            )  # timid:
    for ins in pip_runs:
        for command in (facts.context.shell(ins) or parse_shell_text("")).commands:
            args = _pip_install(command) or []
            if any(a is None or a in ("-e", "--editable") or a.startswith((".", "/", "--editable=")) for a in args):
                raise Decline(f"no WORKDIR: line {ins.line}: `pip install` of a local project writes into the application files, which lie in `/` among the system's")  # timid:
    facts.app_dir = None  # no path is the application's: what a step writes anywhere counts as outside
    return [ins for ins, _, _ in copies]


def _fresh_application_dir(copies: list[tuple[Instruction, list[str], str]]) -> str | None:
    """The one top-level folder, not a system folder, that every COPY destination lies in (at least one of them
    a path inside it or a folder), else None."""
    tops: set[str] = set()
    inside = False
    for _, _, dest in copies:
        parts = PurePosixPath(dest).parts
        if len(parts) < 2 or parts[1] in _SYSTEM_DIRS:
            return None
        tops.add("/" + parts[1])
        inside = inside or len(parts) > 2 or dest.endswith("/")
    return tops.pop() if len(tops) == 1 and inside else None


def _debian_python_headers(facts: Facts, installed: list[str]) -> list[str]:
    """The stage's python3-dev and the like (of the apt packages it `installed`): headers of Debian's Python, which
    builds with the image's own Python in /usr/local never use; build-only, unless the container runs Debian's
    interpreter by path."""
    pattern = re.compile(knowledge()["python_image"]["debian_python_dev"])
    headers = [p for p in installed if pattern.fullmatch(p)]
    if headers:
        starts = facts.start.commands() if facts.start is not None else []
        for words in starts:
            if (words[0] or "").startswith("/usr/bin/python"):
                raise Decline(f"the container runs `{words[0]}`, Debian's Python, which `{headers[0]}` installed")  # timid:
    return headers


def _check_cd(facts: Facts) -> None:
    """A `cd` is followed (`Facts.command_dirs`) when it stays in the application directory: a relative path
    after it then lies in that directory, as the checks that resolve it against the WORKDIR assume."""
    dirs = list(facts.command_dirs())
    for (ins, command, _), (following, _, after) in zip(dirs, dirs[1:]):
        if command.name == "cd" and following is ins and (after is None or not under(after, facts.app_dir or "//")):
            raise Decline(f"line {ins.line}: `cd` out of the application directory, or to a place that is not known")  # timid:


def _environment_install(facts: Facts, ins: Instruction, command: Command) -> bool:
    """`pipenv install --system` and `poetry install` with `virtualenvs.create false`: installs into the Python
    on PATH (pipenv) or the active environment VIRTUAL_ENV names (poetry; without it poetry 2 installs into the
    base interpreter), so into the venv the split creates, and activates for poetry, before the first install.
    Declines for installs into an environment of the tool's own."""
    name = command.name or ""
    values = command.arg_values()
    if name not in ("pipenv", "poetry") or not values or values[0] not in ("install", "sync"):
        return False
    env = facts.context.env_at(ins)
    if name == "pipenv":
        if "--system" in values or (env.get("PIPENV_SYSTEM") or "").lower() in ("1", "true"):
            return True
        raise Decline(f"line {ins.line}: `pipenv {values[0]}` without --system installs into a virtual environment of its own, outside the application directory")  # timid:
    configured = (env.get("POETRY_VIRTUALENVS_CREATE") or "").lower() in ("false", "0")
    for earlier, other in facts.commands():
        if other is command:
            break
        if other.name == "poetry" and other.arg_values()[:3] in (["config", "virtualenvs.create", "false"], ["config", "virtualenvs.create", "0"]):
            configured = True
    if not configured:
        raise Decline(f"line {ins.line}: `poetry {values[0]}` creates a virtual environment of its own outside the application directory (virtualenvs.create is not false)")  # timid:
    return True


def _tool_configuration(command: Command) -> bool:
    """`poetry config ...`: settings only the build's poetry reads (a start-up command that runs poetry is declined)."""
    return command.name == "poetry" and command.arg_values()[:1] == ["config"]


def _inherited_start(facts: Facts, runtime: str) -> list[str | None]:
    """What the build image starts when the stage sets no CMD or ENTRYPOINT, when the runtime image starts the
    same (the base-image knowledge); declines when either is not known or they differ."""
    build_config = stage_config(facts.context, facts.stage)
    runtime_config = base_knowledge(facts.context).image_config(ImageRef.parse(runtime), facts.context.settings)
    starts = [None if c is None or c.cmd is None or c.entrypoint is None else (*c.entrypoint, *c.cmd) for c in (build_config, runtime_config)]
    if starts[0] is None or starts[0] != starts[1] or not starts[0]:
        raise Decline("no CMD or ENTRYPOINT, and what the base images start is not known to be the same: what the runtime stage must contain is unknown")  # timid:
    return list(starts[0])


def _start_commands(facts: Facts, runtime: str) -> tuple[list[list[str | None]], str]:
    """The commands the container runs, checked as `check_start` does, and a note when they are not the stage's own.

    Without CMD or ENTRYPOINT the container starts what the python image sets, `python3` (the slim image sets the
    same); a compose file in the build context whose services build this Dockerfile names what they run instead,
    and those commands are checked too.  A start-up command that runs pipenv is declined: `pipenv run` makes or
    looks for an environment of its own.  `poetry run` uses the venv, which VIRTUAL_ENV names in both stages."""
    if facts.start is not None and facts.start.inherited is None:
        commands = check_start(facts)
        note = ""
    else:
        inherited = _inherited_start(facts, runtime)
        services = compose_commands(facts)
        commands = [inherited]
        for service, argv in services:
            start = Start(tuple(argv), None, ())
            try:
                found = start.commands()
                for words in found:
                    check_start_command(facts, words, knowledge()["start_up"], depth=0)
            except Decline as exc:
                raise Decline(f"compose service `{service}`: {exc}") from None
            commands += found
        shown = ", ".join(f"`{service}` runs `{_shorten(shlex.join(argv))}`" for service, argv in services)
        note = f"no CMD or ENTRYPOINT: both images start `{shlex.join(inherited)}`, which their base images set" + (f"; compose services that build this Dockerfile: {shown}" if services else "")
    for words in commands:
        program = (words[0] or "").rsplit("/", 1)[-1]
        if program == "pipenv":
            raise Decline("the container runs `pipenv`, which looks for a virtual environment of its own at start-up")  # timid:
    return commands, note


def _shorten(command: str, limit: int = 80) -> str:
    command = " ".join(command.split())
    return command if len(command) <= limit else command[: limit - 3] + "..."


def _chown(facts: Facts) -> str:
    owners = set()
    for ins, sources, dest in facts.copies():
        flag = ins.flag("chown")
        if flag is not None and facts.app_dir and under(dest.rstrip("/"), facts.app_dir):
            owners.add(flag.value)
    for ins, command in facts.commands():
        if command.name == "chown":
            values = [v for v in command.arg_values() if v and not v.startswith("-")]
            if values and any(under(absolute(p, facts.workdir_at(ins)) or "", facts.app_dir or "//") for p in values[1:]):
                owners.add(values[0])
    if len(owners) > 1:
        raise Decline(f"application files have several owners ({', '.join(sorted(o or '?' for o in owners))})")  # timid:
    return f" --chown={owners.pop()}" if owners else ""


def _outside_copies(facts: Facts, workdir: str, chown: str) -> list[str]:
    """COPY --from lines for files the stage copied outside the application directory."""
    out = []
    build = facts.context.build_context
    for ins, sources, dest in facts.copies():
        if under(dest.rstrip("/"), workdir):
            continue
        for source in sources:
            if build is None or not build.is_file(source.strip("/")):
                raise Decline(f"line {ins.line}: {ins.name} of `{source}` outside {workdir}: not a single file of the build context")  # timid:
            path = dest + PurePosixPath(source).name if dest.endswith("/") else dest
            out.append(f"COPY --from={facts.build_stage} {path} {path}")
    return out
