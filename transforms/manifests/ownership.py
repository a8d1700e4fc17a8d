"""Steps left after the source copy that change only owners and modes (`RUN chown -R app /app`).

In the original the install runs after such a step; after the reorder it runs before it, and the step, still
after the source copy, changes the copied files as before and now also whatever the install wrote under its
paths.  So the reorder gives the same files, owners and modes exactly when:

- the install writes nothing under the paths the step changes (`install_writes`): for pip, whose packages go
  into the interpreter's environment, that holds when no variable that places them (`VIRTUAL_ENV`,
  `PYTHONPYCACHEPREFIX`, a PATH entry...) points into the copy, its `--target`/`--prefix`/`--root` lies
  outside the copy and, for a user other than root or with `--user`/`PIP_USER` (pip then installs into
  `~/.local`), that user's home (`ENV HOME`, the `useradd`/`adduser` that made it) lies outside the copy;
  npm's `node_modules`, composer's vendor-dir and bin-dir (composer.json's `config`, `COMPOSER_VENDOR_DIR`,
  `COMPOSER_BIN_DIR`) and the like lie where they are placed, for a path that cannot be told, anywhere;
- the install does without the change what it did with it (`_runs_without`): as root it reads every file
  whatever its owner and mode; another user reads each file it reads if the build context gives others read
  access (the manifest copy keeps the context's mode, and the folders BuildKit creates for WORKDIR and COPY,
  like those of the official images, are 0755), and must not need to write under the changed paths;
- no file the install runs (`./gradlew`) changes mode (`chmod +x gradlew` is `steps.sets_modes_of`'s case).

Anything else declines with a note naming the step and the path: repeating the change, or giving the
manifest copy a `--chown`, would make more edits than the reorder; the step stays the author's to move.
"""

from __future__ import annotations

import os
import stat
from pathlib import PurePosixPath
from typing import Iterable

from rewriter.context import BuildContext, FileContext
from rewriter.syntax import Instruction
from transforms.base_images.stage import user_at
from transforms.manifests.common import Plan, Project, in_folder, normpath, package_managers
from transforms.manifests.steps import Change, Stay, _contains, _overlap, _parts

_ROOT = ("root", "0")
_HOME_OPTIONS = {"useradd": ("-d", "--home-dir", "--home"), "adduser": ("-h", "--home")}
"""Options that name the new user's home (`useradd -d`, busybox `adduser -h`, Debian `adduser --home`)."""
_VALUE_OPTIONS = {
    "useradd": {"-b", "--base-dir", "-c", "--comment", "-d", "--home-dir", "-e", "--expiredate", "-f", "--inactive", "-g", "--gid", "-G", "--groups", "-k", "--skel", "-K", "--key", "-p", "--password", "-s", "--shell", "-u", "--uid", "-R", "--root", "-P", "--prefix", "-Z", "--selinux-user"},
    "adduser": {"-h", "--home", "-g", "--gecos", "--comment", "-s", "--shell", "-G", "--ingroup", "-u", "--uid", "--gid", "-k", "--firstuid", "--lastuid", "--conf", "--add-extra-groups"},
}
"""Options of `useradd` and of busybox's and Debian's `adduser` that take a value (to find the user's name)."""


def owner_mode_risk(context: FileContext, run: Instruction, stays: Iterable[Stay], plans: list[Plan], project: Project, flags: str) -> tuple[Instruction, str] | None:
    """The first step left in place that changes only owners and modes and makes the reordered image differ, and
    why; None when none does (see the module's docstring).  `flags`: the source copy's, which the manifest copy
    carries."""
    user = _user(context, run)
    for stay in stays:
        for change in stay.changes:
            why = _change_risk(context, run, change, plans, project, user, flags)
            if why:
                return stay.instruction, why
    return None


def _user(context: FileContext, run: Instruction) -> str | None:
    user = user_at(context, run)
    return None if user is None else user.partition(":")[0]


def _change_risk(context: FileContext, run: Instruction, change: Change, plans: list[Plan], project: Project, user: str | None, flags: str) -> str:
    command = f"{change.command}{' -R' if change.recursive else ''} {change.spec}"
    for plan in plans:
        writes = install_writes(context, run, plan, project, user)
        for path in change.paths:
            if writes is None and (change.recursive or not project.is_file(path)):  # (no install writes a file of the context)
                return f"would then run after the {plan.tool} install, and where that writes is not known to lie outside `{path or '.'}`"
            if writes is None:
                continue
            written = next((w for w in writes if _contains(w, path) or (change.recursive and _overlap(path, w))), None)
            if written is not None:
                return f"would then run after the {plan.tool} install, and its `{command}` would also change `{written}`, which the install writes"
        why = _runs_without(context, run, change, plan, project, user, flags, writes)
        if why:
            return why
    return ""


