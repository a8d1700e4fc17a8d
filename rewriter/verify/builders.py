"""The builder abstraction: build a Dockerfile, describe the image, read its files.

Three implementations drive the command-line tools a user already has:
Docker (BuildKit through `docker build`, buildx's default), podman and
buildah.  `detect()` picks the first that can build here.  Everything the
rest of `verify` needs from a builder is in `Builder`; the tests drive the
same procedure with an in-memory fake.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from rewriter.verify.snapshot import Snapshot, snapshot_of_dir, snapshot_of_tar

LOG_TAIL_LINES = 30
INSTALL_HELP = (
    "no image builder found: install one of\n"
    "  Docker (https://docs.docker.com/engine/install/) with a running daemon,\n"
    "  podman (apt-get install podman, dnf install podman, brew install podman),\n"
    "  buildah (apt-get install buildah; run as root: storage driver overlay, --isolation chroot),\n"
    "or choose one with --builder."
)


class BuilderError(Exception):
    """The builder itself failed (not the Dockerfile): missing tool, storage error..."""


@dataclass(frozen=True)
class Step:
    """One build step as the builder's log shows it."""

    instruction: str
    cached: bool


@dataclass
class BuildOutcome:
    ok: bool
    seconds: float
    log: str
    steps: list[Step] = field(default_factory=list)

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log.rstrip().splitlines()[-lines:])


@dataclass(frozen=True)
class RunOutcome:
    """What a container did in the time it was given: exited (with a status), or still running."""

    exit_code: int | None
    """None: still running when it was stopped."""
    output: str
    seconds: float

    def tail(self, lines: int = 10) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])

    def describe(self) -> str:
        if self.exit_code is None:
            return f"still running after {self.seconds:.0f} s"
        return f"exited with status {self.exit_code} after {self.seconds:.1f} s"


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an image's configuration that decide what a container does."""

    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    env: tuple[tuple[str, str], ...] = ()
    workdir: str = ""
    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    healthcheck: tuple[tuple[str, str], ...] | None = None
    """The HEALTHCHECK (test, interval, timeout, start period, retries), as sorted key/value pairs."""

    @staticmethod
    def from_oci(config: dict) -> ImageConfig:
        """From an OCI/Docker image config (`config` object, either key casing)."""
        get = lambda *keys: next((config[k] for k in keys if config.get(k) is not None), None)  # noqa: E731
        env = []
        for item in get("Env", "env") or []:
            key, _, value = item.partition("=")
            env.append((key, value))
        entrypoint = get("Entrypoint", "entrypoint")
        cmd = get("Cmd", "cmd")
        health = get("Healthcheck", "healthcheck")
        return ImageConfig(
            entrypoint=tuple(entrypoint) if entrypoint else None,
            cmd=tuple(cmd) if cmd else None,
            env=tuple(env),
            workdir=get("WorkingDir", "workingdir", "working_dir") or "",
            user=get("User", "user") or "",
            exposed_ports=tuple(sorted(get("ExposedPorts", "exposedports", "exposed_ports") or {})),
            healthcheck=tuple(sorted((str(k), json.dumps(v)) for k, v in health.items())) if isinstance(health, dict) else None,
        )

    def env_dict(self) -> dict[str, str]:
        return dict(self.env)


@dataclass(frozen=True)
class ImageFacts:
    size_bytes: int
    layers: int
    config: ImageConfig

    @property
    def size_mb(self) -> float:
        return self.size_bytes / 1_000_000


class Builder(Protocol):
    """What `verify` needs from an image builder."""

    name: str

    def version(self) -> str: ...

    def build(self, context: Path, dockerfile: Path, tag: str, *, no_cache: bool) -> BuildOutcome: ...

    def facts(self, tag: str) -> ImageFacts: ...

    def snapshot(self, tag: str) -> Snapshot: ...

    def remove(self, tag: str) -> None: ...

    def run(self, tag: str, command: list[str] | None, seconds: float) -> RunOutcome:
        """Start a container of the image (no network), with `command` or the image's own; stop it after `seconds`."""
        ...

    def residue(self) -> set[str]:
        """What a build leaves behind besides its tagged image (untagged layers, build-cache records), as ids."""
        ...

    def clean(self, before: set[str]) -> None:
        """Remove the residue made since `before` was taken."""
        ...

    def limits(self) -> dict[str, str]:
        """Dockerfile features this builder cannot build: feature -> plain explanation."""
        ...


