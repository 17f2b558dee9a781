"""Telling a file's type (and an image's size) from its first bytes."""

from __future__ import annotations

import struct

import pytest

from storecrm.kernel.file_types import FileType, identify


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00" * 20


def webp_lossy(width: int, height: int) -> bytes:
    frame = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(frame)) + b"WEBP" + b"VP8 " + struct.pack("<I", len(frame)) + frame


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    data = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 4
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(data)) + b"WEBP" + b"VP8L" + struct.pack("<I", len(data)) + data


def webp_extended(width: int, height: int) -> bytes:
    data = b"\x10\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(data)) + b"WEBP" + b"VP8X" + struct.pack("<I", len(data)) + data


def bmp(width: int, height: int) -> bytes:
    return b"BM" + b"\x00" * 12 + struct.pack("<Iii", 40, width, -height) + b"\x00" * 28


@pytest.mark.parametrize("head, expected", [
    (gif(320, 200), FileType("image/gif", "gif", 320, 200)),
    (webp_lossy(640, 480), FileType("image/webp", "webp", 640, 480)),
    (webp_lossless(1000, 16000), FileType("image/webp", "webp", 1000, 16000)),
    (webp_extended(5000, 70000), FileType("image/webp", "webp", 5000, 70000)),
    (bmp(12, 34), FileType("image/bmp", "bmp", 12, 34)),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", FileType("application/pdf", "pdf")),
    (b"ID3\x04\x00" + b"\x00" * 20, FileType("audio/mpeg", "mp3")),
    (b"\xff\xfb\x90\x00" + b"\x00" * 20, FileType("audio/mpeg", "mp3")),
    (b"\xff\xf1\x50\x80" + b"\x00" * 20, FileType("audio/aac", "aac")),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", FileType("audio/wav", "wav")),
    (b"OggS\x00\x02" + b"\x00" * 20, FileType("audio/ogg", "ogg")),
    (b"fLaC\x00\x00\x00\x22", FileType("audio/flac", "flac")),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", FileType("video/mp4", "mp4")),
    (b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00", FileType("audio/mp4", "m4a")),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00", FileType("video/quicktime", "mov")),
    (b"\x00\x00\x00\x14ftyp3gp5\x00\x00\x02\x00", FileType("video/3gpp", "3gp")),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", FileType("video/webm", "webm")),
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', FileType("image/svg+xml", "svg")),
    ("plain words, accents é and a cut one at the end \xe2".encode()[:-1], FileType("text/plain", "txt")),
])
def test_types_come_from_the_bytes(head: bytes, expected: FileType) -> None:
    assert identify(head, filename="upload.bin", declared="application/octet-stream") == expected


def test_text_is_csv_by_its_name_or_declared_type() -> None:
    rows = b"sku,price\nA-1,10\n"
    assert identify(rows, filename="prices.CSV").mime_type == "text/csv"
    assert identify(rows, declared="text/csv; charset=utf-8").mime_type == "text/csv"
    assert identify(rows, filename="prices.txt").mime_type == "text/plain"


@pytest.mark.parametrize("head", [
    b"", b"\x00\x01\x02binary", b"MZ\x90\x00\x03", b"PK\x03\x04zip", b"text with a \x07 bell",
    b"\xc3\x28 not utf-8 and more bytes after", b"RIFF\x00\x00\x00\x00WEBPVP8 \x00",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDX" + b"\x00" * 8,
])
def test_unknown_or_broken_files_are_not_identified(head: bytes) -> None:
    assert identify(head) is None
