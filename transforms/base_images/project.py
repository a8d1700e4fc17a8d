"""Which Python a project asks for, read from its files in the build context.

Sources, most specific first: `.python-version` (pyenv), `runtime.txt`
(Heroku: `python-3.12.4`), Pipfile `[requires] python_version`,
pyproject.toml `requires-python`, setup.py `python_requires`.  setup.py is
read with libcst and never executed: only a literal string passed as
`python_requires=` to a call named `setup` counts.  libcst is imported inside
the function, so the command's start-up does not pay for it.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, NamedTuple

from rewriter.context import BuildContext, toml_loads

_MINOR = re.compile(r"^(?:python-?)?(3\.\d+)(?:\.\d+)?\s*$")
_CLAUSE = re.compile(r"^\s*(~=|==|!=|<=|>=|<|>|===)\s*([0-9][0-9.]*)(\.\*)?\s*$")


class PythonRequirement(NamedTuple):
    """What the project says: a specifier set, where it was found."""

    specifier: str
    source: str

    def allows(self, minor: str) -> bool | None:
        """Does `minor` ("3.12") satisfy the specifier?  None if the specifier is not understood."""
        return specifier_allows(self.specifier, minor)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def _cmp(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    n = max(len(a), len(b))
    a, b = a + (0,) * (n - len(a)), b + (0,) * (n - len(b))
    return (a > b) - (a < b)


def _clause_allows(op: str, version: str, wildcard: bool, minor: tuple[int, ...]) -> bool:
    """Does some release of the minor series satisfy one clause (PEP 440, release segments only)?"""
    v = _version_tuple(version)
    head = minor[:2]
    if op in ("==", "===") and (wildcard or len(v) > 2):
        return v[:2] == head if len(v) >= 2 else v[:1] == head[:1]
    if op in ("==", "==="):
        return _cmp(head, v) == 0
    if op == "!=":
        return not (wildcard and v[:2] == head) and not (len(v) <= 2 and _cmp(head, v) == 0)
    if op == "~=":
        prefix = v[:-1]
        return _cmp(head + (999,), v) >= 0 and head[: len(prefix)] == prefix[: len(head)]
    # For ordered comparisons, some patch release x.y.z of the series must satisfy it.
    lo, hi = head + (0,), head + (999,)
    if op == ">=":
        return _cmp(hi, v) >= 0
    if op == ">":
        return _cmp(hi, v) > 0
    if op == "<=":
        return _cmp(lo, v) <= 0
    if op == "<":
        return _cmp(lo, v) < 0
    return False


def specifier_allows(specifier: str, minor: str) -> bool | None:
    clauses = [c for c in specifier.split(",") if c.strip()]
    if not clauses:
        return None
    series = _version_tuple(minor)
    for clause in clauses:
        m = _CLAUSE.match(clause)
        if m is None:
            bare = _MINOR.match(clause.strip())
            if bare is None:
                return None  # timid: a specifier we do not read (markers, local versions)
            if not _clause_allows("==", bare.group(1), True, series):
                return False
            continue
        if not _clause_allows(m.group(1), m.group(2), bool(m.group(3)), series):
            return False
    return True


# -- the sources -----------------------------------------------------------------


def _python_version_file(text: str) -> str | None:
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = _MINOR.match(line)
            return f"=={m.group(1)}.*" if m else None
    return None


def _runtime_txt(text: str) -> str | None:
    m = re.match(r"^\s*python-(3\.\d+)(\.\d+)?\s*$", text.strip().splitlines()[0] if text.strip() else "")
    return f"=={m.group(1)}.*" if m else None


def _toml(text: str) -> dict | None:
    try:
        return toml_loads(text)
    except Exception:  # noqa: BLE001 - a broken file tells us nothing
        return None


def _pipfile(text: str) -> str | None:
    requires = (_toml(text) or {}).get("requires", {})
    value = requires.get("python_version") or requires.get("python_full_version")
    if isinstance(value, str):
        m = _MINOR.match(value.strip())
        return f"=={m.group(1)}.*" if m else None
    return None


def _pyproject(text: str) -> str | None:
    value = ((_toml(text) or {}).get("project") or {}).get("requires-python")
    if isinstance(value, str) and value.strip():
        return value.strip()
    poetry = (((_toml(text) or {}).get("tool") or {}).get("poetry") or {}).get("dependencies", {})
    value = poetry.get("python") if isinstance(poetry, dict) else None
    if isinstance(value, str) and re.fullmatch(r"[\d.,<>=!~ *]+", value):
        return value.strip()
    return None


def setup_py_python_requires(text: str) -> str | None:
    """`python_requires="..."` of a `setup(...)` call, read statically; None if not a literal."""
    try:
        import libcst as cst
    except ModuleNotFoundError:  # timid: without libcst, setup.py is not read at all
        return None
    try:
        module = cst.parse_module(text)
    except Exception:  # noqa: BLE001 - libcst raises several error types
        return None
    found: list[str] = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if name != "setup":
                return
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value == "python_requires":
                    value = arg.value
                    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
                        literal = value.evaluated_value
                        if isinstance(literal, str):
                            found.append(literal)

    module.visit(Visitor())
    return found[0] if len(found) == 1 else None


_SOURCES: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    (".python-version", _python_version_file),
    ("runtime.txt", _runtime_txt),
    ("Pipfile", _pipfile),
    ("pyproject.toml", _pyproject),
    ("setup.py", setup_py_python_requires),
)


def python_requirement(context: BuildContext | None) -> PythonRequirement | None:
    """The first Python version statement found at the root of the build context."""
    if context is None:
        return None
    for name, reader in _SOURCES:
        text = context.read_text(name)
        if text is None:
            continue
        specifier = reader(text)
        if specifier:
            label = "python_requires" if name == "setup.py" else "requires-python" if name == "pyproject.toml" else name
            return PythonRequirement(specifier, f"{name} ({label})" if name in ("setup.py", "pyproject.toml") else name)
    return None


def newest_allowed(requirement: PythonRequirement, candidates: Iterable[str]) -> str | None:
    """The newest candidate minor version the requirement allows (candidates newest first)."""
    for minor in candidates:
        if requirement.allows(minor):
            return minor
    return None