# -- build logs -----------------------------------------------------------------

_BUILDAH_STEP = re.compile(r"^(?:\[\d+/\d+\] )?(?:STEP \d+/\d+:|Step \d+/\d+ :) (?P<instruction>.*)$")
_BUILDKIT_STEP = re.compile(r"^#(?P<id>\d+) \[(?:(?P<stage>[\w.-]+) )?(?P<number>\d+)/\d+\] (?P<instruction>.*)$")
_BUILDKIT_CACHED = re.compile(r"^#(?P<id>\d+) CACHED$")


def parse_steps(log: str) -> list[Step]:
    """Steps and cache hits from a buildah/podman log or a BuildKit plain-progress log.

    buildah and podman print `STEP n/m: INSTRUCTION` and then `--> Using cache`
    for a cached step (Docker's legacy builder: `Step n/m : ...`, ` ---> Using
    cache`); BuildKit prints `#7 [3/5] INSTRUCTION` and `#7 CACHED`.
    FROM steps are left out: they are never "built".  BuildKit prints steps as
    they start, which is not the Dockerfile's order (stages run in parallel,
    cached steps are reported late): its steps are put back in order by their
    `[stage n/m]` numbers, stages in the order they first appear.
    """
    steps: list[tuple[str, bool]] = []
    by_id: dict[str, int] = {}
    buildkit_position: dict[int, tuple[int, int]] = {}
    stages: dict[str, int] = {}
    for line in log.splitlines():
        line = line.rstrip()
        match = _BUILDAH_STEP.match(line)
        if match:
            steps.append((match["instruction"], False))
            continue
        if line.strip().startswith(("--> Using cache", "---> Using cache")) and steps:
            steps[-1] = (steps[-1][0], True)
            continue
        match = _BUILDKIT_STEP.match(line)
        if match and match["id"] not in by_id:
            by_id[match["id"]] = len(steps)
            stage = stages.setdefault(match["stage"] or "", len(stages))
            buildkit_position[len(steps)] = (stage, int(match["number"]))
            steps.append((match["instruction"], False))
            continue
        match = _BUILDKIT_CACHED.match(line)
        if match and match["id"] in by_id:
            index = by_id[match["id"]]
            steps[index] = (steps[index][0], True)
    if buildkit_position:
        order = sorted(range(len(steps)), key=lambda i: buildkit_position.get(i, (len(stages), i)))
        steps = [steps[i] for i in order]
    return [Step(text, cached) for text, cached in steps if not text.upper().startswith("FROM ")]


# -- command-line builders --------------------------------------------------------


def _checked(outcome: RunOutcome, what: str) -> RunOutcome:
    """Status 125 is the container tool's own failure (docker, podman, buildah), not the command's."""
    if outcome.exit_code == 125:
        raise BuilderError(f"{what} failed: {outcome.tail(3)}")
    return outcome


def _timed_run(argv: list[str], seconds: float, stop: Callable[[], object] | None = None) -> RunOutcome:
    """Run `argv` for at most `seconds`; past that, stop it (and `stop()` what it started) and say it was running."""
    start = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
    try:
        output, _ = process.communicate(timeout=seconds)
        return RunOutcome(process.returncode, output, time.monotonic() - start)
    except subprocess.TimeoutExpired:
        if stop is not None:
            stop()
        os.killpg(process.pid, 9)
        output, _ = process.communicate()
        return RunOutcome(None, output, seconds)


def _run(argv: list[str], *, timeout: float | None = None, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)  # type: ignore[call-overload]
    except FileNotFoundError as exc:
        raise BuilderError(f"{argv[0]}: not installed") from exc