def _runs_without(context: FileContext, run: Instruction, change: Change, plan: Plan, project: Project, user: str | None, flags: str, writes: list[str] | None) -> str:
    """Why the install, now run before the change, may not do what it did after it ("" when it does the same)."""
    from transforms.manifests.patterns import _official_base  # (patterns imports steps, which this module imports)

    reached = [f for f in plan.files if any(_contains(p, f) if change.recursive else _parts(p) == _parts(f) for p in change.paths)]
    executed = [f for f in reached if PurePosixPath(f).name in package_managers()["meta"]["wrapper_scripts"]]
    if executed and change.command == "chmod":
        return f"changes the mode of `{executed[0]}`, which the install runs"
    if user is not None and user in _ROOT:
        return ""  # root reads and writes every file whatever its owner and mode
    if writes is None:  # it may write in any folder the change reaches
        blocked = next((p for p in change.paths if not project.is_file(p)), None)
    else:
        blocked = next((p for p in change.paths for w in writes if _contains(p, _parent(w))), None)
    if not reached and blocked is None:
        return ""
    if user is None:
        return f"changes `{change.paths[0] or '.'}` for the install, which runs as the base image's user, which is not known"
    if blocked is not None:
        return f"may be what lets the install, run as `{user}`, write in `{blocked or '.'}`"
    if "--chmod" in flags:
        return f"changes the manifests the install reads as `{user}`, whose mode the source copy's `{flags}` sets"
    if not _official_base(context, run):
        return f"changes the folder the install reads as `{user}`, whose mode before the copy depends on the base image, which is not known"
    unreadable = next((f for f in reached if not _others_read(project.build, f)), None)
    if unreadable is not None:
        return f"may be what lets the install, run as `{user}`, read `{unreadable}`: the build context does not let others read it"
    return ""


def _parent(path: str) -> str:
    parent = normpath(f"{path}/..")
    return "" if parent == "." else parent


def _others_read(build: BuildContext, path: str) -> bool:
    """True if the context's file (and, for COPY, so the image's) lets users other than its owner read it."""
    root = getattr(build, "root", None)
    if root is None or type(build) is not BuildContext or ".." in _parts(path):
        return False  # timid: a view of the context (`COPY * .`) whose files are elsewhere
    try:
        mode = os.stat(os.path.join(root, path)).st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IROTH)


def install_writes(context: FileContext, run: Instruction, plan: Plan, project: Project, user: str | None) -> list[str] | None:
    """Context paths of the copy the install writes (relative to the copy's source), or None when the pass cannot
    tell where it writes.  From the ecosystem's `outputs` (relative to the install's folder) and the lock files
    it rewrites; for an ecosystem with `writes_env` (pip), None when one of those variables points into the copy
    (for PATH: an entry, which decides which interpreter and so which environment), and the user's home, where a
    user other than root (or any user, with `--user` or `PIP_USER`) installs with `user_site`, when it lies in the
    copy; with the plan's `writes`, from the install's options (pip's `--target`, composer's vendor-dir), where
    None means those options place it where the pass cannot tell."""
    data = package_managers().get(plan.tool.replace(" ", "_"))
    if not isinstance(data, dict) or "outputs" not in data or plan.cwd is None:
        return None
    folder = project.context_path(".", plan.cwd)
    if folder is None:
        return None
    if plan.writes is None:
        return None  # options that place what it installs where the pass cannot tell
    writes = [in_folder(folder, name) for name in data["outputs"]] + list(plan.rewrites) + list(plan.writes)
    env = context.env_at(run)
    for name in data.get("writes_env", []):
        if name not in env:
            continue
        value = env[name]
        if value is None:
            return None  # set to what only the build knows (`ENV PATH=/app/.venv/bin:$PATH` on an unknown PATH)
        entries = value.split(":") if name == "PATH" else [value]
        if any((e.startswith("/") or name != "PATH") and e and project.context_path(e) is not None for e in entries):  # (PIP_TARGET=deps: against the working directory)
            return None
    asked = plan.user_site or any(name in env and (env[name] or "").lower() not in ("0", "false", "no", "off") for name in data.get("user_env", []))
    if data.get("user_site") and (user not in _ROOT or asked):
        homes = ["/root"] if user in _ROOT else [home_of(context, run, user) if user is not None else None]
        if "HOME" in env:  # an ENV HOME is what the install sees, whoever runs it
            homes.append(env["HOME"])
        for home in homes:
            if home is None or not home.startswith("/"):
                return None
            placed = project.written_at(f"{home.rstrip('/')}/.local")  # site.USER_BASE
            if placed is None:
                return None
            writes += placed
    return writes


def home_of(context: FileContext, ins: Instruction, user: str) -> str | None:
    """The home folder of `user` as the last `useradd`/`adduser` of the stage before `ins` made it (its home
    option, else `/home/<user>`, the default of both; a system user of Debian's adduser gets `/nonexistent`,
    outside any copy too); None when no such command of the stage creates the user (the base image's, or
    created in a way the pass does not read)."""
    stage = context.stage(ins)
    home: str | None = None
    for earlier in (i for i in (stage.instructions if stage is not None else ()) if i.name == "RUN" and i.index < ins.index):
        script = context.shell(earlier)
        for command in script.commands if script is not None else ():
            if command.name in _HOME_OPTIONS:
                found = _created_home(command.name, [v for v in command.arg_values()], user)
                if found is not None:
                    home = found
    return home


def _created_home(name: str, values: list[str | None], user: str) -> str | None:
    """The home a `useradd`/`adduser` command gives `user`, or None if it does not create that user."""
    if any(v is None for v in values):
        return None
    words = [v for v in values if v is not None]
    options = _VALUE_OPTIONS[name]
    positionals: list[str] = []
    home: str | None = None
    base = "/home"
    i = 0
    while i < len(words):
        word = words[i]
        key, eq, inline = word.partition("=")
        if word.startswith("-") and (key in options and not eq):
            value = words[i + 1] if i + 1 < len(words) else ""
            i += 2
        elif word.startswith("-"):
            value = inline if eq else ""
            i += 1
        else:
            positionals.append(word)
            i += 1
            continue
        if key in _HOME_OPTIONS[name]:
            home = value
        elif name == "useradd" and key in ("-b", "--base-dir"):
            base = value
    created = positionals[-1] if name == "useradd" and positionals else positionals[0] if positionals else None
    if created != user:
        return None
    return home if home is not None else f"{base.rstrip('/')}/{user}"
