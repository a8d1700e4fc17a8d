"""Where Django's build-time commands write, read from the project with libcst (never run).

`manage.py collectstatic` writes `STATIC_ROOT`; `manage.py compilemessages` writes a `.mo` file next to each
`.po` file under the current directory and in `LOCALE_PATHS`.  Both settings are paths in the settings module,
written in a few ways that can be evaluated without running anything: a literal, `BASE_DIR / "static"`,
`os.path.join(BASE_DIR, "static")`, with `BASE_DIR = Path(__file__).resolve().parent.parent` or the
`os.path.dirname(os.path.dirname(os.path.abspath(__file__)))` of older projects, and `os.environ.get(NAME,
default)` where the Dockerfile's ENV gives NAME (or leaves it unset).  Anything else (a call dockerfix does not
know, an assignment inside `if`/`try`, a `locals()` handed to a helper such as django-heroku) makes the value
unknown, and the reason says which line.

The settings module is `--settings`, else `DJANGO_SETTINGS_MODULE` from the RUN's environment (ENV or an
assignment before the command), else the `os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)` of manage.py
(ENV wins over setdefault, as at run time).  wsgi.py and asgi.py name the module for the server, not for a
build-time command, so they are not read.  MEDIA_ROOT is not read: neither command writes it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any, Callable, Mapping

from transforms.multistage.common import Decline, Facts, absolute

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"
_MAX_STAR_DEPTH = 3


class Unknown(Exception):
    """A value the settings reader cannot evaluate; the message says where and why."""


Value = Any
"""A str (a path), a list of values, None, or a bool/int literal."""


def settings_file(facts: Facts, module: str, roots: list[str]) -> str:
    """The image path of `module` (`a.b` -> `a/b.py` or `a/b/__init__.py`) under the first root that has it."""
    parts = module.split(".")
    for root in roots:
        for candidate in (f"{root}/{'/'.join(parts)}.py", f"{root}/{'/'.join(parts)}/__init__.py"):
            path = str(PurePosixPath(candidate))
            if facts.context_text(path) is not None:
                return path
    raise Decline(f"the settings module `{module}` is not a file the stage copied from the build context")  # timid:


@lru_cache(maxsize=64)
def _parsed(text: str) -> tuple[Any, Mapping[Any, Any]] | None:
    """The libcst module of a Python file's text and the positions of its nodes; None when libcst cannot read it.

    The fix loop runs the pass again every round on the same files: keyed by the text alone (a pure
    function of it, the trees immutable), the parse is done once per content, whichever file it is in."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        tree = cst.parse_module(text)
    except Exception:  # noqa: BLE001 - libcst raises several error types
        return None
    return tree, MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)


@lru_cache(maxsize=64)
def manage_py_settings(text: str) -> str | None:
    """The module manage.py names with `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "...")`, if one literal."""
    import libcst as cst

    parsed = _parsed(text)
    if parsed is None:
        return None
    module = parsed[0]
    found: set[str] = set()

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "setdefault") or len(node.args) != 2:
                return
            key, value = (_literal_string(a.value) for a in node.args)
            if key == SETTINGS_ENV and value is not None:
                found.add(value)

    module.visit(Visitor())
    return found.pop() if len(found) == 1 else None


