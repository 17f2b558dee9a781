"""The store media library: multipart and presigned uploads (checked from their bytes), list, get, edit, delete,
the per-store byte quota, and every route refusing another store's staff."""

from __future__ import annotations

import base64
import json
import struct
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from tests.integration.conftest import login
from tests.integration.test_pelcro_picture import jpeg, png
from tests.support import Api, Reply, counting_calls

INERT_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00" + b"\x2c" + b"\x00" * 9 + b"\x3b"


def form(*files: tuple[str, bytes], field: str = "files", extra: bytes = b"") -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                    f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n" for name, data in files)
    return body + extra.replace(b"BOUNDARY", boundary.encode()) + f"--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


def upload(api: Api, token: str, store_id: str, *files: tuple[str, bytes]) -> Reply:
    body, content_type = form(*files)
    return api.call("POST", f"/v1/stores/{store_id}/media", raw_body=body, token=token,
                    headers={"Content-Type": content_type})


def uploaded(api: Api, token: str, store_id: str, *files: tuple[str, bytes]) -> list[dict[str, Any]]:
    reply = upload(api, token, store_id, *files)
    assert reply.status == 200, reply.body
    made: list[dict[str, Any]] = reply.body
    return made


def objects(provisioned: Any) -> dict[str, bytes]:
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = provisioned.refs["MediaBucket"]
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def usage(provisioned: Any, store_id: str) -> dict[str, int]:
    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=provisioned.refs["Table"], Key={"PK": {"S": f"STORE#{store_id}"}, "SK": {"S": "MEDIAUSAGE"}})
    found = item.get("Item") or {}
    return {name: int(found[name]["N"]) for name in ("bytes", "items") if name in found}


def outbox(provisioned: Any, store_id: str, prefix: str) -> list[tuple[str, str]]:
    """The store's outbox events whose type starts with `prefix`: (type, data.id)."""
    items = boto3.client("dynamodb", region_name="us-east-1").query(
        TableName=provisioned.refs["Table"], KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"STORE#{store_id}#EVENT"}})["Items"]
    return [(i["type"]["S"], i["data"]["M"]["id"]["S"]) for i in items if i["type"]["S"].startswith(prefix)]


def assert_error(reply: Reply, status: int, field: str | None = None) -> None:
    assert reply.status == status, reply.body
    assert reply.body["statusCode"] == status and reply.body["message"], reply.body
    if field:
        assert field in [e["field"] for e in reply.body["validationErrors"]], reply.body


def list_media(api: Api, token: str, store_id: str, **query: Any) -> Reply:
    return api.call("GET", f"/v1/stores/{store_id}/media", token=token, query={"limit": 20, **query})


@pytest.fixture
def token(owner: dict[str, Any]) -> str:
    return str(owner["access_token"])


@pytest.fixture
def stranger(api: Api) -> dict[str, Any]:
    """Another account, owner of a store of its own."""
    other = login(api, "stranger@example.com")
    reply = api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC",
                                            "billing_email": "b@example.com"}, token=other["access_token"])
    assert reply.status == 200, reply.body
    return {"token": other["access_token"], "store": reply.body}


