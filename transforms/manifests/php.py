"""PHP: `composer install` (composer.json, composer.lock)."""

from __future__ import annotations

import json

from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms.manifests.common import (
    Env,
    Plan,
    Project,
    cap,
    installs,
    manifest_files,
    outputs_in_context,
    package_managers,
    shell_quote,
)


@installs("composer", "composer.phar", tool="composer")
def composer_install(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["composer"]
    if len(words) < 2 or words[1] not in ("install", "i"):
        return Plan("source", "composer")
    folder = project.folder()
    if folder is None:
        return Plan("source", "composer", decline=project.outside())
    files, why = manifest_files(project, folder, data, "composer")
    if why:
        return Plan("source", "composer", decline=why)
    try:
        manifest = json.loads(project.read(files[0]) or "{}")
    except ValueError:
        return Plan("source", "composer", decline="composer.json is not valid JSON")
    repositories = manifest.get("repositories") if isinstance(manifest, dict) else None
    repos = repositories.values() if isinstance(repositories, dict) else (repositories or [])
    if any(isinstance(r, dict) and r.get("type") in ("path", "artifact") for r in repos):
        return Plan("source", "composer", decline="composer.json has a `path` repository, which is source")
    vendor = (manifest.get("config") or {}).get("vendor-dir", "vendor") if isinstance(manifest, dict) else "vendor"
    why = outputs_in_context(project, folder, [vendor], "composer")
    if why:
        return Plan("source", "composer", decline=why)
    plan = Plan("install", "composer", files=tuple(files))
    note = "composer plugins still run with `--no-scripts`, and the installed set is the same only if composer.lock is present and current."
    plan = cap(plan, Applicability.UNSAFE, note)
    if all(flag in words for flag in data["deps_only"]):
        return plan
    missing = [f for f in data["deps_only"] if f not in words]
    return plan._replace(kind="build", prefetch=" ".join(shell_quote(w) for w in words) + " " + " ".join(missing))

