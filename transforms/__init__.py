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
3. order 300 – base images (DF3xx);
4. order 400 – multi-stage split (DF4xx), which reads the finished single stage.

Modules are discovered, not listed: a new pass is one new file.
"""

from __future__ import annotations

import importlib
import pkgutil

_loaded = False


def load() -> None:
    """Import every pass module once, so its rules register themselves."""
    global _loaded
    if _loaded:
        return
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    _loaded = True
