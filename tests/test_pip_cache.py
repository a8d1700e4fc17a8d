"""DF201: pip's download cache kept out of layers."""

from __future__ import annotations

import pytest

from helpers import codes, dedent, fixed


@pytest.mark.parametrize(
    "command",
    ["pip install flask", "pip3 install flask", "pip3.12 install flask", "python -m pip install flask", "python3 -m pip install flask", "/usr/local/bin/pip install flask"],
)
def test_adds_no_cache_dir_after_install(command: str) -> None:
    head, _, tail = command.partition("install")
    assert fixed(f"FROM python:3.12\nRUN {command}\n", select="DF201") == f"FROM python:3.12\nRUN {head}install --no-cache-dir{tail}\n"


def test_edit_is_minimal_across_continuations_and_comments() -> None:
    before = dedent(
        """
        FROM python:3.12
        RUN pip \\
            # pinned in requirements
            install \\
            -r requirements.txt
        """
    )
    assert fixed(before, select="DF201") == before.replace("    install \\", "    install --no-cache-dir \\")


def test_inside_heredoc_script() -> None:
    before = "FROM python:3.12\nRUN <<EOF\nset -e\npip install flask\nEOF\n"
    assert fixed(before, select="DF201") == before.replace("pip install", "pip install --no-cache-dir")


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM python:3.12\nRUN pip install --no-cache-dir flask\n",
        "FROM python:3.12\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n",
        "FROM python:3.12\nRUN PIP_NO_CACHE_DIR=1 pip install flask\n",
        "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n",
        "FROM python:3.12\nRUN pip download flask\n",
        "FROM python:3.12\nRUN [\"pip\", \"install\", \"flask\"]\n",
        "FROM python:3.12\nSHELL [\"powershell\", \"-Command\"]\nRUN pip install flask\n",
        "FROM python:3.12\nRUN <<EOF\n#!/usr/bin/env python3\nprint('pip install flask')\nEOF\n",
    ],
    ids=["flag-present", "env", "prefix-assignment", "cache-mount", "not-install", "exec-form", "powershell", "python-heredoc"],
)
def test_leaves_alone(dockerfile: str) -> None:
    assert codes(dockerfile, select="DF201") == []
