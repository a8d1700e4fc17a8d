"""What `dockerfix verify` accepts of a multi-stage split (DF4xx) onto another base image, and what it rejects.

A split moves the final image onto the runtime stage's base: its env and
its own files come with it, the build stage's sources stay behind, and the
binary it copies is built with `CGO_ENABLED=0`.  Each of those may differ, by
exactly as much as the Dockerfiles and the two base images say; everything
else (the command, every other application file, a package version the
original chose) must not.  A base move (DF3xx) is held to the same reading
of the two bases' env.  Driven through the in-memory builder of
`test_verify.py`.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from test_verify import FakeBuilder, fake_rewrite, make_app

from rewriter.context import Settings
from rewriter.syntax import parse
from rewriter.verify import run as run_module
from rewriter.verify.builders import BuilderError, ImageConfig
from rewriter.verify.compare import compare_config
from rewriter.verify.run import Inputs, Verification, verify
from rewriter.verify.snapshot import Snapshot
from rewriter.verify.split import Base, Bases, SplitPromise, split_promise, version_choices

GO_APP = """\
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y golang-go
    WORKDIR /src
    COPY . .
    RUN go build -o /usr/local/bin/app .
    EXPOSE 8080
    CMD ["/usr/local/bin/app", "serve"]
"""
GO_FILES = {"go.mod": "module example.com/app\n\ngo 1.19\n", "main.go": "package main\n\nfunc main() {}\n"}

# A split as DF401 writes it, for the rejected variants below.
SPLIT = """\
    FROM debian:bookworm-slim AS build
    RUN apt-get update && apt-get install -y golang-go
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /usr/local/bin/app .

    FROM gcr.io/distroless/static-debian13
    WORKDIR /src
    COPY --from=build /usr/local/bin/app /usr/local/bin/app
    EXPOSE 8080
    CMD ["/usr/local/bin/app", "serve"]
"""


def _go_app(tmp_path: Path, dockerfile: str = GO_APP) -> Path:
    return make_app(tmp_path, dockerfile, GO_FILES)


def _verify(app: Path, **settings: object) -> Verification:
    return verify(Inputs(app / "Dockerfile", app, Settings(**settings)), FakeBuilder())  # type: ignore[arg-type]


def _unexplained(result: Verification) -> list[str]:
    return [d.describe() for d in result.differences if not d.allowed]


def test_the_go_split_onto_distroless_verifies_within_its_promise(tmp_path: Path) -> None:
    result = _verify(_go_app(tmp_path), select=("DF4",), unsafe_fixes=True)
    assert result.applied == ["DF401"] and "FROM gcr.io/distroless/static-debian13" in result.rewritten_text
    assert result.exit_code == 0, (result.problems, _unexplained(result))
    allowed = {d.subject: d for d in result.differences}
    # The Debian base's CA variable is gone, and only because the distroless base does not set it.
    assert allowed["ENV PIP_CERT"].allowed_by == "DF4xx"
    # The new base's own files, the sources left in the build stage, the binary built with CGO_ENABLED=0.
    assert allowed["/home/nonroot"].detail.startswith("the base images differ here")
    assert allowed["/src/main.go"].detail == "left in the build stage"
    binary = allowed["/usr/local/bin/app"]
    assert binary.change == "changed" and binary.needs_smoke and "judged by the smoke check" in binary.detail
    assert result.smoke["rewritten"].exit_code is None, "the rebuilt binary still serves"


def test_without_a_split_the_same_differences_are_not_promised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): SPLIT}, ["DF216"]))
    result = _verify(_go_app(tmp_path))
    assert {"config: removed ENV PIP_CERT ('/etc/ssl/certs/ca-certificates.crt' -> None)", "app: removed /src/main.go"} <= set(_unexplained(result))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            lambda text: text.replace("RUN CGO_ENABLED=0 go build", "RUN echo 1 > /srv/ready.txt && CGO_ENABLED=0 go build"),
            "app: removed /srv/ready.txt",
            id="drops-an-application-file",
        ),
        pytest.param(lambda text: text.replace('CMD ["/usr/local/bin/app", "serve"]', 'CMD ["/usr/local/bin/app"]'), "config: changed cmd", id="changes-cmd"),
        pytest.param(lambda text: text.replace("WORKDIR /src\nCOPY --from", "COPY --from"), "config: changed workdir", id="changes-workdir"),
        pytest.param(lambda text: text.replace("EXPOSE 8080\n", "USER nonroot\nEXPOSE 8080\n"), "config: changed user", id="changes-user"),
    ],
)
def test_a_split_that_changes_what_the_image_is_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change, expected: str) -> None:  # type: ignore[no-untyped-def]
    original = GO_APP.replace("RUN go build", "RUN echo 1 > /srv/ready.txt && go build") if "ready" in expected else GO_APP
    rewritten = change(textwrap.dedent(SPLIT))
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): rewritten}, ["DF401"]))
    result = _verify(_go_app(tmp_path, original))
    assert result.exit_code == 1
    assert [d for d in _unexplained(result) if d.startswith(expected)], _unexplained(result)


def test_a_rebuilt_binary_that_no_longer_runs_fails_the_smoke_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The program needs cgo, which nothing in the build context shows: its static build panics."""
    needs_cgo = "go build -o /usr/local/bin/app -tags needs-cgo ."
    original = GO_APP.replace("go build -o /usr/local/bin/app .", needs_cgo)
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): textwrap.dedent(SPLIT).replace("go build -o /usr/local/bin/app .", needs_cgo)}, ["DF401"]))
    result = _verify(_go_app(tmp_path, original))
    assert _unexplained(result) == [] and result.smoke_failed
    assert result.exit_code == 1 and "panic: cgo needed" in result.problems[0]


