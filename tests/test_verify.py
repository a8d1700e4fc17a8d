"""An in-memory image builder for the tests of `dockerfix verify`.

It interprets a tiny, predictable subset of Dockerfile semantics, enough to
exercise the whole procedure without a container engine:

* `FROM` starts from a base image of `BASES` (files, Debian packages, env)
  or from an earlier stage; another fails as a base image that cannot be
  pulled; the last stage is the image, and `COPY --from=STAGE SRC DEST`
  copies a file or folder of an earlier stage;
* `WORKDIR`, `ENV`, `USER`, `EXPOSE`, `CMD`, `ENTRYPOINT` set the config;
* `COPY SRC... DEST` copies context files (respecting nothing fancy);
* `RUN` understands a few commands by their words: `pip install -r FILE`
  (installs `name==version` lines; leaves a pip cache unless
  `--no-cache-dir`), `apt-get update` (apt lists, unless the RUN removes
  them), `apt-get install PKG[=VERSION]...` (at version 1.0 unless pinned,
  plus a recommended package unless `--no-install-recommends`, and the
  library a -dev package pulls at 1.0 too), `apt-get upgrade` (every
  package gets a Debian security update), `echo TEXT > PATH`, `go build -o PATH`
  (a binary whose bytes are its flags and whether `CGO_ENABLED=0` preceded
  it, and that fails when run if built so from a build that says
  `needs-cgo`), and `false` (fails).

A path in `BASES` that ends with `/` is a folder.

The layer cache works like BuildKit's: a step is cached when the same
instruction ran on the same parent, and a COPY also when its files are
unchanged.  The log has buildah's `STEP n/m:` and `--> Using cache` lines.
"""

from __future__ import annotations

import copy
import hashlib
import io
import posixpath
import shlex
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from rewriter.syntax import parse
from rewriter.verify.builders import BuildOutcome, ImageConfig, ImageFacts, RunOutcome, parse_steps
from rewriter.verify.snapshot import Snapshot, snapshot_of_tar

RECOMMENDED = {"curl": "ca-certificates", "gcc": "cpp"}
PULLS = {"zlib1g-dev": "zlib1g"}
"""A -dev package depends on its library at its own version."""