# ---------------------------------------------------------------- multipart upload, list, get, delete
def test_an_image_uploads_lists_with_its_size_and_deletes(api: Api, provisioned: Any, token: str,
                                                          store: dict[str, Any]) -> None:
    store_id = store["id"]
    with counting_calls() as calls:
        made = uploaded(api, token, store_id, ("logo.png", png(64, 32)), ("banner.gif", gif(300, 100)))
    assert calls.calls == ["dynamodb.BatchGetItem", "s3.PutObject", "s3.PutObject", "dynamodb.TransactWriteItems"]
    logo, banner = made
    assert (logo["name"], logo["mime_type"], logo["width"], logo["height"], logo["size"]) == \
        ("logo.png", "image/png", 64, 32, len(png(64, 32)))
    assert (banner["mime_type"], banner["width"], banner["height"]) == ("image/gif", 300, 100)
    assert logo["key"] == f"stores/{store_id}/media/{logo['id']}.png" and logo["store_id"] == store_id
    link = urlsplit(logo["url"])
    assert link.path.endswith(logo["key"]) and int(parse_qs(link.query)["X-Amz-Expires"][0]) == 3600
    assert logo["resolutions"]["original"]["url"] == logo["url"]
    assert objects(provisioned) == {logo["key"]: png(64, 32), banner["key"]: gif(300, 100)}
    assert usage(provisioned, store_id) == {"bytes": logo["size"] + banner["size"], "items": 2}

    listed = list_media(api, token, store_id)
    # Newest first; files of one request were made in the same millisecond, so their ids order them.
    assert listed.status == 200 and [m["id"] for m in listed.body["items"]] == sorted([banner["id"], logo["id"]],
                                                                                     reverse=True)
    assert {m["width"] for m in listed.body["items"]} == {64, 300} and listed.body["cursor"] is None

    got = api.call("GET", f"/v1/stores/{store_id}/media/{logo['id']}", token=token)
    assert got.status == 200 and {k: got.body[k] for k in ("id", "width", "height")} == \
        {"id": logo["id"], "width": 64, "height": 32}

    deleted = api.call("DELETE", f"/v1/stores/{store_id}/media/{logo['id']}", token=token)
    assert deleted.status == 200 and deleted.body == {"deleted": True}
    assert objects(provisioned) == {banner["key"]: gif(300, 100)}
    assert usage(provisioned, store_id) == {"bytes": banner["size"], "items": 1}
    assert_error(api.call("GET", f"/v1/stores/{store_id}/media/{logo['id']}", token=token), 404)
    assert_error(api.call("DELETE", f"/v1/stores/{store_id}/media/{logo['id']}", token=token), 404)
    assert [m["id"] for m in list_media(api, token, store_id).body["items"]] == [banner["id"]]
    assert sorted(outbox(provisioned, store_id, "media.")) == sorted([
        ("media.created", logo["id"]), ("media.created", banner["id"]), ("media.deleted", logo["id"])])


def test_documents_sound_and_safe_svg_are_kept_as_their_bytes_say(api: Api, token: str,
                                                                  store: dict[str, Any]) -> None:
    made = uploaded(api, token, store["id"], ("prices.csv", b"sku,price\nA-1,10\n"), ("notes.txt", b"hello"),
                    ("icon.svg", INERT_SVG), ("a.pdf", b"%PDF-1.7\n%%EOF\n"), ("song.mp3", b"ID3\x04" + b"\x00" * 40),
                    ("photo.jpeg", jpeg(800, 600)))
    assert [(m["mime_type"], m["width"]) for m in made] == [
        ("text/csv", None), ("text/plain", None), ("image/svg+xml", None), ("application/pdf", None),
        ("audio/mpeg", None), ("image/jpeg", 800)]


# The three payloads (a script under another prefix bound to SVG, an XHTML script, an encoded scheme),
# which the former blocklist let through.
SVG_ATTACKS = [
    b'<svg xmlns="http://www.w3.org/2000/svg"><s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script>'
    b'<rect width="4" height="4"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'
    b'<rect width="4" height="4"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><a href="&#106;avascript:alert(1)"><rect width="4" height="4"/></a>'
    b'</svg>',
]


def head(provisioned: Any, key: str) -> dict[str, Any]:
    return dict(boto3.client("s3", region_name="us-east-1").head_object(Bucket=provisioned.refs["MediaBucket"],
                                                                        Key=key))