@pytest.mark.parametrize(
    "build",
    [
        pytest.param("RUN CGO_ENABLED=0 go build -o /usr/local/bin/app -tags other .", id="another-flag-beside-the-prefix"),
        pytest.param("RUN CGO_ENABLED=0 go build -o /usr/local/bin/app -tags other . && true", id="another-flag-in-a-longer-run"),
        pytest.param("RUN go build -o /usr/local/bin/app -tags other .", id="another-flag-without-the-prefix"),
    ],
)
def test_only_the_splits_own_change_to_a_build_is_left_to_the_smoke_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, build: str) -> None:
    """`CGO_ENABLED=0 ` in front of the original's `go build` is what a split changes; any other change to how a copied file is built is held to its bytes."""
    rewritten = textwrap.dedent(SPLIT).replace("RUN CGO_ENABLED=0 go build -o /usr/local/bin/app .", build)
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): rewritten}, ["DF401"]))
    result = _verify(_go_app(tmp_path))
    assert result.exit_code == 1 and "app: changed /usr/local/bin/app (content differs)" in _unexplained(result)
    assert not result.smoke_failed, "the binary still serves: only its bytes tell"


def test_a_rebuilt_binary_needs_a_smoke_check_that_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_runs(self, tag, command, seconds):  # type: ignore[no-untyped-def]
        raise BuilderError("cannot start containers here")

    monkeypatch.setattr(FakeBuilder, "run", no_runs)
    result = _verify(_go_app(tmp_path), select=("DF4",), unsafe_fixes=True)
    assert result.exit_code == 1
    assert result.problems == ["the split builds /usr/local/bin/app otherwise and no smoke check ran to judge it"]


def test_the_promise_is_read_from_both_dockerfiles() -> None:
    original = parse(textwrap.dedent(GO_APP).encode())
    promise = split_promise(original, parse(textwrap.dedent(SPLIT).encode()))
    assert promise is not None
    assert (promise.original_base, promise.runtime_base) == ("debian:bookworm-slim", "gcr.io/distroless/static-debian13")
    assert promise.copied == (("usr/local/bin/app", "usr/local/bin/app"),) and promise.rebuilt == ("usr/local/bin/app",)
    assert promise.context_copies == (("src", (".",)),)
    assert promise.left_behind("src/main.go") and not promise.left_behind("srv/ready.txt")
    unchanged_build = textwrap.dedent(SPLIT).replace("CGO_ENABLED=0 go build", "go build")
    assert split_promise(original, parse(unchanged_build.encode())).rebuilt == ()  # type: ignore[union-attr]
    assert split_promise(original, original) is None


