"""ARG and ENV expansion: known values are resolved, unknown ones say so (None)."""

from __future__ import annotations

import pytest

from helpers import dedent
from rewriter.context import FileContext
from rewriter.syntax import parse
from rewriter.variables import expand, resolve_image


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$HOME/app", "/root/app"),
        ("${HOME}/app", "/root/app"),
        ("${UNSET:-/srv}", "/srv"),
        ("${HOME:+set}", "set"),
        ("${UNSET:+set}", ""),
        ("'$HOME'", "$HOME"),
        ('"$HOME x"', "/root x"),
        ("\\$HOME", "$HOME"),
        ("$UNSET", None),
        ("${UNKNOWN_ARG}", None),
    ],
)
def test_expand(word: str, expected: str | None) -> None:
    assert expand(word, {"HOME": "/root", "UNKNOWN_ARG": None}) == expected


def test_env_and_arg_are_visible_to_later_instructions() -> None:
    document = parse(
        dedent(
            """
            ARG VERSION=3.12
            FROM python:${VERSION}-slim
            ARG VERSION
            ENV APP_HOME=/srv/app
            WORKDIR $APP_HOME
            COPY . ${APP_HOME}/src
            """
        )
    )
    context = FileContext(document)
    copy = document.instructions[-1]
    assert context.expand(copy.words()[1].text, copy) == "/srv/app/src"
    assert context.env_at(copy)["VERSION"] == "3.12"
    assert resolve_image(document, document.stages[0]) == "python:3.12-slim"
