"""Reading and writing the Dockerfiles a user names: regular files only, symlinks kept.

One place for the file-system policy of the command line, `dockerfix verify`
and discovery, as black and ruff users expect it:

- Only regular files are Dockerfiles.  A named pipe called `Dockerfile` would
  make a read wait forever (and a pre-commit run with it), a device could be
  endless: discovery skips them, and one named directly is a one-line error.
  Nothing but a regular file is ever opened for reading, even if it is
  swapped for a FIFO between the check and the open (O_NONBLOCK, then fstat).
- A fix is written atomically (a temporary file in the same folder, renamed
  over the original), keeping the file's permissions.
- A symlink stays a symlink: the fix is written to its target.  Found inside
  a folder that was named, the link is followed only to a target inside one
  of the named folders; one pointing elsewhere is left alone with a notice,
  so `dockerfix --write repo` never writes outside `repo`.  A symlink named
  directly is followed: the user named the file it stands for.
- A file a fix adds (a `.dockerignore`) must not replace anything: its
  temporary file is hard-linked to the name (`link` fails when the name
  exists, and the file appears whole or not at all); where hard links are not
  supported the name is opened with O_EXCL, which still refuses an existing
  file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Mapping, Sequence

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotARegularFile(OSError):
    """A path that names something other than a regular file or a folder."""


class LeftAlone(Exception):
    """A file that will not be written, and why (one line, for a notice)."""


def kind_of(mode: int) -> str | None:
    """What a special file is ("a named pipe (FIFO)", ...), or None for a regular file or folder."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return None


def is_regular_file(path: Path) -> bool:
    """A regular file, after following symlinks (False for broken links and anything special)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_dockerfile(path: Path) -> bytes:
    """The bytes of a regular file (symlinks followed).

    Raises IsADirectoryError for a folder, NotARegularFile for a FIFO,
    socket or device, and the other OSErrors of open() and read().
    """
    _check_regular(os.stat(path).st_mode, path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)  # O_NONBLOCK: a FIFO put there since the stat opens at once instead of waiting
    try:
        _check_regular(os.fstat(fd).st_mode, path)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def _check_regular(mode: int, path: Path) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path} is a folder")
    kind = kind_of(mode)
    if kind is not None or not stat.S_ISREG(mode):
        raise NotARegularFile(f"is {kind}, not a regular file" if kind else "is not a regular file")


def write_target(path: Path, named_folders: Sequence[Path]) -> Path:
    """The file to write the fixed text of `path` to: itself, or its symlink's target.

    `named_folders` are the folders named on the command line; a symlink
    found below one of them is followed only to a target inside one of them.
    Raises LeftAlone otherwise.
    """
    if not path.is_symlink():
        return path
    target = path.resolve()
    found_in = [folder for folder in named_folders if _below(Path(os.path.abspath(path)), Path(os.path.abspath(folder)))]
    if not found_in:
        return target  # named directly
    if any(_below(target, folder.resolve()) for folder in named_folders):
        return target
    raise LeftAlone(f"is a symlink to {target}, outside the paths given; left unchanged")


def _below(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder and rename it over the original (its mode kept)."""
    import tempfile

    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dockerfix", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# -- files a fix adds ---------------------------------------------------------------

NEW_FILE_MODE = 0o644


class Exists(FileExistsError):
    """The file appeared since dockerfix looked: it is left as it is."""


def create(path: Path, data: bytes) -> None:
    """Create `path` holding `data`; raises Exists if anything has that name, OSError otherwise."""
    if os.path.lexists(path):
        raise Exists(errno.EEXIST, "exists; left as it is", str(path))
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dockerfix", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, NEW_FILE_MODE & ~_umask())
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
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE)
    except FileExistsError:
        raise Exists(errno.EEXIST, "exists; left as it is", str(path)) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
