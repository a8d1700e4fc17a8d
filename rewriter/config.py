"""Configuration: `.dockerfix.toml` or `[tool.dockerfix]` in pyproject.toml.

Found by walking up from each Dockerfile's folder; the nearest file wins, and
in one folder `.dockerfix.toml` wins over `pyproject.toml` (as ruff.toml does
over pyproject.toml for ruff).  Command-line flags override it.  Every key is
checked: a typo is an error naming the file and the key, never silently
ignored.

    [tool.dockerfix]
    select = ["DF1", "DF2"]
    ignore = ["DF301"]
    unsafe-fixes = false
    extend-safe-fixes = ["DF216"]      # unsafe fixes of these rules are applied as safe ones
    cache-strategy = "delete"          # or "mount" (BuildKit cache mounts)
    sort-packages = false
    per-file-ignores = { "docker/legacy/*" = ["DF3"] }

    [tool.dockerfix.base-images]
    preferred-variant = "slim"         # slim | alpine | distroless
    allowed-registries = ["registry.example.com"]
    extra = { ... }                    # extra knowledge-base entries, merged over the shipped ones
"""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from rewriter.context import Settings

_TOP_KEYS = {
    "select": list,
    "ignore": list,
    "unsafe-fixes": bool,
    "extend-safe-fixes": list,
    "cache-strategy": str,
    "sort-packages": bool,
    "per-file-ignores": dict,
    "base-images": dict,
}
_BASE_IMAGE_KEYS = {"preferred-variant": str, "allowed-registries": list, "extra": dict}
_CHOICES = {"cache-strategy": ("delete", "mount"), "preferred-variant": ("slim", "alpine", "distroless")}


class ConfigError(Exception):
    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class Config(NamedTuple):
    path: Path | None
    values: dict[str, Any]

    def settings(self, dockerfile: Path | None = None) -> Settings:
        """Settings for one Dockerfile from this configuration alone (the CLI adds its flags)."""
        values = self.values
        ignore = list(values.get("ignore", []))
        if dockerfile is not None and self.path is not None:
            try:
                relative = dockerfile.resolve().relative_to(self.path.parent.resolve()).as_posix()
            except ValueError:
                relative = dockerfile.as_posix()
            for pattern, codes in values.get("per-file-ignores", {}).items():
                if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(dockerfile.name, pattern):
                    ignore.extend(codes)
        options: dict[str, Any] = {}
        if "base-images" in values:
            options["base_images"] = {k.replace("-", "_"): v for k, v in values["base-images"].items()}
        return Settings(
            unsafe_fixes=bool(values.get("unsafe-fixes", False)),
            extend_safe_fixes=tuple(str(code).upper() for code in values.get("extend-safe-fixes", ())),
            select=tuple(values.get("select", ())),
            ignore=tuple(ignore),
            cache_strategy=values.get("cache-strategy", "delete"),
            sort_packages=bool(values.get("sort-packages", False)),
            options=options,
        )


EMPTY = Config(None, {})


def settings_for(dockerfile: Path | None, args: Any, cache: dict[Path, Config] | None = None) -> Settings:
    """Settings for one Dockerfile: its configuration (or `--config`, or none
    with `--isolated`), then the fix options of the command line over it."""
    if getattr(args, "isolated", False):
        config = EMPTY
    elif getattr(args, "config", None) is not None:
        config = load(args.config)
    else:
        config = discover(dockerfile.parent if dockerfile is not None else Path.cwd(), cache)
    return with_flags(
        config.settings(dockerfile),
        select=args.select,
        ignore=args.ignore,
        unsafe_fixes=args.unsafe_fixes,
        cache_strategy=args.cache_strategy,
    )


def with_flags(
    settings: Settings,
    *,
    select: list[str] | None,
    ignore: list[str],
    unsafe_fixes: bool,
    cache_strategy: str | None,
) -> Settings:
    """Command-line flags over configured settings: --select replaces, --ignore adds, as in ruff."""
    return settings._replace(
        select=tuple(select) if select else settings.select,
        ignore=settings.ignore + tuple(ignore),
        unsafe_fixes=unsafe_fixes or settings.unsafe_fixes,
        cache_strategy=cache_strategy or settings.cache_strategy,
    )


def _load_toml(path: Path) -> dict[str, Any]:
    from rewriter.context import toml_loads

    try:
        return toml_loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise ConfigError(path, "not UTF-8 text") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise ConfigError(path, f"invalid TOML: {exc}") from None


def _check(path: Path, values: dict[str, Any], schema: dict[str, type], prefix: str = "") -> None:
    for key, value in values.items():
        name = f"{prefix}{key}"
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise ConfigError(path, f"unknown key `{name}` (known: {known})")
        if not isinstance(value, schema[key]):
            raise ConfigError(path, f"`{name}` must be a {schema[key].__name__}, not {type(value).__name__}")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise ConfigError(path, f"`{name}` must be one of {', '.join(_CHOICES[key])}, not {value!r}")
        if schema[key] is list and not all(isinstance(v, str) for v in value):
            raise ConfigError(path, f"`{name}` must be a list of strings")
    for pattern, codes in values.get("per-file-ignores", {}).items() if not prefix else ():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(path, f"`per-file-ignores.{pattern}` must be a list of rule codes")


@lru_cache(maxsize=None)
def load(path: Path) -> Config:
    """Read one configuration file (either kind), once per process."""
    data = _load_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("dockerfix", {})
        if not isinstance(data, dict):
            raise ConfigError(path, "`tool.dockerfix` must be a table")
    _check(path, data, _TOP_KEYS)
    if "base-images" in data:
        _check(path, data["base-images"], _BASE_IMAGE_KEYS, prefix="base-images.")
    return Config(path, data)


def _declares(path: Path) -> bool:
    if path.name == ".dockerfix.toml":
        return path.is_file()
    if not path.is_file():
        return False
    try:
        return b"[tool.dockerfix" in path.read_bytes()
    except OSError:
        return False


def discover(start: Path, cache: dict[Path, Config] | None = None) -> Config:
    """The configuration that applies to files in `start`, walking up to the root."""
    start = start.resolve()
    cache = {} if cache is None else cache
    visited: list[Path] = []
    found = EMPTY
    for folder in (start, *start.parents):
        if folder in cache:
            found = cache[folder]
            break
        visited.append(folder)
        hit = next((folder / n for n in (".dockerfix.toml", "pyproject.toml") if _declares(folder / n)), None)
        if hit is not None:
            found = load(hit)
            break
    for folder in visited:
        cache[folder] = found
    return found
