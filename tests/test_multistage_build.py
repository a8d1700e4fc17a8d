"""Real builds: the DF401 (Go), DF402 (Python, Django) and DF403 (Node) splits build and run.

Marked `build`, and run only when asked for (`pytest -m build`), with the
same skip logic as `test_verify_build.py` (root, buildah and the local base
image stand-ins of `tools/standins/prepare.sh`).  Each example project in
`tests/build_examples/` is split by the engine; the original and the split
Dockerfile are built with buildah, the entry point of each image runs, and
both must print the same thing, while what the split leaves in the build
stage (gcc; the devDependency typescript; the Go toolchain) is gone from the
final image.
Image sizes and build times are printed (`pytest -m build -s` shows them).
About a minute for both with a warm layer cache, a few minutes cold.

The Python example compiles nothing: the python:3.11-slim stand-in has no C
headers (tools/standins/README.md), and `python3-dev` would make DF402
decline (it is not in the -dev -> runtime library data).  Instead psycopg's
pure-Python implementation loads libpq with ctypes on import, so the example
fails to run unless the runtime stage installed libpq5, the runtime library
Debian's metadata gives for libpq-dev.

The Go example parses its template file at run time: its split runs on
distroless static (the stand-in has no shell, so paths are looked up in the
mounted image, not with `test -e`) and prints the same only if DF401 copied
`templates/` beside the binary.

The Django example builds on the full python:3.11 stand-in: psycopg2 is
compiled from its source against libpq-dev, and `manage.py collectstatic`
writes STATIC_ROOT outside the application directory (/var/www/static, read
from the settings).  The entry point imports the driver (libpq5 must be in
the runtime stage) and serves a collected file through Django's static
view, so the split image fails unless it copied STATIC_ROOT from the build
stage.  About two minutes cold.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from rewriter.context import Settings
from rewriter.engine import fix_source
from rewriter.syntax import parse
from test_verify_build import _buildah_ready

pytestmark = pytest.mark.build

EXAMPLES = Path(__file__).resolve().parent / "build_examples"


@dataclass(frozen=True)
class Example:
    base: str
    rule: str
    prints: str
    """A line the entry point prints in both images."""
    dropped: str
    """A path the original image has and the split's final stage must not."""


CASES = {
    "python-libpq": Example("docker.io/library/python:3.11-slim", "DF402", "psycopg 3.2.3 (python), libpq 15", "/usr/bin/gcc"),
    "node-tsc": Example("docker.io/library/node:20-slim", "DF403", "ms(90000) = 2m", "/app/node_modules/typescript"),
    "go-template": Example("docker.io/library/golang:1.19", "DF401", "Hello, dockerfix: this line came from templates/greeting.tmpl.", "/usr/bin/go"),
    "django-psycopg2": Example(
        "docker.io/library/python:3.11", "DF402", "GET /static/shop/hello.txt: 200 hello from the collected static files", "/usr/bin/gcc"
    ),
}


def _split(folder: Path, rule: str) -> bytes:
    """The engine's unsafe multi-stage rewrite of folder/Dockerfile (DF4 only)."""
    dockerfile = folder / "Dockerfile"
    result = fix_source(
        dockerfile.read_bytes(),
        settings=Settings(unsafe_fixes=True, select=("DF4",)),
        context_dir=folder,
        dockerfile_path=dockerfile,
    )
    assert not result.internal_errors, result.internal_errors
    assert [d.rule for d in result.applied] == [rule]
    return result.output


def _buildah(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["buildah", *args], capture_output=True, text=True)


def _run_in(tag: str, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run argv in a fresh container of tag (the image's user, workdir and env), then remove it."""
    created = _buildah("from", "--pull=never", "--quiet", tag)
    assert created.returncode == 0, created.stderr
    container = created.stdout.strip().splitlines()[-1]
    try:
        return _buildah("run", "--isolation", "chroot", container, "--", *argv)
    finally:
        _buildah("rm", container)


def _has_path(tag: str, path: str) -> bool:
    """Whether the image holds `path`, looked up in its mounted file system (a distroless image has no `test`)."""
    created = _buildah("from", "--pull=never", "--quiet", tag)
    assert created.returncode == 0, created.stderr
    container = created.stdout.strip().splitlines()[-1]
    try:
        mounted = _buildah("mount", container)
        assert mounted.returncode == 0, mounted.stderr
        return os.path.lexists(os.path.join(mounted.stdout.strip(), path.lstrip("/")))
    finally:
        _buildah("rm", container)


@pytest.mark.parametrize("name", sorted(CASES))
def test_split_builds_and_runs(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if "build" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("real builds run only when asked for: pytest -m build")
    case = CASES[name]
    reason = _buildah_ready(case.base)
    if reason:
        pytest.skip(reason)
    from rewriter.verify.builders import BuildahBuilder

    folder = EXAMPLES / name
    split = tmp_path / "Dockerfile.split"
    split.write_bytes(_split(folder, case.rule))
    froms = [ins for ins in parse(split.read_bytes()).instructions if ins.name == "FROM"]
    assert len(froms) == 2, split.read_text()

    builder = BuildahBuilder(pull="never")
    tags = {kind: f"localhost/dockerfix-test-{name}-{kind}:{os.getpid()}" for kind in ("original", "split")}
    try:
        outputs, sizes, seconds = {}, {}, {}
        for kind, dockerfile in (("original", folder / "Dockerfile"), ("split", split)):
            outcome = builder.build(folder, dockerfile, tags[kind], no_cache=False)
            assert outcome.ok, f"{kind} build failed:\n{outcome.tail()}"
            facts = builder.facts(tags[kind])
            entry = [*(facts.config.entrypoint or ()), *(facts.config.cmd or ())]
            ran = _run_in(tags[kind], entry)
            assert ran.returncode == 0, f"{kind}: {entry} exited {ran.returncode}:\n{ran.stdout}{ran.stderr}"
            outputs[kind], sizes[kind], seconds[kind] = ran.stdout, facts.size_mb, outcome.seconds
        print(
            f"\n{name}: original {sizes['original']:.1f} MB ({seconds['original']:.0f} s build), "
            f"split {sizes['split']:.1f} MB ({seconds['split']:.0f} s build)"
        )
        assert case.prints in outputs["original"]
        assert outputs["split"] == outputs["original"]
        assert _has_path(tags["original"], case.dropped)
        assert not _has_path(tags["split"], case.dropped), f"{case.dropped} is still in the split image"
        assert sizes["split"] < sizes["original"]
    finally:
        for tag in tags.values():
            builder.remove(tag)