def test_an_svg_is_stored_without_script_and_served_as_an_attachment(api: Api, provisioned: Any, token: str,
                                                                     store: dict[str, Any]) -> None:
    store_id = store["id"]
    made = uploaded(api, token, store_id, *[(f"{i}.svg", svg) for i, svg in enumerate(SVG_ATTACKS)])
    stored = objects(provisioned)
    for media in made:
        kept = stored[media["key"]]
        assert b"script" not in kept.lower() and b"javascript" not in kept.lower() and b"<rect" in kept, kept
        assert media["mime_type"] == "image/svg+xml" and media["size"] == len(kept)  # the stored bytes' size
        assert head(provisioned, media["key"])["ContentDisposition"] == "attachment"
        assert parse_qs(urlsplit(media["url"]).query)["response-content-disposition"] == ["attachment"]
    assert usage(provisioned, store_id) == {"bytes": sum(m["size"] for m in made), "items": 3}
    # Presigned, the same: the rebuilt bytes are what lands at the media key.
    svg = SVG_ATTACKS[0]
    waiting = start(api, token, store_id, filename="p.svg", mime_type="image/svg+xml", size=len(svg)).body
    post_form(waiting, svg, "image/svg+xml")
    done = complete(api, token, store_id, waiting["media_id"])
    assert done.status == 200, done.body
    kept = objects(provisioned)[done.body["key"]]
    assert b"script" not in kept and done.body["size"] == len(kept) < len(svg)
    assert head(provisioned, done.body["key"])["ContentDisposition"] == "attachment"
    assert f"stores/{store_id}/uploads/{waiting['media_id']}.svg" not in objects(provisioned)
    # A PNG is served inline, as before.
    [picture] = uploaded(api, token, store_id, ("a.png", png(4, 4)))
    assert "ContentDisposition" not in head(provisioned, picture["key"])
    assert "response-content-disposition" not in parse_qs(urlsplit(picture["url"]).query)


def test_bad_uploads_are_refused_and_change_nothing(api: Api, provisioned: Any, token: str,
                                                    store: dict[str, Any]) -> None:
    store_id = store["id"]
    for files, status, field in [
        ([("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00")], 415, None),
        ([("a.zip", b"PK\x03\x04" + b"\x00" * 30)], 415, None),
        ([("x.svg", b"<svg><rect></svg>")], 415, None),  # not well-formed
        ([("x.svg", b'<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>')], 415, None),  # entity declarations
        ([("good.png", png(10, 10)), ("bad.bin", b"\x00\x01\x02")], 415, None),  # one bad file: none is kept
        ([("empty.png", b"")], 400, "files"),
        ([(f"{i}.png", png(4, 4)) for i in range(11)], 400, "files"),
    ]:
        reply = upload(api, token, store_id, *files)
        assert_error(reply, status, field)
        if status == 415:
            assert reply.body["error"] == "MEDIA.UNSUPPORTED_TYPE" and "upload" in reply.body["message"]
    assert_error(upload(api, token, store_id), 400, "files")
    too_big = upload(api, token, store_id, ("huge.png", png(10, 10) + b"\x00" * (6 * 1024 * 1024)))
    assert_error(too_big, 413)
    body, content_type = form(("a.png", png(4, 4)), extra=b'--BOUNDARY\r\nContent-Disposition: form-data; '
                                                           b'name="urls"\r\n\r\nhttps://169.254.169.254/\r\n')
    from_url = api.call("POST", f"/v1/stores/{store_id}/media", raw_body=body, token=token,
                        headers={"Content-Type": content_type})
    assert_error(from_url, 400, "urls")
    assert "link-local" in from_url.body["message"]
    body, content_type = form(extra=b'--BOUNDARY\r\nContent-Disposition: form-data; name="files"\r\n\r\nnot a file\r\n')
    as_text = api.call("POST", f"/v1/stores/{store_id}/media", raw_body=body, token=token,
                       headers={"Content-Type": content_type})
    assert_error(as_text, 400)
    assert all(e["field"].startswith("files") for e in as_text.body["validationErrors"]), as_text.body
    assert_error(api.call("POST", f"/v1/stores/{store_id}/media", {"files": []}, token=token), 415)
    assert_error(upload(api, "", store_id, ("a.png", png(4, 4))), 401)
    assert objects(provisioned) == {} and usage(provisioned, store_id) == {}
    assert list_media(api, token, store_id).body["items"] == []