class _CliBuilder:
    name = ""
    executable = ""

    def __init__(self, pull: str = "missing") -> None:
        self.pull = pull

    def _call(self, *args: str) -> str:
        result = _run([self.executable, *args])
        if result.returncode != 0:
            raise BuilderError(f"{self.executable} {' '.join(args[:3])}: {result.stderr.strip() or result.stdout.strip()}")
        return result.stdout

    def version(self) -> str:
        out = _run([self.executable, "--version"]).stdout.strip()
        match = re.search(r"\d+\.\d+(?:\.\d+)?", out)
        return f"{self.name} {match.group(0) if match else out}"

    def build_argv(self, context: Path, dockerfile: Path, tag: str, no_cache: bool) -> list[str]:
        raise NotImplementedError

    def build(self, context: Path, dockerfile: Path, tag: str, *, no_cache: bool) -> BuildOutcome:
        argv = self.build_argv(context, dockerfile, tag, no_cache)
        start = time.monotonic()
        process = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        seconds = time.monotonic() - start
        if process.returncode != 0:
            broken = next((why for pattern, why in _BUILDER_FAILURES if pattern.search(process.stdout)), None)
            if broken is not None:
                raise BuilderError(f"{self.name} cannot build here: {broken}")
        return BuildOutcome(process.returncode == 0, seconds, process.stdout, parse_steps(process.stdout))

    def remove(self, tag: str) -> None:
        _run([self.executable, "rmi", "-f", tag])

    def problem(self) -> str | None:
        """Why this builder cannot build here, in words that say what to install or set; None when it can."""
        raise NotImplementedError

    def residue(self) -> set[str]:
        """Untagged images (a layered build's intermediate steps)."""
        out = _run([self.executable, "images", "--all", "--quiet", "--no-trunc", "--filter", "dangling=true"])
        return set(out.stdout.split()) if out.returncode == 0 else set()

    def clean(self, before: set[str]) -> None:
        """Remove untagged images made since `before`; children first, so a few passes."""
        for _ in range(3):
            left = {i for i in self.residue() - before if not i.startswith("cache:")}
            if not left:
                return
            _run([self.executable, "rmi", *sorted(left)])

    def run_argv(self, tag: str, name: str, command: list[str] | None) -> list[str]:
        argv = [self.executable, "run", "--rm", "--network", "none", "--name", name, tag]
        return argv + (command or [])

    def run(self, tag: str, command: list[str] | None, seconds: float) -> RunOutcome:
        """`docker run`/`podman run` without network; a container still running after `seconds` is killed."""
        name = f"dockerfix-smoke-{uuid.uuid4().hex[:10]}"
        outcome = _timed_run(self.run_argv(tag, name, command), seconds, stop=lambda: _run([self.executable, "rm", "-f", name]))
        return _checked(outcome, f"{self.executable} run")

    def limits(self) -> dict[str, str]:
        return {}

    def _snapshot_by_export(self, tag: str) -> Snapshot:
        """docker/podman: create a container (never started) and stream its filesystem."""
        cid = self._call("create", tag, "/nonexistent-dockerfix-verify").strip().splitlines()[-1]
        try:
            process = subprocess.Popen([self.executable, "export", cid], stdout=subprocess.PIPE)
            assert process.stdout is not None
            snapshot = snapshot_of_tar(process.stdout)
            if process.wait() != 0:
                raise BuilderError(f"{self.executable} export failed")
            return snapshot
        finally:
            _run([self.executable, "rm", "-f", cid])


# Build failures that are the builder's, whatever the Dockerfile says: reported as such, never blamed on a fix.
_BUILDER_FAILURES = (
    (re.compile(r"buildx component is missing or broken"), "docker's buildx component is missing or broken (install docker-buildx-plugin, or set DOCKER_BUILDKIT=0)"),
    (re.compile(r"Cannot connect to the Docker daemon"), "the docker daemon does not answer"),
    (re.compile(r"error mounting .* operation not permitted|kernel does not support overlay", re.I), "the storage driver cannot mount layers here"),
)


