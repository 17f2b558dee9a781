"""Profile pictures: what an upload must be, read from its own bytes (never from what the client says).

PNG or JPEG, square, at least MIN_SIDE pixels a side, at most MAX_BYTES. The size in pixels comes
from the file's header (kernel/file_types.py); nothing decodes the image.
"""

from __future__ import annotations

from storecrm.kernel.errors import ValidationFailed
from storecrm.kernel.file_types import FileType, jpeg, png

FIELD = "profile_photo"
MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 150


def _refused(reason: str) -> ValidationFailed:
    return ValidationFailed.on(FIELD, reason)


def check_picture(data: bytes) -> FileType:
    """The picture, if the bytes are an acceptable one; otherwise a 400 on `profile_photo` saying why."""
    if len(data) > MAX_BYTES:
        raise _refused(f"must be at most {MAX_BYTES // (1024 * 1024)} MB")
    picture = png(data) or jpeg(data)
    if picture is None:
        raise _refused("must be a PNG or JPEG image")
    width, height = picture.width or 0, picture.height or 0  # PNG and JPEG headers always give both
    if width != height:
        raise _refused(f"must be square (this one is {width}x{height})")
    if width < MIN_SIDE:
        raise _refused(f"must be at least {MIN_SIDE}x{MIN_SIDE} pixels")
    return picture
