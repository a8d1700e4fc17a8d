"""The passes.  Each module registers its rules with `rewriter.rules.rule`.

Run order (the `order` of each rule) matters where passes build on each
other's output.  The engine applies only the fixes of the lowest order that
has any, re-parses, and repeats until nothing changes, so a later pass always
sees the finished result of the earlier ones:

0. order 50 – a distro base that installs a language runtime with apt moves to
   the official image (DF301): it deletes apt lines that the other passes
   would otherwise polish first (and, polishing them, make harder to remove);
1. order 100 – package-manager hygiene (DF2xx): clean up RUN chains first, so
   that the manifest pass splits an install that is already in its final form;
2. order 200 – dependency manifests before source copies (DF1xx);
   then order 250 – joining consecutive RUNs (DF216), which must see the layer
   order the manifest pass made: joined first, a system package install and
   the dependency install would move as one RUN, and a change to the
   manifest would reinstall the system packages too;
3. order 300 – base images (DF3xx);
4. order 400 – multi-stage split (DF4xx), which reads the finished single stage.

Modules are discovered, not listed: a new pass is one new file.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os

_loaded = False


def load() -> None:
    """Import every pass module once, so its rules register themselves."""
    global _loaded
    if _loaded:
        return
    for name in _module_names():
        if not name.startswith("_"):
            importlib.import_module(f"{__name__}.{name}")
    _loaded = True


def _module_names() -> list[str]:
    """The modules and packages in this folder, sorted: what `pkgutil.iter_modules(__path__)` lists.

    Read with `os.scandir` because pkgutil's folder walker imports `inspect`
    (with `ast`, `dis`, `tokenize`...): some 15 ms of a start-up meant to take 100.
    """
    names: set[str] = set()
    for folder in __path__:
        for entry in os.scandir(folder):
            name = _module_name(entry.name)
            if name is None and "." not in entry.name and entry.is_dir():
                # a folder is a package only with an __init__ (`data/` is not one)
                name = entry.name if any(_module_name(f) == "__init__" for f in os.listdir(entry.path)) else None
            if name and "." not in name and name != "__init__":
                names.add(name)
    return sorted(names)


def _module_name(filename: str) -> str | None:
    """`inspect.getmodulename`: the file name without an import suffix (.py, .pyc, .so...); None if it has none."""
    for suffix in sorted(importlib.machinery.all_suffixes(), key=len, reverse=True):
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return None
