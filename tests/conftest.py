"""Shared test options.

`pytest --update-golden` rewrites the expected files of the golden cases from
what dockerfix does now, for review with `git diff golden/`.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden/*/expected.* from the current output (review with git diff)",
    )
