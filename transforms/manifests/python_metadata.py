"""The dependencies a Python project declares, read without building it: for `pip install .`.

`pip install .` builds the project from its source, so it cannot move in front of the source copy; but the
dependencies it installs can, when the project declares them statically.  Two declarations are read:

- pyproject.toml `[project] dependencies` (PEP 621), a literal list unless `dependencies` is `dynamic`; with
  setuptools, a dynamic `dependencies = {file = [...]}` names requirement files;
- setup.py `install_requires=` (read with libcst, never executed): a literal list, a module-level name bound
  to one, or an expression (or a `with open(...)` block binding the name) that reads one requirement file.

`Declared.exact` says whether installing the declaration first gives the installed set `pip install .`
gives alone: a literal list or a file of plain requirement lines is what pip resolves for the project; a
file with options (`-r`, `--index-url`), which setup.py may read otherwise than pip, is not.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import NamedTuple

from rewriter.context import toml_loads
from transforms.manifests.common import Project, in_folder, normpath


class Declared(NamedTuple):
    """The dependencies of a project folder, as its metadata declares them."""

    requirements: tuple[str, ...] = ()
    """Requirement strings listed literally."""
    files: tuple[str, ...] = ()
    """Context paths of requirement files the declaration reads instead."""
    source: str = ""
    """The file that declares them (for notes)."""
    exact: bool = True
    """Installing them first gives the same installed set (see the module docstring); else `why`."""
    why: str = ""


def declared_dependencies(project: Project, folder: str) -> Declared | str:
    """What the project in `folder` declares, or why the pass cannot tell without building it."""
    pyproject = in_folder(folder, "pyproject.toml")
    text = project.read(pyproject)
    if text is not None:
        try:
            data = toml_loads(text)
        except ValueError:
            return f"`{pyproject}` is not valid TOML"
        table = data.get("project")
        if isinstance(table, dict):
            return _pep621(project, folder, pyproject, data, table)
    setup = in_folder(folder, "setup.py")
    code = project.read(setup)
    if code is not None:
        return _setup_py(project, folder, setup, code)
    if text is not None:
        return f"`{pyproject}` has no `[project]` table (its build backend reads the dependencies from elsewhere)"
    return f"`{folder or '.'}` has no pyproject.toml or setup.py in the build context"


def declared_extras(project: Project, folder: str, extras: list[str]) -> tuple[str, ...] | str:
    """The requirements the extras `extras` of the project in `folder` add, read from pyproject.toml
    `[project.optional-dependencies]` (PEP 621); or why the pass cannot tell without building the project.

    `pip install .[a]` resolves the project's dependencies and those of extra `a` together: installing both
    lists first resolves the same set, and the install of the project then finds them in place.  An extra
    the project does not declare adds nothing (pip only warns); one that names the project itself (`all = ["app[a,b]"]`) stands for those extras' lists."""
    pyproject = in_folder(folder, "pyproject.toml")
    text = project.read(pyproject)
    try:
        data = toml_loads(text) if text is not None else {}
    except ValueError:
        return f"`{pyproject}` is not valid TOML"
    table = data.get("project")
    if not isinstance(table, dict):
        return f"the extras of `{folder or '.'}` are not declared in a pyproject.toml `[project]` table"
    if "optional-dependencies" in (table.get("dynamic") or []):
        return f"`{pyproject}` declares its extras `dynamic`: the build backend computes them from the source"
    declared = table.get("optional-dependencies") or {}
    own = _normalized(str(table.get("name", "")))
    found: list[str] = []
    pending, seen = list(extras), set()
    while pending:
        extra = _normalized(pending.pop(0))
        if extra in seen:
            continue
        seen.add(extra)
        listed = next((v for k, v in declared.items() if _normalized(k) == extra), None) if isinstance(declared, dict) else None
        if listed is None:
            continue  # pip warns that the project does not provide it and installs nothing for it
        if not isinstance(listed, list) or not all(isinstance(r, str) for r in listed):
            return f"`{pyproject}` does not list the extra `{extra}` as a list of strings"
        for requirement in listed:
            named = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[([^\]]*)\])?\s*(.*)$", requirement)
            if named and own and _normalized(named.group(1)) == own:
                if named.group(4).strip():
                    return f"`{pyproject}` has the extra `{extra}` require the project itself with a condition: `{requirement}`"
                pending.extend(e.strip() for e in (named.group(3) or "").split(",") if e.strip())
            else:
                found.append(requirement)
    return tuple(found)


