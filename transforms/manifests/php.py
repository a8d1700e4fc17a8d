"""PHP: `composer install` (composer.json, composer.lock)."""

from __future__ import annotations

import re
from typing import Any

from rewriter.context import json_loads
from rewriter.rules import Applicability
from rewriter.shell import Command
from rewriter.syntax import split_image
from transforms._shellfix import root_image
from transforms.manifests.common import (
    Env,
    Plan,
    Project,
    cap,
    in_folder,
    installs,
    manifest_files,
    normpath,
    outputs_in_context,
    package_managers,
    shell_quote,
)


@installs("composer", "composer.phar", tool="composer")
def composer_install(command: Command, words: list[str], project: Project, env: Env) -> Plan:
    data = package_managers()["composer"]
    update = len(words) > 1 and words[1] in data["update_subcommands"]
    if len(words) < 2 or (words[1] not in ("install", "i") and not update):
        return Plan("source", "composer")
    folder = project.folder()
    if folder is None:
        return Plan("source", "composer", decline=project.outside())
    env = {**env, **{a.text.split("=", 1)[0]: a.text.split("=", 1)[1] for a in command.assignments if "=" in a.text}}
    names, why = composer_files(env)
    if why:
        return Plan("source", "composer", decline=why)
    files, why = manifest_files(project, folder, {**data, "manifests": [names[0]], "locks": [names[1]]}, "composer")
    if why:
        return Plan("source", "composer", decline=why)
    try:
        manifest = json_loads(project.read(files[0]) or "{}")
    except ValueError:
        return Plan("source", "composer", decline=f"{names[0]} is not valid JSON")
    repositories = manifest.get("repositories") if isinstance(manifest, dict) else None
    repos = repositories.values() if isinstance(repositories, dict) else (repositories or [])
    if any(isinstance(r, dict) and r.get("type") in ("path", "artifact") for r in repos):
        return Plan("source", "composer", decline="composer.json has a `path` repository, which is source")
    vendor = (manifest.get("config") or {}).get("vendor-dir", "vendor") if isinstance(manifest, dict) else "vendor"
    why = outputs_in_context(project, folder, [vendor], "composer")
    if why:
        return Plan("source", "composer", decline=why)
    manifest = manifest if isinstance(manifest, dict) else {}
    plan = Plan("install", "composer", files=tuple(files), writes=_placed(project, manifest, env))
    lock_name = names[1]
    why = (
        (update_plugin_risk(project, folder, manifest, env, lock_name) if update else plugin_risk(project, folder, manifest, env, "--no-scripts" in words, lock_name))
        or binaries_in_context(project, folder, manifest, lock_name)
        or home_in_copy(project, env)
    )
    if why:
        plan = cap(plan, Applicability.UNSAFE, why)
    if update:  # the update still runs after the copy: it resolves again, and later steps read the lock it writes
        missing = [f for f in data["deps_only"] if f not in words]
        prefetch = " ".join(shell_quote(w) for w in words) + "".join(f" {f}" for f in missing)
        return plan._replace(kind="build", prefetch=prefetch, prefetch_safe=not why)
    if all(flag in words for flag in data["deps_only"]):
        return plan
    missing = [f for f in data["deps_only"] if f not in words]
    return plan._replace(kind="build", prefetch=" ".join(shell_quote(w) for w in words) + " " + " ".join(missing), prefetch_safe=not why)


def composer_files(env: Env) -> tuple[tuple[str, str], str]:
    """(the manifest, its lock) the install reads, or why they are not known.

    `COMPOSER` (from ENV, ARG or the command's own assignment) names the manifest instead of composer.json,
    and its lock is that name with `.json` replaced by `.lock` (`composer-prod.json`: `composer-prod.lock`),
    or with `.lock` appended.  A name with a folder, or one only the build knows, is not followed."""
    value = env.get("COMPOSER", "")
    if value is None:
        return ("", ""), "`COMPOSER` names the manifest composer reads, and its value is known only when the image is built"
    if not value:
        return ("composer.json", "composer.lock"), ""
    if "/" in value or value in (".", ".."):
        return ("", ""), f"`COMPOSER={value}` names a manifest in another folder, which is not followed"
    return (value, value[: -len(".json")] + ".lock" if value.endswith(".json") else value + ".lock"), ""


