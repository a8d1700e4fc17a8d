"""What `dockerfix verify` accepts of a multi-stage split (DF4xx) onto another base image, and what it rejects.

A split moves the final image onto the runtime stage's base: its env and
its own files come with it, the build stage's sources stay behind, and the
binary it copies is built with other flags.  Each of those may differ, by
exactly as much as the Dockerfiles and the two base images say; everything
else (the command, every other application file) must not.  Driven through
the in-memory builder of `test_verify.py`.
"""

from __future__ import annotations

import textwrap
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
from rewriter.verify.split import Base, SplitPromise, split_promise

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
    broken = textwrap.dedent(SPLIT).replace("go build -o /usr/local/bin/app .", "go build -o /usr/local/bin/app -tags broken .")
    monkeypatch.setattr(run_module, "rewrite", fake_rewrite({(): broken}, ["DF401"]))
    result = _verify(_go_app(tmp_path))
    assert _unexplained(result) == [] and result.smoke_failed
    assert result.exit_code == 1 and "panic: broken build" in result.problems[0]


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


def test_a_copied_folder_keeps_its_context_files_byte_for_byte(tmp_path: Path) -> None:
    """The app folder a split copies holds the build context's files: rebuilt or not, they must match; what the build made there need not."""
    (tmp_path / "manage.py").write_text("print()\n")
    promise = SplitPromise(
        "python:3.11-slim", "python:3.11-slim", copied=(("code", "code"), ("opt/venv", "opt/venv")), rebuilt=("code", "opt/venv"), context_copies=(("code", (".",)),), context=tmp_path
    )
    assert not promise.built_by_the_split("code/manage.py")
    assert promise.built_by_the_split("code/greeter"), "built in the copied folder: not in the build context"
    assert not promise.left_behind("code/manage.py"), "a copied folder's file missing from the image is no source left behind"
    assert promise.built_by_the_split("opt/venv/bin/gunicorn")
    assert not SplitPromise("a", "b", copied=(("code", "code"),), rebuilt=("code",), context_copies=(("code", (".",)),)).built_by_the_split("code/greeter"), (
        "without the build context, every file of a context copy's folder counts as copied"
    )


def test_env_may_differ_only_as_the_two_base_images_set_it() -> None:
    def base(image: str, **env: str) -> Base:
        return Base(image, ImageConfig(env=tuple(env.items())), Snapshot())

    promise = SplitPromise("debian:bookworm-slim", "gcr.io/distroless/static-debian13").with_bases(base("old", CA="/ca", PATH="/bin"), base("new", PATH="/bin"))
    before, after = ImageConfig(env=(("PATH", "/bin"), ("CA", "/ca"), ("LANG", "C.UTF-8"))), ImageConfig(env=(("PATH", "/bin"),))
    differences = compare_config(before, after, families={"DF4"}, env_on_purpose=set(), env_in_dockerfile=set(), split=promise)
    assert {d.subject: d.allowed_by for d in differences} == {"ENV CA": "DF4xx", "ENV LANG": ""}, "LANG came from no base"
    set_in_the_dockerfile = compare_config(before, after, families={"DF4"}, env_on_purpose=set(), env_in_dockerfile={"CA"}, split=promise)
    assert not any(d.allowed for d in set_in_the_dockerfile if d.subject == "ENV CA")


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
    promise = SplitPromise("python:3.11-slim", "python:3.11-slim").with_bases(base, base)
    original = Snapshot(debian={"zlib1g": "1.2.13-1+deb12u1", "zlib1g-dev": "1.2.13-1+deb12u1"})
    differences = compare_packages(original, Snapshot(debian={"zlib1g": "1.2.13-1"}), {"DF4"}, promise)
    assert {d.subject: d.allowed_by for d in differences} == {"zlib1g": "DF4xx", "zlib1g-dev": "DF4xx"}
    elsewhere = compare_packages(original, Snapshot(debian={"zlib1g": "1.2.12-1"}), {"DF4"}, promise)
    assert [d.allowed for d in elsewhere if d.subject == "zlib1g"] == [False], "a version its base does not have is no promise"
    assert [d.allowed for d in compare_packages(original, Snapshot(debian={"zlib1g": "1.2.13-1"}), {"DF4"}) if d.subject == "zlib1g"] == [False]


def test_only_files_copied_from_the_context_may_be_left_behind(tmp_path: Path) -> None:
    """A file a RUN made under the copy's destination (`go generate`) is no source: dropping it is a difference."""
    (tmp_path / "main.go").write_text("package main\n")
    promise = SplitPromise("a", "b", context_copies=(("app", (".",)),), context=tmp_path)
    assert promise.left_behind("app/main.go")
    assert not promise.left_behind("app/generated.go")