class DockerBuilder(_CliBuilder):
    """`docker build` (BuildKit, the default since Docker 23, and buildx)."""

    name = "docker"
    executable = "docker"

    def problem(self) -> str | None:
        """Why this docker cannot build here (None when it can): no daemon, or BuildKit without buildx.

        Docker 23+ builds with BuildKit through the buildx component; a CLI
        without it fails *every* build ("BuildKit is enabled but the buildx
        component is missing or broken"), which must not read as a broken
        Dockerfile.
        """
        if shutil.which("docker") is None:
            return "docker: not installed"
        if _run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=20).returncode != 0:
            return "docker is installed but its daemon does not answer (start dockerd, or check DOCKER_HOST and your permissions)"
        client = _run(["docker", "version", "--format", "{{.Client.Version}}"], timeout=20).stdout
        needs_buildx = int(re.match(r"\d*", client.strip()).group(0) or 0) >= 23  # 20.10's CLI has BuildKit built in
        if needs_buildx and os.environ.get("DOCKER_BUILDKIT", "1") != "0" and _run(["docker", "buildx", "version"], timeout=20).returncode != 0:
            return (
                f"docker's CLI ({client.strip()}) has no buildx component, so every BuildKit build fails: install it "
                "(docker-buildx-plugin from Docker's packages, docker-buildx from Debian 13), put a docker CLI "
                "with BuildKit built in first on PATH (Debian 12's docker.io, 20.10), or set DOCKER_BUILDKIT=0"
            )
        return None

    def build_argv(self, context: Path, dockerfile: Path, tag: str, no_cache: bool) -> list[str]:
        argv = ["docker", "build", "--progress=plain", "-f", str(dockerfile), "-t", tag]
        if no_cache:
            argv.append("--no-cache")
        if self.pull == "always":
            argv.append("--pull")
        return [*argv, str(context)]

    def build(self, context: Path, dockerfile: Path, tag: str, *, no_cache: bool) -> BuildOutcome:
        os.environ.setdefault("DOCKER_BUILDKIT", "1")
        return super().build(context, dockerfile, tag, no_cache=no_cache)

    def residue(self) -> set[str]:
        """BuildKit's build-cache records (they outlive `docker rmi`), besides untagged images."""
        out = _run(["docker", "system", "df", "--verbose", "--format", "{{json .BuildCache}}"])
        try:
            records = {"cache:" + r["ID"] for r in json.loads(out.stdout or "[]") or []} if out.returncode == 0 else set()
        except (ValueError, TypeError, KeyError):
            records = set()
        return super().residue() | records

    def clean(self, before: set[str]) -> None:
        records = sorted(r.removeprefix("cache:") for r in self.residue() - before if r.startswith("cache:"))
        if records:
            _run(["docker", "builder", "prune", "--force", *(f"--filter=id={r}" for r in records)])
        super().clean(before)

    def facts(self, tag: str) -> ImageFacts:
        data = json.loads(self._call("image", "inspect", tag))[0]
        return ImageFacts(int(data.get("Size") or 0), len(data.get("RootFS", {}).get("Layers") or []), ImageConfig.from_oci(data.get("Config") or {}))

    def snapshot(self, tag: str) -> Snapshot:
        return self._snapshot_by_export(tag)


class PodmanBuilder(DockerBuilder):
    name = "podman"
    executable = "podman"
    residue = _CliBuilder.residue  # podman keeps no build cache apart from its images
    clean = _CliBuilder.clean

    def problem(self) -> str | None:
        if shutil.which("podman") is None:
            return "podman: not installed"
        if _run(["podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"], timeout=20).returncode != 0:
            return "podman is installed but `podman info` fails (check its storage and runtime configuration)"
        return None

    def build_argv(self, context: Path, dockerfile: Path, tag: str, no_cache: bool) -> list[str]:
        argv = ["podman", "build", "--layers", "--force-rm", f"--pull={self.pull}", "-f", str(dockerfile), "-t", tag]
        if no_cache:
            argv.append("--no-cache")
        return [*argv, str(context)]