def _placed(project: Project, manifest: dict[str, Any], env: Env) -> tuple[str, ...] | None:
    """Context paths of the copy composer writes (vendor-dir and bin-dir, as `COMPOSER_VENDOR_DIR` /
    `COMPOSER_BIN_DIR` or composer.json's `config` place them, relative to the working directory); None when
    one of them is not known (a value only the build knows, `~`, `{$vendor-dir}`, a folder above the copy)."""
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    vendor = env["COMPOSER_VENDOR_DIR"] if "COMPOSER_VENDOR_DIR" in env else config.get("vendor-dir", "vendor")
    if not isinstance(vendor, str):
        return None
    bin_dir = env["COMPOSER_BIN_DIR"] if "COMPOSER_BIN_DIR" in env else config.get("bin-dir", f"{vendor.rstrip('/')}/bin")
    writes: list[str] = []
    for path in (vendor, bin_dir):
        placed = project.written_at(path) if isinstance(path, str) and not path.startswith("~") else None
        if placed is None:
            return None
        writes += placed
    return tuple(writes)


def plugin_risk(project: Project, folder: str, manifest: dict[str, Any], env: Env, no_scripts: bool = False, lock_name: str = "composer.lock") -> str:
    """The safety proof of composer; "" when moving the install (or inserting the dependency-only one) is safe.

    `composer install --no-scripts --no-autoloader` with composer.json (and composer.lock) copied installs
    the packages into vendor/ and runs nothing of the root package; the install after the source copy then
    finds them in place, dumps the autoloader and runs the root scripts, as the original did.  What could
    still run before the source copy is a plugin, which may read any file of the project: one that
    `config.allow-plugins` lets run (`plugins_may_run`) and that the install installs (a `composer-plugin`
    package of the lock; without a lock, which packages are plugins is not known).  And root scripts on
    package events (`post-package-install`...) fire only for packages installed in that run, which is now
    the dependency-only one, where scripts are off; without a lock, the install resolves like `composer
    update` and fires the update events, where the later install, which finds the lock the first one
    wrote, fires the install events."""
    lock_path = in_folder(folder, lock_name)
    text = project.read(lock_path)
    lock: Any = None
    if text is not None:
        try:
            lock = json_loads(text)
        except ValueError:
            return f"`{lock_path}` is not valid JSON."
    lock = lock if isinstance(lock, dict) else ({} if text is not None else None)
    permission = plugins_may_run(project, manifest, lock, env)
    if permission:
        if lock is None:
            return f"{permission}, and there is no composer.lock, so which packages are plugins (they run during the install, with `--no-scripts` too) is not known."
        packages = [p for key in ("packages", "packages-dev") for p in (lock.get(key) or []) if isinstance(p, dict)]
        plugin = next((p.get("name", "?") for p in packages if p.get("type") == "composer-plugin"), None)
        if plugin is not None:
            return f"composer.lock has the plugin `{plugin}`, which runs during the install (with `--no-scripts` too) and may read any file of the project."
    # An allowed plugin the lock does not list is never installed, so it does not run.
    if manifest.get("type") == "composer-plugin":
        return "composer.json is itself a `composer-plugin`, which runs during the install (with `--no-scripts` too) and may read any file of the project."
    scripts = manifest.get("scripts") if isinstance(manifest.get("scripts"), dict) else {}
    data = package_managers()["composer"]
    events = [e for e in data["package_events"] if e in scripts]
    if events and not no_scripts:
        return f"composer.json runs `{events[0]}` scripts, which fire only for the packages a run installs: that is now the dependency-only install, where scripts are off."
    events = [e for e in data["lockless_events"] if e in scripts]
    if lock is None and events and not no_scripts:
        return (
            f"composer.json runs `{events[0]}` scripts, and without composer.lock the install fires the update events, "
            "where the install after the source copy, which finds the lock the dependency-only one wrote, fires the install events."
        )
    return ""


