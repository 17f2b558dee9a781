"""The store media library over HTTP against the local runner: an image uploaded as multipart (as the arky
client's uploadStoreMedia sends it) and one through a presigned S3 POST, listed with their sizes in pixels,
read back by their links, refused to another store's staff, and deleted."""

from __future__ import annotations

import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_pelcro_flows import _png
from tests.e2e.test_profile_flows import _store
from tests.e2e.test_storefront_client_calls import _owner_token


def test_images_upload_both_ways_list_with_their_size_and_delete(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "media-shop")
    bearer = {"Authorization": f"Bearer {_owner_token(runner_url, mailbox, 'media-shop')}"}
    media = f"{runner_url}/v1/stores/{store_id}/media"

    small = _png(120)
    sent = requests.post(media, headers=bearer, files=[("files", ("small.png", small, "image/png"))], timeout=30)
    assert sent.status_code == 200, sent.text
    [first] = sent.json()
    assert requests.get(first["resolutions"]["original"]["url"], timeout=15).content == small

    large = _png(600)
    started = requests.post(f"{media}/uploads", headers=bearer, timeout=15,
                            json={"filename": "large.png", "mime_type": "image/png", "size": len(large)})
    assert started.status_code == 200, started.text
    upload = started.json()
    posted = requests.post(upload["url"], data=upload["fields"], files={"file": ("large.png", large, "image/png")},
                           timeout=30)
    assert posted.status_code in (200, 204), posted.text
    completed = requests.post(f"{media}/{upload['media_id']}/complete", headers=bearer, timeout=15)
    assert completed.status_code == 200, completed.text

    listed = requests.get(media, headers=bearer, params={"limit": 10}, timeout=15).json()
    assert [(m["name"], m["width"], m["height"]) for m in listed["items"]] == \
        [("large.png", 600, 600), ("small.png", 120, 120)]
    assert requests.get(listed["items"][0]["url"], timeout=15).content == large

    other = _owner_token(runner_url, mailbox, "media-stranger")
    refused = requests.get(f"{media}/{first['id']}", headers={"Authorization": f"Bearer {other}"}, timeout=15)
    assert refused.status_code == 404

    for item in listed["items"]:
        gone = requests.delete(f"{media}/{item['id']}", headers=bearer, timeout=15)
        assert gone.status_code == 200 and gone.json() == {"deleted": True}
    assert requests.get(media, headers=bearer, params={"limit": 10}, timeout=15).json()["items"] == []
    # S3 answers 403 for a missing object to a signer that may not list the bucket (as the function may not).
    assert requests.get(first["url"], timeout=15).status_code in (403, 404)


# Issue 24 part 7's payloads, which the former blocklist let through: a script under a prefix bound to SVG, an
# XHTML script, and a javascript: link behind a character reference.
SVG_ATTACKS = [
    b'<svg xmlns="http://www.w3.org/2000/svg"><s:script xmlns:s="http://www.w3.org/2000/svg">alert(document.domain)'
    b'</s:script><rect width="8" height="8"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'
    b'<rect width="8" height="8"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><a href="&#106;avascript:alert(1)"><rect width="8" height="8"/></a>'
    b'</svg>',
]


def test_an_uploaded_svg_carries_no_script(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "media-safe-shop")
    bearer = {"Authorization": f"Bearer {_owner_token(runner_url, mailbox, 'media-safe-shop')}"}
    media = f"{runner_url}/v1/stores/{store_id}/media"

    sent = requests.post(media, headers=bearer, timeout=30,
                         files=[("files", (f"{i}.svg", svg, "image/svg+xml")) for i, svg in enumerate(SVG_ATTACKS)])
    assert sent.status_code == 200, sent.text
    for item in sent.json():
        served = requests.get(item["url"], timeout=15)
        assert served.status_code == 200
        assert b"script" not in served.content.lower() and b"<rect" in served.content, served.content
        assert served.headers["Content-Disposition"] == "attachment"  # opened directly, it downloads
        assert item["size"] == len(served.content)


def test_a_presigned_form_posted_again_after_completion_replaces_nothing(runner_url: str,
                                                                         mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "media-form-shop")
    bearer = {"Authorization": f"Bearer {_owner_token(runner_url, mailbox, 'media-form-shop')}"}
    media = f"{runner_url}/v1/stores/{store_id}/media"
    picture = _png(200)
    started = requests.post(f"{media}/uploads", headers=bearer, timeout=15,
                            json={"filename": "hero.png", "mime_type": "image/png", "size": len(picture)})
    assert started.status_code == 200, started.text
    upload = started.json()
    for body in (picture, SVG_ATTACKS[0].ljust(len(picture))):
        posted = requests.post(upload["url"], data=upload["fields"], timeout=30,
                               files={"file": ("hero.png", body, "image/png")})
        assert posted.status_code in (200, 204), posted.text
        completed = requests.post(f"{media}/{upload['media_id']}/complete", headers=bearer, timeout=15)
        assert completed.status_code == 200, completed.text
        assert requests.get(completed.json()["url"], timeout=15).content == picture
