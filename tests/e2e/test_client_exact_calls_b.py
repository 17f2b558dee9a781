"""arky-sdk 0.9.1 (fe001ba) calls of issue 30 (second half) over HTTP against the local runner, with the paths
and bodies the client sends, each answer compared with the client's TypeScript type (tests/arky_types.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import requests
from tests.arky_types import assert_client_shape
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token

GIF = b"GIF89a" + b"\x04\x00\x04\x00" + b"\x00\x00\x00" + b"\x2c" + b"\x00" * 9 + b"\x3b"


def test_oauth_disconnect_answers_disconnected(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "oauth-exact-shop")
    owner = _owner_token(runner_url, mailbox, "oauth-exact-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    made = _post(f"{admin}/integrations", {"key": "google", "provider": {
        "type": "google", "client_id": "client-1.apps.example.com", "client_secret": "google-secret-1234"}}, owner)
    assert made.status_code == 200, made.text

    # store.oauthDisconnect({store_id, provider}): post(`/v1/stores/${store_id}/oauth/disconnect`, {provider})
    gone = _post(f"{admin}/oauth/disconnect", {"provider": "google"}, owner)
    assert gone.status_code == 200, gone.text
    assert_client_shape(gone.json(), "{ disconnected: boolean }")
    assert gone.json()["disconnected"] is True

    refused = _post(f"{admin}/oauth/disconnect", {"provider": "myspace"}, owner)
    assert refused.status_code == 400 and refused.json()["statusCode"] == 400
    other_owner = _owner_token(runner_url, mailbox, "oauth-other-shop")
    assert _post(f"{admin}/oauth/disconnect", {"provider": "google"}, other_owner).status_code == 404


def test_profile_sessions_and_free_audience_answers(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "profile-exact-shop")
    owner = _owner_token(runner_url, mailbox, "profile-exact-shop")
    admin, front = f"{runner_url}/v1/stores/{store_id}", f"{runner_url}/v1/storefront/{store_id}"
    audience = _post(f"{admin}/audiences", {"key": "news"}, owner).json()

    # storefront.crm.profile.identify({email, verify: true}) then verify({code}), as the client sends them
    before = mailbox.count("exact@example.com")
    named = _post(f"{front}/profiles/identify", {"store_id": store_id, "market": None, "email": "exact@example.com",
                                                 "verify": True}).json()
    verified = _post(f"{front}/profiles/verify", {"store_id": store_id, "code": mailbox("exact@example.com",
                                                                                          since=before)},
                     named["token"]["token"]).json()
    bearer, profile_id = verified["token"], named["profile"]["id"]
    # A second device names the same email: another (live) session of the profile.
    other = _post(f"{front}/profiles/identify", {"store_id": store_id, "market": None, "email": "exact@example.com",
                                                 "verify": False}).json()

    # storefront.crm.audience.subscribe({id, profile_id}) and checkAccess({id}) on a free audience
    subscribed = _post(f"{front}/audiences/{audience['id']}/subscribe", {"profile_id": profile_id}, bearer)
    assert subscribed.status_code == 200, subscribed.text
    assert_client_shape(subscribed.json(), "AudienceSubscribeResponse")
    access = _get(f"{front}/audiences/{audience['id']}/access", bearer).json()
    assert_client_shape(access, "AudienceAccessResponse")
    assert access["has_access"] is True and access["subscription"]["end_date"] == 0
    assert access["subscription"]["plan_id"] == "" and access["subscription"]["payment"]["currency"] == ""

    # storefront.crm.profile.getMe(): ProfileDetail, secrets of sessions and codes empty
    me = _get(f"{front}/profiles/me", bearer).json()
    assert_client_shape(me, "ProfileDetail")
    assert {t["id"] for t in me["profile"]["auth_tokens"]} == {verified["id"], other["token"]["id"]}
    assert {t["token"] for t in me["profile"]["auth_tokens"]} == {""}

    # storefront.crm.profile.logout(): post(`.../profiles/logout`, {})
    assert _post(f"{front}/profiles/logout", {}, bearer).json() == {"logged_out": True}
    detail = _get(f"{admin}/profiles/{profile_id}", owner).json()
    assert_client_shape(detail, "ProfileDetail")
    assert [t["id"] for t in detail["profile"]["auth_tokens"]] == [other["token"]["id"]]
    revoked = requests.delete(f"{admin}/profiles/{profile_id}/sessions/{verified['id']}",
                              headers={"Authorization": f"Bearer {owner}"}, timeout=15)
    assert revoked.status_code == 404 and revoked.json()["error"] == "SESSION.NOT_FOUND"
    # Another store's staff cannot read the profile's sessions.
    stranger = _owner_token(runner_url, mailbox, "profile-exact-other")
    assert _get(f"{admin}/profiles/{profile_id}", stranger).status_code == 404


def test_the_client_pages_locations_by_the_last_id(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "location-exact-shop")
    owner = _owner_token(runner_url, mailbox, "location-exact-shop")
    base = f"{runner_url}/v1/stores/{store_id}/locations"
    made = [_post(base, {"key": f"depot-{i}", "address": {"city": "Lyon", "country": "FR"}, "store_id": store_id},
                  owner).json()["id"] for i in range(3)]
    # location.list({params: {limit: 2}}), then list({params: {limit: 2, after: <the last id>}}) until short
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    for _ in range(5):
        page = _get(f"{base}?{urlencode(params)}", owner)
        assert page.status_code == 200, page.text
        assert_client_shape(page.json(), "Location[]")
        seen += [loc["id"] for loc in page.json()]
        if len(page.json()) < params["limit"]:
            break
        params["after"] = page.json()[-1]["id"]
    assert seen == made
    refused = _get(f"{base}?{urlencode({'after': 'x'})}", owner)
    assert refused.status_code == 400 and refused.json()["error"] == "GENERAL.VALIDATION_ERROR"
    stranger = _owner_token(runner_url, mailbox, "location-exact-other")
    assert _get(f"{base}?{urlencode({'after': made[0]})}", stranger).status_code == 404


def test_upload_store_media_fetches_urls_but_never_a_private_address(runner_url: str, mailbox: LatestCode) -> None:
    from tests.integration.test_media_urls import FileServer

    store_id = _store(runner_url, mailbox, "media-exact-shop")
    owner = _owner_token(runner_url, mailbox, "media-exact-shop")
    server = FileServer()
    try:
        server.files["/logo.gif"] = (200, {"Content-Type": "image/gif"}, GIF)
        server.files["/to-lan"] = (302, {"Location": "http://192.168.0.10/logo.gif"}, b"")
        # media.uploadStoreMedia({store_id, urls}): a FormData with one `urls` entry per URL
        made = requests.post(f"{runner_url}/v1/stores/{store_id}/media",
                             files=[("urls", (None, f"{server.base}/logo.gif"))],
                             headers={"Authorization": f"Bearer {owner}"}, timeout=30)
        assert made.status_code == 200, made.text
        assert_client_shape(made.json(), "Media[]")
        assert made.json()[0]["mime_type"] == "image/gif" and made.json()[0]["name"] == "logo.gif"
        # The runner allows loopback (as webhooks do locally); a redirect into a private range stays refused.
        for url in (f"{server.base}/to-lan", "http://10.0.0.1/logo.gif", "http://169.254.169.254/"):
            refused = requests.post(f"{runner_url}/v1/stores/{store_id}/media", files=[("urls", (None, url))],
                                    headers={"Authorization": f"Bearer {owner}"}, timeout=30)
            assert refused.status_code == 400, refused.text
            assert refused.json()["validationErrors"][0]["field"] == "urls"
        assert server.requested == ["/logo.gif", "/to-lan"]
        stranger = _owner_token(runner_url, mailbox, "media-exact-other")
        foreign = requests.post(f"{runner_url}/v1/stores/{store_id}/media",
                                files=[("urls", (None, f"{server.base}/logo.gif"))],
                                headers={"Authorization": f"Bearer {stranger}"}, timeout=30)
        assert foreign.status_code == 404 and server.requested == ["/logo.gif", "/to-lan"]
    finally:
        server.server.shutdown()
        server.server.server_close()
