"""The GitHub Action's mode `pr` (action.yml): step outputs and a job summary from `dockerfix pr --format json`.

    python -m rewriter.bot.actions REPORT.json

Writes `pull-request-url` and `report` to `$GITHUB_OUTPUT`, and a short
markdown summary (what the bot did, per Dockerfile the fixes, the measured
image sizes, the verdict on each unsafe fix) to `$GITHUB_STEP_SUMMARY`, so
an organisation-wide sweep shows each repository's outcome on its run page.
Kept here rather than in the action's shell so that it is tested.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from rewriter.bot.body import _mb, measured_sizes


def summary(report: dict[str, Any]) -> str:
    """The job summary of one `dockerfix pr` run, in markdown."""
    url = (report.get("pull_request") or {}).get("url") or ""
    where = f" in {report['repository']}" if report.get("repository") else ""
    head = f"**dockerfix pr**{where}: {report['action']}" + (f", {url}" if url else "") + (f": {report['error']}" if report.get("error") else "")
    lines = [head]
    for file in report.get("files") or []:
        if not file["changed"] and not file.get("proofs"):
            continue
        measured = measured_sizes(file.get("measured"))
        sizes = f", final image {_mb(measured[0])} → {_mb(measured[1])} (measured)" if measured is not None else ""
        verdicts = ", ".join(f"{proof['rule']} {proof['verdict']}" for proof in file.get("proofs") or [])
        fixes = len(file["fixes"])
        lines.append(f"- `{file['path']}`: {fixes} {'fix' if fixes == 1 else 'fixes'}{sizes}" + (f"; unsafe fixes {verdicts}" if verdicts else ""))
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError) as exc:  # dockerfix pr failed before it could print its report
        sys.stderr.write(f"dockerfix action: no report in {path}: {exc}\n")
        return 2
    url = (report.get("pull_request") or {}).get("url") or ""
    for variable, text in (("GITHUB_OUTPUT", f"pull-request-url={url}\nreport={path}\n"), ("GITHUB_STEP_SUMMARY", summary(report))):
        target = os.environ.get(variable)
        if target:
            with open(target, "a", encoding="utf-8") as out:
                out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
