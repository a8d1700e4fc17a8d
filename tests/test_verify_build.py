"""Real builds: `dockerfix verify` with buildah on two example apps.

Marked `build`, and run only when asked for (`pytest -m build`), so that
the ordinary test run stays fast on machines where buildah happens to work.  They need root, buildah
and the local base image stand-ins (`tools/standins/prepare.sh`), and skip
cleanly without them.  Every rule that exists runs, so these tests prove
that today's rewrites of a realistic Flask app (the seed article's) and an
Express app still build and give equivalent images, and that the seed app's
dependency install, which reruns on every source change before the rewrite,
comes from the cache after it.  About 2-4 minutes each on two
cores, most of it downloading packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rewriter.context import Settings

pytestmark = pytest.mark.build

APPS = Path(__file__).resolve().parent.parent / "bench" / "images" / "apps"
STANDINS = {"seed-article": "docker.io/library/python:3.11-slim", "node-express": "docker.io/library/node:20-slim"}


def _buildah_ready(image: str) -> str | None:
    """Why these tests cannot run here, or None."""
    if shutil.which("buildah") is None:
        return "buildah is not installed (apt-get install buildah)"
    if os.geteuid() != 0:
        return "real builds need root (buildah, overlay storage, chroot isolation)"
    if subprocess.run(["buildah", "inspect", "--type", "image", image], capture_output=True).returncode != 0:
        return f"no local {image}: run tools/standins/prepare.sh (or pull it)"
    return None


@pytest.mark.parametrize("app", sorted(STANDINS))
def test_verify_an_example_app_with_buildah(app: str, request: pytest.FixtureRequest) -> None:
    if "build" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("real builds run only when asked for: pytest -m build")
    reason = _buildah_ready(STANDINS[app])
    if reason:
        pytest.skip(reason)
    from rewriter.verify.builders import BuildahBuilder
    from rewriter.verify.report import to_json
    from rewriter.verify.run import Inputs, verify

    folder = APPS / app
    result = verify(Inputs(folder / "Dockerfile", folder, Settings()), BuildahBuilder())
    report = to_json(result)
    assert result.exit_code == 0, (result.problems, result.errors, result.blame, [d.describe() for d in result.differences if not d.allowed])
    assert report["verdict"] == "verified" and report["equivalent"] is True
    assert report["applied"], "the example is written so that some fix applies"
    before, after = report["original"], report["rewritten"]
    assert before["built"] and after["built"]
    assert after["size_mb"] <= before["size_mb"]
    if any(code.startswith("DF1") for code in report["applied"]):
        # verify itself fails (exit 1) otherwise; said here so that a regression reads plainly
        assert after["dependency_install_cached"] is True
    if app == "seed-article":
        assert "DF101" in report["applied"] and before["dependency_install_cached"] is False
    assert before["layers"] >= 1 and after["layers"] >= 1
