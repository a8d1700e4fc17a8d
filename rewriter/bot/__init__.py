"""`dockerfix pr`: deliver the fixes as a GitHub pull request.

`rewriter.cli` declares the options and calls `command.deliver`; this
package (git, httpx, the engine) is imported only when the subcommand runs,
so `dockerfix` starts as fast as without it.

    git.py      the `git` command: fetch, build a commit without a checkout, push
    github.py   the GitHub REST endpoints, errors and rate limits (httpx)
    fixes.py    run the engine over one commit's Dockerfiles
    body.py     title, commit message, pull request body
    command.py  the steps of one run (its options are declared in rewriter/cli.py)
"""

from __future__ import annotations

from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run `dockerfix pr` with `argv` (the arguments after `pr`); returns the exit code."""
    from rewriter.bot.command import main as run

    return run(argv)
