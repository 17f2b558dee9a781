"""What a file is, read from its first bytes (never from the name or type a client gives it).

Images also give their size in pixels from the header (PNG's IHDR chunk, JPEG's start-of-frame segment,
GIF's logical screen, WebP's VP8/VP8L/VP8X header, BMP's info header); nothing decodes an image. Shared by
profile pictures (crm/pictures.py) and the store media library (media/media.py).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

# Enough of a file's start to tell every type here (and a JPEG's frame header behind its usual EXIF).
HEAD_BYTES = 64 * 1024

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic); C4, C8 and CC are not frames.
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# Markers that stand alone, without a length: TEM and the restart markers.
_JPEG_BARE = {0x01, *range(0xD0, 0xD8)}
_JPEG_START_OF_SCAN = 0xDA
# ISO base media (MP4 and kin): the major brand after `ftyp` says which.
_FTYP_BRANDS = {b"M4A ": ("audio/mp4", "m4a"), b"M4B ": ("audio/mp4", "m4b"), b"qt  ": ("video/quicktime", "mov"),
                b"avif": ("image/avif", "avif"), b"heic": ("image/heic", "heic"), b"heix": ("image/heic", "heic"),
                b"mif1": ("image/heic", "heic")}
_SVG_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE svg(\s*\[.*?\])?[^>]*>\s*)?<svg[\s/>]",
                        re.I | re.S)


@dataclass(frozen=True)
class FileType:
    mime_type: str
    extension: str
    width: int | None = None
    height: int | None = None


def png(data: bytes) -> FileType | None:
    # Signature, then the IHDR chunk first of all: length (4), type (4), width (4), height (4).
    if not data.startswith(_PNG_SIGNATURE) or len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return FileType("image/png", "png", width, height)


def jpeg(data: bytes) -> FileType | None:
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
            return FileType("image/jpeg", "jpg", width, height)
        if marker == _JPEG_START_OF_SCAN:
            return None  # image data before any frame header
        at += 2 + length
    return None


def _gif(data: bytes) -> FileType | None:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return FileType("image/gif", "gif", width, height)


def _webp(data: bytes) -> FileType | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or len(data) < 25:
        return None
    chunk = data[12:16]
    # Lossy: frame tag, start code, then 14-bit sizes.
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return FileType("image/webp", "webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and data[20] == 0x2F:  # lossless: signature, then width-1 and height-1 in 14 bits each
        (bits,) = struct.unpack("<I", data[21:25])
        return FileType("image/webp", "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X" and len(data) >= 30:  # extended: flags (4), then canvas width-1 and height-1 in 24 bits each
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return FileType("image/webp", "webp", width, height)
    return None


def _bmp(data: bytes) -> FileType | None:
    # File header (14), then a BITMAPINFOHEADER or later: size (4), width (4), height (4, negative = top-down).
    if data[:2] != b"BM" or len(data) < 26 or struct.unpack("<I", data[14:18])[0] < 40:
        return None
    width, height = struct.unpack("<ii", data[18:26])
    return FileType("image/bmp", "bmp", abs(width), abs(height))


def _audio_video(data: bytes) -> FileType | None:
    if data[4:8] == b"ftyp":
        mime_type, extension = _FTYP_BRANDS.get(data[8:12], ("video/mp4", "mp4"))
        if data[8:11] == b"3gp":
            mime_type, extension = "video/3gpp", "3gp"
        return FileType(mime_type, extension)
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return FileType("audio/wav", "wav")
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return FileType("video/x-msvideo", "avi")
    if data[:4] == b"OggS":
        return FileType("audio/ogg", "ogg")
    if data[:4] == b"fLaC":
        return FileType("audio/flac", "flac")
    if data[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM names its doctype early, other Matroska files do not
        return FileType("video/webm", "webm") if b"webm" in data[:64] else FileType("video/x-matroska", "mkv")
    if data[:3] == b"ID3":
        return FileType("audio/mpeg", "mp3")
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:  # an MPEG audio frame's sync bits
        layer = (data[1] >> 1) & 0x03
        return FileType("audio/mpeg", "mp3") if layer else FileType("audio/aac", "aac")
    return None


def _text(data: bytes) -> str | None:
    """The start of the file as text, if it is UTF-8 without control bytes (a cut multi-byte character at
    the end of a head is fine)."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(data) - 3:
            return None
        text = data[:error.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return None
    return text


def identify(head: bytes, *, filename: str = "", declared: str | None = None) -> FileType | None:
    """What the file that starts with `head` is, or None when it is none of the types known here. Text
    carries no signature: a text file named .csv, or declared text/csv, is CSV, any other is plain text."""
    found = png(head) or jpeg(head) or _gif(head) or _webp(head) or _bmp(head) or _audio_video(head)
    if found is not None:
        return found
    if head.startswith(b"%PDF-"):
        return FileType("application/pdf", "pdf")
    body = head.removeprefix(b"\xef\xbb\xbf")
    if _SVG_START.match(body):
        return FileType("image/svg+xml", "svg")
    if not head or _text(body) is None:
        return None
    if filename.lower().endswith(".csv") or (declared or "").split(";")[0].strip().lower() == "text/csv":
        return FileType("text/csv", "csv")
    return FileType("text/plain", "txt")
