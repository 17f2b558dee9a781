"""Issue 29's activity timeline: the storefront's track call, the store's events as activities, the staff's
timeline and find, the tracking pixel, retention, erasure and merge."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from tests.integration.api_client_support import client_token, new_client
from tests.integration.conftest import login
from tests.integration.test_carts import ADDRESS, current, line, sf, shop  # noqa: F401 - a fixture
from tests.support import Api, MailPipeline, Pipeline, counting_calls, latest_code, sent_mail

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.1 Mobile/15E148 Safari/604.1")
VIEWER = {"User-Agent": IPHONE, "CloudFront-Viewer-Country": "CH", "CloudFront-Viewer-Country-Region": "ZH",
          "CloudFront-Viewer-City": "Zurich", "CloudFront-Viewer-Time-Zone": "Europe/Zurich",
          "Accept-Language": "de-CH,de;q=0.9"}


def _sf(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/storefront/{store['id']}{tail}"


def _guest(api: Api, store: dict[str, Any]) -> dict[str, Any]:
    reply = api.call("POST", _sf(store, "/profiles/identify"), {"store_id": store["id"], "market": "us"})
    assert reply.status == 200, reply.body
    return {"bearer": reply.body["token"]["token"], "profile_id": reply.body["profile"]["id"]}


def _track(api: Api, store: dict[str, Any], bearer: str, body: dict[str, Any],
           headers: dict[str, str] | None = None) -> Any:
    return api.call("POST", _sf(store, "/activities/track"), body, token=bearer, headers=headers)


def _timeline(api: Api, store: dict[str, Any], token: str, profile_id: str, **query: Any) -> Any:
    return api.call("GET", f"/v1/stores/{store['id']}/activities/timeline", token=token,
                    query={"profile_id": profile_id, **query})


def test_track_records_the_sessions_profile_with_the_request_context_in_one_write(
        api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    shopper = _guest(api, store)
    _track(api, store, shopper["bearer"], {"type": "page_view"})  # the store's retention, read once per container
    with counting_calls() as calls:
        reply = _track(api, store, shopper["bearer"], {
            "type": "product_view", "payload": {"product_id": "p-1"},
            # Whatever the body says of where it came from is not taken.
            "country_code": "US", "profile_id": "someone-else"}, headers=VIEWER)
    assert reply.status == 200, reply.body
    assert calls.calls == ["dynamodb.TransactWriteItems"]  # one write, nothing read
    tracked = reply.body
    assert tracked["profile_id"] == shopper["profile_id"] and tracked["store_id"] == store["id"]
    assert (tracked["country_code"], tracked["region"], tracked["city"], tracked["timezone"]) == (
        "CH", "ZH", "Zurich", "Europe/Zurich")
    assert (tracked["device_type"], tracked["browser"], tracked["os"], tracked["language"]) == (
        "mobile", "Mobile Safari", "iOS", "de-CH")

    page = _timeline(api, store, owner["access_token"], shopper["profile_id"])
    assert page.status == 200, page.body
    assert [a["type"] for a in page.body["items"]] == ["product_view", "page_view"]  # newest first
    assert page.body["items"][0] == tracked and page.body["cursor"] is None


def test_track_refuses_bad_input_and_other_tokens(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    shopper = _guest(api, store)
    for bad in ({"type": "Page View"}, {}, {"type": "page_view", "payload": {"x": "y" * 5000}},
                {"type": "page_view", "payload": ["not", "an", "object"]}):
        reply = _track(api, store, shopper["bearer"], bad)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (bad, reply.body)
    assert _track(api, store, "", {"type": "page_view"}).status == 401
    assert _track(api, store, owner["access_token"], {"type": "page_view"}).status == 401  # staff is no shopper
    other = api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC",
                                            "billing_email": "o@example.com"}, token=owner["access_token"]).body
    # Another store's session tracks nothing here.
    reply = api.call("POST", _sf(other, "/activities/track"), {"type": "page_view"}, token=shopper["bearer"])
    assert reply.status == 401
    assert api.call("POST", _sf(store, "/profiles/logout"), token=shopper["bearer"]).status == 200
    assert _track(api, store, shopper["bearer"], {"type": "page_view"}).status == 401  # the session ended
    assert _timeline(api, store, owner["access_token"], shopper["profile_id"]).body["items"] == []


def test_track_is_rate_limited_per_session(api: Api, store: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services

    config = services.activity_service().config
    monkeypatch.setattr(services.activity_service(), "config",
                        type(config)(**{**vars(config), "activity_tracks_per_session": 3}))
    first, second = _guest(api, store), _guest(api, store)
    for _ in range(3):
        assert _track(api, store, first["bearer"], {"type": "page_view"}).status == 200
    refused = _track(api, store, first["bearer"], {"type": "page_view"})
    assert refused.status == 429 and refused.error == "GENERAL.RATE_LIMITED", refused.body
    assert _track(api, store, second["bearer"], {"type": "page_view"}).status == 200  # another session's own count


def test_store_events_become_activities_of_their_profile(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                         pipeline: Pipeline) -> None:
    token = owner["access_token"]
    profile = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "ann@example.com"}, token=token).body
    audience = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "news"}, token=token).body
    added = api.call("POST", f"/v1/stores/{store['id']}/audiences/{audience['id']}/subscribers",
                     {"profile_id": profile["id"]}, token=token)
    assert added.status == 200, added.body
    pipeline.fan_out()
    pipeline.fan_out()  # a record seen again (at-least-once) writes the same activity again: still one each
    page = _timeline(api, store, token, profile["id"]).body
    assert [a["type"] for a in page["items"]] == ["audience_subscribed", "profile_created"]
    assert page["items"][0]["payload"] == {"audience_id": audience["id"], "audience_key": "news"}
    found = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=token, query={"has_activity": "true"}).body
    assert [p["id"] for p in found["items"]] == [profile["id"]]


def test_staff_find_by_type_and_time_with_a_cursor(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    shopper = _guest(api, store)
    for kind in ("page_view", "search", "page_view", "page_view"):
        assert _track(api, store, shopper["bearer"], {"type": kind}).status == 200
    token, path = owner["access_token"], f"/v1/stores/{store['id']}/activities"
    with counting_calls() as calls:
        first = api.call("GET", path, token=token, query={"types": json.dumps(["page_view"]), "limit": 2})
    assert first.status == 200, first.body
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]  # the access read, one Query
    assert [a["type"] for a in first.body["items"]] == ["page_view", "page_view"] and first.body["cursor"]
    rest = api.call("GET", path, token=token, query={"types": json.dumps(["page_view"]), "limit": 2,
                                                     "cursor": first.body["cursor"]}).body
    assert [a["type"] for a in rest["items"]] == ["page_view"]
    everything = api.call("GET", path, token=token, query={"types": json.dumps(["search", "page_view"])}).body
    assert len(everything["items"]) == 4
    created = everything["items"][0]["created_at"]
    assert api.call("GET", path, token=token, query={"from": created + 10}).body["items"] == []
    assert len(api.call("GET", path, token=token, query={"to": created, "profile_id": shopper["profile_id"]})
               .body["items"]) == 4
    # A cursor of another list, a malformed one, a bad type, from after to: 400s.
    for query in ({"cursor": first.body["cursor"]}, {"cursor": "not-a-cursor"}, {"types": "[\"Bad Type\"]"},
                  {"types": "page_view"}, {"from": 10, "to": 5}):
        reply = api.call("GET", path, token=token, query=query)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (query, reply.body)


def test_other_stores_staff_and_clients_without_the_scope_read_nothing(
        api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    shopper = _guest(api, store)
    assert _track(api, store, shopper["bearer"], {"type": "page_view"}).status == 200
    stranger = login(api, "stranger@example.com")["access_token"]
    api.call("POST", "/v1/stores", {"key": "stranger-shop", "timezone": "UTC", "billing_email": "s@example.com"},
             token=stranger)
    for path, query in ((f"/v1/stores/{store['id']}/activities/timeline", {"profile_id": shopper["profile_id"]}),
                        (f"/v1/stores/{store['id']}/activities", {})):
        reply = api.call("GET", path, token=stranger, query=query)
        assert reply.status == 404 and reply.error == "STORE.NOT_FOUND", reply.body
        assert api.call("GET", path, query=query).status == 401
        assert api.call("GET", path, token=shopper["bearer"], query=query).status == 403  # a shopper is no staff
    owner_token = owner["access_token"]
    unscoped = new_client(api, owner_token, store["id"], scopes=["profiles:write"])
    reply = _timeline(api, store, client_token(api, unscoped), shopper["profile_id"])
    assert reply.status == 403 and reply.error == "GENERAL.INSUFFICIENT_SCOPE", reply.body
    reader = new_client(api, owner_token, store["id"], scopes=["profiles:read"])
    assert len(_timeline(api, store, client_token(api, reader), shopper["profile_id"]).body["items"]) == 1
    # Another store's profile is not found here, though its id is a real one.
    theirs = api.call("POST", "/v1/stores", {"key": "owners-second", "timezone": "UTC",
                                             "billing_email": "b@example.com"}, token=owner_token).body
    their_shopper = _guest(api, theirs)
    reply = _timeline(api, store, owner_token, their_shopper["profile_id"])
    assert reply.status == 404 and reply.error == "PROFILE.NOT_FOUND"


def _pixel_token(store_id: str, profile_id: str, mail_id: str) -> str:
    from storecrm.clock import now
    from storecrm.identity.gateways.signing_keys import signing_keys
    from storecrm.messaging import email_tracking

    return email_tracking.issue(store_id, profile_id, mail_id, now(), signing_keys())


def test_the_pixel_records_an_open_only_for_a_signed_token(api: Api, owner: dict[str, Any],
                                                           store: dict[str, Any]) -> None:
    shopper = _guest(api, store)
    token = _pixel_token(store["id"], shopper["profile_id"], "mail-1")
    payload, _, signature = token.partition(".")
    forged_payload = base64.urlsafe_b64encode(json.dumps(json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))) | {"p": "someone-else"}).encode()
                                              ).decode().rstrip("=")
    for forged in (f"{forged_payload}.{signature}", token[:-3] + "abc", "nonsense", "x" * 3000):
        reply = api.call("GET", f"/v1/notifications/track/pixel/{forged}")
        assert reply.status == 200 and reply.headers["content-type"] == "image/gif", forged
    assert _timeline(api, store, owner["access_token"], shopper["profile_id"]).body["items"] == []
    reply = api.call("GET", f"/v1/notifications/track/pixel/{token}")
    assert reply.status == 200 and reply.headers["content-type"] == "image/gif"
    opened = _timeline(api, store, owner["access_token"], shopper["profile_id"]).body["items"]
    assert [(a["type"], a["payload"]) for a in opened] == [("email_opened", {"mail_id": "mail-1"})]


def test_retention_ttl_erasure_and_merge(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    changed = api.call("PUT", f"/v1/stores/{store['id']}", {"activity_retention_days": 30}, token=token)
    assert changed.status == 200 and changed.body["activity_retention_days"] == 30, changed.body
    assert api.call("PUT", f"/v1/stores/{store['id']}", {"activity_retention_days": 0}, token=token).status == 400
    from storecrm import services
    from storecrm.kernel.repositories.base import default_table
    from storecrm.kernel.repositories.keys import store_partition

    services.reset()  # a fresh container: the store's retention is read again
    source, target = _guest(api, store), _guest(api, store)
    assert _track(api, store, source["bearer"], {"type": "page_view"}).status == 200
    assert _track(api, store, target["bearer"], {"type": "search"}).status == 200
    items = list(default_table().query_all(store_partition(store["id"]), sk_prefix=f"ACTIVITY#{source['profile_id']}#"))
    assert items[0]["expires_at"] == items[0]["created_at"] + 30 * 24 * 3600

    merged = api.call("POST", f"/v1/stores/{store['id']}/profiles/{target['profile_id']}/merge",
                      {"source_id": source["profile_id"]}, token=token)
    assert merged.status == 200, merged.body
    assert _timeline(api, store, token, source["profile_id"]).status == 404  # the source is gone
    moved = _timeline(api, store, token, target["profile_id"]).body["items"]
    assert sorted(a["type"] for a in moved) == ["page_view", "search"]
    assert all(a["profile_id"] == target["profile_id"] for a in moved)

    from storecrm.clock import now

    # Expired (DynamoDB deletes lazily, moto never): no reader shows it.
    with pytest.MonkeyPatch.context() as later:
        later.setattr("storecrm.crm.repositories.activities.now", lambda: now() + 31 * 24 * 3600)
        assert _timeline(api, store, token, target["profile_id"]).body["items"] == []

    from tests.integration.test_newstore_profiles import BASE, run_scheduler
    from tests.integration.test_newstore_profiles import client_token as newstore_token

    erased = api.call("DELETE", f"{BASE}/{target['profile_id']}", token=newstore_token(store["id"]))
    assert erased.status == 202, erased.body
    assert run_scheduler()["erased_profiles"] == 1
    assert list(default_table().query_all(store_partition(store["id"]),
                                          sk_prefix=f"ACTIVITY#{target['profile_id']}#")) == []



def test_a_store_mail_to_a_profile_carries_its_pixel_which_records_one_open(
        api: Api, owner: dict[str, Any], store: dict[str, Any], shop: dict[str, Any], mails: MailPipeline,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.commerce import cart_recovery
    from storecrm.kernel import due
    from storecrm.services import due_scheduler

    shopper = _guest(api, store)
    cart = current(api, store, shopper["bearer"])
    filled = api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line(shop)], "shipping_address": {
        **ADDRESS, "email": "pixel@example.com"}}, token=shopper["bearer"])
    assert filled.status == 200, filled.body
    clock = {"now": filled.body["last_activity_at"] + 31 * 60}  # the cart's first check
    for module in (due, cart_recovery):
        monkeypatch.setattr(module, "now", lambda: clock["now"])
    due_scheduler().run(60)
    clock["now"] = filled.body["last_activity_at"] + 4 * 3600 + 60
    due_scheduler().run(60)  # the cart's recovery mail, to the cart's profile
    mails.run()
    [mail] = sent_mail("pixel@example.com")
    [url] = re.findall(r'<img src="([^"]+)" width="1" height="1"', mail["body"])
    base, _, token = url.partition("/v1/notifications/track/pixel/")
    assert base.startswith("https://") and token
    payload = json.loads(base64.urlsafe_b64decode(token.partition(".")[0] + "=="))
    owner_token = owner["access_token"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert api.call("GET", f"/v1/notifications/track/pixel/{forged}").status == 200
    assert _opens(api, store, owner_token, shopper["profile_id"]) == []
    reply = api.call("GET", f"/v1/notifications/track/pixel/{token}")
    assert reply.status == 200 and reply.headers["content-type"] == "image/gif"
    assert _opens(api, store, owner_token, shopper["profile_id"]) == [{"mail_id": payload["m"]}]


def _opens(api: Api, store: dict[str, Any], token: str, profile_id: str) -> list[Any]:
    return [a["payload"] for a in _timeline(api, store, token, profile_id).body["items"] if a["type"] == "email_opened"]


def _types(api: Api, store: dict[str, Any], token: str, profile_id: str) -> list[str]:
    return sorted(a["type"] for a in _timeline(api, store, token, profile_id).body["items"])


def _profile_login(api: Api, store: dict[str, Any], email: str) -> dict[str, Any]:
    base = f"/v1/stores/{store['id']}/profiles/auth"
    assert api.call("POST", f"{base}/code", {"email": email}).status == 200
    reply = api.call("POST", f"{base}/verify", {"email": email, "code": latest_code(email)})
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_sign_up_sign_in_and_the_first_proof_of_an_email_are_recorded_in_the_sessions_transaction(
        api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    other_store = api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC",
                                                  "billing_email": "o@example.com"}, token=token).body
    # A code for an email nobody has: the profile is made by the sign-up, verified by it.
    first = _profile_login(api, store, "new@example.com")
    assert _types(api, store, token, first["id"]) == ["signup", "verified_email"]
    # Signing in again: one `signin`, the email is not proved a second time.
    again = _profile_login(api, store, "new@example.com")
    assert again["id"] == first["id"]
    assert _types(api, store, token, first["id"]) == ["signin", "signup", "verified_email"]
    # A profile staff made (unverified): its first sign-in proves the email.
    made = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "staff-made@example.com"}, token=token)
    assert made.status == 200, made.body
    _profile_login(api, store, "staff-made@example.com")
    assert _types(api, store, token, made.body["id"]) == ["signin", "verified_email"]
    # Another store's sign-up of the same email is that store's own profile.
    theirs = _profile_login(api, other_store, "new@example.com")
    assert theirs["id"] != first["id"]
    assert _types(api, store, token, first["id"]) == ["signin", "signup", "verified_email"]


def test_a_carts_first_item_and_its_checkout_are_recorded_once_each(
        api: Api, owner: dict[str, Any], store: dict[str, Any], shop: dict[str, Any]) -> None:  # noqa: F811
    token = owner["access_token"]
    shopper = _guest(api, store)
    cart = current(api, store, shopper["bearer"])
    added = api.call("POST", sf(store, f"/{cart['id']}/items"), {"item": line(shop)}, token=shopper["bearer"])
    assert added.status == 200, added.body
    assert _types(api, store, token, shopper["profile_id"]) == ["cart_added"]
    more = api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line(shop, 2)]}, token=shopper["bearer"])
    assert more.status == 200, more.body  # the cart held items already: nothing new
    assert _types(api, store, token, shopper["profile_id"]) == ["cart_added"]
    checkout = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=shopper["bearer"])
    assert checkout.status == 200, checkout.body
    page = _timeline(api, store, token, shopper["profile_id"]).body["items"]
    assert sorted(a["type"] for a in page) == ["cart_added", "checkout_started"]
    started = next(a for a in page if a["type"] == "checkout_started")
    assert started["payload"] == {"cart_id": cart["id"], "order_id": checkout.body["order_id"]}
    # Another shopper's cart in the same store is theirs alone.
    assert _types(api, store, token, _guest(api, store)["profile_id"]) == []


def test_a_double_opt_in_confirmation_and_an_unsubscribe_link_are_recorded_once_each(
        api: Api, owner: dict[str, Any], store: dict[str, Any], mails: MailPipeline) -> None:
    from tests.integration.test_audiences import TEMPLATE, _a, _links, _shopper

    token = owner["access_token"]
    template = api.call("POST", f"/v1/stores/{store['id']}/email-templates", TEMPLATE, token=token).body
    audience = api.call("POST", _a(store), {"key": "letters", "confirm_template_id": template["id"]},
                        token=token).body
    shopper = _shopper(api, store, "opt-in@example.com")
    asked = api.call("POST", _a(store, f"/{audience['id']}/subscribe"), {"profile_id": shopper["id"]},
                     token=shopper["access_token"])
    assert asked.status == 200 and asked.body["subscription"]["status"] == "pending", asked.body
    mails.run()
    links = _links("opt-in@example.com")
    assert _types(api, store, token, shopper["id"]) == []  # asked, not confirmed
    assert api.call("GET", _a(store, "/confirm"), query={"token": links["Confirm"]}).status == 200
    assert api.call("GET", _a(store, "/confirm"), query={"token": links["Confirm"]}).status == 400  # used
    assert _types(api, store, token, shopper["id"]) == ["audience_confirmed"]
    assert api.call("GET", _a(store, "/unsubscribe"), query={"token": links["Leave"]}).status == 200
    assert api.call("GET", _a(store, "/unsubscribe"), query={"token": links["Leave"]}).status == 400
    page = _timeline(api, store, token, shopper["id"]).body["items"]
    assert sorted(a["type"] for a in page) == ["audience_confirmed", "audience_unsubscribed"]
    assert {tuple(sorted(a["payload"].items())) for a in page} == {
        (("audience_id", audience["id"]), ("audience_key", "letters"))}


def test_staff_revoking_sessions_is_recorded_in_the_revocations_transaction(
        api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    base = f"/v1/stores/{store['id']}/profiles"
    first = api.call("POST", f"{base}/connect", {"email": "revoked@example.com"}).body
    api.call("POST", f"{base}/connect", {"email": "revoked@example.com"})
    profile_id = first["id"]
    listed = api.call("GET", f"{base}/{profile_id}", token=token).body["profile"]["auth_tokens"]
    assert len(listed) == 2
    one = api.call("DELETE", f"{base}/{profile_id}/sessions/{listed[0]['id']}", token=token)
    assert one.status == 200, one.body
    assert [a["payload"] for a in _timeline(api, store, token, profile_id).body["items"]] == [{"sessions": 1}]
    # Another store's staff revokes nothing and records nothing.
    stranger = login(api, "stranger@example.com")["access_token"]
    api.call("POST", "/v1/stores", {"key": "stranger-shop", "timezone": "UTC", "billing_email": "s@example.com"},
             token=stranger)
    assert api.call("DELETE", f"{base}/{profile_id}/sessions", token=stranger).status == 404
    assert _types(api, store, token, profile_id) == ["sessions_revoked"]
    everything = api.call("DELETE", f"{base}/{profile_id}/sessions", token=token)
    assert everything.status == 200, everything.body
    page = _timeline(api, store, token, profile_id).body["items"]
    assert [(a["type"], a["payload"]) for a in page] == [("sessions_revoked", {"sessions": 1}),
                                                        ("sessions_revoked", {"sessions": 1})]


def _profile_id(api: Api, store: dict[str, Any], token: str, email: str) -> str:
    found = api.call("GET", f"/v1/stores/{store['id']}/profiles", token=token, query={"query": email}).body["items"]
    [profile] = [p for p in found if p["email"] == email]
    return str(profile["id"])


def test_pelcro_and_newstore_sign_ups_and_sign_ins_are_recorded(
        api: Api, owner: dict[str, Any], store: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm.identity import passwords
    from tests.integration.test_newstore_profiles import BASE
    from tests.integration.test_newstore_profiles import client_token as newstore_token
    from tests.integration.test_pelcro_customers import PASSWORD, SDK, customer, register

    monkeypatch.setattr(passwords, "CURRENT", passwords.ScryptParameters(n=2**10, r=8, p=1))  # cheaper hashes
    token = owner["access_token"]
    customer(register(api, store, "reader@example.com"))
    reader = _profile_id(api, store, token, "reader@example.com")
    assert _types(api, store, token, reader) == ["signup"]
    customer(api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": "reader@example.com",
                                                   "password": PASSWORD}))
    assert _types(api, store, token, reader) == ["signin", "signup"]
    assert api.call("POST", f"{SDK}/auth/login", {"site_id": store["id"], "email": "reader@example.com",
                                                 "password": "wrong-password-1"}).status == 401
    assert _types(api, store, token, reader) == ["signin", "signup"]  # a failed login records nothing
    # A code login for an email nobody has signs up and proves the email.
    assert api.call("POST", f"{SDK}/auth/passwordless/request", {"site_id": store["id"],
                                                                 "email": "coded@example.com"}).status == 200
    customer(api.call("POST", f"{SDK}/auth/passwordless/login", {"site_id": store["id"], "email": "coded@example.com",
                                                                "token": latest_code("coded@example.com")}))
    assert _types(api, store, token, _profile_id(api, store, token, "coded@example.com")) == [
        "signup", "verified_email"]
    # NewStore's consumer creation is its sign-up.
    made = api.call("POST", BASE, {"email": "consumer@example.com"}, token=newstore_token(store["id"]))
    assert made.status == 200, made.body
    assert _types(api, store, token, made.body["id"]) == ["signup"]
