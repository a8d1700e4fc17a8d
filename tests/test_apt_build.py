"""Real builds: DF204 drops recommends on Debian 12 and 13, and the image still works.

Marked `build` and run only when asked for (`pytest -m build`, as `.ci/run`
does), with buildah as root and the local stand-ins of `debian:bookworm-slim`
and `debian:trixie-slim` (`tools/standins/prepare.sh`); they skip with the
reason otherwise.  Each release's package metadata decides the rewrite: curl
keeps ca-certificates (a functional recommend, named in the install) and
loses the ones judged not needed.  `dockerfix verify` builds both images and
accepts the removed packages as DF204's promise; the image's command, run in
both, proves curl and the CA bundle are still there.  Recommends nobody
judged are named in the install instead: zsh's build installs exactly the
packages it installed before.  About a minute and a half each, most of it apt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rewriter.context import Settings

pytestmark = pytest.mark.build

DOCKERFILE = """\
FROM debian:{codename}-slim
RUN apt-get update && apt-get install -y curl
CMD ["sh", "-c", "curl --version >/dev/null && test -s /etc/ssl/certs/ca-certificates.crt"]
"""


def _verified(dockerfile: str, request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """`dockerfix verify` of DOCKERFILE with buildah: the JSON report, after checking it verified."""
    if "build" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("real builds run only when asked for: pytest -m build")
    image = dockerfile.split()[1]
    if os.geteuid() != 0 or shutil.which("buildah") is None:
        pytest.skip("buildah as root is needed (apt-get install buildah)")
    if subprocess.run(["buildah", "inspect", "--type", "image", f"docker.io/library/{image}"], capture_output=True).returncode != 0:
        pytest.skip(f"no local {image}: run tools/standins/prepare.sh")
    from rewriter.verify.builders import BuildahBuilder
    from rewriter.verify.report import to_json
    from rewriter.verify.run import Inputs, verify

    (tmp_path / "Dockerfile").write_text(dockerfile)
    result = verify(Inputs(tmp_path / "Dockerfile", tmp_path, Settings(), rebuild=False, blame=False), BuildahBuilder())
    report = to_json(result)
    assert result.exit_code == 0, (result.problems, result.errors, [d.describe() for d in result.differences if not d.allowed])
    assert "DF204" in report["applied"] and report["verdict"] == "verified"
    return report


def _removed_packages(report: dict[str, Any]) -> set[str]:
    return {d["subject"] for d in report["differences"] if d["category"] == "debian" and d["change"] == "removed"}


@pytest.mark.parametrize("codename", ["bookworm", "trixie"])
def test_curl_without_its_recommends_still_verifies(codename: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    report = _verified(DOCKERFILE.format(codename=codename), request, tmp_path)
    removed = _removed_packages(report)
    assert {"krb5-locales", "publicsuffix"} <= removed, "the recommends judged not needed are gone"
    assert "ca-certificates" not in removed, "the functional recommend was named in the install"
    assert report["smoke"]["rewritten"]["exit_code"] == 0
    assert report["rewritten"]["size_mb"] < report["original"]["size_mb"]


def test_unjudged_recommends_named_in_the_install_keep_every_package(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """zsh's recommends (libgdbm6t64, libncursesw6) are judged by nobody: the fix names them, and the
    rewritten image has the packages of the original but for the one judged harmless to leave out
    (libgpm2, the console mouse library, data/regenerate_debian.py HARMLESS)."""
    dockerfile = "FROM debian:trixie-slim\nRUN apt-get update && apt-get install -y zsh\nCMD [\"zsh\", \"-c\", \"zmodload zsh/db/gdbm\"]\n"
    report = _verified(dockerfile, request, tmp_path)
    assert _removed_packages(report) == {"libgpm2"}
    assert report["smoke"]["rewritten"]["exit_code"] == 0
