"""Shared machinery of the split: knowledge, image references, the facts of a stage, checks, and the edit."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, Iterable, Iterator, NamedTuple

from rewriter.context import FileContext, load_data
from rewriter.rules import Applicability, Diagnostic, Edit, Rule
from rewriter.shell import POSIX_SHELLS, Command, ShellScript
from rewriter.syntax import Instruction, Stage, Trivia
from rewriter.text import LogicalText, Span
from rewriter.variables import assignments, resolve_image
from transforms.base_images.knowledge import ImageRef, knowledge as base_knowledge
from transforms.base_images.stage import absolute, stage_config, workdir_after, workdir_at


BUILD_STAGE = "build"
VENV = "/opt/venv"
_RUNTIME_ONLY = frozenset({"CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "LABEL", "STOPSIGNAL", "VOLUME", "MAINTAINER"})
_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
USER_TOOLS = frozenset({"useradd", "groupadd", "adduser", "addgroup", "usermod"})
STATE_TOOLS = frozenset({"mkdir", "chmod", "chgrp", "chown"})
"""Commands that only create directories or set modes and owners: replayed in the runtime stage, not declined."""
HARMLESS = frozenset({"true", ":", "echo", "set", "rm", "ls", "cat", "test", "["})
APT = frozenset({"apt-get", "apt"})


class Decline(Exception):
    """The split cannot be made soundly; the message says why (shown to the user)."""


def knowledge() -> dict[str, Any]:
    return load_data("multistage")


def image_facts() -> dict[str, Any]:
    return load_data("base_images")


def dev_runtime_data() -> dict[str, Any] | None:
    """`debian_dev_runtime.toml`, or None while it has not been generated."""
    try:
        return load_data("debian_dev_runtime")
    except FileNotFoundError:
        return None


def distroless(kind: str) -> str:
    """The supported distroless image of `kind` (static, base, cc) on the current Debian."""
    data = image_facts()["distroless"]
    name = f"{data['registry']}/{kind}-debian{data['current_debian']}"
    entry = data["images"].get(name)
    if entry is None or entry.get("status") != "supported":
        raise Decline(f"no supported distroless `{kind}` image in the knowledge base")
    return name


def debian_slim() -> str:
    debian = image_facts()["images"]["debian"]
    return f"debian:{debian['default_codename']}-slim"


def size_of(path: Iterable[str], data: dict[str, Any] | None = None) -> float | None:
    node: Any = image_facts() if data is None else data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, (int, float)) else None


def distroless_size(image: str) -> float | None:
    kind = image.rsplit("/", 1)[-1].split("-debian", 1)[0]
    return size_of(("distroless", "sizes", kind))


def build_only_env(name: str) -> bool:
    data = knowledge()["build_only_env"]
    return name in data["names"] or any(name.startswith(p) for p in data["prefixes"])


class Image(NamedTuple):
    """An image reference split into repository (without docker.io/library/) and tag."""

    repo: str
    tag: str
    digest: bool

    @staticmethod
    def parse(ref: str) -> Image:
        name, _, digest = ref.partition("@")
        last = name.rsplit("/", 1)[-1]
        tag = ""
        if ":" in last:
            name, _, tag = name.rpartition(":")
        for prefix in ("docker.io/library/", "index.docker.io/library/", "library/"):
            if name.startswith(prefix):
                name = name[len(prefix) :]
                break
        return Image(name, tag, bool(digest))

    @property
    def env(self) -> dict[str, str]:
        """Variables the image sets with ENV that a WORKDIR may use (`[image_env]`; empty when not listed)."""
        return knowledge()["image_env"].get(self.repo, {})  # type: ignore[no-any-return]

    def split(self) -> tuple[str, str]:
        """(version part, variant suffix) of the tag: `3.12-slim-bookworm` -> (`3.12`, `slim-bookworm`)."""
        m = re.match(r"(\d[\w.]*?)(?:-(.*))?\Z", self.tag)
        if m:
            return m.group(1), m.group(2) or ""
        return "", self.tag if self.tag not in ("", "latest") else ""


def slim_tag(repo: str, image: Image) -> str:
    """The slim tag of the same version and Debian release (python:3.12 -> python:3.12-slim)."""
    info = image_facts()["images"][repo]
    version, suffix = image.split()
    first, _, rest = suffix.partition("-")
    if not version and first in info.get("aliases", {}):
        version, suffix = first, rest  # node:lts-bookworm
    slim_of: dict[str, str] = info.get("slim_of", {})
    if suffix in slim_of.values() or suffix.startswith("alpine"):
        return image.tag or "latest"
    if suffix not in slim_of and image_facts()["variant_suffixes"].get(suffix, {}).get("slim") is True:
        return image.tag  # a slim variant no longer published (slim-buster): the build's own image
    if suffix not in slim_of:
        raise Decline(f"`{repo}:{image.tag}` has no slim variant in the knowledge base")
    new_suffix = slim_of[suffix]
    if not version:
        return new_suffix or "latest"
    return f"{version}-{new_suffix}" if new_suffix else version


def is_alpine(image: Image) -> bool:
    return "alpine" in image.tag


def parse_shell_text(text: str) -> ShellScript:
    """A shell script that is not in the Dockerfile (a start-up script, a CMD in shell form)."""
    return ShellScript(LogicalText.from_slices(text, [(0, len(text))]))


def flag_value(values: list[str | None], names: tuple[str, ...]) -> tuple[bool, str | None]:
    """(present, value) of an option given as `-o x`, `-o=x` or `--o=x`."""
    for i, value in enumerate(values):
        if value is None:
            continue
        for name in names:
            if value == name:
                return True, values[i + 1] if i + 1 < len(values) else None
            if value.startswith(name + "="):
                return True, value[len(name) + 1 :]
    return False, None


def under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


class Start:
    """What the container runs: an argv (exec form) or a shell command line."""

    __slots__ = ("argv", "shell", "instructions", "inherited")

    def __init__(
        self, argv: tuple[str, ...] | None, shell: str | None, instructions: tuple[Instruction, ...], inherited: tuple[str, ...] | None = None
    ) -> None:
        self.argv = argv
        self.shell = shell
        self.instructions = instructions
        self.inherited = inherited
        """ENTRYPOINT + CMD of the base image when the stage sets neither (`argv` is then the CMD, what runs
        after the image's own entry point script): the runtime image must start the same."""

    @property
    def needs_shell(self) -> bool:
        return self.argv is None or bool(self.argv) and self.argv[0].rsplit("/", 1)[-1] in POSIX_SHELLS

    def commands(self) -> list[list[str | None]]:
        """Each simple command run at start, as its static word values."""
        if self.argv is not None:
            argv = list(self.argv)
            if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("sh", "bash") and argv[1] == "-c":
                return script_commands(argv[2])
            return [list(argv)]
        return script_commands(self.shell or "")


ARGS = "\x00$@"
"""Stands for `"$@"` in a start-up script: the arguments the script was started with (the CMD)."""


def script_commands(text: str) -> list[list[str | None]]:
    script = parse_shell_text(text)
    if script.has_errors:
        raise Decline("the start-up command is shell syntax dockerfix cannot read")  # timid:
    out: list[list[str | None]] = []
    for command in script.commands:
        words = [ARGS if w.text in ('"$@"', "$@", '"${@}"') else w.value for w in command.words]
        while words and words[0] in ("exec", "nohup"):
            words = words[1:]
        if words:
            out.append(words)
    return out


class Facts:
    """What a split needs to know about the single stage."""

    __slots__ = ("context", "stage", "image", "workdir", "app_dir", "moved", "envs", "user", "start", "healthcheck", "runs", "blocked")

    def __init__(
        self,
        context: FileContext,
        stage: Stage,
        image: Image,
        workdir: str | None,
        moved: list[Instruction],
        envs: list[Instruction],
        user: Instruction | None,
        start: Start | None,
        healthcheck: Instruction | None,
        runs: list[tuple[Instruction, ShellScript]] | None = None,
        blocked: str | None = None,
    ) -> None:
        self.context = context
        self.stage = stage
        self.image = image
        self.workdir = workdir
        self.app_dir = workdir
        """The application directory: the WORKDIR, unless a plan finds the application in a folder of its own
        while the working directory is `/` (python's `_fresh_application_dir`)."""
        self.moved = moved
        self.envs = envs
        self.user = user
        self.start = start
        self.healthcheck = healthcheck
        self.runs = [] if runs is None else runs
        self.blocked = blocked
        """A reason the stage cannot be split at all, raised by `commit()` once a plan knows the stage is a candidate:
        a stage that would not be split anyway gets no diagnostic."""

    def commit(self) -> None:
        if self.blocked is not None:
            raise Decline(self.blocked)

    @property
    def build_stage(self) -> str:
        """The name `COPY --from` uses: the stage's own name when it has one (the split adds `AS build` only when not)."""
        return self.stage.alias if self.stage.alias is not None else BUILD_STAGE

    @property
    def document(self):  # type: ignore[no-untyped-def]
        return self.context.document

    def text(self, ins: Instruction) -> str:
        return self.document.slice(ins.span)

    def command_env(self, ins: Instruction, command: Command) -> dict[str, str | None]:
        """The variables `command` sees: ENV/ARG before the RUN, then the assignments written in front of it."""
        env = dict(self.context.env_at(ins))
        for word in command.assignments:
            key, _, value = word.text.partition("=")
            env[key] = word.value.partition("=")[2] if word.value is not None else None
        return env

    def commands(self) -> Iterator[tuple[Instruction, Command]]:
        for ins, script in self.runs:
            for command in script.commands:
                yield ins, command

    def workdir_at(self, ins: Instruction) -> str | None:
        """The working directory `ins` runs in, the base image's WORKDIR and variables counted (golang: /go); None if unknown."""
        return workdir_at(self.context, ins, self.image.env)

    def command_dirs(self) -> Iterator[tuple[Instruction, Command, str | None]]:
        """Each command of the stage's RUNs with the directory it runs in: the WORKDIR, or where a `cd`
        earlier in the same RUN went.  None after a `cd` that cannot be followed (computed, in a
        subshell, under a condition)."""
        for ins, script in self.runs:
            cwd = self.workdir_at(ins)
            for command in script.commands:
                yield ins, command, cwd
                if command.name == "cd":
                    operands = [v for v in command.arg_values() if v is None or not v.startswith("-") or v == "-"]
                    followed = len(operands) == 1 and operands[0] not in (None, "-") and not command.in_subshell and not command.conditional
                    cwd = absolute(str(operands[0]), cwd) if followed else None

    def build_commands(self, tool: str) -> Iterator[tuple[Instruction, Command, str, list[str], str | None]]:
        """`TOOL build|install ARGS` commands of the stage: (instruction, command, verb, args, directory it runs in).

        Declines when the arguments are not static words.
        """
        for ins, command, cwd in self.command_dirs():
            if command.name != tool:
                continue
            values = command.arg_values()
            if not values or values[0] not in ("build", "install"):
                continue
            if any(v is None for v in values):
                raise Decline(f"line {ins.line}: `{tool} {values[0]}` with computed arguments")  # timid:
            yield ins, command, str(values[0]), [v for v in values[1:] if v is not None], cwd

    def apt_packages(self) -> list[str]:
        """Packages installed with apt-get/apt in the stage (static names only)."""
        packages: list[str] = []
        with_value = load_data("package_caches")["apt"]["options_with_value"]
        for _, command in self.commands():
            if command.name not in APT:
                continue
            values = command.arg_values()
            if "install" not in values:
                continue
            skip = False
            for value in values[values.index("install") + 1 :]:
                if skip:
                    skip = False
                elif value is None:
                    raise Decline("an apt-get install lists a package whose name is computed")  # timid:
                elif value in with_value:
                    skip = True
                elif not value.startswith("-"):
                    packages.append(value.split("=", 1)[0].split("/", 1)[0])
        return packages

    def copies(self) -> list[tuple[Instruction, list[str], str]]:
        """COPY/ADD from the build context: (instruction, sources, absolute destination)."""
        out = []
        for ins in self.stage.instructions:
            if ins.name not in ("COPY", "ADD") or ins.flag("from") is not None:
                continue
            words = [w.text for w in ins.words()]
            if ins.heredocs or len(words) < 2:
                raise Decline(f"line {ins.line}: {ins.name} with a heredoc or a single argument")  # timid:
            values = [self.context.expand(w, ins) for w in words]
            if any(v is None for v in values):
                raise Decline(f"line {ins.line}: {ins.name} uses a variable whose value is not known")  # timid:
            dest = absolute(values[-1] or "", self.workdir_at(ins))  # type: ignore[arg-type]
            if dest is None:
                raise Decline(f"line {ins.line}: {ins.name} to a relative path without a known WORKDIR")  # timid:
            if values[-1].endswith("/"):  # type: ignore[union-attr]
                dest += "/"
            out.append((ins, [v for v in values[:-1] if v is not None], dest))
        return out

    def context_text(self, image_path: str) -> str | None:
        """The build-context file that ends up at `image_path`, if the stage copied it there."""
        source = self.context_source(image_path)
        build = self.context.build_context
        return build.read_text(source) if source is not None and build is not None else None

    def context_source(self, image_path: str) -> str | None:
        """The build-context path (file or folder) the stage copied to `image_path`, if it did; the last COPY wins."""
        build = self.context.build_context
        if build is None:
            return None
        for ins, sources, dest in reversed(self.copies()):
            for source in sources:
                src = source.strip("/") or "."
                if dest.endswith("/") or len(sources) > 1 or build.exists(src) and not build.is_file(src):
                    base = dest.rstrip("/") or "/"
                    if build.is_file(src):
                        if absolute(PurePosixPath(src).name, base) == image_path:
                            return src
                    elif image_path == base:
                        return src
                    elif under(image_path, base):
                        rel = image_path[len(base.rstrip("/")) + 1 :]
                        candidate = rel if src == "." else f"{src}/{rel}"
                        if build.exists(candidate):
                            return candidate
                elif dest == image_path and build.exists(src):
                    return src
        return None


def stage_facts(context: FileContext, stage: Stage) -> Facts:
    document = context.document
    image_ref = resolve_image(document, stage)
    if image_ref is None:
        raise Decline("the base image depends on a build argument without a default")  # timid:
    image = Image.parse(image_ref)
    blocked: list[str] = []
    if image.digest and not image.tag:
        blocked.append("the base image is pinned by a digest without a tag; its runtime variant cannot be named")  # timid:
    instructions = stage.instructions
    for ins in instructions:
        if ins.name in ("ONBUILD", "SHELL"):
            blocked.append(f"line {ins.line}: {ins.name} changes how the stage is built or reused")  # timid:
        if ins.name == "VOLUME" and any(i.name in ("RUN", "COPY", "ADD") and i.index > ins.index for i in instructions):
            blocked.append(f"line {ins.line}: VOLUME before build steps changes what they keep; it cannot move")  # timid:
    last_build = max((i for i, ins in enumerate(instructions) if ins.name not in _RUNTIME_ONLY | {"USER", "ENV", "ARG", "WORKDIR"}), default=-1)
    moved = [ins for ins in instructions if ins.name in _RUNTIME_ONLY]
    users = [ins for ins in instructions if ins.name == "USER"]
    user = users[-1] if users else None
    if user is not None and instructions.index(user) > last_build:
        moved.append(user)
        moved.sort(key=lambda i: i.index)
    envs = []
    for ins in instructions:
        if ins.name == "ENV":
            names = [name for name, _ in assignments(ins, document.escape)]
            if not all(build_only_env(n) for n in names):
                envs.append(ins)
    entrypoint = next((i for i in reversed(instructions) if i.name == "ENTRYPOINT"), None)
    cmd = next((i for i in reversed(instructions) if i.name == "CMD"), None)
    start: Start | None = None
    if entrypoint is not None and entrypoint.json is None:
        start = Start(None, entrypoint.args.text, (entrypoint,))
    elif entrypoint is not None:
        tail = cmd.json if cmd is not None and cmd.json is not None else ()
        if cmd is not None and cmd.json is None and cmd.args.text:
            start = Start(tuple(entrypoint.json or ()) + ("/bin/sh", "-c", cmd.args.text), None, (entrypoint, cmd))
        else:
            start = Start(tuple(entrypoint.json or ()) + tuple(tail), None, tuple(i for i in (entrypoint, cmd) if i))
    elif cmd is not None:
        start = Start(cmd.json, None if cmd.json is not None else cmd.args.text, (cmd,))
    else:
        start = inherited_start(context, stage)
    healthcheck = next((i for i in reversed(instructions) if i.name == "HEALTHCHECK"), None)
    runs = []
    for ins in instructions:
        if ins.name != "RUN":
            continue
        script = context.shell(ins)
        if script is None or script.has_errors:
            blocked.append(f"line {ins.line}: a RUN dockerfix cannot read as a POSIX shell script")  # timid:
            continue
        runs.append((ins, script))
    workdir = workdir_after(context, stage, image.env) if instructions else None
    return Facts(context, stage, image, workdir, moved, envs, user, start, healthcheck, runs, blocked[0] if blocked else None)


def inherited_start(context: FileContext, stage: Stage) -> Start | None:
    """What the container runs when the stage sets no CMD or ENTRYPOINT: the base image's, where the knowledge has it."""
    config = stage_config(context, stage)
    if config is None or config.cmd is None or config.entrypoint is None or not config.cmd:
        return None
    return Start(config.cmd, None, (), inherited=config.entrypoint + config.cmd)


def check_inherited_start(facts: Facts, runtime_image: str) -> None:
    """Decline when the runtime image would not start what the original inherited from its base image."""
    inherited = facts.start.inherited if facts.start is not None else None
    if inherited is None:
        return
    config = base_knowledge(facts.context).image_config(ImageRef.parse(runtime_image), facts.context.settings)
    runtime = None if config is None or config.cmd is None or config.entrypoint is None else config.entrypoint + config.cmd
    if runtime != inherited:
        raise Decline(
            f"no CMD or ENTRYPOINT: the container runs `{' '.join(inherited)}`, inherited from the base image, "
            f"and `{runtime_image}` {'starts something else' if runtime is not None else 'may start something else'}"
        )  # timid:


def _digest_note(facts: Facts, plan: Plan) -> str:
    if not facts.image.digest:
        return ""
    return (
        f" The build stage keeps its digest; `{plan.runtime_image}` was chosen by the tag `{facts.image.tag}` written beside it"
        " and is not pinned: pin it by digest too."
    )


def _inherited_note(facts: Facts, plan: Plan) -> str:
    inherited = facts.start.inherited if facts.start is not None else None
    if inherited is None or "no CMD or ENTRYPOINT" in plan.note:
        return ""  # the plan explained it already (DF402 also names what compose services run)
    return f" The stage sets no CMD or ENTRYPOINT: `{plan.runtime_image}` starts the same `{' '.join(inherited)}` as the base image."


def check_start(facts: Facts) -> list[list[str | None]]:
    """Decline when the container compiles or installs at start-up; the commands it runs."""
    if facts.start is None:
        raise Decline("no CMD or ENTRYPOINT: what the runtime stage must contain is unknown")  # timid:
    data = knowledge()["start_up"]
    commands = facts.start.commands()
    for words in commands:
        check_start_command(facts, words, data, depth=0)
    return commands


def _shebang_shell(text: str) -> str | None:
    """The interpreter of a script's `#!` line (`/usr/bin/env bash` -> bash)."""
    if not text.startswith("#!"):
        return None
    words = text.split("\n", 1)[0][2:].split()
    if words and words[0].endswith("/env") and len(words) > 1:
        words = words[1:]
    return words[0].rsplit("/", 1)[-1] if words else None


def check_start_command(facts: Facts, words: list[str | None], data: dict[str, Any], depth: int) -> None:
    name = (words[0] or "").rsplit("/", 1)[-1] if words and words[0] else None
    if name is None:
        raise Decline("the start-up command is computed at run time")  # timid:
    if name in data["compilers"]:
        raise Decline(f"the container runs `{name}` at start-up, so the runtime image needs the toolchain")
    subcommands = data["installers"].get(name)
    if subcommands is not None and (not subcommands or any(w in subcommands for w in words[1:])):
        shown = " ".join([name] + [w for w in words[1:] if w in subcommands][:1])
        raise Decline(f"the container runs `{shown}` at start-up: it installs at run time")
    if name in ("sh", "bash") and len(words) > 1 and words[1] not in ("-c",) and words[1]:
        words = words[1:]
        name = (words[0] or "").rsplit("/", 1)[-1]
    script_path = words[0] or ""
    if name.endswith(".sh") or "/" in script_path and not script_path.startswith(("/usr/", "/bin/")):
        path = absolute(script_path, facts.workdir)
        text = facts.context_text(path) if path else None
        if text is None:
            if name.endswith(".sh"):
                raise Decline(f"the container starts `{script_path}`, a script dockerfix cannot read in the build context")
            return
        if _shebang_shell(text) not in POSIX_SHELLS:
            return
        if depth > 1:
            raise Decline(f"`{script_path}` calls further scripts")  # timid:
        for inner in script_commands(text):
            if inner[0] == ARGS:
                inner = list(words[1:]) + inner[1:]  # `exec "$@"`: runs the CMD
                if not inner:
                    continue
            try:
                check_start_command(facts, inner, data, depth + 1)
            except Decline as exc:
                raise Decline(f"the start-up script `{script_path}`: {exc}") from None


SHELL_BUILTINS = frozenset({"exit", "true", "false", ":", "test", "[", "echo", "printf", "set", "exec", "return", "cd", "export"})


def healthcheck_tools(facts: Facts) -> list[str]:
    """Programs the HEALTHCHECK runs, `/bin/sh` first when it needs a shell (shell builtins left out)."""
    ins = facts.healthcheck
    if ins is None:
        return []
    words = [w.text for w in ins.words()]
    if not words or words[0].upper() == "NONE":
        return []
    if ins.json is not None:
        argv = list(ins.json)
        if argv and argv[0] == "CMD-SHELL":
            return ["/bin/sh"] + [str(c[0]) for c in script_commands(" ".join(argv[1:])) if c and c[0] and c[0] not in SHELL_BUILTINS]
        return [argv[1]] if len(argv) > 1 else []
    text = ins.args.text
    rest = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
    return ["/bin/sh"] + [str(c[0]) for c in script_commands(rest) if c and c[0] and c[0] not in SHELL_BUILTINS]


def user_setup_runs(facts: Facts) -> list[Instruction]:
    """RUNs that only create users or groups: repeated in a runtime stage that has a shell."""
    return [ins for ins, script in facts.runs if only_user_setup(script)]


def check_user(facts: Facts, runtime: str, repeated: list[Instruction]) -> None:
    """Decline when the final USER would not exist in the runtime image."""
    if facts.user is None:
        return
    value = facts.context.expand(facts.user.args.text.strip(), facts.user)
    if value is None:
        raise Decline("USER depends on a build argument")  # timid:
    known = set(knowledge()["users"].get(runtime.split(":", 1)[0].rsplit("/", 1)[-1].split("-debian", 1)[0], [])) | {"root"}
    for part in value.split(":"):
        if part.isdigit() or part in known:
            continue
        created = any(
            part in [w.value for w in c.words]
            for ins in repeated
            for c in (facts.context.shell(ins) or parse_shell_text("")).commands
        )
        if not created:
            raise Decline(f"USER {value}: `{part}` does not exist in `{runtime}`")  # timid:
        if is_alpine(facts.image) != ("alpine" in runtime):
            raise Decline(f"USER {value} is created with {'Alpine' if is_alpine(facts.image) else 'Debian'} tools; `{runtime}` has others")  # timid:


def only_user_setup(script: ShellScript) -> bool:
    names = {c.name for c in script.commands}
    return bool(names) and names <= USER_TOOLS


def check_redirects(facts: Facts, ins: Instruction, script: ShellScript) -> None:
    """Decline for `> file` outside the application directory (the runtime stage would not have it)."""
    stack = [script.root]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type != "file_redirect":
            continue
        destination = node.child_by_field_name("destination")
        operators = [c.type for c in node.children if not c.is_named]
        if destination is None or not any(">" in op for op in operators):
            continue
        target = script.text_of(destination)
        path = absolute(target, facts.workdir_at(ins)) if target and "$" not in target else None
        if path is None or not (path.startswith("/dev/") or under(path, facts.app_dir or "//")):
            raise Decline(f"line {ins.line}: writes `{target}` outside the application directory")  # timid:


def _state_paths(facts: Facts, ins: Instruction, command: Command) -> list[str | None]:
    """The absolute paths a mkdir/chmod/chgrp/chown/touch names (None where not known), without modes and owners."""
    values = command.arg_values()
    if command.name in ("chown", "chgrp"):
        values = _after_first_operand(values)
    words = [v for v in values if v is None or not v.startswith("-") and not re.fullmatch(r"[0-7]+|[ugoa]*[+=-][rwxXstugo]*(,[ugoa]*[+=-][rwxXstugo]*)*", v)]
    return [absolute(v, facts.workdir_at(ins)) if v is not None else None for v in words]


def _after_first_operand(values: list[str | None]) -> list[str | None]:
    """The operands of chown/chgrp after the owner (options dropped)."""
    operands = [v for v in values if v is None or not v.startswith("-")]
    return operands[1:]


def state_only_run(script: ShellScript) -> bool:
    """A RUN of state-only commands (directories, modes, owners, users) that the runtime stage can replay."""
    names = {c.name for c in script.commands}
    return bool(names) and names <= STATE_TOOLS | USER_TOOLS and not names <= USER_TOOLS


def check_run_command(facts: Facts, ins: Instruction, command: Command) -> None:
    """Decline for a RUN command whose effect outside the application directory would be lost."""
    name = command.name
    if name in APT or name in USER_TOOLS or name in HARMLESS:
        return
    if name in STATE_TOOLS | {"touch"}:
        paths = _state_paths(facts, ins, command)
        if all(p is not None and under(p, facts.app_dir or "//") for p in paths):
            return
        script = facts.context.shell(ins)
        if name in STATE_TOOLS and script is not None and state_only_run(script):
            return  # replayed in the runtime stage (state_replays)
    raise Decline(
        f"line {ins.line}: `{name or '?'}` may change files outside the application directory; "
        "what the runtime stage needs cannot be told"
    )  # timid:


def state_replays(facts: Facts, plan: Plan) -> list[str]:
    """The state-only RUNs that write outside the application directory, replayed after the runtime stage's copies.

    Each path they change must exist in the runtime stage: the WORKDIR, a COPY destination of the runtime
    stage, or a directory an earlier replayed `mkdir` made; declines otherwise (the build would fail there).
    """
    if plan.code not in ("DF402", "DF403"):
        return []  # the Go, Java and Rust splits copy only their artifact and read no RUN after the build
    replays: list[str] = []
    known: set[str] = set()
    parents: set[str] = set()
    for line in plan.lines:
        words = line.split()
        if words and words[0] in ("WORKDIR", "COPY") and len(words) > 1:
            target = absolute(words[-1], facts.workdir)
            if target is not None and target != "/":  # `/` says nothing of what the runtime stage contains
                known.add(target.rstrip("/"))
    if facts.app_dir and facts.app_dir != "/":
        known.add(facts.app_dir)
    for ins, script in facts.runs:
        if not state_only_run(script):
            continue
        paths = [(command, _state_paths(facts, ins, command)) for command in script.commands if command.name in STATE_TOOLS]
        if all(p is not None and under(p, facts.app_dir or "//") for _, ps in paths for p in ps):
            continue  # inside the application directory: as before, the runtime copy carries it
        if "distroless" in plan.runtime_image:
            raise Decline(f"line {ins.line}: the RUN sets up files outside the application directory and `{plan.runtime_image}` has no shell to replay it")  # timid:
        for command, ps in paths:
            for path in ps:
                if path is None:
                    raise Decline(f"line {ins.line}: `{command.name}` of a path that is not known")  # timid:
                exists = any(under(path, k) for k in known) or path in parents
                if command.name == "mkdir":
                    if exists and "-p" not in command.arg_values():
                        raise Decline(f"line {ins.line}: `mkdir {path}`: the runtime stage may already have it")  # timid:
                    known.add(path)
                    if "-p" in command.arg_values():
                        parents.update(str(p) for p in PurePosixPath(path).parents)  # exist after `mkdir -p`, but not all of what is under them
                elif not exists:
                    raise Decline(f"line {ins.line}: `{command.name}` of `{path}`, which the runtime stage may not contain")  # timid:
        replays.append(facts.text(ins))
    return replays


def runtime_libraries(dev: dict[str, Any], package: str, depth: int = 0) -> list[str]:
    """The runtime libraries of a -dev package; for a wrapper with none of its own
    (default-libmysqlclient-dev), those of the -dev packages it depends on, as the data lists them."""
    libs = list(dev[package].get("runtime", []))
    if libs or depth >= 2:
        return libs
    for group in dev[package].get("depends", []):
        first = group.split("|")[0].strip()
        if first in dev:
            libs += runtime_libraries(dev, first, depth + 1)
    return sorted(dict.fromkeys(libs))


def split_packages(packages: list[str]) -> tuple[list[str], list[str]]:
    """(build-only packages, runtime packages incl. libraries the -dev packages stand for)."""
    data = dev_runtime_data()
    if data is None:
        if any(p.endswith("-dev") for p in packages):
            raise Decline("the -dev -> runtime library data (debian_dev_runtime.toml) is not available")  # timid:
        data = {"dev": {}, "compilers": {}}
    dev: dict[str, Any] = data.get("dev", {})
    compilers: dict[str, Any] = data.get("compilers", {})
    build_only: list[str] = []
    runtime: list[str] = []
    for package in packages:
        if package in compilers:
            build_only.append(package)
        elif package in dev:
            build_only.append(package)
            libs = runtime_libraries(dev, package)
            if not libs:
                raise Decline(f"`{package}` names no runtime library in Debian's metadata ({dev[package].get('note', 'header-only?')})")  # timid:
            runtime.extend(libs)
        elif package.endswith("-dev"):
            raise Decline(f"`{package}` is not in the -dev -> runtime library data: its runtime library is unknown")  # timid:
        else:
            runtime.append(package)
    return build_only, sorted(dict.fromkeys(runtime))


DEV_RUNTIME_CODENAMES = ("bookworm", "trixie")
"""Debian releases whose runtime library names the -dev data gives: bookworm's own, and trixie's via `[debian13]`."""


def check_dev_runtime_release(context: FileContext, runtime: str, libraries: list[str]) -> None:
    """Decline when runtime libraries named from Debian 12's metadata go onto a runtime image of an older Debian,
    where they are named otherwise (libssl1.1 for libssl3, libffi7 for libffi8) and apt would not find them."""
    if not libraries:
        return
    image = Image.parse(runtime)
    tag = base_knowledge(context).parse_tag(image.repo, image.tag or None)
    codename = tag.codename if tag is not None else None
    if codename is not None and codename not in DEV_RUNTIME_CODENAMES:
        raise Decline(
            f"`{runtime}` is Debian {codename}; the -dev -> runtime library data ({', '.join(libraries)}) is Debian 12's"
        )  # timid:


def apt_line(packages: list[str]) -> str:
    return (
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        + " ".join(packages)
        + " && rm -rf /var/lib/apt/lists/*"
    )


def debian13_note(packages: list[str]) -> str:
    provided = knowledge()["debian13"]["provided_by"]
    renamed = [f"{p} (Debian 13: {provided[p]})" for p in packages if p in provided]
    if not renamed:
        return ""
    return " Runtime package names come from Debian 12 metadata; on Debian 13 apt selects the t64 package that provides them: " + ", ".join(renamed) + "."


def cgo_disabled(context: FileContext, ins: Instruction, command: Command) -> bool:
    if any(a.text == "CGO_ENABLED=0" for a in command.assignments):
        return True
    return context.env_at(ins).get("CGO_ENABLED") == "0"


def check_outputs_stay(facts: Facts, outputs: Iterable[str]) -> None:
    """Decline when a later command moves or removes a build output (the COPY --from would miss it)."""
    paths = set(outputs)
    names = {PurePosixPath(p).name for p in paths}
    for ins, command in facts.commands():
        if command.name not in ("mv", "rm", "rename", "unlink"):
            continue
        for value in command.arg_values():
            if value is None:
                raise Decline(f"line {ins.line}: `{command.name}` with a computed path may touch the build output")  # timid:
            if value in paths or PurePosixPath(value).name in names or any(under(p, value) for p in paths):
                raise Decline(f"line {ins.line}: `{command.name} {value}` moves or removes the build output")  # timid:


def entry_binary(facts: Facts, commands: list[list[str | None]], binaries: set[str], on_path: set[str]) -> str:
    """The built binary the container starts; declines when it starts anything else."""
    first = commands[0][0] if commands and commands[0] else None
    if len(commands) != 1 or first is None:
        raise Decline("the start-up command runs more than the built binary")  # timid:
    if "/" in first:
        path = absolute(first, facts.workdir)
        if path in binaries:
            return path
    else:
        for binary in binaries:
            if PurePosixPath(binary).name == first and str(PurePosixPath(binary).parent) in on_path | {"/usr/local/bin", "/usr/bin", "/bin"}:
                return binary
    raise Decline(f"the container starts `{first}`, which is not a binary the build produces")  # timid:


def workdir_and_binaries(facts: Facts, outputs_paths: list[str]) -> list[str]:
    """WORKDIR (for relative paths in CMD) and a COPY --from per binary; $GOPATH/bin and $CARGO_HOME/bin map to /usr/local/bin."""
    lines = []
    if facts.workdir and facts.workdir != "/":
        lines.append(f"WORKDIR {facts.workdir}")
    gobin = {knowledge()["go"]["gopath_bin"], knowledge()["rust"]["cargo_bin"]}
    for path in outputs_paths:
        target = path
        if str(PurePosixPath(path).parent) in gobin:
            target = f"/usr/local/bin/{PurePosixPath(path).name}"
        lines.append(f"COPY --from={facts.build_stage} {path} {target}")
    return lines


class Plan:
    """A runtime stage for the facts: what to add, and what to change in the build stage."""

    __slots__ = ("runtime_image", "lines", "build_edits", "title", "note", "before_mb", "after_mb", "code", "extra_runtime", "replays_from", "after_copies", "saving_mb")

    def __init__(
        self,
        runtime_image: str,
        lines: list[str],
        build_edits: list[Edit],
        title: str,
        note: str,
        before_mb: float | None,
        after_mb: float | None,
        code: str,
        extra_runtime: list[str] | None = None,
    ) -> None:
        self.runtime_image = runtime_image
        self.lines = lines
        """Runtime-stage lines after FROM and before the repeated/moved instructions."""
        self.build_edits = build_edits
        self.title = title
        self.note = note
        self.before_mb = before_mb
        self.after_mb = after_mb
        self.code = code
        """The rule that made the plan, named in the runtime stage's comment."""
        self.extra_runtime = [] if extra_runtime is None else extra_runtime
        """Instruction texts (verbatim, from the build stage) repeated in the runtime stage before COPY."""
        self.after_copies: list[str] = []
        """State-only RUNs (verbatim) replayed after the runtime stage's copies, in their order (`state_replays`)."""
        self.saving_mb: float | None = None
        """An estimated saving when the base image stays the same (before_mb/after_mb are then None): what the
        build left behind, sized by the plan."""
        self.replays_from: int | None = None
        """Index of the first build-stage instruction the runtime stage replays (a COPY, an install): the ENVs
        set before it are repeated before the replayed steps, as they ran in the build stage."""


def newline(text: str) -> str:
    return "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" and text.split("\n", 1)[0].endswith("\r") else "\n"


def _with_comments(facts: Facts, ins: Instruction) -> Span:
    """The instruction's span with the comment lines directly above it."""
    elements = facts.document.elements
    position = elements.index(ins)
    start = ins.span.start
    while position > 0:
        prev = elements[position - 1]
        if isinstance(prev, Trivia) and prev.kind == "comment":
            start = prev.span.start
            position -= 1
        else:
            break
    return Span(start, ins.span.end)


def _moved_tail(facts: Facts) -> Span | None:
    """The end of the file when everything after the last kept instruction moves: moved as one
    block, so the blank lines and comments between those instructions keep their layout."""
    elements = facts.document.elements
    moved = set(id(i) for i in facts.moved)
    last_kept = None
    for element in elements:
        if isinstance(element, Instruction) and id(element) not in moved:
            last_kept = element
    if last_kept is None or not any(isinstance(e, Instruction) and e.span.start > last_kept.span.start for e in elements):
        return None
    start = last_kept.span.end
    text = facts.document.text
    return Span(start, len(text)) if start < len(text) else None


def _referenced_args(facts: Facts, texts: list[str]) -> list[Instruction]:
    names = {m.group(1) for t in texts for m in _VAR_REF.finditer(t)}
    out = []
    for ins in facts.stage.instructions:
        if ins.name == "ARG" and any(n in names for n, _ in assignments(ins, facts.document.escape)):
            out.append(ins)
    return out


def build_fix_edits(facts: Facts, plan: Plan) -> list[Edit]:
    document = facts.document
    text = document.text
    nl = newline(text)
    edits: list[Edit] = list(plan.build_edits)
    stage = facts.stage
    if stage.alias is None:
        image_word = stage.from_.words()[0]
        edits.append(Edit.insert(image_word.span.end, f" AS {BUILD_STAGE}"))
    moved_texts = []
    tail = _moved_tail(facts)
    for ins in facts.moved:
        if tail is not None and ins.span.start >= tail.start:
            continue
        span = _with_comments(facts, ins)
        chunk = text[span.start : span.end]
        if not chunk.endswith("\n"):
            chunk += nl
        moved_texts.append(chunk)
        edits.append(Edit.delete(span))
    if tail is not None:
        chunk = text[tail.start : tail.end].lstrip("\r\n")
        if chunk and not chunk.endswith("\n"):
            chunk += nl
        moved_texts.append(chunk)
        edits.append(Edit.delete(tail))
    replays_from = plan.replays_from if plan.replays_from is not None else -1
    early_envs = [t if t.endswith("\n") else t + nl for t in (facts.text(i) for i in facts.envs if i.index < replays_from)]
    repeated = [facts.text(i) for i in facts.envs if i.index >= replays_from]
    if facts.user is not None and facts.user not in facts.moved:
        repeated.append(facts.text(facts.user))
    repeated = [t if t.endswith("\n") else t + nl for t in repeated]
    args = [facts.text(i) for i in _referenced_args(facts, early_envs + repeated + moved_texts + plan.lines)]
    args = [t if t.endswith("\n") else t + nl for t in args]
    lines = [
        "",
        f"# Runtime stage (dockerfix {plan.code}): {plan.title.lower()}",
        f"FROM {plan.runtime_image}",
    ]
    body = nl.join(lines) + nl + "".join(args) + "".join(early_envs) + "".join(t if t.endswith("\n") else t + nl for t in plan.extra_runtime)
    body += "".join(line + nl for line in plan.lines)
    body += "".join(t if t.endswith("\n") else t + nl for t in plan.after_copies)
    body += "".join(repeated) + "".join(moved_texts)
    kept_end = tail.start if tail is not None else len(text)
    prefix = "" if text[:kept_end].endswith("\n") else nl
    edits.append(Edit.insert(len(text), prefix + body))
    return coalesce(edits)


def coalesce(edits: list[Edit]) -> list[Edit]:
    """Merge edits that touch (a deletion ending where an insertion starts): the engine treats them as overlapping."""
    ordered = sorted(edits, key=lambda e: (e.span.start, e.span.end))
    out: list[Edit] = []
    for edit in ordered:
        if out and out[-1].span.end == edit.span.start:
            last = out.pop()
            edit = Edit.replace(Span(last.span.start, edit.span.end), last.text + edit.text)
        out.append(edit)
    return out


def size_text(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return ""
    return f" (base image ~{before:g} MB -> ~{after:g} MB, estimates)"


TOOLCHAIN = {
    "DF401": "Go toolchain",
    "DF402": "compilers and build-only Python packages",
    "DF403": "devDependencies and build tooling",
    "DF404": "JDK and the build tool",
    "DF405": "Rust toolchain",
}


def report(check: Rule, facts: Facts, make_plan) -> Iterator[Diagnostic]:  # type: ignore[no-untyped-def]
    span = facts.stage.from_.span
    span = Span(span.start, facts.stage.from_.header_end)
    try:
        plan = make_plan(facts)
        if plan is None:
            return
        plan.after_copies = state_replays(facts, plan)
        check_inherited_start(facts, plan.runtime_image)
    except Decline as exc:
        inherited = facts.start.inherited if facts.start is not None else None
        about_start = inherited is not None and any(f"`{word.rsplit('/', 1)[-1]}`" in str(exc) for word in inherited)
        if inherited is not None and about_start and "inherited" not in str(exc):
            exc = Decline(f"no CMD or ENTRYPOINT (the base image's is `{' '.join(inherited)}`): {exc}")
        yield check.diagnostic(
            f"single-stage build ships the {TOOLCHAIN[check.code]}; not split: {exc}",
            span,
            note="Split it by hand: build in one stage, then copy only what runs into a small runtime stage.",
        )
        return
    edits = build_fix_edits(facts, plan)
    if plan.before_mb == plan.after_mb:
        plan.before_mb = plan.after_mb = None  # same base image: the saving is what the build left behind, not sized
    saving = plan.before_mb - plan.after_mb if plan.before_mb is not None and plan.after_mb is not None else plan.saving_mb
    yield check.diagnostic(
        f"single-stage build ships the {TOOLCHAIN[check.code]} in the final image{size_text(plan.before_mb, plan.after_mb)}",
        span,
        check.fix(Applicability.UNSAFE, f"Split into a build stage and a `{plan.runtime_image}` runtime stage", *edits),
        note=plan.note + _inherited_note(facts, plan) + _digest_note(facts, plan),
        saving_mb=saving,
    )


def _single_stage(context: FileContext) -> Stage | None:
    stages = context.document.stages
    return stages[0] if len(stages) == 1 else None


def _image_repo(context: FileContext, stage: Stage) -> str | None:
    ref = resolve_image(context.document, stage)
    return Image.parse(ref).repo if ref is not None else None


def split_rule(context: FileContext, check: Rule, repos: tuple[str, ...], make_plan) -> Iterator[Diagnostic]:  # type: ignore[no-untyped-def]
    stage = _single_stage(context)
    if stage is None or _image_repo(context, stage) not in repos:
        return
    try:
        facts = stage_facts(context, stage)
    except Decline as exc:
        yield check.diagnostic(
            f"single-stage build ships the {TOOLCHAIN[check.code]}; not split: {exc}",
            Span(stage.from_.span.start, stage.from_.header_end),
            note="Split it by hand: build in one stage, then copy only what runs into a small runtime stage.",
        )
        return
    yield from report(check, facts, make_plan)