# ---------------------------------------------------------------- presigned upload
def start(api: Api, token: str, store_id: str, **body: Any) -> Reply:
    return api.call("POST", f"/v1/stores/{store_id}/media/uploads", body, token=token)


def post_form(upload_form: dict[str, Any], data: bytes, content_type: str = "image/png") -> None:
    """What a browser does with the form: S3 (moto here) takes the fields, then the file."""
    sent = requests.post(upload_form["url"], data=upload_form["fields"],
                         files={"file": ("upload", data, content_type)}, timeout=10)
    assert sent.status_code in (200, 204), sent.text


def complete(api: Api, token: str, store_id: str, media_id: str) -> Reply:
    return api.call("POST", f"/v1/stores/{store_id}/media/{media_id}/complete", token=token)


def test_a_presigned_upload_completes_into_the_library(api: Api, provisioned: Any, token: str,
                                                       store: dict[str, Any]) -> None:
    store_id = store["id"]
    picture = jpeg(1920, 1080) + b"\x00" * 200_000
    started = start(api, token, store_id, filename="hero.jpg", mime_type="image/jpg", size=len(picture))
    assert started.status == 200, started.body
    upload_form = started.body
    policy = json.loads(base64.b64decode(upload_form["fields"]["policy"]))
    assert ["content-length-range", len(picture), len(picture)] in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    # The form uploads to a pending key; completing moves the checked object to the library's.
    assert upload_form["fields"]["key"] == f"stores/{store_id}/uploads/{upload_form['media_id']}.jpg"
    assert list_media(api, token, store_id).body["items"] == []  # nothing listed before it completes

    post_form(upload_form, picture, "image/jpeg")
    with counting_calls() as calls:
        done = complete(api, token, store_id, upload_form["media_id"])
    assert done.status == 200, done.body
    assert calls.calls == ["dynamodb.BatchGetItem", "s3.HeadObject", "s3.GetObject", "s3.CopyObject",
                           "dynamodb.TransactWriteItems", "s3.DeleteObject"]
    assert done.body["key"] == f"stores/{store_id}/media/{upload_form['media_id']}.jpg"
    assert list(objects(provisioned)) == [done.body["key"]]
    assert (done.body["id"], done.body["name"], done.body["mime_type"], done.body["size"], done.body["width"],
            done.body["height"]) == (upload_form["media_id"], "hero.jpg", "image/jpeg", len(picture), 1920, 1080)
    again = complete(api, token, store_id, upload_form["media_id"])
    assert again.status == 200 and again.body["id"] == done.body["id"]  # a retry gets the same answer
    assert usage(provisioned, store_id) == {"bytes": len(picture), "items": 1}
    assert [m["id"] for m in list_media(api, token, store_id).body["items"]] == [done.body["id"]]


