"""The `dockerfix` command: modes, exit codes, and one-line errors that leave files alone."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rewriter.cli import main

DIRTY = "FROM python:3.12\nRUN pip install flask\n"
CLEAN = "FROM python:3.12\nRUN pip install --no-cache-dir flask\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DIRTY)
    return tmp_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command in-process, with only DF201 so that the figures do not depend on other rules."""
    if args and args[0] not in ("rules", "explain", "completion") and "--select" not in args:
        args = ["--select", "DF201", *args]
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


# -- modes ------------------------------------------------------------------------


def test_default_lists_what_would_change_and_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([str(project / "Dockerfile")], capsys)
    assert code == 1
    assert out == (
        f"{project / 'Dockerfile'}:2:9: DF201 `pip install` without `--no-cache-dir` ships pip's download cache in the layer [*]\n"
        "Found 1 issue: 1 fixable with --write.\n"
    )
    assert (project / "Dockerfile").read_text() == DIRTY


def test_clean_file_exits_0_silently(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "Dockerfile").write_text(CLEAN)
    assert run([str(project / "Dockerfile")], capsys) == (0, "", "")
    assert run(["--diff", str(project / "Dockerfile")], capsys) == (0, "", "")


def test_diff_is_plain_when_piped(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--diff", str(project / "Dockerfile")], capsys)
    path = project / "Dockerfile"
    assert code == 1
    assert out == (
        f"--- a/{path}\n+++ b/{path}\n@@ -1,2 +1,2 @@\n FROM python:3.12\n"
        "-RUN pip install flask\n+RUN pip install --no-cache-dir flask\n"
    )
    assert "\x1b[" not in out


def test_check_prints_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--check", str(project / "Dockerfile")], capsys) == (1, "", "")


def test_write_rewrites_atomically_keeping_the_mode(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "Dockerfile"
    os.chmod(path, 0o640)
    code, _, err = run(["--write", str(path)], capsys)
    assert code == 0 and "fixed" in err
    assert path.read_text() == CLEAN
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in project.iterdir()) == ["Dockerfile"], "no temporary file left behind"


def test_write_leaves_untouched_files_untouched(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "Dockerfile"
    path.write_text(CLEAN)
    os.utime(path, (1_000_000, 1_000_000))
    assert run(["--write", str(path)], capsys)[0] == 0
    assert path.stat().st_mtime == 1_000_000


def test_stdin_to_stdout(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DIRTY.encode())))
    stdout = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(stdout))
    assert main(["--select", "DF201", "-"]) == 1
    sys.stdout.flush()
    assert stdout.getvalue().decode() == CLEAN