def _literal_string(node: object) -> str | None:
    import libcst as cst

    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class Settings:
    """The module-level names of a settings module (and the modules it star-imports), evaluated statically."""

    def __init__(self, facts: Facts, path: str, module: str, env: dict[str, str | None]) -> None:
        self.facts = facts
        self.env = env
        self.names: dict[str, Value] = {}
        self.unknown: dict[str, str] = {}
        """Names whose value cannot be told, with the reason."""
        self.opaque: str | None = None
        """Set when a statement may change any name (`helper(locals())`): every later lookup is unknown."""
        self._read(path, module, depth=0)

    def value(self, name: str) -> Value:
        if name in self.unknown:
            raise Unknown(self.unknown[name])
        if self.opaque is not None:
            raise Unknown(self.opaque)
        if name not in self.names:
            raise Unknown(f"`{name}` is not set in the settings module")
        return self.names[name]

    def _read(self, path: str, module: str, depth: int) -> None:
        import libcst as cst

        text = self.facts.context_text(path)
        if text is None:
            raise Decline(f"`{path}` is not in the build context")  # timid:
        parsed = _parsed(text)
        if parsed is None:
            raise Decline(f"`{path}` is not Python libcst can read")  # timid:
        tree, positions = parsed
        where = PurePosixPath(path).name
        names = _Scope(self, path, tree, positions)
        for statement in tree.body:
            line = names.line(statement)
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._simple(small, names, path, module, depth, f"{where}:{line}")
            else:
                self._compound(statement, path, module, depth, f"{where}:{line}")

    def _simple(self, small: Any, scope: _Scope, path: str, module: str, depth: int, where: str) -> None:
        import libcst as cst

        if isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            if small.value is None:
                return
            try:
                value: Value = scope.evaluate(small.value)
                reason = None
            except Unknown as exc:
                value, reason = None, f"{where}: {exc}"
            for target in targets:
                if isinstance(target, cst.Name):
                    self._bind(target.value, value, reason)
                elif isinstance(target, (cst.Tuple, cst.List)):
                    for element in target.elements:
                        if isinstance(element.value, cst.Name):
                            self._bind(element.value.value, None, f"{where}: unpacked from `{scope.code(small.value)}`")
        elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
            self._bind(small.target.value, None, f"{where}: `{scope.code(small)}` changes it")
        elif isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
            target = _star_module(small, module, path)
            if target is None or depth >= _MAX_STAR_DEPTH:
                self.opaque = f"{where}: `{scope.code(small)}` is not followed"
                return
            self._read(settings_file(self.facts, target, [_root_of(path, module)]), target, depth + 1)
        elif isinstance(small, cst.Expr) and _hands_over_namespace(small.value):
            self.opaque = f"{where}: `{scope.code(small)}` may change any setting"
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            attribute = small.value.func
            if isinstance(attribute, cst.Attribute) and isinstance(attribute.value, cst.Name):
                self._bind(attribute.value.value, None, f"{where}: `{scope.code(small)}` changes it")  # `LOCALE_PATHS.append(...)`

    def _compound(self, statement: Any, path: str, module: str, depth: int, where: str) -> None:
        """A name assigned inside `if`, `try`, `for` or `with` at module level has a value that depends on the run."""
        import libcst as cst

        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            self._bind(statement.name.value, None, f"{where}: a {type(statement).__name__}")
            return
        assigned: set[str] = set()
        star = False

        class Targets(cst.CSTVisitor):
            def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
                return False

            def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
                assigned.update(_names_in(node.target))

            def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
                assigned.update(_names_in(node.target))

            def visit_AugAssign(self, node: cst.AugAssign) -> None:
                assigned.update(_names_in(node.target))

            def visit_For(self, node: cst.For) -> None:
                assigned.update(_names_in(node.target))

            def visit_Call(self, node: cst.Call) -> None:
                if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
                    assigned.add(node.func.value.value)  # `LOCALE_PATHS.append(...)`

            def visit_ImportStar(self, node: cst.ImportStar) -> None:
                nonlocal star
                star = True

        statement.visit(Targets())
        if star:
            self.opaque = f"{where}: a star import inside `{type(statement).__name__.lower()}` may change any setting"
        for name in assigned:
            self._bind(name, None, f"{where}: set inside `{type(statement).__name__.lower()}`, which depends on the run")

    def _bind(self, name: str, value: Value, reason: str | None) -> None:
        if reason is None:
            self.names[name] = value
            self.unknown.pop(name, None)
        else:
            self.unknown[name] = reason


def _names_in(target: Any) -> list[str]:
    import libcst as cst

    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names_in(e.value)]
    return []


def _hands_over_namespace(node: Any) -> bool:
    """`helper(locals())` / `helper(globals())`: the helper may set anything (django-heroku, split-settings)."""
    import libcst as cst

    if not isinstance(node, cst.Call):
        return False
    for arg in node.args:
        value = arg.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in ("locals", "globals", "vars"):
            return True
    return isinstance(node.func, (cst.Name, cst.Attribute)) and dotted_name(node.func) in ("include", "split_settings.tools.include")


def _root_of(path: str, module: str) -> str:
    """The sys.path entry a module was found under (`/app/config/settings.py`, `config.settings` -> `/app`)."""
    parents = module.count(".") + (1 if path.endswith("/__init__.py") else 0) + 1
    return str(PurePosixPath(path).parents[parents - 1])


def _star_module(node: Any, module: str, path: str) -> str | None:
    """The absolute module name of `from X import *` inside `module`."""
    import libcst as cst

    dots = len(node.relative)
    name = dotted_name(node.module) if node.module is not None else ""
    if name is None:
        return None
    if dots == 0:
        return name
    package = module.split(".") if path.endswith("/__init__.py") else module.split(".")[:-1]
    if dots - 1 > len(package):
        return None
    base = package[: len(package) - (dots - 1)]
    return ".".join([*base, name] if name else base) or None


def dotted_name(node: Any) -> str | None:
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted_name(node.value)
        return f"{head}.{node.attr.value}" if head is not None else None
    return None