BASES = {
    "python:3.11-slim": {
        "files": {"usr/bin/python3": b"ELF python", "etc/os-release": b"debian 12"},
        "debian": {"base-files": "12.4", "python3": "3.11.2-1"},
        "env": {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
    },
    "python:3.13": {
        "files": {"usr/bin/python3": b"ELF python", "etc/os-release": b"debian 12", "usr/bin/gcc": b"ELF gcc" * 50_000},
        "debian": {"base-files": "12.4", "python3": "3.13.1-1", "gcc": "12.2"},
        "env": {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
    },
}
# The stand-ins' CA variables (tools/standins/prepare.sh) on the Debian bases; distroless sets only its own.
_CA_ENV = {"PIP_CERT": "/etc/ssl/certs/ca-certificates.crt", "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"}
BASES["debian:bookworm-slim"] = {
    "files": {"usr/bin/bash": b"ELF bash", "etc/os-release": b"debian 12", "root/": b""},
    "debian": {"base-files": "12.4", "bash": "5.2.15", "zlib1g": "1:1.2.13.dfsg-1"},
    "env": {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", **_CA_ENV},
}
for _release in ("12", "13"):
    BASES[f"gcr.io/distroless/static-debian{_release}"] = {
        "files": {"etc/passwd": b"root:x:0:0\nnonroot:x:65532:65532\n", "home/nonroot/": b"", "etc/ssl/certs/ca-certificates.crt": b"CA"},
        "debian": {},
        "env": {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"},
    }
SITE = "usr/local/lib/python3.11/site-packages"


@dataclass
class FakeImage:
    files: dict[str, bytes] = field(default_factory=dict)
    debian: dict[str, str] = field(default_factory=dict)
    python: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str = ""
    ports: list[str] = field(default_factory=list)
    cmd: list[str] | None = None
    entrypoint: list[str] | None = None
    layers: int = 1


class FakeBuilder:
    name = "fake"

    def __init__(self, limits: dict[str, str] | None = None) -> None:
        self.images: dict[str, FakeImage] = {}
        self.cache: set[str] = set()
        self.builds: list[tuple[str, bool]] = []
        self._limits = limits or {}

    def version(self) -> str:
        return "fake 1.0"

    def limits(self) -> dict[str, str]:
        return self._limits

    def remove(self, tag: str) -> None:
        self.images.pop(tag, None)

    def residue(self) -> set[str]:
        return set(self.cache)

    def clean(self, before: set[str]) -> None:
        self.cache &= before

    def run(self, tag: str, command: list[str] | None, seconds: float) -> RunOutcome:
        """Runs `python FILE` (prints the file, exits 0) or a missing file (exits 2); `serve` keeps running.

        A program named by its absolute path must be there (else exit 127); a
        binary built with `go build` panics if it needs cgo and was built without."""
        image = self.images[tag]
        argv = command if command is not None else [*(image.entrypoint or []), *(image.cmd or [])]
        if argv[:2] == ["/bin/sh", "-c"]:
            argv = shlex.split(argv[2])
        if argv[0].startswith("/") and argv[0].lstrip("/") not in image.files:
            return RunOutcome(127, f"exec: {argv[0]}: not found\n", 0.1)
        binary = image.files.get(argv[0].lstrip("/"), b"")
        if binary.startswith(b"ELF go static") and b"needs-cgo" in binary:
            return RunOutcome(1, "panic: cgo needed\n", 0.1)
        if argv[-1:] == ["serve"]:
            return RunOutcome(None, "serving\n", seconds)
        path = (image.workdir.rstrip("/") + "/" + argv[-1]).lstrip("/")
        if path in image.files:
            return RunOutcome(0, image.files[path].decode(), 0.1)
        return RunOutcome(2, f"python: can't open file '{argv[-1]}'\n", 0.1)

    def build(self, context: Path, dockerfile: Path, tag: str, *, no_cache: bool) -> BuildOutcome:
        self.builds.append((dockerfile.name, no_cache))
        document = parse(dockerfile.read_bytes())
        instructions = document.instructions
        log: list[str] = []
        image = FakeImage()
        stages: dict[str, FakeImage] = {}
        key = ""
        for number, instruction in enumerate(instructions, 1):
            if instruction.name == "FROM":
                image = FakeImage()
                stages[str(sum(k.isdigit() for k in stages))] = image
                words = [w.text for w in instruction.words()]
                if len(words) == 3 and words[1].upper() == "AS":
                    stages[words[2].lower()] = image
            text = instruction.header.text.strip()
            log.append(f"STEP {number}/{len(instructions)}: {text}")
            key = hashlib.sha256((key + text + self._inputs(instruction, context)).encode()).hexdigest()
            if instruction.name != "FROM" and key in self.cache and not no_cache:
                log.append(f"--> Using cache {key[:12]}")
            try:
                self._apply(image, instruction, context, stages)
            except RuntimeError as exc:
                log.append(f"error building at STEP \"{text}\": {exc}")
                return BuildOutcome(False, 1.0, "\n".join(log), parse_steps("\n".join(log)))
            self.cache.add(key)
        self.images[tag] = image
        text_log = "\n".join(log)
        steps = parse_steps(text_log)
        return BuildOutcome(True, 1.0 + sum(not s.cached for s in steps), text_log, steps)

    @staticmethod
    def _inputs(instruction, context: Path) -> str:  # type: ignore[no-untyped-def]
        if instruction.name != "COPY" or instruction.flag("from") is not None:
            return ""
        sources = [w.text for w in instruction.words()][:-1]
        digest = hashlib.sha256()
        for source in sources:
            paths = sorted(p for p in context.rglob("*") if p.is_file()) if source in (".", "./") else [context / source]
            for path in paths:
                digest.update(str(path.relative_to(context)).encode() + path.read_bytes())
        return digest.hexdigest()

    def _apply(self, image: FakeImage, instruction, context: Path, stages: dict[str, FakeImage]) -> None:  # type: ignore[no-untyped-def]
        name = instruction.name
        words = [w.text for w in instruction.words()]
        if name == "FROM" and words[0].lower() in stages and stages[words[0].lower()] is not image:
            image.__dict__.update(copy.deepcopy(stages[words[0].lower()].__dict__))
        elif name == "FROM":
            base = BASES.get(words[0])
            if base is None:  # as buildah says it when the image is neither local nor pullable
                raise RuntimeError(f"creating build container: initializing source docker://{words[0]}: manifest unknown")
            image.files.update(base["files"])
            image.debian.update(base["debian"])
            image.env.update(base["env"])
        elif name == "WORKDIR":
            image.workdir = words[0]
        elif name == "ENV":
            for word in words:
                key, _, value = word.partition("=")
                image.env[key] = value
        elif name == "USER":
            image.user = words[0]
        elif name == "EXPOSE":
            image.ports.extend(f"{w}/tcp" for w in words)
        elif name in ("CMD", "ENTRYPOINT"):
            value = list(instruction.json) if instruction.json is not None else ["/bin/sh", "-c", instruction.args.text]
            setattr(image, "cmd" if name == "CMD" else "entrypoint", value)
        elif name == "COPY":
            image.layers += 1
            *sources, dest = words
            base = dest if dest.startswith("/") else image.workdir.rstrip("/") + "/" + dest
            stage = instruction.flag("from")
            if stage is not None:
                other = stages[(stage.value or "").lower()]
                source = sources[0].strip("/")
                for path, content in list(other.files.items()):
                    if path == source or path.startswith(source + "/"):
                        image.files[(base.strip("/") + path[len(source) :]).lstrip("/")] = content
                if not any(p == source or p.startswith(source + "/") for p in other.files):
                    raise RuntimeError(f"COPY --from={stage.value}: {sources[0]}: no such file or directory")
                return
            for source in sources:
                paths = sorted(p for p in context.rglob("*") if p.is_file()) if source in (".", "./") else [context / source]
                for path in paths:
                    rel = str(path.relative_to(context)) if source in (".", "./") else path.name
                    image.files[posixpath.normpath(base.rstrip("/") + "/" + rel).lstrip("/")] = path.read_bytes()
        elif name == "RUN":
            image.layers += 1
            self._run(image, instruction.args.text)

    def _run(self, image: FakeImage, script: str) -> None:
        removes_lists = "rm -rf /var/lib/apt/lists" in script
        for part in script.replace("&&", ";").split(";"):
            words = shlex.split(part.replace("\\\n", " "))
            if not words:
                continue
            if words[0] == "false":
                raise RuntimeError("process exited with status 1")
            if words[0] in ("pip", "pip3") and "install" in words:
                requirements = words[words.index("-r") + 1] if "-r" in words else None
                lines = image.files.get(f"{image.workdir.strip('/')}/{requirements}".lstrip("/"), b"").decode().split() if requirements else []
                lines += [w for w in words[words.index("install") + 1 :] if not w.startswith("-") and w != requirements]
                for line in lines:
                    package, _, version = line.partition("==")
                    image.python[package] = version or "1.0"
                if "--no-cache-dir" not in words:
                    image.files["root/.cache/pip/http/ab/cd"] = b"x" * 400_000
            elif words[:2] == ["apt-get", "update"] and not removes_lists:
                image.files["var/lib/apt/lists/mirror_debian_dists_bookworm_main_binary-amd64_Packages.lz4"] = b"x" * 9000
            elif words[:2] == ["apt-get", "upgrade"]:
                image.debian = {name: f"{version}+deb12u1" for name, version in image.debian.items()}
            elif words[:2] == ["apt-get", "install"]:
                named = dict(w.partition("=")[::2] for w in words[2:] if not w.startswith("-"))
                for package, version in named.items():
                    image.debian[package] = version or "1.0"
                    if "--no-install-recommends" not in words and package in RECOMMENDED:
                        image.debian[RECOMMENDED[package]] = "1.0"
                    if package in PULLS and PULLS[package] not in named:
                        image.debian[PULLS[package]] = "1.0"
            elif "go" in words and words[words.index("go") + 1 : words.index("go") + 2] == ["build"]:
                target = words[words.index("-o") + 1] if "-o" in words else "app"
                static = "CGO_ENABLED=0" in words[: words.index("go")]
                image.files[target.lstrip("/")] = b"ELF go " + (b"static " if static else b"") + " ".join(words[words.index("go") + 2 :]).encode()
            elif words[0] == "echo" and ">" in words:
                target = words[words.index(">") + 1]
                image.files[target.lstrip("/")] = " ".join(words[1 : words.index(">")]).encode() + b"\n"

    def _image(self, tag: str) -> FakeImage:
        """A built image, or a base image by its name."""
        if tag in self.images:
            return self.images[tag]
        base = BASES[tag]
        return FakeImage(files=dict(base["files"]), debian=dict(base["debian"]), env=dict(base["env"]))

    def facts(self, tag: str) -> ImageFacts:
        image = self._image(tag)
        config = ImageConfig.from_oci(
            {
                "Env": [f"{k}={v}" for k, v in image.env.items()],
                "Cmd": image.cmd,
                "Entrypoint": image.entrypoint,
                "WorkingDir": image.workdir,
                "User": image.user,
                "ExposedPorts": {p: {} for p in image.ports},
            }
        )
        size = sum(len(v) for v in image.files.values()) + 1000 * len(image.debian)
        return ImageFacts(size, image.layers, config)

    def snapshot(self, tag: str) -> Snapshot:
        """Through a real tar stream, as `docker export` gives it."""
        image = self._image(tag)
        files = dict(image.files)
        files["var/lib/dpkg/status"] = "\n\n".join(
            f"Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}" for name, version in sorted(image.debian.items())
        ).encode()
        for package, version in image.python.items():
            files[f"{SITE}/{package}-{version}.dist-info/METADATA"] = f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n\nText".encode()
            files[f"{SITE}/{package}/__init__.py"] = f"# {package}\n".encode()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            for path, content in sorted(files.items()):
                info = tarfile.TarInfo("./" + path)
                if path.endswith("/"):
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    archive.addfile(info)
                    continue
                info.size = len(content)
                info.mode = 0o755 if content.startswith(b"ELF") else 0o644
                archive.addfile(info, io.BytesIO(content))
        buffer.seek(0)
        return snapshot_of_tar(buffer)


# ----------------------------------------------------------------------------------
# Specifications
# ----------------------------------------------------------------------------------

import json  # noqa: E402
import textwrap  # noqa: E402

import pytest  # noqa: E402

from rewriter.context import Settings  # noqa: E402
from rewriter.verify import builders as builders_module  # noqa: E402
from rewriter.verify import run as run_module  # noqa: E402
from rewriter.verify.compare import compare_images  # noqa: E402
from rewriter.verify.report import render, to_json  # noqa: E402
from rewriter.verify.run import Inputs, pick_source_file, verify  # noqa: E402
from rewriter.verify.snapshot import snapshot_of_dir  # noqa: E402


def make_app(tmp_path: Path, dockerfile: str, files: dict[str, str] | None = None) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text(textwrap.dedent(dockerfile).lstrip())
    for name, content in (files or {"app.py": "print('hello')\n", "requirements.txt": "flask==3.0.3\n"}).items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(content)
    return app


def verify_app(app: Path, builder: FakeBuilder | None = None, **settings: object):  # type: ignore[no-untyped-def]
    inputs = Inputs(app / "Dockerfile", app, Settings(**settings))  # type: ignore[arg-type]
    return verify(inputs, builder or FakeBuilder())


def fake_rewrite(outputs: dict[tuple[str, ...], str], applied: list[str]):  # type: ignore[no-untyped-def]
    """A stand-in for the engine: the rewrite for each `select` (() = every rule)."""

    def rewrite(source: bytes, inputs: Inputs, settings: Settings | None = None):  # type: ignore[no-untyped-def]
        select = (settings or inputs.settings).select
        text = outputs.get(tuple(select))
        if text is None:
            return source, [], []
        return textwrap.dedent(text).lstrip().encode(), list(select) or applied, []

    return rewrite


SEED = """\
    FROM python:3.11-slim
    WORKDIR /app
    COPY . /app
    RUN pip install -r requirements.txt
    EXPOSE 5000
    CMD ["python", "app.py"]
"""


# -- build logs ------------------------------------------------------------------


def test_buildah_log_gives_steps_and_cache_hits() -> None:
    log = textwrap.dedent(
        """\
        STEP 1/4: FROM python:3.11-slim
        STEP 2/4: WORKDIR /app
        --> Using cache 1a2b3c
        --> 1a2b3c
        STEP 3/4: COPY . .
        --> 4d5e6f
        [2/2] STEP 4/4: RUN pip install -r requirements.txt
        Collecting flask
        """
    )
    assert builders_module.parse_steps(log) == [
        builders_module.Step("WORKDIR /app", True),
        builders_module.Step("COPY . .", False),
        builders_module.Step("RUN pip install -r requirements.txt", False),
    ]


def test_buildkit_plain_log_gives_steps_and_cache_hits() -> None:
    log = textwrap.dedent(
        """\
        #1 [internal] load build definition from Dockerfile
        #5 [1/3] FROM docker.io/library/python:3.11-slim@sha256:abc
        #6 [2/3] COPY requirements.txt .
        #6 CACHED
        #7 [build 3/3] RUN pip install -r requirements.txt
        #7 0.512 Collecting flask
        #7 DONE 3.1s
        """
    )
    assert builders_module.parse_steps(log) == [
        builders_module.Step("COPY requirements.txt .", True),
        builders_module.Step("RUN pip install -r requirements.txt", False),
    ]


def test_buildkit_steps_come_back_in_the_dockerfiles_order() -> None:
    log = textwrap.dedent(
        """\
        #4 [2/4] WORKDIR /app
        #4 CACHED
        #7 [4/4] COPY . .
        #5 [3/4] COPY requirements.txt .
        #5 CACHED
        #7 DONE 0.1s
        """
    )
    assert builders_module.parse_steps(log) == [
        builders_module.Step("WORKDIR /app", True),
        builders_module.Step("COPY requirements.txt .", True),
        builders_module.Step("COPY . .", False),
    ]


def test_image_config_from_oci_and_docker_spellings() -> None:
    oci = builders_module.ImageConfig.from_oci({"Env": ["A=1", "B=x=y"], "Cmd": ["python"], "ExposedPorts": {"80/tcp": {}}, "WorkingDir": "/app"})
    assert oci.env_dict() == {"A": "1", "B": "x=y"}
    assert (oci.cmd, oci.entrypoint, oci.exposed_ports, oci.workdir, oci.user) == (("python",), None, ("80/tcp",), "/app", "")


def test_a_changed_healthcheck_is_a_difference_no_fix_promises() -> None:
    check = {"Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "Interval": 30000000000}
    before = builders_module.ImageConfig.from_oci({"Cmd": ["python"], "Healthcheck": check})
    after = builders_module.ImageConfig.from_oci({"Cmd": ["python"], "Healthcheck": {**check, "Test": ["CMD-SHELL", "wget -q http://localhost/"]}})
    assert before.healthcheck is not None and before != after
    differences = compare_images((before, Snapshot()), (after, Snapshot()), applied=["DF402"])
    assert [(d.subject, d.allowed) for d in differences] == [("healthcheck", False)]


# -- snapshots ---------------------------------------------------------------------


def test_snapshot_of_a_directory_reads_packages_and_skips_noise(tmp_path: Path) -> None:
    root = tmp_path / "root"
    files = {
        "var/lib/dpkg/status": "Package: curl\nStatus: install ok installed\nVersion: 7.88\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n",
        "var/lib/dpkg/info/curl.list": "/.\n/usr\n/usr/bin/curl\n",
        "usr/bin/curl": "ELF",
        "usr/local/lib/python3.11/site-packages/Flask_Login-0.6.dist-info/METADATA": "Name: Flask_Login\nVersion: 0.6.3\n\nbody",
        "app/node_modules/@scope/pkg/package.json": '{"name": "@scope/pkg", "version": "2.0.1"}',
        "app/node_modules/@scope/pkg/node_modules/dep/package.json": '{"version": "1.0.0"}',
        "app/main.py": "print()",
        "app/__pycache__/main.cpython-311.pyc": "bytecode",
        "tmp/scratch": "x",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    (root / "app" / "link").symlink_to("main.py")
    snapshot = snapshot_of_dir(root)
    assert snapshot.debian == {"curl": "7.88"}
    assert snapshot.python == {"flask-login": "0.6.3"}
    assert snapshot.node == {"app/node_modules/@scope/pkg": "2.0.1", "app/node_modules/@scope/pkg/node_modules/dep": "1.0.0"}
    assert "usr/bin/curl" in snapshot.dpkg_owned
    assert snapshot.files["app/link"] == "l main.py"
    assert not any("__pycache__" in p or p.startswith("tmp/") for p in snapshot.files)


# -- equivalence -------------------------------------------------------------------


def _image(builder: FakeBuilder, tag: str):  # type: ignore[no-untyped-def]
    return builder.facts(tag).config, builder.snapshot(tag)


def _built(tmp_path: Path, **images: str) -> FakeBuilder:
    builder = FakeBuilder()
    app = make_app(tmp_path, "FROM python:3.11-slim\n")
    for tag, text in images.items():
        path = tmp_path / f"{tag}.Dockerfile"
        path.write_text(textwrap.dedent(text).lstrip())
        assert builder.build(app, path, tag, no_cache=True).ok
    return builder


def test_removed_pip_cache_is_promised_by_df2_only(tmp_path: Path) -> None:
    builder = _built(
        tmp_path,
        before="FROM python:3.11-slim\nCOPY requirements.txt /\nRUN pip install -r /requirements.txt\n",
        after="FROM python:3.11-slim\nCOPY requirements.txt /\nRUN pip install --no-cache-dir -r /requirements.txt\n",
    )
    (diff,) = compare_images(_image(builder, "before"), _image(builder, "after"), applied=["DF201"])
    assert (diff.category, diff.change, diff.subject, diff.allowed_by) == ("cache", "removed", "/root/.cache/pip/http/ab/cd", "DF2xx")
    (diff,) = compare_images(_image(builder, "before"), _image(builder, "after"), applied=["DF101"])
    assert not diff.allowed


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param("FROM python:3.11-slim\nRUN echo hi > /app/x\nCMD [\"python\"]\n", "app: changed /app/x (content differs)", id="app-file"),
        pytest.param("FROM python:3.11-slim\nRUN echo hello > /app/x\n", "config: changed cmd (('python',) -> None)", id="cmd"),
        pytest.param("FROM python:3.11-slim\nRUN echo hello > /app/x\nCMD [\"python\"]\nRUN pip install --no-cache-dir six==1.16\n", "python: added six (1.16)", id="language-package"),
        pytest.param("FROM python:3.11-slim\nRUN echo hello > /app/x\nCMD [\"python\"]\nUSER 1000\n", "config: changed user ('' -> '1000')", id="user"),
    ],
)
def test_unpromised_differences_fail(tmp_path: Path, after: str, expected: str) -> None:
    builder = _built(tmp_path, before="FROM python:3.11-slim\nRUN echo hello > /app/x\nCMD [\"python\"]\n", after=after)
    differences = compare_images(_image(builder, "before"), _image(builder, "after"), applied=["DF201", "DF301", "DF401"])
    assert [d.describe() for d in differences if not d.allowed] == [expected]


def test_recommended_packages_removed_by_an_apt_fix_are_promised(tmp_path: Path) -> None:
    builder = _built(
        tmp_path,
        before="FROM python:3.11-slim\nRUN apt-get update && apt-get install -y curl\n",
        after="FROM python:3.11-slim\nRUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*\n",
    )
    differences = compare_images(_image(builder, "before"), _image(builder, "after"), applied=["DF202"])
    assert {(d.category, d.change, d.subject, d.allowed_by) for d in differences} == {
        ("debian", "removed", "ca-certificates", "DF2xx"),
        ("cache", "removed", "/var/lib/apt/lists/mirror_debian_dists_bookworm_main_binary-amd64_Packages.lz4", "DF2xx"),
    }


def test_env_changed_on_purpose_or_by_a_base_image_fix(tmp_path: Path) -> None:
    builder = _built(tmp_path, before="FROM python:3.11-slim\nENV PIP_X=1 KEEP=1\n", after="FROM python:3.11-slim\nENV KEEP=2\n")
    differences = compare_images(
        _image(builder, "before"), _image(builder, "after"), applied=["DF201"], env_on_purpose={"PIP_X"}, env_in_dockerfile={"PIP_X", "KEEP"}
    )
    assert {d.subject: d.allowed_by for d in differences} == {"ENV PIP_X": "rewrite", "ENV KEEP": ""}


# -- the procedure, with the real engine -------------------------------------------


def test_pip_cache_fix_verifies_and_saves_space(tmp_path: Path) -> None:
    app = make_app(tmp_path, SEED)
    builder = FakeBuilder()
    result = verify_app(app, builder, select=("DF201",))
    assert (result.verdict, result.exit_code, result.applied) == ("verified", 0, ["DF201"])
    assert result.rewritten.facts.size_bytes < result.original.facts.size_bytes  # type: ignore[union-attr]
    assert [(d.category, d.allowed_by) for d in result.differences] == [("cache", "DF2xx")]
    assert result.changed_source == "app.py"
    # cold builds without the cache, rebuilds with it
    assert [no_cache for _, no_cache in builder.builds] == [True, True, False, False]
    assert builder.images == {} and builder.cache == set(), "verify removes the images it built and their build cache"
    assert (app / "app.py").read_text() == "print('hello')\n", "the user's context is never touched"


def test_nothing_to_fix_builds_nothing(tmp_path: Path) -> None:
    app = make_app(tmp_path, "FROM python:3.11-slim\nCMD [\"python\"]\n")
    builder = FakeBuilder()
    result = verify_app(app, builder, select=("DF201",))
    assert (result.verdict, result.exit_code, builder.builds) == ("unchanged", 0, [])


# -- the procedure, with a stand-in for the engine ---------------------------------

SEED_REORDERED = """\
    FROM python:3.11-slim
    WORKDIR /app
    COPY requirements.txt /app/
    RUN pip install -r requirements.txt
    COPY . /app
    EXPOSE 5000
    CMD ["python", "app.py"]
"""


def test_dependency_install_cached_after_a_manifest_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): SEED_REORDERED}, ["DF101"]))
    result = verify_app(make_app(tmp_path, SEED))
    assert result.exit_code == 0, result.problems
    assert (result.original.dependency_install_cached, result.rewritten.dependency_install_cached) == (False, True)
    assert result.rewritten.rebuild.seconds < result.original.rebuild.seconds  # type: ignore[union-attr]