@pytest.mark.parametrize(
    ("original_build", "split_build", "rebuilt"),
    [
        pytest.param("go build -o /usr/local/bin/app .", "CGO_ENABLED=0 go build -o /usr/local/bin/app .", ("usr/local/bin/app",), id="go-build"),
        pytest.param("GOOS=linux go build -o bin/app .", "GOOS=linux CGO_ENABLED=0 go build -o bin/app .", ("src/bin/app",), id="after-other-assignments"),
        pytest.param("go install .", "CGO_ENABLED=0 go install .", ("root/go/bin/app",), id="go-install-into-home"),
        pytest.param("go build -o /usr/local/bin/app . && go vet .", "CGO_ENABLED=0 go build -o /usr/local/bin/app . && go vet .", ("usr/local/bin/app",), id="one-command-of-several"),
        pytest.param("CGO_ENABLED=0 go build -o /usr/local/bin/app .", "CGO_ENABLED=0 go build -o /usr/local/bin/app .", (), id="already-static"),
        pytest.param("go build -o /usr/local/bin/app .", "CGO_ENABLED=0 go build -o /usr/local/bin/app -ldflags=-s .", (), id="a-flag-added"),
        pytest.param("go build -o /usr/local/bin/app .", "CGO_ENABLED=0 go build -o /usr/local/bin/other .", (), id="another-output"),
        pytest.param("go build -o /usr/local/bin/app .", "CGO_ENABLED=0 go build -o /usr/local/bin/app . && cp main.go /usr/local/bin/app", (), id="a-new-command-after-it"),
        pytest.param("go build -o /usr/local/bin/app .", "CGO_ENABLED=0 go build -o /usr/local/bin/app .\nCOPY go.mod /usr/local/bin/app", (), id="a-new-copy-after-it"),
        pytest.param("go build -o /usr/local/bin/app .", "go mod download\nRUN CGO_ENABLED=0 go build -o /usr/local/bin/app .", ("usr/local/bin/app",), id="another-fixs-step-before-it"),
    ],
)
def test_the_split_rebuilds_the_outputs_of_the_commands_it_prefixed(tmp_path: Path, original_build: str, split_build: str, rebuilt: tuple[str, ...]) -> None:
    for name, text in GO_FILES.items():
        (tmp_path / name).write_text(text)
    original = parse(textwrap.dedent(GO_APP).replace("go build -o /usr/local/bin/app .", original_build).encode())
    split = textwrap.dedent(SPLIT).replace("CGO_ENABLED=0 go build -o /usr/local/bin/app .", split_build)
    assert split_promise(original, parse(split.encode()), tmp_path).rebuilt == rebuilt  # type: ignore[union-attr]


def test_in_a_copied_folder_only_the_rebuilt_outputs_may_change(tmp_path: Path) -> None:
    """The folder a split copies holds context files and what other RUNs made there: they must match; only the split's rebuilt binary need not."""
    (tmp_path / "main.go").write_text("package main\n")
    promise = SplitPromise(
        "golang:1.26", "gcr.io/distroless/static-debian13", copied=(("app", "src"), ("usr/local/bin", "out/server")), rebuilt=("src/server", "out/server"), context_copies=(("src", (".",)),), context=tmp_path
    )
    assert promise.built_by_the_split("app/server")
    assert promise.built_by_the_split("usr/local/bin/server"), "a file copied into a folder"
    assert not promise.built_by_the_split("app/main.go")
    assert not promise.built_by_the_split("app/assets.gen"), "another RUN made it: the split did not change how"
    assert not promise.left_behind("app/main.go"), "a copied folder's file missing from the image is no source left behind"


