"""A store purge is complete (issue 24 part 8): a store with one record of every kind is deleted, and a scan of the
whole table and bucket finds nothing that names it or its profiles but what TTL removes (README, "Erasure and
store deletion"); another store's records are all still there."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.integration.conftest import login
from tests.integration.test_audiences import TEMPLATE
from tests.integration.test_carts import ADDRESS, US_ZONE, current, make_product, sf, shopper
from tests.integration.test_integrations import GOOGLE
from tests.integration.test_media import form, post_form, start
from tests.integration.test_newstore_profiles import BASE, client_token
from tests.integration.test_order_reminders import ALL_DAY, _eleven_minutes_ahead
from tests.integration.test_pelcro_customers import SDK, customer, register
from tests.integration.test_pelcro_offers import COUPON
from tests.integration.test_pelcro_picture import png
from tests.integration.test_pelcro_picture import upload as upload_picture
from tests.support import Api, Pipeline, Receiver

# What may name a purged store or its profiles, and why: each is removed by TTL (`expires_at`), and no later
# request can use it (its store is gone). Codes live 10 minutes, rate counters two of their windows (at most 20
# minutes here); DynamoDB deletes expired items lazily (usually within a few days) and the code checks expiry.
MAY_STAY = {"CODE": "a login code requested shortly before (TTL 10 minutes)",
            "RATE": "a rate counter of such a request (TTL two windows)"}


def _ok(reply: Any) -> Any:
    assert reply.status == 200, reply.body
    return reply.body


def _scan(provisioned: Any) -> tuple[list[dict[str, Any]], list[str]]:
    from storecrm.kernel.repositories.table import deserialize

    dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=provisioned.refs["Table"]):
        items += [deserialize(i) for i in page["Items"]]
    listed = s3.list_objects_v2(Bucket=provisioned.refs["MediaBucket"]).get("Contents", [])
    return items, [o["Key"] for o in listed]


def _keys(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(str(i["PK"]), str(i["SK"])) for i in items}


def _naming(items: list[dict[str, Any]], keys: list[str], names: set[str]) -> tuple[list[dict[str, Any]], list[str]]:
    found = [i for i in items if any(n in json.dumps(i, default=str) for n in names)]
    return found, [k for k in keys if any(n in k for n in names)]


def _kind(item: dict[str, Any]) -> str:
    return "RATE" if str(item["PK"]).startswith("RATE#") else str(item.get("entity"))


def _fill(api: Api, token: str, store: dict[str, Any], pipeline: Pipeline | None, receiver: Receiver | None,
          tag: str) -> tuple[set[str], set[str]]:
    """One record of every kind the store can have (with a webhook, its deliveries and an erasure not run yet
    when `pipeline` is given); answers the ids and emails of its profiles."""
    sid = store["id"]
    admin = f"/v1/stores/{sid}"
    _ok(api.call("POST", f"{admin}/members", {"email": f"clerk-{tag}@example.com"}, token=token))
    [us] = [m for m in _ok(api.call("GET", f"{admin}/markets", token=token)) if m["key"] == "us"]
    _ok(api.call("PUT", f"{admin}/markets/{us['id']}", {"payment_methods": [{"id": "cash"}], "zones": [US_ZONE]},
                 token=token))
    product = make_product(api, token, store)
    service = _ok(api.call("POST", f"{admin}/services", {"key": "lesson", "status": "active"}, token=token))
    provider = _ok(api.call("POST", f"{admin}/providers", {"key": "bob", "status": "active"}, token=token))
    _ok(api.call("POST", f"{admin}/service-providers", {
        "service_id": service["id"], "provider_id": provider["id"], "working_days": ALL_DAY, "specific_dates": [],
        "slot_interval": 5, "durations": [{"duration": 5}], "reminders": [600],
        "prices": [{"currency": "USD", "market": "us", "amount": 1000}]}, token=token))
    location = _ok(api.call("POST", f"{admin}/locations", {"key": "soho", "address": {"country": "US"}}, token=token))
    _ok(api.call("POST", f"{admin}/api-clients", {"name": "Back office", "scopes": ["profiles:read"]}, token=token))
    template = _ok(api.call("POST", f"{admin}/email-templates", TEMPLATE, token=token))
    news = _ok(api.call("POST", f"{admin}/audiences", {"key": "news"}, token=token))
    _ok(api.call("POST", f"{admin}/audiences", {"key": "double", "confirm_template_id": template["id"]},
                 token=token))
    _ok(api.call("POST", f"{admin}/integrations", {"key": "google", "provider": GOOGLE}, token=token))
    _ok(api.call("POST", f"{admin}/offers", COUPON, token=token))
    if receiver is not None:
        _ok(api.call("POST", f"{admin}/webhooks", {"key": "all", "url": receiver.url, "secret": "whsec_purge",
                                                   "events": [{"event": "profile.created"},
                                                              {"event": "order.created"}]}, token=token))
    body, content_type = form(("logo.png", png(8, 8)))
    _ok(api.call("POST", f"{admin}/media", raw_body=body, token=token, headers={"Content-Type": content_type}))
    waiting = _ok(start(api, token, sid, filename="big.png", mime_type="image/png", size=len(png(4, 4))))
    post_form(waiting, png(4, 4))  # a presigned upload never completed: its item, due entry and pending object

    emails = {f"{kind}-{tag}@example.com" for kind in ("staff", "newstore", "pelcro", "shopper", "booker", "gone")}
    ids = {_ok(api.call("POST", f"{admin}/profiles", {"email": f"staff-{tag}@example.com", "taxonomies": [
        {"taxonomy_id": "loyalty", "fields": [{"id": "t", "key": "tier", "type": "text", "value": "gold"}]}]},
        token=token))["id"]}
    client = client_token(sid)
    newstore = _ok(api.call("POST", BASE, {"email": f"newstore-{tag}@example.com", "first_name": "Nina",
                                           "last_name": "Store", "phone_number": "202-555-0100",
                                           "extended_attributes": [{"name": "fit", "value": "slim"}]}, token=client))
    ids.add(newstore["id"])
    _ok(api.call("PUT", f"/v0/clienteling/stores/{location['id']}/consumers/{newstore['id']}",
                 {"state": "accepted"}, token=client))
    pelcro = customer(register(api, store, f"pelcro-{tag}@example.com", username=f"reader-{tag}"))
    _ok(upload_picture(api, pelcro["token"], sid, png(200, 200)))
    _ok(api.call("GET", f"{SDK}/customer/email/verify", token=pelcro["token"], query={"site_id": sid}))
    _ok(api.call("POST", f"{admin}/profiles/auth/code", {"email": f"pelcro-{tag}@example.com"}))

    bearer = shopper(api, store, f"shopper-{tag}@example.com")
    cart = current(api, store, bearer)
    address = {**ADDRESS, "email": f"shopper-{tag}@example.com"}
    line = {"product_id": product["id"], "variant_id": product["variants"][0]["id"], "quantity": 1}
    filled = _ok(api.call("PUT", sf(store, f"/{cart['id']}"), {"items": [line], "shipping_address": address,
                                                               "shipping_method_id": "standard"}, token=bearer))
    ids.add(filled["profile_id"])
    _ok(api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer))
    open_cart = current(api, store, bearer)  # open, with an email: an abandoned-cart due entry
    _ok(api.call("PUT", sf(store, f"/{open_cart['id']}"), {"items": [line], "shipping_address": address},
                 token=bearer))
    _ok(api.call("POST", f"{admin}/audiences/{news['id']}/subscribers", {"profile_id": filled["profile_id"]},
                 token=token))

    from storecrm.clock import now

    booker = shopper(api, store, f"booker-{tag}@example.com")
    booking = current(api, store, booker)
    slot = _eleven_minutes_ahead(now() + 2 * 86400)  # its reminder is not due while the test runs
    booked = _ok(api.call("PUT", sf(store, f"/{booking['id']}"), {"items": [{
        "type": "service", "service_id": service["id"], "provider_id": provider["id"],
        "slots": [{"from": slot, "to": slot + 300}]}]}, token=booker))
    ids.add(booked["profile_id"])
    _ok(api.call("POST", sf(store, f"/{booking['id']}/checkout"), {}, token=booker))  # booked cells, a reminder

    if pipeline is not None:
        gone = _ok(api.call("POST", BASE, {"email": f"gone-{tag}@example.com"}, token=client))
        ids.add(gone["id"])
        _ok(api.call("POST", f"{admin}/audiences/{news['id']}/subscribers", {"profile_id": gone["id"]}, token=token))
        assert api.call("DELETE", f"{BASE}/{gone['id']}", token=client).status == 202  # its erasure not run yet
    ids |= {p["id"] for p in _ok(api.call("GET", f"{admin}/profiles", token=token, query={"limit": 50}))["items"]}
    if pipeline is not None:
        for _ in range(20):  # each pass reads one batch of the stream
            pipeline.run()
            if receiver is not None and len(receiver.received) >= 2:
                break
    return ids, emails


def test_a_purged_store_leaves_nothing_but_what_ttl_removes(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                            provisioned: Any, receiver: Receiver,
                                                            local_webhooks: None, pipeline: Pipeline) -> None:
    from storecrm.clock import now
    from tests.integration.test_newstore_profiles import run_scheduler

    token = owner["access_token"]
    ids, emails = _fill(api, token, store, pipeline, receiver, "gone")
    assert receiver.received, "the webhook's deliveries were logged"
    other_owner = login(api, "keeper@example.com")["access_token"]
    other = _ok(api.call("POST", "/v1/stores", {"key": "kept-shop", "timezone": "UTC",
                                                "billing_email": "k@example.com"}, token=other_owner))
    other_ids, other_emails = _fill(api, other_owner, other, None, None, "kept")
    items, keys = _scan(provisioned)
    names = {store["id"], *ids, *emails}
    named, objects = _naming(items, keys, names)
    assert len(named) > 100 and len(objects) >= 3  # every kind is there before
    kept_before, kept_objects = _naming(items, keys, {other["id"], *other_ids, *other_emails})
    assert len(kept_before) > 100

    assert api.call("DELETE", f"/v1/stores/{store['id']}", token=token).status == 200
    run_scheduler()  # finishes what the deletion left: the pending erasure, the purge if it was cut short
    items, keys = _scan(provisioned)
    named, objects = _naming(items, keys, names)
    assert objects == []
    left = [i for i in named if _kind(i) not in MAY_STAY]
    assert left == [], json.dumps(left, default=str, indent=1)[:4000]
    assert all(int(i["expires_at"]) <= now() + 3600 for i in named), named
    # The other store is whole.
    kept_after, objects_after = _naming(items, keys, {other["id"], *other_ids, *other_emails})
    assert (_keys(kept_after), objects_after) == (_keys(kept_before), kept_objects)