def test_a_second_run_on_the_same_builder_gives_the_same_honest_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Layers left by an earlier run (or by the other image's rebuild) must not serve the changed copy."""
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): SEED_REORDERED}, ["DF101"]))
    app = make_app(tmp_path, SEED)
    builder = FakeBuilder()  # its layer cache outlives a run, as BuildKit's outlives `rmi`
    answers = []
    for _ in range(3):
        result = verify(Inputs(app / "Dockerfile", app, Settings(), keep_images=True), builder)
        answers.append((result.exit_code, result.original.dependency_install_cached, result.rewritten.dependency_install_cached))
    assert answers == [(0, False, True)] * 3
    assert (app / "app.py").read_text() == "print('hello')\n"


def test_the_source_change_is_blank_to_the_program_and_new_each_time(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    changes = set()
    for _ in range(5):
        run_module.change_source(path, b"print('hello')\n")
        changed = path.read_bytes()
        assert changed.startswith(b"print('hello')\n") and not changed[len(b"print('hello')\n") :].strip()
        changes.add(changed)
    assert len(changes) == 5


def test_manifest_fix_that_leaves_the_install_uncached_is_blamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rewritten = SEED.replace("COPY . /app", "COPY . /app\nENV HELLO=1")
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): rewritten}, ["DF101"]))
    result = verify_app(make_app(tmp_path, SEED))
    assert result.exit_code == 1
    assert "not cached" in result.problems[0]
    assert list(result.blame) == ["DF101"]