def test_presigned_uploads_that_are_not_what_was_announced_are_refused(api: Api, provisioned: Any, token: str,
                                                                       store: dict[str, Any]) -> None:
    store_id = store["id"]
    for body, status in [
        ({"filename": "a.exe", "mime_type": "application/x-msdownload", "size": 10}, 415),
        ({"filename": "a.html", "mime_type": "text/html", "size": 10}, 415),
        ({"filename": "a.mp4", "mime_type": "video/mp4", "size": 1024 ** 3 + 1}, 413),
        ({"filename": "a.svg", "mime_type": "image/svg+xml", "size": 3 * 1024 * 1024}, 413),
        ({"filename": "a.png", "mime_type": "image/png"}, 400),
        ({"filename": "a.png", "mime_type": "image/png", "size": 0}, 400),
        ({"filename": "a\r\n.png", "mime_type": "image/png", "size": 10}, 400),
    ]:
        assert_error(start(api, token, store_id, **body), status)

    picture = png(40, 40)
    # Never uploaded: the form exists, the object does not.
    waiting = start(api, token, store_id, filename="a.png", mime_type="image/png", size=len(picture)).body
    never = complete(api, token, store_id, waiting["media_id"])
    assert_error(never, 409)
    assert never.body["error"] == "MEDIA.NOT_UPLOADED"
    assert_error(complete(api, token, store_id, str(uuid.uuid4())), 404)
    # Another size than announced: refused and deleted; the same form may be used again.
    post_form(waiting, picture + b"\x00")
    assert_error(complete(api, token, store_id, waiting["media_id"]), 400, "size")
    assert objects(provisioned) == {}
    # Another type than announced (the size matches).
    post_form(waiting, b"x" * len(picture), "image/png")
    refused = complete(api, token, store_id, waiting["media_id"])
    assert_error(refused, 415)
    assert "text/plain" in refused.body["message"]
    # An SVG announced as such that is no SVG document.
    svg = b"<svg><rect></svg>"
    scripted = start(api, token, store_id, filename="a.svg", mime_type="image/svg+xml", size=len(svg)).body
    post_form(scripted, svg, "image/svg+xml")
    assert_error(complete(api, token, store_id, scripted["media_id"]), 415)
    assert objects(provisioned) == {} and usage(provisioned, store_id) == {}
    assert list_media(api, token, store_id).body["items"] == []
    # After all that, the right file through the first form still completes.
    post_form(waiting, picture)
    assert complete(api, token, store_id, waiting["media_id"]).status == 200


def test_a_presigned_form_used_again_after_completion_replaces_nothing(api: Api, provisioned: Any, token: str,
                                                                       store: dict[str, Any],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import clock
    from tests.support import HOSTS

    store_id = store["id"]
    picture = png(16, 16)
    form_ = start(api, token, store_id, filename="a.png", mime_type="image/png", size=len(picture)).body
    post_form(form_, picture)
    done = complete(api, token, store_id, form_["media_id"]).body
    # The form still works at S3 for its hour: what it uploads lands at the pending key, never the media key.
    swapped = png(16, 16)[:-4] + b"EVIL"
    post_form(form_, swapped)
    assert objects(provisioned)[done["key"]] == picture
    again = complete(api, token, store_id, form_["media_id"])
    assert again.status == 200 and again.body["size"] == done["size"]
    assert objects(provisioned)[done["key"]] == picture
    pending = f"stores/{store_id}/uploads/{form_['media_id']}.png"
    assert objects(provisioned)[pending] == swapped
    # Deleting the media does not reopen the upload.
    assert api.call("DELETE", f"/v1/stores/{store_id}/media/{done['id']}", token=token).status == 200
    assert_error(complete(api, token, store_id, form_["media_id"]), 404)
    # At the upload's end the scheduler deletes what the form put there since (the upload's one job), and only once.
    later = clock.now() + 2 * 3600
    monkeypatch.setattr("storecrm.media.media.now", lambda: later)
    assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})["expired_uploads"] == 1
    assert objects(provisioned) == {}
    assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})["expired_uploads"] == 0


