"""PHP: `composer install` (composer.json, composer.lock)."""

from __future__ import annotations

from typing import Any

from rewriter.context import json_loads
from rewriter.rules import Applicability
from rewriter.shell import Command
from transforms.manifests.common import (
    Env,
    Plan,
    Project,
    cap,
    in_folder,
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
        manifest = json_loads(project.read(files[0]) or "{}")
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
    why = plugin_risk(project, folder, manifest if isinstance(manifest, dict) else {})
    if why:
        plan = cap(plan, Applicability.UNSAFE, why)
    if all(flag in words for flag in data["deps_only"]):
        return plan
    missing = [f for f in data["deps_only"] if f not in words]
    return plan._replace(kind="build", prefetch=" ".join(shell_quote(w) for w in words) + " " + " ".join(missing), prefetch_safe=not why)


def plugin_risk(project: Project, folder: str, manifest: dict[str, Any]) -> str:
    """The safety proof of composer; "" when moving the install (or inserting the dependency-only one) is safe.

    `composer install --no-scripts --no-autoloader` with composer.json and composer.lock copied installs the
    locked packages into vendor/ and runs nothing of the root package; the install after the source copy
    then finds them in place, dumps the autoloader and runs the root scripts, as the original did.  What
    could still run before the source copy is a plugin: a `composer-plugin` package of the lock, activated
    because `config.allow-plugins` allows it, which may read any file of the project (an allowed plugin that
    the lock does not list is never installed, so it does not run).  And root scripts on
    package events (`post-package-install`...) fire only for packages installed in that run, which is now
    the dependency-only one, where scripts are off.  Without composer.lock, which packages are plugins is
    not known."""
    lock_path = in_folder(folder, "composer.lock")
    text = project.read(lock_path)
    if text is None:
        return "there is no composer.lock, so which packages are plugins (they run during the install, with `--no-scripts` too) is not known."
    try:
        lock = json_loads(text)
    except ValueError:
        return f"`{lock_path}` is not valid JSON."
    packages = [p for key in ("packages", "packages-dev") for p in (lock.get(key) or []) if isinstance(p, dict)] if isinstance(lock, dict) else []
    plugin = next((p.get("name", "?") for p in packages if p.get("type") == "composer-plugin"), None)
    if plugin is not None:
        return f"composer.lock has the plugin `{plugin}`, which runs during the install (with `--no-scripts` too) and may read any file of the project."
    if manifest.get("type") == "composer-plugin":
        return "composer.json is itself a `composer-plugin`, which runs during the install (with `--no-scripts` too) and may read any file of the project."
    # `config.allow-plugins` only lets plugins run; the install from a lock file installs exactly its packages,
    # and none of them is a plugin, so what it allows is never installed.
    scripts = manifest.get("scripts") if isinstance(manifest.get("scripts"), dict) else {}
    events = [e for e in package_managers()["composer"]["package_events"] if e in scripts]
    if events:
        return f"composer.json runs `{events[0]}` scripts, which fire only for the packages a run installs: that is now the dependency-only install, where scripts are off."
    return ""