def test_a_rewrite_that_does_not_build_fails_with_the_log_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): SEED + "RUN false\n"}, ["DF299"]))
    result = verify_app(make_app(tmp_path, SEED))
    assert (result.verdict, result.exit_code) == ("failed", 1)
    assert "does not build" in result.problems[0]
    assert 'error building at STEP "RUN false"' in to_json(result)["rewritten"]["cold_build"]["log_tail"]
    assert result.blame == {"DF299": "the only fix applied"}


def test_blame_rebuilds_each_fix_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = SEED.replace("pip install", "pip install --no-cache-dir")
    bad = SEED.replace('CMD ["python", "app.py"]', 'CMD ["python", "-O", "app.py"]')
    both = good.replace('CMD ["python", "app.py"]', 'CMD ["python", "-O", "app.py"]')
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): both, ("DF201",): good, ("DF399",): bad}, ["DF201", "DF399"]))
    builder = FakeBuilder()
    result = verify_app(make_app(tmp_path, SEED), builder)
    assert result.exit_code == 1
    assert list(result.blame) == ["DF399"]
    assert "cmd" in result.blame["DF399"]
    assert builder.images == {}


def test_original_that_does_not_build_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = SEED + "RUN false\n"
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): broken.replace("pip install", "pip install --no-cache-dir")}, ["DF201"]))
    result = verify_app(make_app(tmp_path, broken))
    assert (result.verdict, result.exit_code) == ("error", 2)
    assert "the original Dockerfile does not build" in result.errors[0]


