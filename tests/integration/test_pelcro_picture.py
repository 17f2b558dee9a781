"""The Pelcro-style customer API: the customer's picture (multipart upload, checked from its bytes, stored in S3)."""

from __future__ import annotations

import base64
import struct
import uuid
import zlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from tests.integration.test_pelcro_customers import (  # noqa: F401 - cheap_hashing is an autouse fixture
    SDK,
    assert_error,
    assert_field_error,
    cheap_hashing,
    customer,
    other_store,
    register,
)
from tests.support import Api, Reply, counting_calls

PICTURE = f"{SDK}/customer/picture"


def png(width: int, height: int) -> bytes:
    """A real PNG: signature, IHDR, one IDAT of blank grey rows, IEND."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg(width: int, height: int) -> bytes:
    """A JPEG's header as cameras write it: SOI, an APP0 (JFIF) segment, padding, then the baseline frame."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x00" * 64
    return b"\xff\xd8" + app0 + b"\xff\xff" + frame + scan + b"\xff\xd9"


def multipart(fields: dict[str, tuple[str | None, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, (filename, data) in fields.items():
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(api: Api, token: str | None, site_id: str, data: bytes, field: str = "profile_photo") -> Reply:
    body, content_type = multipart({field: ("me.png", data), "site_id": (None, site_id.encode())})
    return api.call("POST", PICTURE, raw_body=body, token=token, headers={"Content-Type": content_type})


def stored_objects(provisioned: Any) -> dict[str, bytes]:
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = provisioned.refs["MediaBucket"]
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


@pytest.mark.parametrize("picture", [png(150, 150), jpeg(640, 640)], ids=["png", "jpeg"])
def test_upload_then_delete(api: Api, provisioned: Any, store: dict[str, Any], picture: bytes) -> None:
    made = customer(register(api, store))
    with counting_calls() as calls:
        data = customer(upload(api, made["token"], store["id"], picture))
    assert calls.calls == ["dynamodb.BatchGetItem", "s3.PutObject", "dynamodb.PutItem"]
    assert data["token"] == made["token"]  # echoed, as by get
    link = urlsplit(data["profile_photo"])
    assert link.path.endswith((".png", ".jpg")) and f"stores/{store['id']}/profiles/" in link.path
    query = parse_qs(link.query)
    assert "X-Amz-Signature" in query and int(query["X-Amz-Expires"][0]) == 3600  # a bounded lifetime
    assert list(stored_objects(provisioned).values()) == [picture]
    again = customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=made["token"]))
    assert urlsplit(again["profile_photo"]).path == link.path
    deleted = api.call("DELETE", PICTURE, token=made["token"], query={"site_id": store["id"]})
    assert customer(deleted)["profile_photo"] is None
    assert stored_objects(provisioned) == {}
    assert customer(api.call("DELETE", PICTURE, token=made["token"], query={"site_id": store["id"]}))


def test_a_new_picture_replaces_the_old(api: Api, provisioned: Any, store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    first = customer(upload(api, made["token"], store["id"], png(200, 200)))["profile_photo"]
    second = customer(upload(api, made["token"], store["id"], jpeg(300, 300)))["profile_photo"]
    assert urlsplit(first).path != urlsplit(second).path
    assert list(stored_objects(provisioned).values()) == [jpeg(300, 300)]


def test_the_body_arrives_base64_encoded(api: Api, store: dict[str, Any]) -> None:
    """The template lists multipart/form-data as binary: API Gateway (and the runner) base64 it."""
    from localrunner.events import proxy_event

    body, content_type = multipart({"profile_photo": ("a.png", png(150, 150))})
    event = proxy_event(method="POST", path=PICTURE, query="", headers=[("Content-Type", content_type)], body=body,
                        source_ip="203.0.113.7", resource=PICTURE, path_parameters={}, request_id="r",
                        binary_types=["multipart/form-data"])
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == body


def test_bad_pictures_change_nothing(api: Api, provisioned: Any, store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    token = made["token"]
    for bad in [png(150, 151), png(149, 149), jpeg(640, 480), b"GIF89a" + b"\x00" * 100, b"", b"\xff\xd8\xff",
                png(150, 150)[:20], b"\xff\xd8" + b"\xff\xc0\x00\x01" + b"\x00" * 10,
                b"\xff\xd8\xff\xda\x00\x08" + b"\x00" * 10, png(150, 150).replace(b"IHDR", b"IHDX")]:
        assert_field_error(upload(api, token, store["id"], bad), "profile_photo")
    too_big = png(150, 150) + b"\x00" * (5 * 1024 * 1024)
    assert_field_error(upload(api, token, store["id"], too_big), "profile_photo")
    assert_field_error(upload(api, token, store["id"], png(150, 150), field="photo"), "profile_photo")
    assert_error(upload(api, token, store["id"], b"\x00" * (6 * 1024 * 1024)), 413)
    as_json = api.call("POST", PICTURE, {"site_id": store["id"], "profile_photo": "x"}, token=token)
    assert_error(as_json, 415)
    no_boundary = api.call("POST", PICTURE, raw_body=b"x", token=token, headers={"Content-Type": "multipart/form-data"})
    assert_field_error(no_boundary, "body")
    assert_error(upload(api, None, store["id"], png(150, 150)), 401)
    assert stored_objects(provisioned) == {}
    assert customer(api.call("POST", f"{SDK}/customer", {"site_id": store["id"]}, token=token))["profile_photo"] is None


def test_picture_is_per_site(api: Api, owner: dict[str, Any], provisioned: Any, store: dict[str, Any]) -> None:
    second = other_store(api, owner)
    made = customer(register(api, store))
    assert_error(upload(api, made["token"], second["id"], png(150, 150)), 401)
    assert_error(upload(api, made["token"], "no-such-site", png(150, 150)), 401)
    assert_error(api.call("DELETE", PICTURE, token=made["token"], query={"site_id": second["id"]}), 401)
    assert stored_objects(provisioned) == {}


def test_malformed_forms_are_400s(api: Api, store: dict[str, Any]) -> None:
    made = customer(register(api, store))
    query = {"site_id": store["id"]}
    part = b'--b\r\nContent-Disposition: form-data; name="profile_photo"%s\r\n\r\n%s\r\n--b--\r\n'
    for content_type, body in [
        ("multipart/form-data; boundary=b", part % (b"\xff\xfe", b"x")),  # undecodable part headers
        ("multipart/form-data; boundary=b", part % (b"", png(150, 150))),  # a picture sent as a text field
        ('multipart/form-data; boundary=""; boundary=b', part % (b"", b"x")),  # the first boundary is empty
        ("multipart/form-data; boundary=b", b"no parts at all"),
    ]:
        reply = api.call("POST", PICTURE, raw_body=body, token=made["token"], query=query,
                         headers={"Content-Type": content_type})
        assert reply.status == 400 and set(reply.body) == {"errors"}, (content_type, reply.body)


def test_a_merge_keeps_the_source_picture_for_a_target_without_one(api: Api, owner: dict[str, Any],
                                                                   store: dict[str, Any]) -> None:
    from tests.support import latest_code

    staff = owner["access_token"]
    source = customer(register(api, store))
    link = customer(upload(api, source["token"], store["id"], png(150, 150)))["profile_photo"]
    source_id = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "reader@example.com"},
                         token=staff).body["id"]
    target_id = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "keeper@example.com"},
                         token=staff).body["id"]
    merged = api.call("POST", f"/v1/stores/{store['id']}/profiles/{target_id}/merge", {"source_id": source_id},
                      token=staff)
    assert merged.status == 200, merged.body
    api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"], "email": "keeper@example.com"})
    keeper = customer(api.call("POST", f"{SDK}/auth/passwordless/login", {
        "site_id": store["id"], "email": "keeper@example.com", "token": latest_code("keeper@example.com")}))
    assert keeper["profile_photo"] and urlsplit(keeper["profile_photo"]).path == urlsplit(link).path
