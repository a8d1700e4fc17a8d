"""Real builds of the layer-order rewrite (DF101/DF102): one pip, one npm `install`, one Go app.

Marked `build` and run only when asked for (`pytest -m build`), like
tests/test_verify_build.py: they need root, buildah and the local base image
stand-ins (`tools/standins/prepare.sh`), and skip cleanly without them.
Each app (tests/build_examples/) installs its dependencies after copying the
whole context; `dockerfix verify` builds it before and after the rewrite and
must find the same installed packages and application files, and, after a
one-line source change, the dependency layer served from the cache.

- pip-flask: the apt RUNs between the copy and the install are merged and
  cleaned first (DF202/DF204/DF205); the reorder must still happen (fixes
  compose), by default.
- npm-unlocked: `npm install` without a lock file.
- go-module: `go mod download` inserted before `go build`.  The machines
  these tests run on reach no Go module proxy, so the module requires
  nothing: the build shows the reorder and the cached download step, not a
  download.  Needs the golang stand-in (skipped where it is missing).

All three are default (safe) rewrites: the unlocked npm install and the
inserted `go mod download` are proven safe from the build context.  About
3.5 minutes in all on two cores, most of it installing packages.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from rewriter.context import Settings
from test_verify_build import _buildah_ready

pytestmark = pytest.mark.build

EXAMPLES = Path(__file__).resolve().parent / "build_examples"


class App(NamedTuple):
    rule: str
    images: tuple[str, ...]


APPS = {
    "pip-flask": App("DF101", ("docker.io/library/python:3.11-slim",)),
    "npm-unlocked": App("DF101", ("docker.io/library/node:20-slim",)),
    "go-module": App("DF102", ("docker.io/library/golang:1.19-bookworm", "docker.io/library/debian:bookworm-slim")),
}


@pytest.mark.parametrize("name", sorted(APPS))
def test_reordered_install_builds_the_same_image_and_is_cached(name: str, request: pytest.FixtureRequest) -> None:
    if "build" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("real builds run only when asked for: pytest -m build")
    app = APPS[name]
    reason = next(filter(None, map(_buildah_ready, app.images)), None)
    if reason:
        pytest.skip(reason)
    from rewriter.verify.builders import BuildahBuilder
    from rewriter.verify.run import Inputs, verify

    folder = EXAMPLES / name
    result = verify(Inputs(folder / "Dockerfile", folder, Settings()), BuildahBuilder())
    unexplained = [d.describe() for d in result.differences if not d.allowed]
    assert result.exit_code == 0 and result.verdict == "verified", (result.problems, result.errors, result.blame, unexplained)
    assert app.rule in result.applied
    before, after = result.original, result.rewritten
    assert before.snapshot is not None and after.snapshot is not None
    assert after.snapshot.python == before.snapshot.python and after.snapshot.node == before.snapshot.node
    assert before.snapshot.python or before.snapshot.node or name == "go-module", "the example installs packages"
    assert result.equivalent, unexplained
    assert before.dependency_install_cached is not True  # the original reinstalls after a source change...
    assert after.dependency_install_cached is True  # ...the rewrite serves the install from the cache