def test_only_the_version_that_was_checked_is_moved(api: Api, provisioned: Any, token: str, store: dict[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.kernel.repositories import objects as object_store

    store_id = store["id"]
    picture = png(16, 16)
    form_ = start(api, token, store_id, filename="a.png", mime_type="image/png", size=len(picture)).body
    post_form(form_, picture)
    read = object_store.ObjectStore.read_start

    def replaced_after_the_check(self: object_store.ObjectStore, key: str, size: int,
                                 version: str | None = None) -> bytes:
        data = read(self, key, size, version)
        post_form(form_, b"x" * len(picture))  # a second POST of the form between the check and the move
        return data

    with monkeypatch.context() as patch:
        patch.setattr(object_store.ObjectStore, "read_start", replaced_after_the_check)
        raced = complete(api, token, store_id, form_["media_id"])
    assert_error(raced, 409)
    assert raced.body["error"] == "MEDIA.UPLOAD_CHANGED"
    assert list(objects(provisioned)) == [f"stores/{store_id}/uploads/{form_['media_id']}.png"]
    assert usage(provisioned, store_id) == {} and list_media(api, token, store_id).body["items"] == []
    # The replacement is checked like any upload: it is no PNG.
    assert_error(complete(api, token, store_id, form_["media_id"]), 415)


def test_uploads_never_completed_are_deleted_by_the_scheduler(api: Api, provisioned: Any, token: str,
                                                              store: dict[str, Any],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import clock
    from tests.support import HOSTS

    store_id = store["id"]
    picture = png(8, 8)
    abandoned = start(api, token, store_id, filename="a.png", mime_type="image/png", size=len(picture)).body
    post_form(abandoned, picture)
    finished = start(api, token, store_id, filename="b.png", mime_type="image/png", size=len(picture)).body
    post_form(finished, picture)
    kept = complete(api, token, store_id, finished["media_id"]).body
    assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})["expired_uploads"] == 0  # not yet due

    later = clock.now() + 2 * 3600
    monkeypatch.setattr("storecrm.media.media.now", lambda: later)
    # Both uploads reach their end (a job each): the abandoned one's object goes, the completed one's media stays.
    assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})["expired_uploads"] == 2
    assert list(objects(provisioned)) == [kept["key"]]
    assert_error(complete(api, token, store_id, abandoned["media_id"]), 404)
    assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})["expired_uploads"] == 0
    assert api.call("GET", f"/v1/stores/{store_id}/media/{kept['id']}", token=token).status == 200


# ---------------------------------------------------------------- list
def test_the_list_pages_with_a_cursor_and_filters_by_ids_name_and_type(api: Api, token: str,
                                                                       store: dict[str, Any]) -> None:
    store_id = store["id"]
    made = [uploaded(api, token, store_id, file)[0] for file in [
        ("Summer-hero.png", png(8, 8)), ("winter.gif", gif(2, 2)), ("terms.pdf", b"%PDF-1.4\n"),
        ("price-list.csv", b"a,b\n"), ("summer-notes.txt", b"hi")]]
    newest_first = [m["id"] for m in reversed(made)]
    seen: list[str] = []
    cursor = None
    with counting_calls() as calls:
        while True:
            page = list_media(api, token, store_id, limit=2, **({"cursor": cursor} if cursor else {}))
            assert page.status == 200 and len(page.body["items"]) <= 2
            seen += [m["id"] for m in page.body["items"]]
            cursor = page.body["cursor"]
            if not cursor:
                break
    assert seen == newest_first
    assert calls.calls[:2] == ["dynamodb.BatchGetItem", "dynamodb.Query"]  # a page: the access, one Query
    oldest_first = list_media(api, token, store_id, sort_direction="asc").body["items"]
    assert [m["id"] for m in oldest_first] == [m["id"] for m in made]

    picked = list_media(api, token, store_id, ids=f"{made[0]['id']},{made[2]['id']},{uuid.uuid4()}")
    assert [m["id"] for m in picked.body["items"]] == [made[2]["id"], made[0]["id"]] and picked.body["cursor"] is None
    named = list_media(api, token, store_id, query="SUMMER")
    assert [m["name"] for m in named.body["items"]] == ["summer-notes.txt", "Summer-hero.png"]
    images = list_media(api, token, store_id, mime_type="image/")
    assert [m["name"] for m in images.body["items"]] == ["winter.gif", "Summer-hero.png"]
    assert [m["name"] for m in list_media(api, token, store_id, mime_type="text/csv").body["items"]] == \
        ["price-list.csv"]

    first = list_media(api, token, store_id, limit=2).body["cursor"]
    assert_error(list_media(api, token, store_id, cursor=first, sort_direction="asc"), 400, "cursor")
    assert_error(list_media(api, token, store_id, cursor="not-a-cursor"), 400, "cursor")
    foreign = base64.urlsafe_b64encode(json.dumps({"direction": "desc", "key": {
        "PK": f"STORE#{store_id}", "SK": "MARKET#x"}}).encode()).decode().rstrip("=")
    assert_error(list_media(api, token, store_id, cursor=foreign), 400, "cursor")
    assert_error(list_media(api, token, store_id, sort_field="size"), 400)
    assert_error(list_media(api, token, store_id, limit=0), 400)
    assert_error(list_media(api, token, store_id, ids=",".join(str(uuid.uuid4()) for _ in range(51))), 400)


