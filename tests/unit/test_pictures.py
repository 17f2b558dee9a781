"""Profile picture rules, read from the bytes: type, size in pixels from the header, square, bounds."""

from __future__ import annotations

import struct

import pytest

from storecrm.crm.pictures import MAX_BYTES, check_picture
from storecrm.http.app import check_request
from storecrm.kernel.errors import ValidationFailed


def png_header(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height) + b"\x08\x02"


def jpeg_header(width: int, height: int, marker: int = 0xC2, before: bytes = b"") -> bytes:
    frame = bytes([0xFF, marker]) + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + before + frame


def test_dimensions_come_from_the_header() -> None:
    assert (check_picture(png_header(150, 150)).mime_type, check_picture(png_header(150, 150)).width) == \
        ("image/png", 150)
    exif = b"\xff\xe1" + struct.pack(">H", 10) + b"Exif\x00\x00\x00\x00"
    found = check_picture(jpeg_header(4000, 4000, before=exif + b"\xff\x01"))  # a bare marker is skipped
    assert (found.mime_type, found.extension, found.width, found.height) == ("image/jpeg", "jpg", 4000, 4000)


@pytest.mark.parametrize("data, reason", [
    (png_header(150, 149), "square"),
    (png_header(149, 149), "at least"),
    (jpeg_header(100, 100), "at least"),
    (jpeg_header(300, 300, marker=0xC4), "PNG or JPEG"),  # a Huffman table, not a frame: no size found
    (b"\xff\xd8\xff\xda\x00\x02", "PNG or JPEG"),  # scan data before any frame
    (b"\xff\xd8\xff\xe0\x00\x00", "PNG or JPEG"),  # a segment length below 2
    (b"\xff\xd8\x00\x00\x00\x00", "PNG or JPEG"),  # no marker where one must be
    (b"GIF89a" + b"\x00" * 20, "PNG or JPEG"),
    (png_header(150, 150) + b"\x00" * MAX_BYTES, "at most 5 MB"),
])
def test_refusals_name_the_field_and_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_picture(data)
    assert refused.value.field_errors[0].field == "profile_photo" and reason in refused.value.field_errors[0].error


def test_upload_routes_take_multipart_with_a_boundary_only() -> None:
    uploads = {("POST", "/up"): 100}
    event = {"httpMethod": "POST", "resource": "/up", "body": "eA==", "isBase64Encoded": True,
             "headers": {"Content-Type": "Multipart/Form-Data; boundary=abc"}}
    check_request(event, uploads)
    assert event["headers"] == {"Content-Type": "multipart/form-data; boundary=abc"}  # as Powertools compares it
    for content_type, status in [("application/json", 415), ("multipart/form-data", 400),
                                 ("multipart/form-data; charset=x", 400)]:
        with pytest.raises(Exception) as refused:
            check_request({**event, "headers": {"content-type": content_type}}, uploads)
        assert getattr(refused.value, "status", None) == status
    with pytest.raises(Exception) as too_big:
        check_request({**event, "body": "x" * 200, "isBase64Encoded": False}, uploads)
    assert getattr(too_big.value, "status", None) == 413