class _Scope:
    """Evaluates the path expressions of one settings file."""

    def __init__(self, settings: Settings, path: str, tree: Any, positions: Mapping[Any, Any]) -> None:
        self.settings = settings
        self.path = path
        self.tree = tree
        import libcst as cst

        self._positions = positions
        self._cst = cst

    def line(self, node: Any) -> int:
        position = self._positions.get(node)
        return position.start.line if position is not None else 0

    def code(self, node: Any) -> str:
        text = self.tree.code_for_node(node).strip()
        return text if len(text) <= 60 else text[:57] + "..."

    def evaluate(self, node: Any) -> Value:
        cst = self._cst
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            if isinstance(value, str):
                return value
        elif isinstance(node, cst.Name):
            if node.value == "__file__":
                return self.path
            if node.value in ("None", "True", "False"):
                return {"None": None, "True": True, "False": False}[node.value]
            return self.settings.value(node.value)
        elif isinstance(node, (cst.List, cst.Tuple)):
            return [self.evaluate(e.value) for e in node.elements if isinstance(e, cst.Element)]
        elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            return _join(self._path(node.left), self._path(node.right))
        elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            left, right = self.evaluate(node.left), self.evaluate(node.right)
            if isinstance(left, str) and isinstance(right, str) or isinstance(left, list) and isinstance(right, list):
                return left + right
        elif isinstance(node, cst.Attribute) and node.attr.value == "parent":
            return str(PurePosixPath(self._path(node.value)).parent)
        elif isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and node.value.attr.value == "parents":
            index = node.slice[0].slice if len(node.slice) == 1 else None
            if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
                return str(PurePosixPath(self._path(node.value.value)).parents[int(index.value.value)])
        elif isinstance(node, cst.Call):
            return self._call(node)
        raise Unknown(f"`{self.code(node)}` is not a path dockerfix can evaluate")

    def _path(self, node: Any) -> str:
        value = self.evaluate(node)
        if not isinstance(value, str):
            raise Unknown(f"`{self.code(node)}` is not a path")
        return value

    def _call(self, node: Any) -> Value:
        cst = self._cst
        func = node.func
        name = dotted_name(func)
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if any(a.star for a in node.args):
            raise Unknown(f"`{self.code(node)}` unpacks its arguments")
        calls: dict[str, Callable[[list[Any]], Value]] = {
            "Path": self._join_all,
            "pathlib.Path": self._join_all,
            "PurePath": self._join_all,
            "os.path.join": self._join_all,
            "os.path.dirname": lambda args: str(PurePosixPath(self._one(args)).parent),
            "os.path.abspath": lambda args: self._one(args),
            "os.path.realpath": lambda args: self._one(args),
            "os.path.normpath": lambda args: self._one(args),
            "str": lambda args: self._one(args),
            "os.fspath": lambda args: self._one(args),
        }
        if name in calls:
            return calls[name](positional)
        if isinstance(func, cst.Attribute) and func.attr.value in ("resolve", "absolute") and not positional:
            return self._path(func.value)
        if isinstance(func, cst.Attribute) and func.attr.value == "joinpath":
            return self._join_all([func.value, *positional])
        if name in ("os.environ.get", "os.getenv") and positional:
            key = self.evaluate(positional[0])
            if isinstance(key, str):
                if key in self.settings.env:
                    value = self.settings.env[key]
                    if value is None:
                        raise Unknown(f"`{key}` comes from the environment, with a value the Dockerfile does not fix")
                    return value
                return self.evaluate(positional[1]) if len(positional) > 1 else None
        raise Unknown(f"`{self.code(node)}` is a call dockerfix does not evaluate")

    def _one(self, args: list[Any]) -> str:
        if len(args) != 1:
            raise Unknown("a path call with other than one argument")
        return self._path(args[0])

    def _join_all(self, args: list[Any]) -> str:
        if not args:
            raise Unknown("`Path()` of the working directory")
        out = self._path(args[0])
        for arg in args[1:]:
            out = _join(out, self._path(arg))
        return out


def _join(left: str, right: str) -> str:
    return os.path.normpath(str(PurePosixPath(left) / right)) if not right.startswith("/") else os.path.normpath(right)


def setting_paths(facts: Facts, settings: Settings, name: str, cwd: str) -> list[str]:
    """The absolute image paths a path setting (a path, or a list of paths) names; Decline if not known."""
    try:
        value = settings.value(name)
    except Unknown as exc:
        raise Decline(f"{name} cannot be told: {exc}") from None  # timid:
    values = value if isinstance(value, list) else [value]
    out = []
    for item in values:
        if not isinstance(item, str):
            raise Decline(f"{name} is {item!r}, not a path")  # timid:
        path = absolute(item, cwd)
        out.append(os.path.normpath(path) if path else item)
    return out