# ---------------------------------------------------------------- update
def test_alt_title_and_slug_are_edited_and_cleared(api: Api, token: str, store: dict[str, Any]) -> None:
    store_id = store["id"]
    [media] = uploaded(api, token, store_id, ("a.png", png(4, 4)))
    path = f"/v1/stores/{store_id}/media/{media['id']}"
    edited = api.call("PUT", path, {"alt": "A red square", "title": "Square", "slug": {"en": "square"}}, token=token)
    assert edited.status == 200, edited.body
    assert (edited.body["alt"], edited.body["title"], edited.body["slug"]) == \
        ("A red square", "Square", {"en": "square"})
    cleared = api.call("PUT", path, {"alt": None}, token=token)
    assert (cleared.body["alt"], cleared.body["title"]) == (None, "Square")
    assert api.call("GET", path, token=token).body["title"] == "Square"
    assert_error(api.call("PUT", path, {"title": "x" * 301}, token=token), 400, "title")
    assert_error(api.call("PUT", path, {"slug": "not-a-map"}, token=token), 400, "slug")
    assert_error(api.call("PUT", f"/v1/stores/{store_id}/media/{uuid.uuid4()}", {"alt": "x"}, token=token), 404)
    assert api.call("GET", path, token=token).body["alt"] is None


# ---------------------------------------------------------------- another store's staff
def test_every_route_refuses_another_stores_staff(api: Api, provisioned: Any, token: str, store: dict[str, Any],
                                                  stranger: dict[str, Any]) -> None:
    store_id = store["id"]
    [media] = uploaded(api, token, store_id, ("a.png", png(4, 4)))
    waiting = start(api, token, store_id, filename="b.png", mime_type="image/png", size=len(png(4, 4))).body
    post_form(waiting, png(4, 4))
    theirs = stranger["token"]
    base = f"/v1/stores/{store_id}/media"
    body, content_type = form(("c.png", png(4, 4)))
    for reply in [
        api.call("GET", base, token=theirs, query={"limit": 5}),
        api.call("POST", base, raw_body=body, token=theirs, headers={"Content-Type": content_type}),
        start(api, theirs, store_id, filename="c.png", mime_type="image/png", size=10),
        complete(api, theirs, store_id, waiting["media_id"]),
        api.call("GET", f"{base}/{media['id']}", token=theirs),
        api.call("PUT", f"{base}/{media['id']}", {"alt": "mine now"}, token=theirs),
        api.call("DELETE", f"{base}/{media['id']}", token=theirs),
    ]:
        assert_error(reply, 404)
        assert reply.body["error"] == "STORE.NOT_FOUND"
    # Their own store's paths do not reach this store's media either.
    own = f"/v1/stores/{stranger['store']['id']}/media"
    assert_error(api.call("GET", f"{own}/{media['id']}", token=theirs), 404)
    assert_error(api.call("DELETE", f"{own}/{media['id']}", token=theirs), 404)
    assert_error(complete(api, theirs, stranger["store"]["id"], waiting["media_id"]), 404)
    assert list_media(api, theirs, stranger["store"]["id"], ids=media["id"]).body["items"] == []
    assert api.call("GET", f"{base}/{media['id']}", token=token).body["alt"] is None
    assert len(objects(provisioned)) == 2 and usage(provisioned, store_id)["items"] == 1


