"""ADD of local files that ADD would not extract becomes COPY (DF106).

ADD does three things COPY does not: it downloads URLs, clones git
repositories, and extracts local tar archives.  Whether a local file is
extracted depends on its *content*, not its name: BuildKit (`isArchivePath`
in its file backend) opens a regular file, decompresses it when it starts
with a gzip, bzip2, xz or zstd header, and extracts it when what follows
reads as a tar header.  A folder source is copied as it is, whatever it
holds.  So only a look at the build context can prove that an ADD is a COPY.
"""

from __future__ import annotations

import bz2
import lzma
import re
import zlib
from typing import Iterator, NamedTuple

from rewriter.context import BuildContext, FileContext, context_path
from rewriter.rules import Applicability, Diagnostic, Edit, rule
from rewriter.syntax import Instruction

# Flags ADD and COPY share (BuildKit's parseAdd and parseCopy); any other ADD
# flag (--checksum, --keep-git-dir, --unpack) is one of ADD's own powers.
SHARED_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})

# Remote sources: a URL (any scheme, as BuildKit's git and HTTP detection
# between them accept), or git's scp-like `git@host:repo`.
_REMOTE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://|git@)")
_WILDCARD = re.compile(r"[*?\[]")

_TAR_BLOCK = 512
_HEAD = 64 * 1024
"""Bytes read from a compressed file: far more than a compressed tar header needs."""


def _tar_header(block: bytes) -> bool:
    """Whether Go's `tar.Reader.Next` would accept `block` as the first header: its checksum holds.

    Go reads the checksum field (bytes 148-155) as octal and accepts both the
    unsigned and the signed byte sum with that field counted as spaces; a
    file shorter than one block is no archive.  A block of zeros starts an
    empty archive or sparse data: we cannot tell cheaply, so it counts as one.
    """
    if len(block) < _TAR_BLOCK:
        return False
    block = block[:_TAR_BLOCK]
    if block == bytes(_TAR_BLOCK):
        return True
    field = block[148:156].strip(b" \x00")
    if not field or any(c not in b"01234567" for c in field):
        return False
    expected = int(field, 8)
    counted = block[:148] + b" " * 8 + block[156:]
    unsigned = sum(counted)
    signed = sum(c - 256 if c > 127 else c for c in counted)
    return expected in (unsigned, signed)


def _decompressed_head(head: bytes) -> tuple[bytes, bool] | None:
    """The first bytes of a gzip, bzip2 or xz stream, and whether the stream ended; None if not compressed.

    Raises ValueError when the stream cannot be read (zstd, which the
    standard library lacks, or corrupt data).
    """
    if head.startswith(b"\x1f\x8b\x08"):
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = decompressor.decompress(head, _TAR_BLOCK)
        except zlib.error as exc:
            raise ValueError("a gzip stream that does not decompress") from exc
        return data, decompressor.eof
    for magic, make in ((b"BZh", bz2.BZ2Decompressor), (b"\xfd7zXZ\x00", lzma.LZMADecompressor)):
        if head.startswith(magic):
            other = make()
            try:
                data = other.decompress(head, _TAR_BLOCK)
            except (OSError, EOFError, lzma.LZMAError) as exc:
                raise ValueError("a compressed stream that does not decompress") from exc
            return data, other.eof
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        raise ValueError("zstd-compressed")
    return None


def extracted(head: bytes) -> bool:
    """Whether BuildKit's ADD would extract a local file that starts with `head` (read at least 64 KiB).

    When in doubt (zstd, a stream that does not decompress, a start that
    cannot be read) the answer is yes: the ADD then stays.
    """
    try:
        decompressed = _decompressed_head(head)
    except ValueError:
        return True
    if decompressed is None:
        return _tar_header(head)
    data, ended = decompressed
    if len(data) < _TAR_BLOCK and not ended:
        return True
    return _tar_header(data)


class Finding(NamedTuple):
    """An ADD that COPY can replace, and how sure that is."""

    applicability: Applicability
    note: str


def _local_source(build: BuildContext, path: str) -> tuple[bool, str]:
    """Whether ADD extracts this context path, and what keeps that from being proven (empty when nothing)."""
    if path == "." or (build.exists(path) and not build.is_file(path)):
        return False, ""  # a folder: BuildKit never extracts a folder source
    head = build.head(path, _HEAD)
    if head is None:
        return False, f"`{path}` is not in the build context, so whether it is an archive cannot be checked"
    return extracted(head), ""


def _sources(build: BuildContext, path: str) -> list[str]:
    """The context paths a source names: itself, or what its wildcard matches."""
    if not _WILDCARD.search(path):
        return [path]
    return build.glob(path) + build.glob_folders(path)


