"""Which cleanups at the end of a split RUN may go before the source copy with the install they follow."""

from __future__ import annotations

import pytest
from rewriter.shell import Command, ShellScript
from rewriter.text import LogicalText
from transforms.cache_cleanups import cleaned_cache, trailing_cleanups


def _commands(text: str) -> list[Command]:
    return list(ShellScript(LogicalText.from_slices(text, [(0, len(text))])).commands)


def _carried(moved: str, rest: str) -> int:
    return trailing_cleanups(_commands(moved), _commands(rest))


@pytest.mark.parametrize(
    ("moved", "rest", "carried"),
    [
        pytest.param("npm ci", "npm run build && npm cache clean --force", 1, id="npm-cache"),
        pytest.param("yarn install", "yarn build && yarn cache clean", 1, id="yarn-cache"),
        pytest.param("apt-get update && pip install -r r.txt", "make && rm -rf /var/lib/apt/lists/*", 1, id="apt-lists"),
        pytest.param(
            "apt-get update && npm ci",
            "npm run build && npm cache clean --force && rm -rf /var/lib/apt/lists/*",
            2,
            id="two-cleanups",
        ),
        pytest.param("pip install -r r.txt", "make && rm -rf /var/lib/apt/lists/*", 0, id="lists-not-filled-by-moved"),
        pytest.param("npm ci", "npm run build && npm install -g serve && npm cache clean --force", 0, id="kept-fills-again"),
        pytest.param("npm ci", "npm run build && npm ci --offline && npm cache clean --force", 0, id="kept-needs-cache"),
        pytest.param(
            "apt-get update && pip install -r r.txt",
            "make && apt-get install -y libpq5 && rm -rf /var/lib/apt/lists/*",
            0,
            id="kept-reads-lists",
        ),
        pytest.param("apt-get update && pip install -r r.txt", "./scripts/deps.sh && rm -rf /var/lib/apt/lists/*", 0, id="kept-script-may-use-apt"),
        pytest.param("apt-get update && pip install -r r.txt", "timeout 600 apt-get install -y libpq5 && apt-get clean", 0, id="kept-wrapped-apt"),
        pytest.param("apt-get update && pip install -r r.txt", 'sh -c "apt-get install -y libpq5" && rm -rf /var/lib/apt/lists/*', 0, id="kept-apt-in-sh-c"),
        pytest.param("apt-get update && apt-get install -y --download-only libpq5", "dpkg -i /var/cache/apt/archives/*.deb && apt-get clean", 0, id="kept-reads-the-archives"),
        pytest.param("npm ci", "npm cache clean --force", 0, id="nothing-would-stay"),
        pytest.param("npm ci", "npm run build && npm cache clean --force && npm run lint", 0, id="not-at-the-end"),
    ],
)
def test_trailing_cleanups(moved: str, rest: str, carried: int) -> None:
    assert _carried(moved, rest) == carried


@pytest.mark.parametrize(
    "command",
    ["rm -rf node_modules/.cache", "rm -rf /var/lib/apt/lists/* /app/tmp", "rm -rf /var/lib/apt", "npm cache verify", "rm -rf $CACHE", "rm -rf /var/lib/apt/lists/../../../app/__pycache__"],
)
def test_not_only_a_cleanup(command: str) -> None:
    """A command that deletes anything besides a known cache, or cleans nothing, is no cache cleanup."""
    (parsed,) = _commands(command)
    assert cleaned_cache(parsed) is None


@pytest.mark.parametrize(
    ("command", "tool"),
    [
        ("rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb", "apt"),
        ("apt-get clean", "apt"),
        ("rm -rf /root/.npm/_cacache", "npm"),
        ("npm cache clean --force", "npm"),
        ("yarn cache clean", "yarn"),
    ],
)
def test_cache_cleanup(command: str, tool: str) -> None:
    (parsed,) = _commands(command)
    cache = cleaned_cache(parsed)
    assert cache is not None and cache.tool == tool
