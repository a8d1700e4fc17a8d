"""Real builds: DF204 drops recommends on Debian 12 and 13, and the image still works.

Marked `build` and run only when asked for (`pytest -m build`, as `.ci/run`
does), with buildah as root and the local stand-ins of `debian:bookworm-slim`
and `debian:trixie-slim` (`tools/standins/prepare.sh`); they skip with the
reason otherwise.  Each release's package metadata decides the rewrite: curl
keeps ca-certificates (a functional recommend, named in the install) and
loses the ones judged not needed.  `dockerfix verify` builds both images and
accepts the removed packages as DF204's promise; the image's command, run in
both, proves curl and the CA bundle are still there.  About a minute and a
half each, most of it apt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rewriter.context import Settings

pytestmark = pytest.mark.build

DOCKERFILE = """\
FROM debian:{codename}-slim
RUN apt-get update && apt-get install -y curl
CMD ["sh", "-c", "curl --version >/dev/null && test -s /etc/ssl/certs/ca-certificates.crt"]
"""


@pytest.mark.parametrize("codename", ["bookworm", "trixie"])
def test_curl_without_its_recommends_still_verifies(codename: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if "build" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("real builds run only when asked for: pytest -m build")
    image = f"docker.io/library/debian:{codename}-slim"
    if os.geteuid() != 0 or shutil.which("buildah") is None:
        pytest.skip("buildah as root is needed (apt-get install buildah)")
    if subprocess.run(["buildah", "inspect", "--type", "image", image], capture_output=True).returncode != 0:
        pytest.skip(f"no local {image}: run tools/standins/prepare.sh")
    from rewriter.verify.builders import BuildahBuilder
    from rewriter.verify.report import to_json
    from rewriter.verify.run import Inputs, verify

    (tmp_path / "Dockerfile").write_text(DOCKERFILE.format(codename=codename))
    result = verify(Inputs(tmp_path / "Dockerfile", tmp_path, Settings(), rebuild=False, blame=False), BuildahBuilder())
    report = to_json(result)
    assert result.exit_code == 0, (result.problems, result.errors, [d.describe() for d in result.differences if not d.allowed])
    assert "DF204" in report["applied"] and report["verdict"] == "verified"
    removed = {d["subject"] for d in report["differences"] if d["category"] == "debian" and d["change"] == "removed"}
    assert {"krb5-locales", "publicsuffix"} <= removed, "the recommends judged not needed are gone"
    assert "ca-certificates" not in removed, "the functional recommend was named in the install"
    assert report["smoke"]["rewritten"]["exit_code"] == 0
    assert report["rewritten"]["size_mb"] < report["original"]["size_mb"]