class BuildahBuilder(_CliBuilder):
    """buildah, as root: `bud --layers --force-rm`, chroot isolation unless configured otherwise.

    Limits of buildah 1.28 (Debian 12): no heredocs, no `COPY --link`; a
    digest-pinned FROM cannot resolve against a local image.
    """

    name = "buildah"
    executable = "buildah"

    def problem(self) -> str | None:
        if shutil.which("buildah") is None:
            return "buildah: not installed"
        if _run(["buildah", "info"], timeout=30).returncode != 0:
            return "buildah is installed but `buildah info` fails (as root it needs the overlay or vfs storage driver)"
        return None

    def _version_tuple(self) -> tuple[int, ...]:
        match = re.search(r"(\d+)\.(\d+)", self.version())
        return (int(match.group(1)), int(match.group(2))) if match else (0, 0)

    def limits(self) -> dict[str, str]:
        if self._version_tuple() >= (1, 33):
            return {}
        version = self.version()
        return {
            "heredoc": f"{version} cannot build heredocs (`RUN <<EOF`); verify with Docker/BuildKit or buildah 1.33+ (--builder)",
            "copy-link": f"{version} does not support `COPY --link`; verify with Docker/BuildKit or a newer buildah (--builder)",
        }

    def build_argv(self, context: Path, dockerfile: Path, tag: str, no_cache: bool) -> list[str]:
        # The docker format: the OCI image config has no HEALTHCHECK, so buildah's default would drop it.
        argv = ["buildah", "bud", "--format", "docker", "--layers", "--force-rm", f"--pull={_BUILDAH_PULL.get(self.pull, self.pull)}"]
        if "BUILDAH_ISOLATION" not in os.environ and os.geteuid() == 0:
            argv.append("--isolation=chroot")
        argv += ["-f", str(dockerfile), "-t", tag]
        if no_cache:
            argv.append("--no-cache")
        return [*argv, str(context)]

    def facts(self, tag: str) -> ImageFacts:
        data = json.loads(self._call("inspect", "--type", "image", tag))
        oci = data.get("OCIv1") or {}
        diff_ids = (oci.get("rootfs") or {}).get("diff_ids") or []
        docker = (data.get("Docker") or {}).get("config") or {}
        config = ImageConfig.from_oci(docker or oci.get("config") or {})  # the Docker config has the HEALTHCHECK
        return ImageFacts(self._size(tag), len(diff_ids), config)

    def _size(self, tag: str) -> int:
        """Sum of the layer sizes (skopeo's raw manifest), else buildah's own figure."""
        if shutil.which("skopeo"):
            result = _run(["skopeo", "inspect", "--raw", f"containers-storage:{tag}"])
            if result.returncode == 0:
                manifest = json.loads(result.stdout)
                return sum(int(layer.get("size") or 0) for layer in manifest.get("layers") or [])
        images = json.loads(self._call("images", "--json", tag) or "[]")
        return int(images[0].get("size") or 0) if images else 0

    def residue(self) -> set[str]:
        """Untagged images: what `bud --layers` keeps of each step."""
        out = _run(["buildah", "images", "--all", "--noheading", "--no-trunc", "--filter", "dangling=true", "--format", "{{.ID}}"])
        return set(out.stdout.split()) if out.returncode == 0 else set()

    def run(self, tag: str, command: list[str] | None, seconds: float) -> RunOutcome:
        """`buildah run` in a working container of the image: its env, workdir and user; no network.

        buildah runs what it is given, not the image's ENTRYPOINT and CMD: those are composed here
        as a container runtime would (an explicit command replaces CMD, never ENTRYPOINT).
        """
        config = self.facts(tag).config
        argv = [*(config.entrypoint or ()), *(command if command is not None else (config.cmd or ()))]
        if not argv:
            return RunOutcome(None, "the image has no command to run", 0.0)
        container = self._call("from", "--pull=never", "--quiet", tag).strip().splitlines()[-1]
        chroot = "BUILDAH_ISOLATION" not in os.environ and os.geteuid() == 0
        # chroot isolation cannot make a network namespace: the command shares the host's network there.
        options = ["--isolation=chroot"] if chroot else ["--network", "none"]
        try:
            return _checked(_timed_run(["buildah", "run", *options, container, "--", *argv], seconds), "buildah run")
        finally:
            _run(["buildah", "rm", container])

    def snapshot(self, tag: str) -> Snapshot:
        container = self._call("from", "--pull=never", "--quiet", tag).strip().splitlines()[-1]
        try:
            root = self._call("mount", container).strip()
            try:
                return snapshot_of_dir(Path(root))
            finally:
                _run(["buildah", "umount", container])
        finally:
            _run(["buildah", "rm", container])


_BUILDAH_PULL = {"missing": "false", "always": "always", "never": "never"}
"""buildah's spelling: `false` pulls only when the image is absent (`true` checks the registry for a newer one)."""

BUILDERS = {"docker": DockerBuilder, "podman": PodmanBuilder, "buildah": BuildahBuilder}


def detect(choice: str = "auto", pull: str = "missing") -> _CliBuilder:
    """The builder to use: the one chosen, or the first of docker, podman, buildah that works here."""
    names = list(BUILDERS) if choice == "auto" else [choice]
    problems = []
    for name in names:
        builder = BUILDERS[name](pull)
        problem = builder.problem()
        if problem is None:
            return builder
        if shutil.which(builder.executable) or choice != "auto":
            problems.append(problem)
    if choice == "auto" and not problems:
        raise BuilderError(INSTALL_HELP)
    message = "no builder can build here:" if choice == "auto" else f"builder {choice!r} cannot build here:"
    raise BuilderError("\n".join([message, *(f"  {p}" for p in problems)]))
