"""A profile's erasure is complete (issue 24 part 8): its carts and their abandoned-cart checks go, its orders keep
their amounts and lose who placed them, its events and delivery log entries lose their data (a redelivery is
refused, a queued or redriven message is not sent), and a merge takes the source's picture object with it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.integration.test_carts import ADDRESS, current, line, sf, shopper
from tests.integration.test_newstore_profiles import BASE, client_token, run_scheduler
from tests.integration.test_profile_commerce import shop  # noqa: F401 - a fixture
from tests.support import Api, MailPipeline, Pipeline, Receiver, sent_mail

ERASED_EMAIL = "erased@example.com"


def _table() -> Any:
    from storecrm.kernel.repositories.base import default_table

    return default_table()


def _cart_with(api: Api, store: dict[str, Any], shop: dict[str, Any], bearer: str,  # noqa: F811
               email: str) -> dict[str, Any]:
    cart = current(api, store, bearer)
    reply = api.call("PUT", sf(store, f"/{cart['id']}"), {
        "items": [line(shop)], "shipping_address": {**ADDRESS, "email": email},
        "billing_address": {**ADDRESS, "email": email}, "shipping_method_id": "standard"}, token=bearer)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _erase(api: Api, store: dict[str, Any], profile_id: str) -> None:
    assert api.call("DELETE", f"{BASE}/{profile_id}", token=client_token(store["id"])).status == 202
    assert run_scheduler()["erased_profiles"] == 1


def test_erasure_takes_the_carts_and_their_recovery_mail_and_anonymises_the_orders(
        api: Api, owner: dict[str, Any], store: dict[str, Any], shop: dict[str, Any],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, mails: MailPipeline) -> None:
    from storecrm.kernel.repositories import keys

    bearer = shopper(api, store, ERASED_EMAIL)
    bought = _cart_with(api, store, shop, bearer, ERASED_EMAIL)
    placed = api.call("POST", sf(store, f"/{bought['id']}/checkout"), {}, token=bearer)
    assert placed.status == 200, placed.body
    idle = _cart_with(api, store, shop, bearer, ERASED_EMAIL)  # open, with an email: due for a recovery mail
    order_path = f"/v1/stores/{store['id']}/orders/{placed.body['order_id']}"
    before = api.call("GET", order_path, token=owner["access_token"]).body
    # Another shopper's idle cart, which the erasure leaves alone.
    kept = _cart_with(api, store, shop, shopper(api, store, "kept@example.com"), "kept@example.com")

    _erase(api, store, idle["profile_id"])
    table = _table()
    for cart in (bought, idle):
        assert table.get(keys.cart(store["id"], cart["id"])) is None
    assert table.get(keys.cart(store["id"], kept["id"])) is not None
    # Past every store's idle time, only the other shopper is mailed.
    from storecrm import clock
    from storecrm.services import due_scheduler

    later = clock.now() + 5 * 3600
    for module in ("storecrm.kernel.due", "storecrm.commerce.cart_recovery"):
        monkeypatch.setattr(f"{module}.now", lambda: later)
    assert due_scheduler().run(60).done.get("CART") == 1
    mails.run()
    assert sent_mail(ERASED_EMAIL) == [] and len(sent_mail("kept@example.com")) == 1

    after = api.call("GET", order_path, token=owner["access_token"]).body
    assert after["email"] is None
    assert {k: v for k, v in after["shipping_address"].items() if v is not None} == {"country": "US", "state": "IL"}
    assert after["billing_address"] == after["shipping_address"]
    assert after["payment"] == before["payment"] and after["items"] == before["items"]  # the amounts stay
    assert after["history"][-1]["action"] == "erased"
    item = table.get(keys.order(store["id"], placed.body["order_id"]))
    assert "GSI4PK" not in item and "GSI6PK" not in item  # no longer found by email or session
    # A second run finds nothing left to do and changes nothing.
    assert run_scheduler()["erased_profiles"] == 0
    assert api.call("GET", order_path, token=owner["access_token"]).body["revision"] == after["revision"]


def test_erasure_empties_the_profiles_events_and_deliveries_and_they_are_not_sent_again(
        api: Api, owner: dict[str, Any], store: dict[str, Any], receiver: Receiver, local_webhooks: None,
        pipeline: Pipeline) -> None:
    from storecrm.kernel.repositories import keys

    token = owner["access_token"]
    hook = api.call("POST", f"/v1/stores/{store['id']}/webhooks", {
        "key": "crm", "url": receiver.url, "events": [{"event": "profile.created"}, {"event": "profile.deleted"}],
        "secret": "whsec_erasure"}, token=token).body
    erased = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": ERASED_EMAIL}, token=token).body
    other = api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": "other@example.com"}, token=token).body
    pipeline.run()
    assert sorted(r.json()["data"]["profile"]["email"] for r in receiver.received) == \
        sorted([ERASED_EMAIL, "other@example.com"])
    [logged] = [i for i in _table().query_all(keys.store_deliveries(store["id"]))
                if i["event"]["data"]["profile"]["id"] == erased["id"]]
    queued_again = {"webhook_id": hook["id"], "event": logged["event"]}  # as a DLQ redrive would send it

    _erase(api, store, erased["id"])
    table = _table()
    events = {e["id"]: e for e in table.query_all(keys.store_events(store["id"]))}
    deliveries = {d["id"]: d for d in table.query_all(keys.store_deliveries(store["id"]))}
    assert events[logged["id"]]["data"] == {"profile_id": erased["id"], "erased": True}
    assert deliveries[logged["id"]]["event"]["data"] == {"profile_id": erased["id"], "erased": True}
    assert ERASED_EMAIL not in str(events) + str(deliveries)
    assert "other@example.com" in str(events[next(i for i, e in events.items() if e["type"] == "profile.created"
                                                  and e["data"].get("profile", {}).get("id") == other["id"])])
    listed = api.call("GET", f"/v1/stores/{store['id']}/webhooks/{hook['id']}/deliveries", token=token).body["items"]
    assert [d["erased_at"] is not None for d in listed if d["id"] == logged["id"]] == [True]

    redelivered = api.call("POST", f"/v1/stores/{store['id']}/webhooks/{hook['id']}/deliveries/{logged['id']}"
                           "/redeliver", token=token)
    assert redelivered.status == 409 and redelivered.body["error"] == "WEBHOOK.EVENT_ERASED", redelivered.body
    received = len(receiver.received)
    pipeline.send(queued_again)
    pipeline.run()
    sent = [r.json() for r in receiver.received[received:]]
    assert [e["type"] for e in sent] == ["profile.deleted"]  # the erasure's own event, never the old one
    assert ERASED_EMAIL not in str(sent)
    assert ERASED_EMAIL not in str(list(table.query_all(keys.store_deliveries(store["id"]))))


def test_merge_deletes_the_sources_picture_when_the_target_keeps_its_own(api: Api, owner: dict[str, Any],
                                                                         store: dict[str, Any]) -> None:
    from storecrm.config import settings
    from storecrm.kernel.repositories import keys

    token = owner["access_token"]
    target, source = [api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": e}, token=token).body
                      for e in ("target@example.com", "source@example.com")]
    s3, dynamodb, bucket = boto3.client("s3"), boto3.client("dynamodb"), settings().media_bucket
    pictures = {}
    for profile in (target, source):
        pictures[profile["id"]] = f"stores/{store['id']}/profiles/{profile['id']}/photo-1.png"
        s3.put_object(Bucket=bucket, Key=pictures[profile["id"]], Body=b"picture")
        pk, sk = keys.profile(profile["id"])
        dynamodb.update_item(TableName=_table().name, Key={"PK": {"S": pk}, "SK": {"S": sk}},
                             UpdateExpression="SET photo_key = :k",
                             ExpressionAttributeValues={":k": {"S": pictures[profile["id"]]}})
    merged = api.call("POST", f"/v1/stores/{store['id']}/profiles/{target['id']}/merge",
                      {"source_id": source["id"]}, token=token)
    assert merged.status == 200, merged.body
    left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"stores/{store['id']}/").get("Contents", [])]
    assert left == [pictures[target["id"]]]


def test_a_merged_sources_events_are_erased_with_the_target(api: Api, owner: dict[str, Any],
                                                            store: dict[str, Any]) -> None:
    from storecrm.kernel.repositories import keys

    token = owner["access_token"]
    target, source = [api.call("POST", f"/v1/stores/{store['id']}/profiles", {"email": e}, token=token).body
                      for e in ("target@example.com", ERASED_EMAIL)]
    assert api.call("POST", f"/v1/stores/{store['id']}/profiles/{target['id']}/merge", {"source_id": source["id"]},
                    token=token).status == 200
    _erase(api, store, target["id"])
    events = list(_table().query_all(keys.store_events(store["id"])))
    assert [e["data"] for e in events if e["type"] == "profile.created"] == \
        [{"profile_id": target["id"], "erased": True}] * 2
    assert ERASED_EMAIL not in str(events)
