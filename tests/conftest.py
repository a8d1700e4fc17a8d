"""Shared test options and the hypothesis profile.

`pytest --update-golden` rewrites the expected files of the golden cases from
what dockerfix does now, for review with `git diff golden/`.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# In CI the property tests draw the same examples every run, so a landing
# never depends on luck; soaks (more examples, random seeds) run by hand.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden/*/expected.* from the current output (review with git diff)",
    )