def _normalized(name: str) -> str:
    """A project or extra name as PEP 503 / PEP 685 compare them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pep621(project: Project, folder: str, path: str, data: dict, table: dict) -> Declared | str:
    dynamic = table.get("dynamic") or []
    if "dependencies" not in dynamic:
        listed = table.get("dependencies") or []
        if not isinstance(listed, list) or not all(isinstance(r, str) for r in listed):
            return f"`{path}` has a `[project] dependencies` that is not a list of strings"
        return Declared(tuple(listed), source=path)
    dynamic_table = ((data.get("tool") or {}).get("setuptools") or {}).get("dynamic") or {}
    spec = dynamic_table.get("dependencies") if isinstance(dynamic_table, dict) else None
    backend = str((data.get("build-system") or {}).get("build-backend", ""))
    if not backend.startswith("setuptools") or not isinstance(spec, dict) or not spec.get("file"):
        return f"`{path}` declares its dependencies `dynamic`: the build backend computes them from the source"
    files = spec["file"] if isinstance(spec["file"], list) else [spec["file"]]
    return _requirement_files(project, folder, path, [str(f) for f in files])


def _requirement_files(project: Project, folder: str, source: str, names: list[str]) -> Declared | str:
    """The files a declaration reads, relative to the project folder; `exact` unless one has option lines."""
    paths: list[str] = []
    for name in names:
        path = normpath(in_folder(folder, name))
        if path.startswith("..") or not project.is_file(path):
            return f"`{source}` reads its dependencies from `{name}`, which is not in the copied folder"
        paths.append(path)
    for path in paths:
        for raw in (project.read(path) or "").splitlines():
            line = re.sub(r"(^|\s)#.*$", "", raw).strip()
            if line.startswith("-"):
                why = f"`{path}` has `{line}`, which `pip install -r` follows but `{source}` may read otherwise"
                return Declared(files=tuple(paths), source=source, exact=False, why=why)
    return Declared(files=tuple(paths), source=source)


def _setup_py(project: Project, folder: str, path: str, text: str) -> Declared | str:
    """`install_requires=` of setup.py, read with libcst (never run)."""
    try:
        import libcst as cst
    except ModuleNotFoundError:  # timid: without libcst, setup.py is not read at all
        return f"`{path}` cannot be read without libcst"
    try:
        module = cst.parse_module(text)
    except Exception:  # noqa: BLE001 - libcst raises several error types
        return f"`{path}` is not valid Python"
    calls: list[cst.Call] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if name == "setup":
                calls.append(node)

    module.visit(Calls())
    if len(calls) != 1:
        return f"`{path}` does not call `setup(...)` exactly once"
    arg = next((a for a in calls[0].args if a.keyword is not None and a.keyword.value == "install_requires"), None)
    if arg is None:
        if any(a.star for a in calls[0].args):
            return f"`{path}` passes `setup(**...)` arguments the pass does not evaluate"
        return Declared(source=path)
    value = arg.value
    bound: list[cst.CSTNode] = [value]
    if isinstance(value, cst.Name):
        bound = _bindings(module, value.value)
        if len(bound) != 1:
            return f"`{path}` binds `{value.value}` (its `install_requires`) other than once at module level"
    literal = _string_list(bound[0])
    if literal is not None:
        return Declared(tuple(literal), source=path)
    opened = sorted({s for node in bound for s in _opened_files(node)})
    if len(opened) == 1:
        return _requirement_files(project, folder, path, opened)
    return f"`{path}` computes `install_requires` with code the pass does not evaluate"


def _bindings(module: object, name: str) -> list:
    """What module-level statements bind `name` to: the value of `name = ...`, or a whole `with` block that
    assigns it (`with open("requirements.txt") as f: name = f.read().splitlines()`); [] if it is changed later."""
    import libcst as cst

    found: list[cst.CSTNode] = []
    mutated = False

    class Bindings(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Assign(self, node: cst.Assign) -> None:
            if any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
                found.append(node.value)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            nonlocal mutated
            mutated = mutated or (isinstance(node.target, cst.Name) and node.target.value == name)

        def visit_Attribute(self, node: cst.Attribute) -> None:
            nonlocal mutated  # `name.append(...)`, `name.extend(...)`
            mutated = mutated or (isinstance(node.value, cst.Name) and node.value.value == name)

    assert isinstance(module, cst.Module)
    for statement in module.body:
        if isinstance(statement, cst.With):
            before = len(found)
            statement.visit(Bindings())
            if len(found) > before:
                found[before:] = [statement]  # the file the `with` opens is what the name holds
        else:
            statement.visit(Bindings())
    return [] if mutated else found


def _string_list(node: object) -> list[str] | None:
    import libcst as cst

    if not isinstance(node, (cst.List, cst.Tuple)):
        return None
    out: list[str] = []
    for element in node.elements:
        value = element.value
        if not isinstance(element, cst.Element) or not isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            return None
        literal = value.evaluated_value
        if not isinstance(literal, str):
            return None
        out.append(literal)
    return out


def _opened_files(node: object) -> list[str]:
    """The file names of `open("x.txt")`, `Path("x.txt").read_text()` and `os.path.join(here, "x.txt")` inside
    `node` (the last string argument of the call that opens)."""
    import libcst as cst

    names: list[str] = []

    class Opens(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if name not in ("open", "Path", "read_text", "join"):
                return
            strings = [a.value.evaluated_value for a in node.args if isinstance(a.value, cst.SimpleString) and a.keyword is None]
            strings = [s for s in strings if isinstance(s, str)]
            if strings and PurePosixPath(strings[-1]).suffix in (".txt", ".in"):
                names.append(strings[-1])

    assert isinstance(node, cst.CSTNode)
    node.visit(Opens())
    return names