@pytest.mark.parametrize("family", ["DF4", "DF3"])
def test_env_may_differ_only_as_the_two_base_images_set_it(family: str) -> None:
    """A split (DF4xx) and a base move (DF3xx) alike: each value as its own base image sets it, or no allowance."""

    def base(image: str, **env: str) -> Base:
        return Base(image, ImageConfig(env=tuple(env.items())))

    bases = Bases(base("old", CA="/ca", PATH="/bin"), base("new", PATH="/bin"))
    before, after = ImageConfig(env=(("PATH", "/bin"), ("CA", "/ca"), ("LANG", "C.UTF-8"))), ImageConfig(env=(("PATH", "/bin"),))
    differences = compare_config(before, after, families={family}, env_on_purpose=set(), env_in_dockerfile=set(), bases=bases)
    assert {d.subject: d.allowed_by for d in differences} == {"ENV CA": f"{family}xx", "ENV LANG": ""}, "LANG came from no base"
    set_in_the_dockerfile = compare_config(before, after, families={family}, env_on_purpose=set(), env_in_dockerfile={"CA"}, bases=bases)
    assert not any(d.allowed for d in set_in_the_dockerfile if d.subject == "ENV CA")
    unread = compare_config(before, after, families={family}, env_on_purpose=set(), env_in_dockerfile=set())
    assert not any(d.allowed for d in unread), "bases not read: no env may differ"


def test_write_prove_applies_the_split_the_builds_prove(tmp_path: Path) -> None:
    from rewriter.engine import fix_source
    from rewriter.verify.prove import prove, trusting_proven

    app = _go_app(tmp_path)
    result = prove(app / "Dockerfile", app, Settings(), FakeBuilder())
    assert ("DF401", "proven") in [(p.rule, p.verdict) for p in result.proofs], result.proofs
    dockerfile = app / "Dockerfile"
    written = fix_source(dockerfile.read_bytes(), path=str(dockerfile), settings=trusting_proven(Settings(), result.proofs), context_dir=app, dockerfile_path=dockerfile).output
    assert b"FROM gcr.io/distroless/static-debian13\n" in written and b"RUN CGO_ENABLED=0 go build" in written


def test_a_debian_package_may_stay_as_the_runtime_base_has_it() -> None:
    """zlib1g-dev pulls the zlib1g of its own version into the original; the runtime stage keeps its base's."""
    from rewriter.verify.compare import compare_packages

    base = Base("python:3.11-slim", ImageConfig(), Snapshot(debian={"zlib1g": "1.2.13-1"}))
    promise = SplitPromise("python:3.11-slim", "python:3.11-slim").with_bases(Bases(base, base))
    original = Snapshot(debian={"zlib1g": "1.2.13-1+deb12u1", "zlib1g-dev": "1.2.13-1+deb12u1"})
    differences = compare_packages(original, Snapshot(debian={"zlib1g": "1.2.13-1"}), {"DF4"}, promise)
    assert {d.subject: d.allowed_by for d in differences} == {"zlib1g": "DF4xx", "zlib1g-dev": "DF4xx"}
    elsewhere = compare_packages(original, Snapshot(debian={"zlib1g": "1.2.12-1"}), {"DF4"}, promise)
    assert [d.allowed for d in elsewhere if d.subject == "zlib1g"] == [False], "a version its base does not have is no promise"
    assert [d.allowed for d in compare_packages(original, Snapshot(debian={"zlib1g": "1.2.13-1"}), {"DF4"}) if d.subject == "zlib1g"] == [False]
    for chosen in (replace(promise, pinned=frozenset({"zlib1g"})), replace(promise, versions_chosen="line 2: `apt-get upgrade` may upgrade any package")):
        differences = compare_packages(original, Snapshot(debian={"zlib1g": "1.2.13-1"}), {"DF4"}, chosen)
        assert [d.allowed for d in differences if d.subject == "zlib1g"] == [False], "the original chose that version: it must hold"