def test_builder_limits_are_said_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    heredoc = SEED.replace("RUN pip install -r requirements.txt", "RUN <<EOF\npip install -r requirements.txt\nEOF")
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): heredoc}, ["DF299"]))
    builder = FakeBuilder(limits={"heredoc": "fake 1.0 cannot build heredocs"})
    result = verify_app(make_app(tmp_path, SEED), builder)
    assert (result.exit_code, builder.builds) == (2, [])
    assert result.errors == ["cannot verify: fake 1.0 cannot build heredocs (introduced by the rewrite)"]


def test_report_json_and_table(tmp_path: Path) -> None:
    from rich.console import Console

    result = verify_app(make_app(tmp_path, SEED), select=("DF201",))
    data = json.loads(json.dumps(to_json(result)))
    assert data["verdict"] == "verified" and data["equivalent"] is True
    assert data["savings"]["size_mb"] > 0
    assert set(data["original"]) >= {"built", "size_mb", "layers", "cold_build_seconds", "rebuild_seconds", "dependency_install_cached"}
    console = Console(file=io.StringIO(), width=120, no_color=True)
    render(result, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "verified" in text and "image size" in text and "/root/.cache/pip" in text


def test_source_change_avoids_manifests_and_prefers_copied_files(tmp_path: Path) -> None:
    from rewriter.context import BuildContext

    app = make_app(tmp_path, "", {"requirements.txt": "", "package.json": "{}", "lib/util.py": "", "main.py": "", "other.py": "", ".dockerignore": "other.py\n"})
    assert pick_source_file(app, "COPY main.py .", BuildContext(app)) == "main.py"
    assert pick_source_file(app, "COPY . .", BuildContext(app)) == "main.py"
    assert pick_source_file(app, "COPY lib/util.py .", BuildContext(app)) == "lib/util.py"


# -- the command --------------------------------------------------------------------


def test_no_builder_is_an_error_that_says_how_to_install_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.verify import main

    monkeypatch.setattr(builders_module.shutil, "which", lambda name: None)
    app = make_app(tmp_path, SEED)
    assert main([str(app), "--select", "DF201"]) == 2
    err = capsys.readouterr().err
    assert "no image builder found" in err and "apt-get install buildah" in err


def _fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **scripts: str) -> None:
    """Executables named after the keywords, each a shell script body; the only ones on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("DOCKER_BUILDKIT", raising=False)


DOCKER_WITHOUT_BUILDX = """\
case "$1" in
  info) echo 20.10.24 ;;
  version) echo 28.2.2 ;;
  buildx) echo "docker: 'buildx' is not a docker command." >&2; exit 1 ;;
  build) echo "ERROR: BuildKit is enabled but the buildx component is missing or broken."; exit 1 ;;
