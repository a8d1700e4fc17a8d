"""DF106's archive test: what BuildKit's ADD extracts, decided by content as BuildKit decides."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile

import pytest

from helpers import dedent, fixed
from transforms.add_to_copy import extracted


def _tar(fmt: int = tarfile.USTAR_FORMAT) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        info = tarfile.TarInfo("app/main.py")
        info.size = 6
        archive.addfile(info, io.BytesIO(b"X = 1\n"))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_tar(), id="ustar"),
        pytest.param(_tar(tarfile.GNU_FORMAT), id="gnu"),
        pytest.param(_tar(tarfile.PAX_FORMAT), id="pax"),
        pytest.param(gzip.compress(_tar()), id="tar.gz"),
        pytest.param(bz2.compress(_tar()), id="tar.bz2"),
        pytest.param(lzma.compress(_tar()), id="tar.xz"),
        pytest.param(b"\x28\xb5\x2f\xfd" + bytes(100), id="zstd: cannot look inside, so it counts"),
        pytest.param(b"\x1f\x8b\x08" + b"not deflate at all" * 40, id="corrupt gzip counts"),
        pytest.param(bytes(1024), id="zeros: an empty archive or sparse data"),
    ],
)
def test_archives_are_extracted(data: bytes) -> None:
    assert extracted(data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b'{"users": []}\n', id="json named .tar.gz"),
        pytest.param(gzip.compress(b'{"fixtures": []}\n' * 100), id="gzip of json"),
        pytest.param(lzma.compress(b"plain text\n" * 100), id="xz of text"),
        pytest.param(_tar()[:511], id="shorter than one tar block"),
        pytest.param(b"#!/bin/sh\n" + b"echo hello\n" * 100, id="script"),
    ],
)
def test_other_files_are_copied_as_they_are(data: bytes) -> None:
    assert not extracted(data)


def test_a_damaged_tar_checksum_is_no_archive() -> None:
    block = bytearray(_tar())
    block[0] ^= 0x01  # the name changes; the stored checksum no longer holds
    assert not extracted(bytes(block))


def test_hadolint_pragma_for_dl3020_keeps_the_add() -> None:
    text = """
        FROM alpine:3.20
        # hadolint ignore=DL3020
        ADD config.yaml /etc/app/
        ADD config.yaml /etc/other/
    """
    assert fixed(text, select="DF106", files={"config.yaml": "a: 1\n"}) == dedent(
        """
        FROM alpine:3.20
        # hadolint ignore=DL3020
        ADD config.yaml /etc/app/
        COPY config.yaml /etc/other/
    """
    )