def test_only_files_copied_from_the_context_may_be_left_behind(tmp_path: Path) -> None:
    """A file a RUN made under the copy's destination (`go generate`) is no source: dropping it is a difference."""
    (tmp_path / "main.go").write_text("package main\n")
    promise = SplitPromise("a", "b", context_copies=(("app", (".",)),), context=tmp_path)
    assert promise.left_behind("app/main.go")
    assert not promise.left_behind("app/generated.go")


ZLIB_APP = """\
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y zlib1g-dev && rm -rf /var/lib/apt/lists/*
    WORKDIR /srv
    COPY . .
    CMD ["/usr/bin/bash", "serve"]
"""
# A split that keeps the apt install in its build stage: the runtime stage keeps its base's packages.
ZLIB_SPLIT = """\
    FROM debian:bookworm-slim AS build
    RUN apt-get update && apt-get install -y zlib1g-dev && rm -rf /var/lib/apt/lists/*
    WORKDIR /srv
    COPY . .

    FROM debian:bookworm-slim
    WORKDIR /srv
    COPY --from=build /srv /srv
    CMD ["/usr/bin/bash", "serve"]
"""


UPGRADE_DROPPED = [("base-files", "12.4+deb12u1", "12.4"), ("bash", "5.2.15+deb12u1", "5.2.15"), ("zlib1g", "1.0", "1:1.2.13.dfsg-1")]


@pytest.mark.parametrize(
    ("install", "unexplained"),
    [
        pytest.param("apt-get install -y zlib1g-dev", [], id="pulled-by-a-build-only-install"),
        pytest.param(
            "apt-get install -y zlib1g-dev zlib1g=1.0",
            ["debian: changed zlib1g (1.0 (amd64) -> 1:1.2.13.dfsg-1 (amd64): the original installs it at a version it names)"],
            id="pinned",
        ),
        pytest.param(
            "apt-get upgrade -y && apt-get install -y zlib1g-dev",
            [f"debian: changed {name} ({before} (amd64) -> {after} (amd64): line 2: `apt-get upgrade` may upgrade any package)" for name, before, after in UPGRADE_DROPPED],
            id="upgraded",
        ),
    ],
)
def test_a_split_may_leave_a_package_at_its_base_version_only_where_the_original_did_not_choose_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, install: str, unexplained: list[str]
) -> None:
    """zlib1g-dev pulls the zlib1g of its own version, which the runtime stage does without; a pin or an upgrade the split drops is another image."""
    original, split = (textwrap.dedent(text).replace("apt-get install -y zlib1g-dev", install) for text in (ZLIB_APP, ZLIB_SPLIT))
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): split}, ["DF402"]))
    result = _verify(make_app(tmp_path, original))
    assert _unexplained(result) == unexplained
    assert result.exit_code == (1 if unexplained else 0), result.problems


@pytest.mark.parametrize(
    ("run", "pinned", "why"),
    [
        ("apt-get install -y gcc zlib1g-dev", set(), ""),
        ("apt-get install -y zlib1g=1:1.2.13.dfsg-1 libpq-dev", {"zlib1g"}, ""),
        ("apt-get install -y git/bookworm-backports", {"git"}, ""),
        ("apt-get install -y -t bookworm-backports git curl", {"git", "curl"}, ""),
        ("apt-get install -y --target-release=bookworm-backports git", {"git"}, ""),
        ("apt-get update && apt-get upgrade -y", set(), "line 2: `apt-get upgrade` may upgrade any package"),
        ("apt-get -y dist-upgrade", set(), "line 2: `apt-get dist-upgrade` may upgrade any package"),
        ("apt full-upgrade -y", set(), "line 2: `apt full-upgrade` may upgrade any package"),
        ("apt-get install -y ./vendor/tool.deb", set(), "line 2: `apt-get install` of packages dockerfix cannot name"),
        ("apt-get install -y $PACKAGES", set(), "line 2: `apt-get install` of packages dockerfix cannot name"),
        ("dpkg -i tool.deb", set(), "line 2: `dpkg` installs a package file"),
        ("./install-deps.sh", set(), "line 2: `./install-deps.sh` runs code dockerfix does not read"),
        ("curl -fsSL https://example.com/setup | bash -", set(), "line 2: `-` runs code dockerfix does not read"),
    ],
)
def test_the_versions_an_original_chooses_are_read_from_its_runs(run: str, pinned: set[str], why: str) -> None:
    document = parse(f"FROM debian:bookworm-slim\nRUN {run}\n".encode())
    from rewriter.context import FileContext

    assert version_choices(FileContext(document), list(document.stages)) == (frozenset(pinned), why)


