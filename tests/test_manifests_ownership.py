"""DF101/DF102: steps that change only owners and modes between the copy and the install (`ownership.py`).

The golden cases `manifests-steps-owner-mode` and `-declined` show whole files; these tests pin how the
commands are read (whose home, which changes are recursive, which follow links) and the checks golden cases
cannot hold (a file mode git does not keep).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import diagnostics, fixed
from rewriter.context import Settings
from rewriter.engine import fix_source
from transforms.manifests.ownership import _created_home

SELECT = ("DF101", "DF102")
REQ = {"requirements.txt": "flask==3.0.3\n"}
AS_USER = """
    FROM python:3.12-slim
    RUN {create}
    WORKDIR /app
    COPY . .
    RUN chown -R app /app
    USER app
    RUN pip install -r requirements.txt
"""


@pytest.mark.parametrize(
    ("command", "home"),
    [
        ("useradd app", "/home/app"),
        ("useradd -m -u 1000 -g users app", "/home/app"),
        ("useradd --home-dir /app app", "/app"),
        ("useradd -d /srv/app -s /bin/sh app", "/srv/app"),
        ("useradd --base-dir /users app", "/users/app"),
        ("adduser -D -h /app app", "/app"),  # busybox
        ("adduser -D -g app app", "/home/app"),  # busybox: -g is the GECOS field, not a group
        ("adduser --disabled-password --home=/opt/app app", "/opt/app"),  # Debian
        ("adduser -S -G app app", "/home/app"),
        ("useradd other", None),
        ("adduser app staff", "/home/app"),  # busybox: the user first, then its group
    ],
)
def test_the_home_a_command_gives_the_user(command: str, home: str | None) -> None:
    name, *args = command.split()
    assert _created_home(name, list(args), "app") == home


@pytest.mark.parametrize(
    ("create", "moves"),
    [
        ("useradd --create-home app", True),  # pip installs into /home/app/.local
        ("useradd --home-dir /app app", False),  # ... into /app/.local, which the chown would then change
        ("adduser -D -h /app/home app", False),
        ("true", False),  # the base image's user: its home is not known
    ],
)
def test_a_pip_install_as_a_user_moves_only_when_its_home_is_outside_the_copy(create: str, moves: bool) -> None:
    found = diagnostics(AS_USER.format(create=create), select=SELECT, files=REQ)
    assert len(found) == 1
    assert (found[0].fix is not None) == moves, found[0].note


@pytest.mark.parametrize(
    ("step", "moves"),
    [
        ("chmod -R 755 /app", True),
        ("chmod -x /app/run.sh", True),  # a mode that starts with `-` is no option
        ("chown -RL app /app", False),  # follows links out of the copy: not a change of /app only
        ("chown app /app", True),  # the folder alone: pip writes nothing in it
        ("chown -R app /app && echo done", False),  # not only owners and modes
    ],
)
def test_which_steps_change_only_owners_and_modes(step: str, moves: bool) -> None:
    text = f"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN {step}\nRUN pip install -r requirements.txt\n"
    found = diagnostics(text, select=SELECT, files={**REQ, "run.sh": "#!/bin/sh\n"})
    assert (found[0].fix is not None) == moves, found[0].note


def test_a_change_of_a_folder_alone_does_not_reach_the_install_outputs_below_it() -> None:
    text = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN chmod 0755 /app\nRUN npm ci\n"
    files = {"package.json": '{"name": "a", "version": "1.0.0"}', "package-lock.json": '{"lockfileVersion": 3, "packages": {}}'}
    assert "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN chmod 0755 /app\n" in fixed(text, select=SELECT, files=files)


def test_a_user_that_cannot_read_the_manifest_without_the_chown_declines(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "requirements.txt").chmod(0o600)
    source = AS_USER.format(create="useradd app").replace("\n    ", "\n").lstrip().encode()
    result = fix_source(source, settings=Settings(select=SELECT, unsafe_fixes=True), context_dir=tmp_path, dockerfile_path=tmp_path / "Dockerfile")
    assert result.output == source
    assert "read `requirements.txt`: the build context does not let others read it" in result.diagnostics[0].note
    (tmp_path / "requirements.txt").chmod(0o644)
    moved = fix_source(source, settings=Settings(select=SELECT), context_dir=tmp_path, dockerfile_path=tmp_path / "Dockerfile")
    assert moved.output != source


def test_a_chmod_of_the_wrapper_the_install_runs_declines() -> None:
    text = "FROM eclipse-temurin:21-jdk\nWORKDIR /app\nCOPY . .\nRUN chmod -R 755 gradlew\nRUN ./gradlew bootJar\n"
    files = {"build.gradle": "plugins { id 'java' }\n", "settings.gradle": "", "gradlew": "#!/bin/sh\n"}
    found = diagnostics(text, select=SELECT, files=files, unsafe=True)
    assert len(found) == 1 and found[0].fix is None
    assert "changes the mode of `gradlew`, which the install runs" in found[0].note


def test_a_mode_change_of_a_source_file_stays_whoever_runs_the_install() -> None:
    # The base image's user and where pip installs for it are not known, but no install writes a file of the
    # context, and the install reads no file the chmod changes.
    text = "FROM example.com/python-app:1\nWORKDIR /app\nCOPY . .\nRUN chmod +x entrypoint.sh\nRUN pip install -r requirements.txt\n"
    found = diagnostics(text, select=SELECT, files={**REQ, "entrypoint.sh": "#!/bin/sh\n"})
    assert len(found) == 1 and found[0].fix is not None, found[0].note


@pytest.mark.parametrize(
    ("text", "moves"),
    [
        ("WORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install --target /app/deps -r requirements.txt\n", False),
        ("WORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install -t deps -r requirements.txt\n", False),  # against the working directory
        ("WORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install --target=/app/deps -r requirements.txt\n", False),
        ("WORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install --prefix /app/.local -r requirements.txt\n", False),
        ("WORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install --root /app/root -r requirements.txt\n", False),
        ("WORKDIR /app/src\nCOPY . .\nRUN chown -R nobody /app/src\nRUN pip install --root / -r requirements.txt\n", False),  # above the copy: not known
        ("WORKDIR /root\nCOPY . .\nRUN chown -R nobody /root\nRUN pip install --user -r requirements.txt\n", False),  # root's home
        ("ENV PIP_USER=1 HOME=/app\nWORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install -r requirements.txt\n", False),
        ("ENV HOME=/app\nWORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install --user -r requirements.txt\n", False),
        ("ENV PYTHONPYCACHEPREFIX=/app/.pyc\nWORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install -r requirements.txt\n", False),
        ("WORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install --target /opt/deps -r requirements.txt\n", True),
        ("WORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install --user -r requirements.txt\n", True),  # /root/.local
        ("ENV PIP_USER=0 HOME=/app\nWORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install -r requirements.txt\n", True),
    ],
)
def test_a_pip_install_that_writes_under_the_changed_folder_does_not_move(text: str, moves: bool) -> None:
    found = diagnostics(f"FROM python:3.12-slim\n{text}", select=SELECT, files=REQ)
    assert len(found) == 1
    assert (found[0].fix is not None) == moves, found[0].note
    if not moves:
        assert "chown" in found[0].note and "install" in found[0].note, found[0].note


COMPOSER = {"composer.lock": '{"packages": [], "packages-dev": []}', "storage/.gitkeep": "", "index.php": "<?php\n"}


@pytest.mark.parametrize(
    ("env", "config", "moves"),
    [
        ("", {"vendor-dir": "storage/vendor"}, False),
        ("", {"vendor-dir": "/app/storage/vendor"}, False),
        ("", {"bin-dir": "storage/bin"}, False),
        ("ENV COMPOSER_VENDOR_DIR=storage/vendor\n", {}, False),
        ("ENV COMPOSER_BIN_DIR=storage/bin\n", {}, False),
        ("", {"vendor-dir": "~/vendor"}, False),  # the home: not read
        ("", {"vendor-dir": "lib/vendor"}, True),
        ("", {}, True),
    ],
)
def test_a_composer_install_into_the_changed_folder_does_not_move(env: str, config: dict[str, str], moves: bool) -> None:
    manifest = json.dumps({"require": {"monolog/monolog": "^3.0"}, **({"config": config} if config else {})})
    text = f"FROM composer:2.7\n{env}WORKDIR /app\nCOPY . .\nRUN chown -R www-data storage\nRUN composer install --no-dev\n"
    found = diagnostics(text, select=SELECT, files={**COMPOSER, "composer.json": manifest})
    assert len(found) == 1
    assert (found[0].fix is not None) == moves, found[0].note
    if not moves:
        assert "chown" in found[0].note, found[0].note


def test_a_relative_pip_variable_is_read_against_the_working_directory() -> None:
    text = "FROM python:3.12-slim\nENV PIP_TARGET=deps\nWORKDIR /app\nCOPY . .\nRUN chown -R nobody /app\nRUN pip install -r requirements.txt\n"
    found = diagnostics(text, select=SELECT, files=REQ)
    assert len(found) == 1 and found[0].fix is None, found[0].note
