"""Inline suppressions, in every form."""

from __future__ import annotations

import pytest

from helpers import codes

DIRTY_RUN = "RUN pip install flask\n"


@pytest.mark.parametrize(
    "comment",
    [
        "# dockerfix: ignore[DF201]\n",
        "# dockerfix: ignore[DF2]\n",
        "# dockerfix: ignore\n",
        "#dockerfix:ignore[df201]\n",
        "# hadolint ignore=DL3042\n",
        "# hadolint ignore=DL3008,DL3042\n",
        "# why we keep the cache\n# dockerfix: ignore[DF201]\n",
    ],
    ids=["code", "prefix", "all", "tight-lowercase", "hadolint", "hadolint-list", "in-comment-block"],
)
def test_comment_above_suppresses_that_instruction(comment: str) -> None:
    text = "FROM python:3.12\n" + comment + DIRTY_RUN + DIRTY_RUN
    assert codes(text, select="DF201") == ["DF201"], "only the next instruction is suppressed"


def test_comment_inside_the_continuation_suppresses_it() -> None:
    text = "FROM python:3.12\nRUN pip \\\n    # dockerfix: ignore[DF201]\n    install flask\n"
    assert codes(text, select="DF201") == []


def test_blank_line_separates_a_comment_from_the_instruction() -> None:
    text = "FROM python:3.12\n# dockerfix: ignore[DF201]\n\n" + DIRTY_RUN
    assert codes(text, select="DF201") == ["DF201"]


@pytest.mark.parametrize("comment", ["# dockerfix: ignore-file[DF201]\n", "# dockerfix: ignore-file\n", "# hadolint global ignore=DL3042\n"])
def test_file_level_suppression(comment: str) -> None:
    text = "FROM python:3.12\n" + DIRTY_RUN + comment + DIRTY_RUN
    assert codes(text, select="DF201") == []


def test_other_rules_are_not_suppressed() -> None:
    text = "FROM python:3.12\n# dockerfix: ignore[DF3]\n# hadolint ignore=DL3008\n" + DIRTY_RUN
    assert codes(text, select="DF201") == ["DF201"]


def test_suppressed_fix_is_not_applied() -> None:
    from helpers import fixed

    text = "FROM python:3.12\n# dockerfix: ignore[DF201]\n" + DIRTY_RUN
    assert fixed(text, select="DF201") == text
