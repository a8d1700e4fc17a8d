"""Proven fixes (`rewriter.verify.prove`): which unsafe fixes a build proves, and what gets written.

The decisions are driven through a stand-in for `verify` that passes or
fails by the set of rules it is asked to trust; one test runs the whole
procedure through the in-memory builder of `test_verify.py`.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from rewriter.context import Settings
from rewriter.verify import prove as prove_module
from rewriter.verify.builders import BuildOutcome
from rewriter.verify.run import ImageRun, Verification
from test_verify import FakeBuilder

# Two unsafe fixes (DF216 joins the RUNs, DF302 moves to slim) and a safe one (DF201, pip's cache).
APP = """\
FROM python:3.13
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN echo ready > /app/ready.txt
COPY . .
CMD ["python", "app.py"]
"""


def _written(app: Path, result: prove_module.Proven) -> bytes:
    """What the callers of `prove` write: the rewrite trusting the proven fixes."""
    from rewriter.engine import fix_source

    settings = prove_module.trusting_proven(Settings(), result.proofs)
    return fix_source((app / "Dockerfile").read_bytes(), settings=settings, context_dir=app, dockerfile_path=app / "Dockerfile").output


def _app(tmp_path: Path, dockerfile: str = APP) -> Path:
    (tmp_path / "Dockerfile").write_text(textwrap.dedent(dockerfile))
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    (tmp_path / "app.py").write_text("print('hello')\n")
    return tmp_path


def _verdicts(fails: dict[frozenset[str], int]):  # type: ignore[no-untyped-def]
    """A stand-in for `verify`: exit code by the set of trusted rules (default 0); records what it was asked."""
    asked: list[tuple[str, ...]] = []

    def fake_verify(inputs, builder):  # type: ignore[no-untyped-def]
        trusted = inputs.settings.extend_safe_fixes
        asked.append(trusted)
        result = Verification(dockerfile=str(inputs.dockerfile), builder="fake", mode="safe")
        result.original = ImageRun(cold=BuildOutcome(True, 1.0, "ok"))
        code = fails.get(frozenset(trusted), 0)
        if code == 1:
            result.rewritten = ImageRun(cold=BuildOutcome(False, 1.0, "STEP 2/2: RUN slim-breaks\nerror: gcc: not found"))
            result.problems.append("the rewritten Dockerfile does not build")
        elif code == 2:
            result.errors.append("cannot verify the rewrite: a base image is not available locally and could not be pulled")
        return result

    return fake_verify, asked


def test_the_candidates_are_the_rules_whose_unsafe_fixes_go_beyond_the_safe_rewrite(tmp_path: Path) -> None:
    app = _app(tmp_path)
    found = prove_module.candidates(APP.encode(), app / "Dockerfile", app, Settings())
    assert "DF216" in found and "DF201" not in found


def test_a_fix_that_creates_a_file_is_never_a_candidate(tmp_path: Path) -> None:
    app = _app(tmp_path, "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n")
    (app / ".env").write_text("TOKEN=secret\n")
    from rewriter.engine import fix_source

    source = (app / "Dockerfile").read_bytes()
    unsafe = fix_source(source, settings=Settings(unsafe_fixes=True), context_dir=app, dockerfile_path=app / "Dockerfile")
    assert "DF105" in {d.rule for d in unsafe.applied} and unsafe.created
    found = prove_module.candidates(source, app / "Dockerfile", app, Settings())
    assert "DF105" not in found  # its unsafe fix adds .env to a new .dockerignore, which verify does not build with


def test_everything_proven_together_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    fake, asked = _verdicts({})
    monkeypatch.setattr(prove_module, "verify", fake)
    found = prove_module.candidates(APP.encode(), app / "Dockerfile", app, Settings())
    result = prove_module.prove(app / "Dockerfile", app, Settings(), FakeBuilder())
    assert [(p.rule, p.verdict) for p in result.proofs] == [(rule, "proven") for rule in found]
    assert len(asked) == 1, "one verification when all pass together"
    written = _written(app, result)
    assert b"&& echo ready" in written and b"--no-cache-dir" in written


def test_a_failing_fix_is_rejected_and_the_others_still_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    found = prove_module.candidates(APP.encode(), app / "Dockerfile", app, Settings())
    assert "DF302" in found, found
    everything = frozenset(found)
    fake, asked = _verdicts({everything: 1, frozenset({"DF302"}): 1})
    monkeypatch.setattr(prove_module, "verify", fake)
    result = prove_module.prove(app / "Dockerfile", app, Settings(), FakeBuilder())
    verdicts = {p.rule: p for p in result.proofs}
    assert verdicts["DF302"].verdict == "rejected" and "gcc: not found" in verdicts["DF302"].log_tail
    assert all(verdicts[r].verdict == "proven" for r in found if r != "DF302")
    written = _written(app, result)
    assert b"FROM python:3.13\n" in written, "the rejected base image change is not written"
    assert b"&& echo ready" in written, "the proven join is"
    assert asked[0] == tuple(found) and sorted(asked[1 : 1 + len(found)]) == sorted((r,) for r in found)


def test_fixes_proven_alone_but_failing_together_are_all_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    found = prove_module.candidates(APP.encode(), app / "Dockerfile", app, Settings())
    fake, _ = _verdicts({frozenset(found): 1})
    monkeypatch.setattr(prove_module, "verify", fake)
    result = prove_module.prove(app / "Dockerfile", app, Settings(), FakeBuilder())
    assert {p.verdict for p in result.proofs} == {"rejected"} and all("not together" in p.why for p in result.proofs)
    from rewriter.engine import fix_source

    safe_rewrite = fix_source(APP.encode(), settings=Settings(), context_dir=app, dockerfile_path=app / "Dockerfile").output
    assert _written(app, result) == safe_rewrite, "only the safe rewrite is written"


def test_what_cannot_be_built_here_is_not_provable_never_proven(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    found = prove_module.candidates(APP.encode(), app / "Dockerfile", app, Settings())
    fake, _ = _verdicts({frozenset(found): 2, frozenset({"DF302"}): 2})
    monkeypatch.setattr(prove_module, "verify", fake)
    result = prove_module.prove(app / "Dockerfile", app, Settings(), FakeBuilder())
    verdicts = {p.rule: p.verdict for p in result.proofs}
    assert verdicts["DF302"] == "not provable"
    assert b"FROM python:3.13\n" in _written(app, result)


def test_nothing_unsafe_to_prove_builds_nothing(tmp_path: Path) -> None:
    app = _app(tmp_path, 'FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCMD ["python"]\n')
    builder = FakeBuilder()
    result = prove_module.prove(app / "Dockerfile", app, Settings(), builder)
    assert (result.proofs, builder.builds) == ([], [])
    assert b"--no-cache-dir" in _written(app, result)


def test_the_whole_procedure_with_the_in_memory_builder(tmp_path: Path) -> None:
    app = _app(tmp_path, APP.replace("FROM python:3.13", "FROM python:3.11-slim"))
    builder = FakeBuilder()
    result = prove_module.prove(app / "Dockerfile", app, Settings(), builder)
    assert [(p.rule, p.verdict) for p in result.proofs] == [("DF216", "proven")]
    assert result.verification is not None and result.verification.exit_code == 0
    written = _written(app, result)
    assert b"--no-cache-dir" in written and b"&& echo ready" in written


def test_write_prove_writes_the_proven_fixes_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.cli import main
    from rewriter.verify import builders as builders_module

    app = _app(tmp_path, APP.replace("FROM python:3.13", "FROM python:3.11-slim"))
    monkeypatch.setattr(builders_module, "detect", lambda choice="auto", pull="missing": FakeBuilder())
    assert main(["--write", "--prove", str(app / "Dockerfile")]) == 0
    written = (app / "Dockerfile").read_bytes()
    assert b"&& echo ready" in written and b"--no-cache-dir" in written
    assert f"prove: {app / 'Dockerfile'}: DF216 proven" in capsys.readouterr().err


def test_without_a_builder_every_unsafe_fix_is_not_provable_and_the_safe_ones_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rewriter.cli import main
    from rewriter.verify import builders as builders_module

    app = _app(tmp_path, APP.replace("FROM python:3.13", "FROM python:3.11-slim"))
    monkeypatch.setattr(builders_module.shutil, "which", lambda name: None)
    assert main(["--write", "--prove", str(app / "Dockerfile")]) == 0
    written = (app / "Dockerfile").read_bytes()
    assert b"--no-cache-dir" in written and b"&& echo ready" not in written
    assert "DF216 not provable: no image builder found" in capsys.readouterr().err


def test_prove_and_unsafe_fixes_together_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.cli import main

    app = _app(tmp_path)
    assert main(["--prove", "--unsafe-fixes", str(app / "Dockerfile")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_base_image_that_cannot_be_pulled_is_not_provable_and_the_original_is_built_once(tmp_path: Path) -> None:
    app = _app(tmp_path)  # python:3.13 is there; python:3.13-slim, where DF302 moves, is not
    builder = FakeBuilder()
    result = prove_module.prove(app / "Dockerfile", app, Settings(), builder)
    verdicts = {p.rule: p for p in result.proofs}
    assert verdicts["DF302"].verdict == "not provable" and "could not be pulled" in verdicts["DF302"].why
    assert verdicts["DF216"].verdict == "proven"
    written = _written(app, result)
    assert b"FROM python:3.13\n" in written and b"&& echo ready" in written
    assert builder.builds.count(("Dockerfile.original", True)) == 1, "every verification compares with the one original build"
    assert builder.builds.count(("Dockerfile.original", False)) == 1, "and its rebuild is measured once"
    assert not builder.images, "the original image is removed once the proof is done"


def test_measure_verifies_the_written_output_when_nothing_needed_proving(tmp_path: Path) -> None:
    app = _app(tmp_path, 'FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n')
    result = prove_module.prove(app / "Dockerfile", app, Settings(), FakeBuilder(), measure=True)
    assert result.proofs == []
    assert result.verification is not None and result.verification.exit_code == 0
    assert result.verification.rewritten_text.encode() == _written(app, result) and "DF201" in result.verification.applied


def test_progress_in_a_log_is_plain_lines_with_the_elapsed_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.cli import main
    from rewriter.verify import builders as builders_module

    app = _app(tmp_path, APP.replace("FROM python:3.13", "FROM python:3.11-slim"))
    monkeypatch.setattr(builders_module, "detect", lambda choice="auto", pull="missing": FakeBuilder())
    assert main(["--write", "--prove", str(app / "Dockerfile")]) == 0
    # The elapsed time is the machine's: read as its shape, then left out.
    lines = [re.sub(r"\[\d+:\d\d\]", "[M:SS]", line) for line in capsys.readouterr().err.splitlines()]
    where = f"prove: {app / 'Dockerfile'}: [M:SS]"
    assert f"{where} step 1: verifying DF216" in lines
    assert f"{where}   building the original image (no cache)" in lines
    assert f"{where} step 1: verified" in lines


def test_quiet_keeps_the_verdicts_and_drops_the_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.cli import main
    from rewriter.verify import builders as builders_module

    app = _app(tmp_path, APP.replace("FROM python:3.13", "FROM python:3.11-slim"))
    monkeypatch.setattr(builders_module, "detect", lambda choice="auto", pull="missing": FakeBuilder())
    assert main(["--write", "--prove", "--quiet", str(app / "Dockerfile")]) == 0
    assert capsys.readouterr().err == f"prove: {app / 'Dockerfile'}: DF216 proven\n"


def test_progress_on_a_terminal_is_live_and_keeps_each_finished_step(tmp_path: Path) -> None:
    import io

    from rewriter.verify.progress import Live, progress_for

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    app = _app(tmp_path, APP.replace("FROM python:3.13", "FROM python:3.11-slim"))
    screen = Terminal()
    with progress_for(screen, "Dockerfile") as progress:
        assert isinstance(progress, Live)
        prove_module.prove(app / "Dockerfile", app, Settings(), FakeBuilder(), progress=progress)
    shown = screen.getvalue()
    assert "Dockerfile · step 1: verified" in shown
    assert re.search(r"1 verification\(s\) in \d+:\d\d", shown)  # the elapsed time, whatever the machine's load