esac"""


def test_a_docker_without_buildx_is_a_builder_problem_and_auto_moves_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_tools(tmp_path, monkeypatch, docker=DOCKER_WITHOUT_BUILDX, buildah='[ "$1" = info ] && echo "{}"')
    assert builders_module.detect("auto").name == "buildah"
    with pytest.raises(builders_module.BuilderError, match=r"CLI \(28.2.2\) has no buildx component.*docker-buildx-plugin"):
        builders_module.detect("docker")


def test_a_docker_cli_older_than_23_builds_with_its_own_buildkit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_tools(tmp_path, monkeypatch, docker=DOCKER_WITHOUT_BUILDX.replace("echo 28.2.2", "echo 20.10.24+dfsg1"))
    assert builders_module.detect("auto").name == "docker"


def test_a_build_that_fails_for_the_builders_own_reasons_is_not_the_dockerfiles_fault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_tools(tmp_path, monkeypatch, docker=DOCKER_WITHOUT_BUILDX)
    with pytest.raises(builders_module.BuilderError, match="docker cannot build here: docker's buildx component"):
        builders_module.DockerBuilder().build(tmp_path, tmp_path / "Dockerfile", "t", no_cache=True)


def test_with_no_builder_that_works_each_one_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_tools(tmp_path, monkeypatch, docker="exit 1", buildah="exit 1")
    with pytest.raises(builders_module.BuilderError) as caught:
        builders_module.detect("auto")
    assert str(caught.value).splitlines() == [
        "no builder can build here:",
        "  docker is installed but its daemon does not answer (start dockerd, or check DOCKER_HOST and your permissions)",
        "  buildah is installed but `buildah info` fails (as root it needs the overlay or vfs storage driver)",
    ]


def test_command_runs_the_procedure_and_prints_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.verify import main

    monkeypatch.setattr(builders_module, "detect", lambda choice="auto", pull="missing": FakeBuilder())
    app = make_app(tmp_path, SEED)
    assert main([str(app / "Dockerfile"), "--select", "DF201", "--json", "-q"]) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == ["DF201"]


def test_the_smoke_option_runs_the_users_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.verify import main

    monkeypatch.setattr(builders_module, "detect", lambda choice="auto", pull="missing": FakeBuilder())
    app = make_app(tmp_path, SEED)
    assert main([str(app / "Dockerfile"), "--select", "DF201", "--format", "json", "-q", "--smoke", "python app.py", "--smoke-seconds", "2"]) == 0
    smoke = json.loads(capsys.readouterr().out)["smoke"]
    assert smoke["original"] == smoke["rewritten"] == {"exit_code": 0, "still_running": False, "seconds": 0.1, "output_tail": "print('hello')"}


def test_format_json_is_what_json_was(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.verify import main

    monkeypatch.setattr(builders_module, "detect", lambda choice="auto", pull="missing": FakeBuilder())
    app = make_app(tmp_path, SEED)
    reports = []
    for flag in (["--format", "json"], ["--json"]):
        assert main([str(app / "Dockerfile"), "--select", "DF201", "-q", *flag]) == 0
        reports.append(json.loads(capsys.readouterr().out))
    assert reports[0]["applied"] == reports[1]["applied"] == ["DF201"]


@pytest.mark.parametrize("argv", [["/nonexistent/Dockerfile"], ["--builder", "nope"], ["--select", "XX999"]])
def test_command_usage_errors_exit_2(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rewriter.verify import main

    monkeypatch.chdir(make_app(tmp_path, SEED))
    monkeypatch.setattr(builders_module, "detect", lambda choice="auto", pull="missing": FakeBuilder())
    assert main(argv) == 2


def test_importing_verify_is_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, rewriter.verify; print(sorted(m for m in sys.modules if m.startswith(('rich', 'rewriter.engine', 'tarfile', 'transforms'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_legacy_docker_builder_log_gives_steps_and_cache_hits() -> None:
    log = "Step 1/3 : FROM python:3.11-slim\n ---> 0123\nStep 2/3 : COPY . .\n ---> Using cache\n ---> 4567\nStep 3/3 : RUN make\n ---> Running in 89ab\n"
    assert builders_module.parse_steps(log) == [builders_module.Step("COPY . .", True), builders_module.Step("RUN make", False)]


def test_the_temporary_context_leaves_out_what_dockerignore_excludes(tmp_path: Path) -> None:
    app = make_app(tmp_path, SEED, {"app.py": "", "requirements.txt": "", "node_modules/x/index.js": "", "logs/a.log": "", "logs/keep.log": "", ".dockerignore": "node_modules\nlogs/*.log\n!logs/keep.log\n"})
    skip = run_module._context_filter(app, app / "Dockerfile")
    assert skip(str(app), sorted(p.name for p in app.iterdir())) == {"node_modules"}
    assert skip(str(app / "logs"), ["a.log", "keep.log"]) == {"a.log"}


def test_a_new_base_image_that_cannot_be_pulled_is_an_error_not_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class OfflineBuilder(FakeBuilder):
        def build(self, context: Path, dockerfile: Path, tag: str, *, no_cache: bool) -> BuildOutcome:
            if b"python:3.11-alpine" in dockerfile.read_bytes():
                log = "STEP 1/2: FROM python:3.11-alpine\nError: creating build container: initializing source docker://python:3.11-alpine: pinging container registry registry-1.docker.io: dial tcp: no such host\n"
                return BuildOutcome(False, 0.1, log)
            return super().build(context, dockerfile, tag, no_cache=no_cache)

    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): SEED.replace("python:3.11-slim", "python:3.11-alpine")}, ["DF301"]))
    result = verify_app(make_app(tmp_path, SEED), OfflineBuilder())
    assert result.exit_code == 2
    assert "could not be pulled" in result.errors[0] and "python:3.11-alpine" in result.errors[0]


def test_folders_maintainer_scripts_make_in_usr_local_follow_the_packages(tmp_path: Path) -> None:
    builder = _built(
        tmp_path,
        before="FROM python:3.11-slim\nRUN apt-get install -y curl\nRUN echo x > /usr/local/share/fonts/.keep\n",
        after="FROM python:3.11-slim\nRUN apt-get install --no-install-recommends -y curl\n",
    )
    before, after = _image(builder, "before"), _image(builder, "after")
    # what fontconfig's postinst leaves: an empty folder, which the rewrite no longer has
    before[1].files["usr/local/share/fonts"] = "d 755 0:0"
    del before[1].files["usr/local/share/fonts/.keep"]
    differences = compare_images(before, after, applied=["DF202"])
    assert [(d.subject, d.allowed_by) for d in differences] == [("ca-certificates", "DF2xx")]
    # a file there is the application's, whatever the packages did
    before[1].files["usr/local/share/fonts/mine.ttf"] = "f 644 0:0 abc"
    assert [d.subject for d in compare_images(before, after, applied=["DF202"]) if not d.allowed] == ["/usr/local/share/fonts/mine.ttf"]


def test_base_images_leave_out_stages_and_scratch() -> None:
    from rewriter.syntax import parse

    document = parse(b"FROM golang:1.22 AS build\nFROM build AS test\nFROM scratch\nFROM debian:bookworm-slim\n")
    assert run_module.base_images(document) == {"golang:1.22", "debian:bookworm-slim"}


@pytest.mark.parametrize(
    ("steps", "explained"),
    [
        pytest.param([("WORKDIR /app", True), ("COPY . .", False)], True, id="copy-everything"),
        pytest.param([("COPY requirements.txt ./", True), ("RUN pip install -r requirements.txt", True), ("COPY src/ /app/src/", False)], True, id="copy-folder"),
        pytest.param([("COPY [\"src/*.py\", \"/app/\"]", False)], True, id="copy-glob-json"),
        pytest.param([("COPY --from=build /out /out", False)], True, id="copy-from-stage"),
        pytest.param([("WORKDIR /app", True), ("COPY requirements.txt ./", False), ("RUN pip install -r requirements.txt", False)], False, id="manifest-copy-missed"),
        pytest.param([("RUN apt-get update", False), ("COPY . .", False)], False, id="run-missed"),
        pytest.param([("WORKDIR /app", True)], True, id="all-cached"),
    ],
)
def test_first_cache_miss_must_be_the_copy_of_the_changed_file(steps: list[tuple[str, bool]], explained: bool) -> None:
    from rewriter.verify.builders import Step

    assert run_module.first_miss_explained([Step(text, cached) for text, cached in steps], "src/app.py") is explained


def test_a_rebuild_that_misses_its_own_cache_is_measured_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class ForgetfulBuilder(FakeBuilder):
        """Forgets its cache once, after the cold builds, as buildah can with older entries around."""

        def build(self, context: Path, dockerfile: Path, tag: str, *, no_cache: bool) -> BuildOutcome:
            if not no_cache and not getattr(self, "forgot", False):
                self.forgot, self.cache = True, set()
            return super().build(context, dockerfile, tag, no_cache=no_cache)

    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): SEED.replace("pip install", "pip install --no-cache-dir")}, ["DF201"]))
    builder = ForgetfulBuilder()
    result = verify_app(make_app(tmp_path, SEED), builder)
    assert result.exit_code == 0
    assert [no_cache for _, no_cache in builder.builds] == [True, True, False, False, False]
    assert result.notes[0] == "original: rebuild measured on a second try (the builder's cache lookup missed the no-cache build's layers)"
    assert result.original.rebuild.steps[0].cached  # type: ignore[union-attr]


def _python_image(root: Path, files: dict[str, str]) -> Snapshot:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    return snapshot_of_dir(root)


def _dist(site: str, name: str, version: str) -> dict[str, str]:
    return {f"{site}/{name}-{version}.dist-info/METADATA": f"Name: {name}\nVersion: {version}\n"}


def test_a_venv_split_keeps_the_packages_wherever_they_live(tmp_path: Path) -> None:
    system, venv = "usr/local/lib/python3.11/site-packages", "opt/venv/lib/python3.11/site-packages"
    base = {**_dist(system, "pip", "24.0"), **_dist(system, "setuptools", "65.5.1"), "app/app.py": "print()"}
    single = _python_image(tmp_path / "single", {**base, **_dist(system, "flask", "3.0.3"), "usr/local/bin/flask": "#!python"})
    split = _python_image(
        tmp_path / "split",
        {
            **base,
            **_dist(venv, "flask", "3.0.3"),
            **_dist(venv, "pip", "24.0"),
            **_dist(venv, "setuptools", "69.0.0"),
            "opt/venv/pyvenv.cfg": "home = /usr/local/bin\n",
            "opt/venv/bin/flask": "#!/opt/venv/bin/python",
            "opt/venv/bin/activate": "# venv",
        },
    )
    assert split.python == {"flask": "3.0.3", "pip": "24.0", "setuptools": "65.5.1, 69.0.0"}
    config = ImageConfig()
    differences = compare_images((config, single), (config, split), applied=["DF402"])
    assert [d for d in differences if not d.allowed] == []
    assert {d.subject for d in differences} >= {"setuptools", "/opt/venv/pyvenv.cfg", "/usr/local/bin/flask"}
    # Without the split's promise, the same differences fail; and a package of another version always does,
    # as does an entry point the venv does not hold.
    assert [d for d in compare_images((config, single), (config, split), applied=["DF201"]) if not d.allowed]
    other = _python_image(tmp_path / "other", {**base, **_dist(venv, "flask", "3.0.2"), "opt/venv/pyvenv.cfg": "", "opt/venv/bin/flask": "#!"})
    assert [d.subject for d in compare_images((config, single), (config, other), applied=["DF402"]) if not d.allowed] == ["flask"]
    lost = _python_image(tmp_path / "lost", {**base, **_dist(venv, "flask", "3.0.3"), "opt/venv/pyvenv.cfg": ""})
    assert "/usr/local/bin/flask" in [d.subject for d in compare_images((config, single), (config, lost), applied=["DF402"]) if not d.allowed]


def tiny_elf(*needed: str, runpath: str = "") -> bytes:
    """A minimal 64-bit little-endian ELF file whose dynamic section names `needed` (and a DT_RUNPATH)."""
    import struct

    strtab = b"\0"
    offsets = []
    for name in (*needed, runpath):
        offsets.append(len(strtab))
        strtab += name.encode() + b"\0"
    dynamic = [(1, off) for off in offsets[: len(needed)]]
    if runpath:
        dynamic.append((29, offsets[-1]))
    header_size, ph_size = 64, 56
    strtab_at = header_size + 2 * ph_size
    dynamic_at = strtab_at + len(strtab)
    dynamic += [(5, strtab_at), (0, 0)]  # DT_STRTAB at its own address (vaddr == offset), DT_NULL
    body = b"".join(struct.pack("<qQ", tag, value) for tag, value in dynamic)
    end = dynamic_at + len(body)
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, header_size, 0, 0, header_size, ph_size, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, end, end, 4096)
    dyn = struct.pack("<IIQQQQQQ", 2, 6, dynamic_at, dynamic_at, dynamic_at, len(body), len(body), 8)
    return header + load + dyn + strtab + body


def test_elf_needed_libraries_are_read_from_the_bytes() -> None:
    from rewriter.verify.elf import ElfNeeds, needed_libraries

    assert needed_libraries(tiny_elf("libpq.so.5", "libc.so.6", runpath="$ORIGIN/../lib")) == ElfNeeds(("libpq.so.5", "libc.so.6"), ("$ORIGIN/../lib",))
    assert needed_libraries(b"#!/bin/sh\n") is None
    assert needed_libraries(tiny_elf("libz.so.1")[:80]) is None  # truncated: unreadable, never an exception


def test_a_library_the_rewritten_image_lacks_fails_whatever_the_fixes_promise(tmp_path: Path) -> None:
    module = "opt/venv/lib/python3.11/site-packages/psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so"
    libs = {"usr/lib/x86_64-linux-gnu/libc.so.6": "", "usr/lib/x86_64-linux-gnu/libpq.so.5": ""}
    images = {}
    for name, files in (("before", libs), ("after", {"usr/lib/x86_64-linux-gnu/libc.so.6": ""})):
        root = tmp_path / name
        for path, content in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(content)
        (root / module).parent.mkdir(parents=True, exist_ok=True)
        (root / module).write_bytes(tiny_elf("libpq.so.5", "libc.so.6"))
        images[name] = snapshot_of_dir(root)
    assert images["before"].missing_libraries() == {}
    assert images["after"].missing_libraries() == {module: ["libpq.so.5"]}
    config = ImageConfig()
    differences = compare_images((config, images["before"]), (config, images["after"]), applied=["DF402"])
    assert [(d.category, d.subject, d.detail, d.allowed) for d in differences if d.category == "library"] == [("library", "/" + module, "needs libpq.so.5", False)]


def test_a_rewrite_whose_command_fails_where_the_original_ran_fails_the_smoke_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = SEED.replace('CMD ["python", "app.py"]', 'CMD ["python", "main.py"]').replace("EXPOSE 5000\n", "")
    # The config comparison would catch the CMD too: keep it, so that only the smoke check can tell.
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): broken}, ["DF201"]))
    monkeypatch.setattr(run_module, "_compare", lambda *args: None)
    result = verify_app(make_app(tmp_path, SEED))
    assert result.exit_code == 1 and result.smoke_failed
    assert result.problems[0].startswith("smoke check: the image's command exited with status 2 after 0.1 s in the rewritten image, but exited with status 0")
    assert "can't open file 'main.py'" in result.problems[0]
    assert to_json(result)["smoke"]["rewritten"]["exit_code"] == 2


def test_the_users_smoke_command_must_print_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): SEED.replace("pip install", "pip install --no-cache-dir")}, ["DF201"]))
    app = make_app(tmp_path, SEED)
    result = verify(Inputs(app / "Dockerfile", app, Settings(), smoke="python app.py"), FakeBuilder())
    assert (result.exit_code, result.smoke_failed) == (0, False)
    assert result.smoke["original"].output == "print('hello')\n"


def test_servers_that_keep_running_in_both_images_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = SEED.replace('CMD ["python", "app.py"]', 'CMD ["serve"]')
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): server.replace("pip install", "pip install --no-cache-dir")}, ["DF201"]))
    result = verify_app(make_app(tmp_path, server))
    assert (result.exit_code, [r.exit_code for r in result.smoke.values()]) == (0, [None, None])


def test_a_hard_link_in_an_exported_tar_is_the_file_it_links_to() -> None:
    """uv links site-packages to its cache: the package must count, and the file compare as its target."""
    metadata = b"Name: anyio\nVersion: 4.16.0\n"
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode="w") as archive:
        cache = tarfile.TarInfo("root/.cache/uv/archive-v0/x/anyio-4.16.0.dist-info/METADATA")
        cache.size = len(metadata)
        archive.addfile(cache, io.BytesIO(metadata))
        link = tarfile.TarInfo("usr/local/lib/python3.11/site-packages/anyio-4.16.0.dist-info/METADATA")
        link.type, link.linkname = tarfile.LNKTYPE, cache.name
        archive.addfile(link)
    stream.seek(0)
    snapshot = snapshot_of_tar(stream)
    assert snapshot.python == {"anyio": "4.16.0"}
    assert snapshot.files[link.name] == snapshot.files[cache.name] and snapshot.files[link.name].startswith("f ")


def test_a_lock_file_restored_by_the_source_copy_is_the_layer_order_promise(tmp_path: Path) -> None:
    before, after = Snapshot(), Snapshot()
    for path, (old, new) in {"app/package-lock.json": ("f 644 0:0 aa", "f 644 0:0 bb"), "app/Gemfile.lock": ("f 644 0:0 cc", "f 644 0:0 dd")}.items():
        before.files[path], after.files[path] = old, new
    config = ImageConfig()
    allowed = {d.subject: d.allowed_by for d in compare_images((config, before), (config, after), applied=["DF101"])}
    assert allowed == {"/app/package-lock.json": "DF1xx", "/app/Gemfile.lock": ""}, "bundler/setup reads Gemfile.lock at run time"
    assert not any(d.allowed for d in compare_images((config, before), (config, after), applied=["DF201"]))


def test_cache_churn_is_not_a_removal(tmp_path: Path) -> None:
    builder = _built(tmp_path, before="FROM python:3.11-slim\nRUN echo a > /root/.npm/_logs/01-debug.log\n", after="FROM python:3.11-slim\nRUN echo a > /root/.npm/_logs/02-debug.log\n")
    before, after = _image(builder, "before"), _image(builder, "after")
    for snapshot in (before[1], after[1]):
        snapshot.files.update({"root/.npm": "d 755 0:0", "root/.npm/_logs": "d 755 0:0"})
    differences = compare_images(before, after, applied=["DF101"])
    assert {(d.change, d.allowed_by) for d in differences} == {("removed", "cache contents"), ("added", "cache contents")}
