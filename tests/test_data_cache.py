"""Knowledge files: parsed from TOML once, then read from a per-user cache keyed by content."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from rewriter import context


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DOCKERFIX_CACHE_DIR", str(tmp_path))
    context.load_data.cache_clear()
    yield tmp_path
    context.load_data.cache_clear()


def test_cache_is_written_and_gives_the_same_data(cache_dir: Path) -> None:
    first = context.load_data("base_images")
    (cached,) = cache_dir.glob("base_images-*.pickle")
    context.load_data.cache_clear()
    assert context.load_data("base_images") == first
    assert pickle.loads(cached.read_bytes()) == first


def test_cache_that_holds_code_is_refused(cache_dir: Path) -> None:
    context.load_data("package_caches")
    (cached,) = cache_dir.glob("package_caches-*.pickle")
    cached.write_bytes(pickle.dumps({"x": Path("/")}))  # a class outside the allowed set
    context.load_data.cache_clear()
    assert "x" not in context.load_data("package_caches")


def test_no_cache_when_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKERFIX_CACHE_DIR", "off")
    context.load_data.cache_clear()
    assert context.load_data("package_caches")
    context.load_data.cache_clear()


def test_an_older_cache_of_the_same_file_is_removed(cache_dir: Path) -> None:
    stale = cache_dir / "package_caches-00000000ff-py311.pickle"
    stale.write_bytes(b"old")
    context.load_data("package_caches")
    assert not stale.exists()
    assert len(list(cache_dir.glob("package_caches-*.pickle"))) == 1