# ---------------------------------------------------------------- quota
def test_the_plans_media_bytes_are_a_quota(api: Api, provisioned: Any, token: str, store: dict[str, Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services

    plans = [{"id": "plan_free", "name": "Free", "tier": 0, "amount": 0, "currency": "USD", "interval": "month",
              "interval_count": 1, "limits": {"media_bytes": 1000}}]
    monkeypatch.setenv("BILLING_PLANS", json.dumps(plans))
    services.reset()
    store_id = store["id"]
    [first] = uploaded(api, token, store_id, ("a.txt", b"x" * 600))
    over = upload(api, token, store_id, ("b.txt", b"y" * 401))
    assert_error(over, 402)
    assert over.body["error"] == "BILLING.LIMIT_REACHED" and "limits.media_bytes" in over.body["message"]
    assert_error(start(api, token, store_id, filename="c.png", mime_type="image/png", size=401), 402)
    assert uploaded(api, token, store_id, ("b.txt", b"y" * 400))[0]["size"] == 400  # exactly to the cap
    assert usage(provisioned, store_id) == {"bytes": 1000, "items": 2}
    assert api.call("DELETE", f"/v1/stores/{store_id}/media/{first['id']}", token=token).status == 200
    assert uploaded(api, token, store_id, ("c.txt", b"z" * 600))[0]["size"] == 600


def test_a_presigned_upload_is_held_to_the_quota_when_it_completes(api: Api, provisioned: Any, token: str,
                                                                   store: dict[str, Any],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services

    plans = [{"id": "plan_free", "name": "Free", "tier": 0, "amount": 0, "currency": "USD", "interval": "month",
              "interval_count": 1, "limits": {"media_bytes": 1000}}]
    monkeypatch.setenv("BILLING_PLANS", json.dumps(plans))
    services.reset()
    store_id = store["id"]
    picture = png(4, 4) + b"\x00" * (700 - len(png(4, 4)))
    waiting = start(api, token, store_id, filename="a.png", mime_type="image/png", size=len(picture)).body
    uploaded(api, token, store_id, ("b.txt", b"y" * 400))  # room taken meanwhile
    post_form(waiting, picture)
    assert_error(complete(api, token, store_id, waiting["media_id"]), 402)
    assert usage(provisioned, store_id) == {"bytes": 400, "items": 1}


def test_public_base_url_replaces_presigned_links(api: Api, token: str, store: dict[str, Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services

    monkeypatch.setenv("MEDIA_PUBLIC_BASE_URL", "https://media.example.com/")
    services.reset()
    [media] = uploaded(api, token, store["id"], ("a.png", png(4, 4)))
    assert media["url"] == f"https://media.example.com/{media['key']}"


# ---------------------------------------------------------------- store delete
def test_deleting_a_store_deletes_its_objects_a_page_at_a_time_even_after_a_crash(
        api: Api, provisioned: Any, token: str, store: dict[str, Any], stranger: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services
    from storecrm.kernel.repositories import objects as object_store
    from tests.support import HOSTS

    uploaded(api, token, store["id"], ("a.png", png(4, 4)), ("b.png", png(5, 5)), ("c.png", png(6, 6)))
    [kept] = uploaded(api, stranger["token"], stranger["store"]["id"], ("d.png", png(7, 7)))
    monkeypatch.setattr(object_store, "PAGE", 2)
    first_page_only = object_store.ObjectStore.keys_under

    def cut_short(self: object_store.ObjectStore, prefix: str) -> Any:
        pages = first_page_only(self, prefix)
        yield next(pages)
        raise RuntimeError("lambda timed out")

    with monkeypatch.context() as patch:
        patch.setattr(object_store.ObjectStore, "keys_under", cut_short)
        assert api.call("DELETE", f"/v1/stores/{store['id']}", token=token).status == 500
    left = [k for k in objects(provisioned) if k.startswith(f"stores/{store['id']}/")]
    assert len(left) == 1  # one page of two went before the crash

    monkeypatch.setattr("storecrm.stores.stores.now", lambda: 2**31)  # the purge job is due
    services.reset()
    with counting_calls() as calls:
        assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})["purged_stores"] == 1
    assert calls.calls.count("s3.DeleteObjects") == 1
    assert list(objects(provisioned)) == [kept["key"]]  # the other store's file stays
    assert HOSTS["SchedulerFunction"].invoke({"source": "aws.events"})["purged_stores"] == 0