def test_plain_verify_reads_each_base_image_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rewrite fails, so each fix is verified alone: the split's bases are the ones read for the rewrite."""
    reads: list[tuple[str, str]] = []

    class CountingBuilder(FakeBuilder):
        def facts(self, tag: str):  # type: ignore[no-untyped-def]
            reads.append(("config", tag))
            return super().facts(tag)

        def snapshot(self, tag: str) -> Snapshot:
            reads.append(("files", tag))
            return super().snapshot(tag)

    other_port = textwrap.dedent(GO_APP).replace("EXPOSE 8080", "EXPOSE 9090")
    both = textwrap.dedent(SPLIT).replace("EXPOSE 8080", "EXPOSE 9090")
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): both, ("DF401",): SPLIT, ("DF999",): other_port}, ["DF401", "DF999"]))
    app = _go_app(tmp_path)
    result = verify(Inputs(app / "Dockerfile", app, Settings()), CountingBuilder())
    assert result.exit_code == 1 and set(result.blame) == {"DF999"}, result.blame
    base_reads = [read for read in reads if read[1] in ("debian:bookworm-slim", "gcr.io/distroless/static-debian13")]
    assert sorted(base_reads) == sorted({*base_reads}) and len(base_reads) == 4, base_reads


# A base move (DF3xx) onto a base whose env differs: the stand-ins' CA variables come with debian, LANG goes with python.
MOVED = """\
    FROM debian:bookworm-slim
    WORKDIR /app
    COPY . /app
    CMD ["/usr/bin/bash", "serve"]
"""


def test_a_base_move_may_change_env_only_as_the_two_bases_set_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = MOVED.replace("FROM debian:bookworm-slim", "FROM python:3.11-slim").replace('["/usr/bin/bash", "serve"]', '["/usr/bin/python3", "serve"]')
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): MOVED.replace('["/usr/bin/bash", "serve"]', '["/usr/bin/python3", "serve"]')}, ["DF301"]))
    reads: list[str] = []
    monkeypatch.setattr(FakeBuilder, "snapshot", lambda self, tag, real=FakeBuilder.snapshot: (reads.append(tag), real(self, tag))[1])
    app = make_app(tmp_path, original)
    result = _verify(app)
    env = {d.subject: d.allowed_by for d in result.differences if d.subject.startswith("ENV ")}
    assert env == {"ENV LANG": "DF3xx", "ENV PATH": "DF3xx", "ENV PIP_CERT": "DF3xx", "ENV SSL_CERT_FILE": "DF3xx"}
    assert not {"python:3.11-slim", "debian:bookworm-slim"} & set(reads), "a base move needs the bases' env, not their files"

    def unreadable(self, tag, real=FakeBuilder.facts):  # type: ignore[no-untyped-def]
        if tag in ("python:3.11-slim", "debian:bookworm-slim"):
            raise BuilderError(f"{tag}: image not known")
        return real(self, tag)

    monkeypatch.setattr(FakeBuilder, "facts", unreadable)
    result = _verify(app)
    assert {d.subject for d in result.differences if d.subject.startswith("ENV ") and not d.allowed} == set(env), "no blanket allowance"
    assert "the final image is held to the original image's env" in " ".join(result.notes)