def plugins_may_run(project: Project, manifest: dict[str, Any], lock: dict[str, Any] | None, env: Env) -> str:
    """Why a plugin the install installs may run; "" when none can, whatever it installs.

    From Composer 2.2.15 and 2.3.9 on (`plugins_must_be_allowed_since`), a non-interactive install (a RUN has
    no terminal) runs only the plugins `config.allow-plugins` allows: one it does not allow stops the install
    with an error, in either order, or is skipped.  Unset or empty, it allows none, except for a lock written
    before Composer 2.2 (`plugin-api-version` below 2.2.0), where all plugins still run; `false` allows none.
    (Composer's check for root, which COMPOSER_ALLOW_SUPERUSER lifts, can only turn plugins off, so neither the
    USER nor that variable changes this.)"""
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    allowed = config.get("allow-plugins", None)
    if allowed is True or (isinstance(allowed, dict) and any(v is not False for v in allowed.values())):
        return "composer.json allows plugins (`config.allow-plugins`)"
    if allowed not in (None, False, [], {}) and not isinstance(allowed, dict):
        return "composer.json's `config.allow-plugins` is not a list of packages or a boolean"
    if allowed is None and lock is not None and _version(str(lock.get("plugin-api-version", "0"))) < (2, 2):
        return "composer.lock was written before Composer 2.2, so every plugin may run"
    why = global_config_copied(project, env)
    if why:
        return why
    if "SHELL_INTERACTIVE" in env:
        return "`SHELL_INTERACTIVE` makes the install interactive, where Composer asks whether to run a plugin"
    version = composer_version(project)
    if version is None:
        return "which Composer the stage runs is not known (from 2.2.15 on, a plugin runs only if `config.allow-plugins` allows it)"
    if not _enforces_allow_plugins(version):
        return f"Composer {'.'.join(map(str, version))} runs plugins that `config.allow-plugins` does not list"
    return ""


_HOME_DEFAULTS = ("/root/.composer", "/root/.config/composer")


def composer_homes(project: Project, env: Env) -> list[str] | None:
    """The folders Composer may read its global configuration (config.json, merged into composer.json's) from:
    `COMPOSER_HOME` when the file sets it, else the defaults ($HOME/.composer, $XDG_CONFIG_HOME/composer, the
    composer image's COMPOSER_HOME=/tmp); None when it is set to what only the build knows."""
    if "COMPOSER_HOME" in env:
        value = env["COMPOSER_HOME"]
        return None if value is None or not value.startswith("/") else [normpath(value)]
    homes = list(_HOME_DEFAULTS)
    for name, suffix in (("HOME", ".composer"), ("HOME", ".config/composer"), ("XDG_CONFIG_HOME", "composer")):
        value = env.get(name)
        if name in env and (value is None or not value.startswith("/")):
            return None
        if value:
            homes.append(normpath(f"{value}/{suffix}"))
    if _COMPOSER_IMAGE.fullmatch(project.image.partition("@")[0]) or any(
        k == "COPY" and t.startswith("--from=") and _COMPOSER_IMAGE.fullmatch(t[len("--from=") :].split()[0]) for k, t in project.earlier
    ):
        homes.append("/tmp")  # the composer image's ENV, which the file does not show
    return homes


def _in_or_above(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/") or folder.startswith(path.rstrip("/") + "/")


def global_config_copied(project: Project, env: Env) -> str:
    """Why a global configuration of Composer may allow plugins: a COPY or ADD before the source copy writes into
    Composer's home (`COPY docker/config.json /tmp/config.json` on the composer image), whose config.json Composer
    merges into composer.json's `config` (`allow-plugins` among it); "" when none can."""
    homes = composer_homes(project, env)
    if homes is None:
        return "Composer's home (`COMPOSER_HOME`, `HOME` or `XDG_CONFIG_HOME`) is set to what only the build knows, so which global configuration (`allow-plugins`) Composer reads is not known"
    copies = [(keyword, text) for keyword, text in project.earlier if keyword in ("COPY", "ADD")]
    for (keyword, text), target in zip(copies, project.copied_to):
        hit = next((h for h in homes if target and _in_or_above(target, h)), None)
        if not target or hit or "/.composer" in target or "/.config/composer" in target:
            return f"`{keyword} {text}` may write Composer's global configuration (in its home, `{hit or '~/.composer'}`), whose `allow-plugins` is merged into composer.json's, so which plugins may run is not known"
    return ""


def home_in_copy(project: Project, env: Env) -> str:
    """Why the install before the source copy may miss Composer's global configuration: `COMPOSER_HOME` points
    into the copy (its config.json, auth.json come with the source copy); "" when it does not."""
    value = env.get("COMPOSER_HOME")
    if not value or not value.startswith("/"):
        return ""
    path = project.context_path(value)
    if path is not None and project.exists(path):
        return f"`COMPOSER_HOME={value}` is `{path}` of the build context, which only the source copy puts in place: the install before it would not read that configuration (`allow-plugins`, repositories, auth.json)."
    return ""


def _enforces_allow_plugins(version: tuple[int, ...]) -> bool:
    firsts = [_version(v) for v in package_managers()["composer"]["plugins_must_be_allowed_since"]]
    same_line = [f for f in firsts if f[:2] == version[:2]]
    if same_line:
        return version >= same_line[0]
    return version[:2] > firsts[-1][:2]


def _version(text: str) -> tuple[int, ...]:
    match = re.match(r"v?(\d+(?:\.\d+){0,2})", text)
    return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)


