"""Creating the files that fixes add (a `.dockerignore`): atomically, and never over an existing file.

A Dockerfile is rewritten by renaming a temporary file over it; a new file
must not replace anything, so the temporary file is hard-linked to its name
instead (`link` fails when the name exists, and the file appears whole or
not at all).  Where hard links are not supported, the name is opened with
O_EXCL, which still refuses an existing file.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Mapping

MODE = 0o644


class Exists(FileExistsError):
    """The file appeared since dockerfix looked: it is left as it is."""


def create(path: Path, data: bytes) -> None:
    """Create `path` holding `data`; raises Exists if anything has that name, OSError otherwise."""
    if os.path.lexists(path):
        raise Exists(errno.EEXIST, "exists; left as it is", str(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dockerfix", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, MODE & ~_umask())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise Exists(errno.EEXIST, "exists; left as it is", str(path)) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            _create_exclusive(path, data)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def create_all(files: Mapping[str, str]) -> list[Path]:
    """Create each file (full path to text, written as UTF-8); stops at the first that fails."""
    created = []
    for name, text in files.items():
        path = Path(name)
        create(path, text.encode("utf-8"))
        created.append(path)
    return created


def _create_exclusive(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    except FileExistsError:
        raise Exists(errno.EEXIST, "exists; left as it is", str(path)) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
