"""Which shared libraries an ELF file needs: DT_NEEDED, read from the bytes, never run.

`verify` scans every ELF file of a final image, so that a rewrite whose
image lacks a library the application needs (a split that forgot `libpq5`,
a slim base without `libxml2`) fails verification even when no test command
exercises that code path.  This is what `ldd` would report, without running
the image's loader: the same code serves a mounted root and an exported tar.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

ELF_MAGIC = b"\x7fELF"
_PT_DYNAMIC = 2
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_RPATH, _DT_RUNPATH = 0, 1, 5, 15, 29
_PT_LOAD = 1


class ElfNeeds(NamedTuple):
    needed: tuple[str, ...]
    """The sonames the dynamic loader must find (DT_NEEDED)."""
    search: tuple[str, ...]
    """DT_RPATH and DT_RUNPATH entries, as written (`$ORIGIN/../lib`)."""


def needed_libraries(data: bytes) -> ElfNeeds | None:
    """DT_NEEDED and run paths of an ELF file; None for anything else (or a file too damaged to read)."""
    if not data.startswith(ELF_MAGIC) or len(data) < 64:
        return None
    try:
        return _read(data)
    except (struct.error, IndexError, ValueError):
        return None


def _read(data: bytes) -> ElfNeeds | None:
    is64 = data[4] == 2
    endian = "<" if data[5] == 1 else ">"
    if is64:
        phoff, = struct.unpack_from(endian + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 54)
    else:
        phoff, = struct.unpack_from(endian + "I", data, 28)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 42)
    loads: list[tuple[int, int, int]] = []  # (vaddr, offset, filesz): to turn DT_STRTAB's address into an offset
    dynamic: tuple[int, int] | None = None
    for index in range(phnum):
        at = phoff + index * phentsize
        if is64:
            p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(endian + "IIQQQQ", data, at)
        else:
            p_type, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(endian + "IIIII", data, at)
        if p_type == _PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == _PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return ElfNeeds((), ())  # static: needs nothing
    entry = struct.Struct(endian + ("qQ" if is64 else "iI"))
    tags: list[tuple[int, int]] = []
    offset, size = dynamic
    for at in range(offset, offset + size, entry.size):
        tag, value = entry.unpack_from(data, at)
        if tag == _DT_NULL:
            break
        tags.append((tag, value))
    strtab_address = next((value for tag, value in tags if tag == _DT_STRTAB), None)
    if strtab_address is None:
        return None
    strtab = next((off + strtab_address - vaddr for vaddr, off, filesz in loads if vaddr <= strtab_address < vaddr + filesz), None)
    if strtab is None:
        return None

    def string(at: int) -> str:
        end = data.index(b"\0", strtab + at)
        return data[strtab + at : end].decode("utf-8", "replace")

    needed = tuple(string(value) for tag, value in tags if tag == _DT_NEEDED)
    search = tuple(part for tag, value in tags if tag in (_DT_RPATH, _DT_RUNPATH) for part in string(value).split(":") if part)
    return ElfNeeds(needed, search)