_COMPOSER_IMAGE = re.compile(r"(?:docker\.io/)?(?:library/)?composer(?:/composer)?(?::([\w.-]+))?")
_INSTALLER_VERSION = re.compile(r"(?:^|\s)--(version(?:=|\s+)(\S+)|1|2|2\.2|preview|snapshot)(?=\s|$)")
_DOWNLOAD = re.compile(r"getcomposer\.org/(?:download/(\d+\.\d+\.\d+|latest-stable|latest-2\.x|latest-2\.2\.x|latest-1\.x)/composer\.phar|composer-(stable|2|1)\.phar)")
_CHANGES_COMPOSER = re.compile(r"\bcomposer(?:\.phar)?\s+(?:self-?update|global|config\s+(?:\S+\s+)*?(?:-g|--global))\b|\b(?:apt-get|apt|apk|yum|dnf|microdnf)\b[^;&|]*\bcomposer\b")


def composer_version(project: Project) -> tuple[int, ...] | None:
    """The lowest Composer version the install can run (None when not known).

    Known where the stage gets Composer in one of the ways `[composer.floating]` of the data covers: the
    official image it starts from or copies the binary from (`COPY --from=composer:2 /usr/bin/composer ...`),
    the installer script or a download from getcomposer.org; on an official base image
    (`root_image`), which has no Composer or Composer configuration of its own.  A package of the
    distribution, `composer self-update`, or a global configuration (`composer config --global`, `composer
    global`) makes it unknown."""
    floating = package_managers()["composer"]["floating"]
    repository, tag = split_image(project.image)
    if not root_image(repository):
        return None
    found: list[tuple[int, ...] | None] = []
    if repository == "composer":
        found.append(_floating(tag or "latest", floating))
    for keyword, text in project.earlier:
        if keyword == "COPY" and text.startswith("--from="):
            source, *paths = text[len("--from=") :].split()
            match = _COMPOSER_IMAGE.fullmatch(source)
            if match is not None and any(p.rsplit("/", 1)[-1] == "composer" for p in paths[:-1]):
                found.append(_floating(match.group(1) or "latest", floating))
        elif keyword == "RUN":
            if _CHANGES_COMPOSER.search(text):
                return None
            if "getcomposer.org/installer" in text:
                option = _INSTALLER_VERSION.search(text)
                found.append(None if option is None and "--version" in text else _installer(option, floating))
            for exact, alias in _DOWNLOAD.findall(text):
                found.append(_download(exact or alias, floating))
    if not found or None in found:
        return None
    return min(v for v in found if v is not None)


def _floating(tag: str, floating: dict[str, str]) -> tuple[int, ...] | None:
    """The lowest version an image tag gives: `2` (floating), `2.8` (at least 2.8.0), `2.8.1`; None if not known."""
    tag = tag.removesuffix("-bin")
    if tag in floating:
        return _version(floating[tag])
    if re.fullmatch(r"\d+\.\d+(\.\d+)?", tag):
        return _version(tag)
    return None


def _installer(option: re.Match[str] | None, floating: dict[str, str]) -> tuple[int, ...] | None:
    if option is None:
        return _version(floating["installer"])
    if option.group(2):
        return _floating(option.group(2), floating) if re.fullmatch(r"\d+\.\d+\.\d+", option.group(2)) else None
    return _floating(option.group(1), floating) if option.group(1) in ("1", "2", "2.2") else None


def _download(which: str, floating: dict[str, str]) -> tuple[int, ...] | None:
    aliases = {"latest-stable": "installer", "stable": "installer", "latest-2.x": "2", "2": "2", "latest-2.2.x": "2.2", "latest-1.x": "1", "1": "1"}
    return _floating(aliases[which], floating) if which in aliases else _version(which)