def test_select_and_ignore(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--check", "--ignore", "DF201", str(project / "Dockerfile")], capsys)[0] == 0
    assert run(["--check", "--select", "DF2", str(project / "Dockerfile")], capsys)[0] == 1
    code, _, err = run(["--select", "NOPE1", str(project / "Dockerfile")], capsys)
    assert code == 2 and "unknown rule selector" in err


def test_folder_is_searched_for_dockerfiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ["Dockerfile", "svc/Containerfile", "svc/api.Dockerfile", "svc/Dockerfile.prod", "ignored/Dockerfile", ".git/Dockerfile", "notes.txt", "Dockerfile.dockerignore"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DIRTY)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    code, out, _ = run([str(tmp_path)], capsys)
    reported = sorted({Path(line.split(":")[0]).relative_to(tmp_path).as_posix() for line in out.splitlines()[:-1]})
    assert code == 1
    assert reported == ["Dockerfile", "svc/Containerfile", "svc/Dockerfile.prod", "svc/api.Dockerfile"]


def test_a_file_named_like_a_subcommand_is_reachable(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("rules").write_text(DIRTY)
    assert run(["--check", "./rules"], capsys)[0] == 1
    assert run(["--check", "--", "rules"], capsys)[0] == 1
    code, out, _ = run(["rules"], capsys)
    assert code == 0 and "DF201" in out


# -- bad input ----------------------------------------------------------------------


BAD_INPUTS = {
    "binary": (b"FROM alpine\n\x00\x01\x02", "Dockerfile:2: binary file"),
    "undecodable": (b"FROM alpine\nRUN echo \xff\xfe\n", "Dockerfile:2: invalid UTF-8"),
    "unknown-instruction": (b"FROM alpine\nRUNN echo\n", "Dockerfile:2: unknown instruction: RUNN"),
    "other-frontend": (
        b"# syntax = devthefuture/dockerfile-x\nFROM alpine\nINCLUDE ./base.dockerfile\n",
        "Dockerfile:3: unknown instruction: INCLUDE; the file is written for the frontend devthefuture/dockerfile-x",
    ),
    "unterminated-heredoc": (b"FROM alpine\nRUN <<EOF\necho\n", "Dockerfile:2: unterminated heredoc EOF"),
    "no-from": (b"RUN echo\n", "Dockerfile:1: RUN before the first FROM"),
    "empty": (b"", "Dockerfile:1: file with no instructions"),
}


@pytest.mark.parametrize("mode", [[], ["--diff"], ["--write"], ["--check"]], ids=["list", "diff", "write", "check"])
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_file_untouched(case: str, mode: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, message = BAD_INPUTS[case]
    path = tmp_path / "Dockerfile"
    path.write_bytes(data)
    code, out, err = run([*mode, str(path)], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(str(tmp_path) + "/" + message), err
    assert path.read_bytes() == data


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([str(tmp_path / "nope")], capsys)
    assert code == 2 and err == f"{tmp_path / 'nope'}: no such file or folder\n"


def test_folder_without_dockerfiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([str(tmp_path)], capsys)
    assert code == 2 and err == f"{tmp_path}: is a folder with no Dockerfile below it\n"


def test_context_must_be_a_folder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--context", str(project / "Dockerfile"), str(project / "Dockerfile")], capsys)
    assert code == 2 and "--context must be a folder" in err


def test_permission_denied(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def deny(path: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("rewriter.files.read_dockerfile", deny)  # tests run as root: chmod would not deny
    code, _, err = run([str(project / "Dockerfile")], capsys)
    assert code == 2 and err == f"{project / 'Dockerfile'}: permission denied\n"


def test_one_bad_file_does_not_stop_the_others(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = project / "bad.Dockerfile"
    bad.write_bytes(b"FROM alpine\nNOPE\n")
    code, out, err = run(["--write", str(bad), str(project / "Dockerfile")], capsys)
    assert code == 2
    assert (project / "Dockerfile").read_text() == CLEAN
    assert "bad.Dockerfile:2: unknown instruction" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--diff", "--write", "x"], capsys)
    assert code == 2 and err.startswith("dockerfix: error:")


def test_installed_command_never_shows_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(BAD_INPUTS["binary"][0])
    done = subprocess.run([sys.executable, "-m", "rewriter.cli", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


# -- the command line's grammar (typer and click could drift here) ---------------------


def test_only_the_first_word_names_a_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("rules", "explain", "pr", "verify", "completion"):
        Path(name).write_text(DIRTY)
        code, out, err = run(["--check", name], capsys)
        assert (code, out, err) == (1, "", ""), name
        code, out, _ = run([str(Path(name).resolve()), name], capsys)
        assert code == 1 and out.count("DF201") == 2, name


def test_options_and_paths_in_any_order(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(project / "Dockerfile")
    assert run([path, "--check"], capsys) == (1, "", "")
    assert run(["--check", path, "--exit-zero"], capsys) == (0, "", "")


def test_no_path_means_the_current_folder(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    code, out, _ = run(["--select", "DF201"], capsys)
    assert code == 1 and out.startswith("Dockerfile:2:9: DF201")


def test_stdin_with_diff_prints_the_diff_only(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DIRTY.encode())))
    code, out, err = run(["--diff", "-"], capsys)
    assert code == 1 and err == ""
    assert out.startswith("--- a/<stdin>\n+++ b/<stdin>\n") and "+RUN pip install --no-cache-dir flask\n" in out


def test_exit_zero_turns_1_into_0_but_never_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(project / "Dockerfile")
    assert run(["--exit-zero", path], capsys)[0] == 0
    assert run(["--exit-zero", "--diff", path], capsys)[0] == 0
    code, _, err = run(["--exit-zero", path, str(project / "missing")], capsys)
    assert code == 2 and err == f"{project / 'missing'}: no such file or folder\n"


@pytest.mark.parametrize("mode", [[], ["--diff"], ["--check"]], ids=["list", "diff", "check"])
def test_a_missing_file_is_one_line_exit_2(mode: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*mode, str(tmp_path / "nope")], capsys) == (2, "", f"{tmp_path / 'nope'}: no such file or folder\n")


def test_json_stays_parseable_and_diff_keeps_stdout_to_itself(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    path = str(project / "Dockerfile")
    code, out, _ = run(["--format", "json", path, str(project / "nope")], capsys)
    document = json.loads(out)
    assert code == 2 and [f["error"] is None for f in document["files"]] == [True, False]
    code, out, _ = run(["--format", "json", "--diff", path], capsys)
    assert code == 1 and out.startswith(f"--- a/{path}\n") and "{" not in out


@pytest.mark.parametrize(
    ("argv", "program"),
    [
        (["--nope"], "dockerfix"),
        (["--format", "xml", "x"], "dockerfix"),
        (["--select"], "dockerfix"),
        (["--diff", "--check", "x"], "dockerfix"),
        (["explain"], "dockerfix explain"),
        (["rules", "--format", "yaml"], "dockerfix rules"),
        (["completion", "tcsh"], "dockerfix completion"),
        (["verify", "--builder", "kaniko"], "dockerfix verify"),
        (["pr", "--nope"], "dockerfix pr"),
    ],
)
def test_usage_errors_are_one_line_exit_2(argv: list[str], program: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"{program}: error: ") and err.count("\n") == 1, err


def test_version(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.cli import version

    assert version() != "unknown"
    assert run(["--version"], capsys) == (0, f"dockerfix {version()}\n", "")
    assert run(["--version", "--check", str(project / "Dockerfile")], capsys) == (0, f"dockerfix {version()}\n", "")


def test_help_groups_the_options_and_lists_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    for panel in ("Output", "Rule selection", "Fixes", "Context", "Commands"):
        assert panel in out, panel
    for word in ("--unsafe-fixes", "--cache-strategy", "rules", "explain", "verify", "pr"):
        assert word in out, word
    assert main(["verify", "--help"]) == 0 and "--json" in capsys.readouterr().out


def test_checking_a_file_imports_only_what_it_needs(project: Path) -> None:
    """Start-up budget: rich only for a terminal, pr's and verify's modules only when they run, no pydantic (typer 0.29)."""
    code = (
        "import sys; from rewriter.cli import main; main(['--check', sys.argv[1]]); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'httpx', 'pydantic', 'libcst'}), "
        "sorted(m for m in sys.modules if m.startswith(('rewriter.bot', 'rewriter.verify'))))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(project / "Dockerfile")], capture_output=True, text=True, check=True)
    assert done.stdout == "[] []\n"


def test_bash_completion_in_a_real_bash(tmp_path: Path) -> None:
    import shutil

    bash = shutil.which("bash")
    bin_dir = Path(sys.executable).parent
    if bash is None or not (bin_dir / "dockerfix").exists():
        pytest.skip("needs bash and the installed dockerfix script")
    script = """
        source <(dockerfix completion bash)
        complete -p dockerfix
        complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _dockerfix_completion dockerfix; echo "${COMPREPLY[*]}"; }
        complete_words dockerfix ru
        complete_words dockerfix --unsafe
        complete_words dockerfix rules --for
        complete_words dockerfix --format s
        complete_words dockerfix Dockerfile ru
    """
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([bash, "--norc", "--noprofile", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    registered, *offered = done.stdout.splitlines()
    assert registered == "complete -o default -F _dockerfix_completion dockerfix"
    assert offered == ["rules", "--unsafe-fixes", "--format", "sarif", ""], "a second word is a path: the shell offers files"


# -- the seed article ------------------------------------------------------------------

SEED = Path(__file__).resolve().parent.parent / "golden"


def test_seed_inefficient_dockerfile_gives_a_diff(capsys: pytest.CaptureFixture[str]) -> None:
    case = SEED / "seed-article"
    code = main(["--diff", "--context", str(case / "context"), str(case / "Dockerfile")])
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("--- a/")


def test_seed_optimized_dockerfile_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    case = SEED / "seed-article-optimized"
    code = main(["--diff", "--context", str(case / "context"), str(case / "Dockerfile")])
    assert (code, capsys.readouterr().out) == (0, "")