def check_add(context: FileContext, ins: Instruction) -> Finding | None:
    """The ADD as a COPY: None when ADD's own powers are used or it extracts an archive."""
    if any(flag.name not in SHARED_FLAGS for flag in ins.flags):
        return None
    words = ins.words()
    sources = [w for w in words[:-1] if not (w.text.startswith("<<") and ins.heredocs)]
    if len(words) < 2:
        return None
    unknown: list[str] = []
    build = context.build_context
    for word in sources:
        value = context.expand(word.text, ins) if "$" in word.text else word.text
        if value is None:
            unknown.append(f"`{word.text}` depends on a variable whose value is not known here")
            continue
        if _REMOTE.match(value):
            return None  # a download or a git clone: ADD is needed
        path = context_path(value)
        if path is None or build is None:
            unknown.append(f"`{value}` cannot be looked up in the build context")
            continue
        paths = _sources(build, path)
        if not paths:
            unknown.append(f"`{value}` matches nothing in the build context, so what it copies cannot be checked")
        for found in paths:
            extracts, reason = _local_source(build, found)
            if extracts:
                return None
            if reason:
                unknown.append(reason)
    if unknown:
        note = "; ".join(unknown) + ". If a source is a tar archive (even compressed), ADD extracts it and COPY would not: keep ADD for it."
        return Finding(Applicability.UNSAFE, note)
    return Finding(Applicability.SAFE, "")


def _copy_keyword(add: str) -> str:
    """COPY, written in the case of the ADD it replaces."""
    if add.islower():
        return "copy"
    return "COPY" if add.isupper() else "Copy"


@rule(
    "DF106",
    "add-instead-of-copy",
    summary="ADD copies local files that are not archives, which is what COPY says plainly",
    applicability=Applicability.SAFE,
    hadolint=("DL3020",),
    order=100,
)
def add_instead_of_copy(context: FileContext) -> Iterator[Diagnostic]:
    """## What it does
    Replaces `ADD` with `COPY` when every source is a local file or folder
    that ADD would copy as it is.  Flags both instructions accept
    (`--chown`, `--chmod`, `--link`, `--exclude`) are kept.

    ## Why is this bad?
    ADD downloads URLs, clones git repositories and extracts local tar
    archives; which of these it does depends on the source.  A reader of
    `ADD app.tar.gz /srv/` cannot tell whether the image gets the archive or
    its contents, and a file that later becomes a tarball changes what the
    instruction does without changing the Dockerfile.  COPY only copies, so
    the Dockerfile says what happens.  Docker's best practices and hadolint
    (DL3020) recommend COPY for local files.

    BuildKit decides to extract by content, not by name: it decompresses a
    gzip, bzip2, xz or zstd stream and extracts it when a tar header follows;
    `data.tar.gz` holding JSON is copied as it is, and `bundle.bin` holding a
    tar is extracted.  A linter that sees only the Dockerfile has to guess
    from the name; dockerfix reads the first bytes of each source in the
    build context, so it changes only ADDs it has proven equivalent.

    ## Example
    ```dockerfile
    ADD requirements.txt /app/
    ADD --chown=app:app src/ /app/src/
    ```

    Use instead:
    ```dockerfile
    COPY requirements.txt /app/
    COPY --chown=app:app src/ /app/src/
    ```

    ## Fix safety
    Safe when every source is a folder (BuildKit never extracts one), an
    inline heredoc file, or a file of the build context that does not start
    like a (possibly compressed) tar archive: the copy is then the same file
    operation, and only the build cache key differs.  Not offered when a
    source is a URL or git repository, when ADD uses a flag of its own
    (`--checksum`, `--keep-git-dir`, `--unpack`), or when a source is an
    archive.  Unsafe when a source cannot be read (not in the build context,
    excluded by `.dockerignore`, a variable of unknown value, a wildcard that
    matches nothing): it might be an archive.  ADD inside ONBUILD runs in
    another build's context and is left alone.
    """
    for ins in context.document.instructions:
        if ins.name != "ADD":
            continue
        finding = check_add(context, ins)
        if finding is None:
            continue
        fix = add_instead_of_copy.fix(finding.applicability, "Replace `ADD` with `COPY`", Edit.replace(ins.keyword.span, _copy_keyword(ins.keyword.text)))
        message = "`ADD` of local files that it copies as they are: `COPY` does the same and says so"
        yield add_instead_of_copy.diagnostic(message, ins.keyword.span, fix, note=finding.note)
