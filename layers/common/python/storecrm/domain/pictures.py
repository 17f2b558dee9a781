"""Profile pictures: what an upload must be, read from its own bytes (never from what the client says).

PNG or JPEG, square, at least MIN_SIDE pixels a side, at most MAX_BYTES. The size in pixels comes
from the file's header (PNG's IHDR chunk, JPEG's start-of-frame segment); nothing decodes the image.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from storecrm.domain.errors import ValidationFailed

FIELD = "profile_photo"
MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 150
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic); C4, C8 and CC are not frames.
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# Markers that stand alone, without a length: TEM and the restart markers.
_JPEG_BARE = {0x01, *range(0xD0, 0xD8)}
_JPEG_START_OF_SCAN = 0xDA


@dataclass(frozen=True)
class Picture:
    content_type: str
    extension: str
    width: int
    height: int


def _refused(reason: str) -> ValidationFailed:
    return ValidationFailed.on(FIELD, reason)


def _png(data: bytes) -> Picture | None:
    # Signature, then the IHDR chunk first of all: length (4), type (4), width (4), height (4).
    if not data.startswith(_PNG_SIGNATURE) or len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return Picture("image/png", "png", width, height)


def _jpeg(data: bytes) -> Picture | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker in _JPEG_BARE:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if length < 2:
            return None
        if marker in _JPEG_FRAMES:
            # length (2), precision (1), height (2), width (2)
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return Picture("image/jpeg", "jpg", width, height)
        if marker == _JPEG_START_OF_SCAN:
            return None  # image data before any frame header
        at += 2 + length
    return None


def check_picture(data: bytes) -> Picture:
    """The picture, if the bytes are an acceptable one; otherwise a 400 on `profile_photo` saying why."""
    if len(data) > MAX_BYTES:
        raise _refused(f"must be at most {MAX_BYTES // (1024 * 1024)} MB")
    picture = _png(data) or _jpeg(data)
    if picture is None:
        raise _refused("must be a PNG or JPEG image")
    if picture.width != picture.height:
        raise _refused(f"must be square (this one is {picture.width}x{picture.height})")
    if picture.width < MIN_SIDE:
        raise _refused(f"must be at least {MIN_SIDE}x{MIN_SIDE} pixels")
    return picture
