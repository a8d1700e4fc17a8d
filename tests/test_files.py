"""Symlinks and special files: a symlink stays a symlink, nothing outside the named paths is written,
and a FIFO, socket or device is never opened (`rewriter/files.py`)."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from rewriter.discovery import find_dockerfiles
from rewriter.files import NotARegularFile, read_dockerfile
from test_cli import CLEAN, DIRTY, run

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file types")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """repo/ with a link out of it and a link within it; outside/ beside it."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "Dockerfile").write_text(DIRTY)
    repo = tmp_path / "repo"
    (repo / "docker").mkdir(parents=True)
    (repo / "docker" / "app.Dockerfile").write_text(DIRTY)
    (repo / "Dockerfile").symlink_to(Path("..") / "outside" / "Dockerfile")
    (repo / "api.Dockerfile").symlink_to(Path("docker") / "app.Dockerfile")
    return tmp_path


def test_write_follows_a_link_to_a_target_inside_the_named_folder(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tree / "repo"
    code, _, err = run(["--write", str(repo)], capsys)
    assert code == 0
    assert (repo / "api.Dockerfile").is_symlink()
    assert (repo / "docker" / "app.Dockerfile").read_text() == CLEAN
    assert f"fixed {repo / 'api.Dockerfile'} (1 fix)\n" in err


def test_write_leaves_a_link_out_of_the_named_folder_with_a_notice(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tree / "repo"
    code, _, err = run(["--write", str(repo)], capsys)
    assert code == 0
    assert (repo / "Dockerfile").is_symlink()
    assert (tree / "outside" / "Dockerfile").read_text() == DIRTY
    notice = f"{repo / 'Dockerfile'}: notice: is a symlink to {(tree / 'outside' / 'Dockerfile').resolve()}, outside the paths given; left unchanged\n"
    assert notice in err


def test_a_link_named_directly_is_written_through(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = tree / "repo" / "Dockerfile"
    code, _, _ = run(["--write", str(link)], capsys)
    assert code == 0
    assert link.is_symlink()
    assert (tree / "outside" / "Dockerfile").read_text() == CLEAN


def test_discovery_skips_fifos_sockets_and_broken_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Dockerfile").write_text(DIRTY)
    os.mkfifo(tmp_path / "fifo.Dockerfile")
    (tmp_path / "gone.Dockerfile").symlink_to(tmp_path / "missing")
    monkeypatch.chdir(tmp_path)  # a socket's path must be short
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock.Dockerfile")
        assert find_dockerfiles(tmp_path) == [tmp_path / "Dockerfile"]


def test_a_fifo_in_a_folder_does_not_hang_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(tmp_path / "Dockerfile")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Dockerfile").write_text(CLEAN)
    assert run(["--check", str(tmp_path)], capsys) == (0, "", "")


def test_a_fifo_named_directly_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    assert run(["--check", str(fifo)], capsys) == (2, "", f"{fifo}: is a named pipe (FIFO), not a regular file\n")


def test_a_file_swapped_for_a_fifo_after_the_check_is_not_waited_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: real_stat(__file__))  # the race: stat saw a regular file
    done = threading.Event()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            read_dockerfile(fifo)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(10), "read_dockerfile waited on a FIFO"
    assert len(errors) == 1 and isinstance(errors[0], NotARegularFile)