def binaries_in_context(project: Project, folder: str, manifest: dict[str, Any], lock_name: str = "composer.lock") -> str:
    """Why the source copy may replace a binary the install links into `config.bin-dir`; "" when it cannot.

    Composer links each package's binaries into bin-dir (vendor/bin unless configured), and skips one whose
    name a file there already has.  When that folder is in the build context, outside vendor/, the
    dependency-only install, which runs before the source copy, links it, and the source copy then writes
    the context's file over the link (a symbolic link for a binary that is not PHP): the binaries the lock
    lists are known, without a lock they are not."""
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    vendor = str(config.get("vendor-dir", "vendor")).rstrip("/")
    bin_dir = str(config.get("bin-dir", f"{vendor}/bin")).rstrip("/")
    path = in_folder(folder, bin_dir)
    if bin_dir.startswith(f"{vendor}/") or not project.exists(path):
        return ""
    text = project.read(in_folder(folder, lock_name))
    try:
        lock = json_loads(text) if text is not None else None
    except ValueError:
        lock = None
    if not isinstance(lock, dict):
        return (
            f"composer links the packages' binaries into `{path}` (`config.bin-dir`), which is in the build context, and "
            "without composer.lock which ones is not known: the source copy would write a file of the context over a link of the same name."
        )
    packages = [p for key in ("packages", "packages-dev") for p in (lock.get(key) or []) if isinstance(p, dict)]
    names = {str(b).rsplit("/", 1)[-1] for p in packages for b in (p.get("bin") or []) if isinstance(p.get("bin"), list)}
    clash = sorted(n for n in names if project.exists(in_folder(path, n)))
    if clash:
        return f"composer links the binary `{clash[0]}` into `{path}` (`config.bin-dir`), where the build context has a file of that name, which the source copy would write over the link."
    return ""


def update_plugin_risk(project: Project, folder: str, manifest: dict[str, Any], env: Env, lock_name: str = "composer.lock") -> str:
    """The safety proof of a `composer update` before which DF102 inserts `composer update --no-scripts
    --no-autoloader`; "" when that is safe.

    The original update still runs after the source copy, as before: it resolves composer.json again (to the
    same packages, or to newer ones when the inserted layer is older; either way the original update's),
    installs what differs, writes composer.lock, dumps the autoloader and runs the scripts, so the image is
    the one it made, and later steps read the lock file it wrote, as before.  What the inserted update could
    do besides filling vendor/ is run a plugin before the source is there, or leave package events
    (`post-package-install`...) unfired, since the final update finds the packages installed.  Unlike an
    install from a lock file, an update picks its packages only when it resolves, so a plugin is ruled out
    only when it installs no package at all (composer.json requires only the platform: `php`, `ext-*`...) or
    when no plugin may run whatever it installs (`plugins_may_run`, with the committed lock, which Composer
    consults for `allow-plugins` before it resolves)."""
    if manifest.get("type") == "composer-plugin":
        return "composer.json is itself a `composer-plugin`, which runs during the update (with `--no-scripts` too) and may read any file of the project."
    platform = re.compile(package_managers()["composer"]["platform_packages"])
    required = [name for key in ("require", "require-dev") if isinstance(manifest.get(key), dict) for name in manifest[key]]
    package = next((name for name in required if not platform.match(name)), None)
    if package is None:
        return ""  # nothing is installed: no plugin, no package event
    text = project.read(in_folder(folder, lock_name))
    try:
        lock = json_loads(text) if text is not None else None
    except ValueError:
        lock = None
    permission = plugins_may_run(project, manifest, lock if isinstance(lock, dict) else None, env)
    if permission:
        return (
            f"{permission}, and `composer update` picks its packages (composer.json requires `{package}`) only when it resolves, "
            "so whether one is a plugin, which would run during the inserted update and may read any file of the project, is not known."
        )
    scripts = manifest.get("scripts") if isinstance(manifest.get("scripts"), dict) else {}
    events = [e for e in package_managers()["composer"]["package_events"] if e in scripts]
    if events:
        return f"composer.json runs `{events[0]}` scripts, which fire only for the packages a run installs: that is now the inserted update, where scripts are off."
    return ""
