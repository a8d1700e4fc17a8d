"""What compose files in the build context run in the image a Dockerfile builds.

A Dockerfile without CMD or ENTRYPOINT is often run by docker compose, whose service names the command; the
split then knows what the runtime stage must be able to start.  Only the compose files docker compose reads by
default at the context root are read (`compose.yaml`, `compose.yml`, `docker-compose.yaml`,
`docker-compose.yml`), and a service counts when its `build` is this context (`build: .`, or
`build: {context: ., dockerfile: NAME}` naming this Dockerfile).  A service whose `command` or `entrypoint` uses
compose's `${VAR}` interpolation, or is not a string or a list of strings, makes the reading fail: what runs
is then not known.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

from transforms.multistage.common import Decline, Facts

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def compose_commands(facts: Facts) -> list[tuple[str, list[str]]]:
    """(service, argv) for each compose service that builds this Dockerfile and sets `command` or `entrypoint`."""
    build = facts.context.build_context
    if build is None:
        return []
    found: list[tuple[str, list[str]]] = []
    for name in COMPOSE_FILES:
        text = build.read_text(name)
        if text is None:
            continue
        for service, config in _services(name, text).items():
            if not isinstance(config, dict) or not _builds_this(facts, config.get("build")):
                continue
            entrypoint = _argv(name, service, config.get("entrypoint"))
            command = _argv(name, service, config.get("command"))
            if entrypoint is not None:
                found.append((service, entrypoint + (command or [])))
            elif command is not None:
                found.append((service, command))
    return found


def _services(name: str, text: str) -> dict[str, Any]:
    try:
        import yaml
    except ModuleNotFoundError:  # timid: without PyYAML no compose file is read
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise Decline(f"`{name}` is not YAML dockerfix can read") from None  # timid:
    services = data.get("services") if isinstance(data, dict) else None
    return services if isinstance(services, dict) else {}


def _builds_this(facts: Facts, build: Any) -> bool:
    """True when a service's `build` is the context root and names this Dockerfile (or the default `Dockerfile`)."""
    if isinstance(build, str):
        context, dockerfile = build, "Dockerfile"
    elif isinstance(build, dict) and isinstance(build.get("context", "."), str):
        context, dockerfile = build.get("context", "."), build.get("dockerfile", "Dockerfile")
    else:
        return False
    if not isinstance(dockerfile, str) or os.path.normpath(context) != ".":
        return False
    build_context = facts.context.build_context
    path = build_context.dockerfile if build_context is not None else None
    if path is None or build_context is None:
        return PurePosixPath(dockerfile).name == "Dockerfile"
    try:
        here, named, root = Path(path).resolve(), (build_context.root / dockerfile).resolve(), build_context.root.resolve()
    except OSError:
        return False
    if root not in here.parents:  # `--context DIR` with a Dockerfile kept elsewhere (a copy): its name decides
        return here.name == named.name
    return here == named


def _argv(name: str, service: str, value: Any) -> list[str] | None:
    """A compose `command`/`entrypoint`: a list as given, a string split as compose splits it (no shell)."""
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        argv = list(value)
    elif isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError:
            raise Decline(f"`{name}`: the command of service `{service}` is not a command line dockerfix can split") from None  # timid:
    else:
        raise Decline(f"`{name}`: the command of service `{service}` is neither a string nor a list of strings")  # timid:
    if any("$" in word.replace("$$", "") for word in argv):
        raise Decline(f"`{name}`: the command of service `{service}` uses compose's variable interpolation")  # timid:
    return [word.replace("$$", "$") for word in argv]
