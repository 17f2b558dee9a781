"""Abandoned carts on the due-minute scheduler: a cart with items and an email, idle for the store's time (default
4 hours), gets abandoned_at and one recovery mail; a checkout, or a cart without an email, gets none."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_carts import ADDRESS, current, line, sf, shop, shopper  # noqa: F401 - a fixture
from tests.support import Api, sent_mail


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    from storecrm.clock import now
    from storecrm.domain import cart_recovery, due

    moment = {"now": now()}
    for module in (due, cart_recovery):
        monkeypatch.setattr(module, "now", lambda: moment["now"])
    return moment


def _run() -> Any:
    from storecrm.services import due_scheduler

    return due_scheduler().run(60)


def _filled(api: Api, store: dict[str, Any], shop: dict[str, Any], email: str | None) -> tuple[str, dict[str, Any]]:  # noqa: F811
    bearer = shopper(api, store)
    cart = current(api, store, bearer)
    body: dict[str, Any] = {"items": [line(shop)]}
    if email:
        body["shipping_address"] = {**ADDRESS, "email": email}
    reply = api.call("PUT", sf(store, f"/{cart['id']}"), body, token=bearer)
    assert reply.status == 200, reply.body
    return bearer, reply.body


def test_an_idle_cart_gets_one_recovery_mail_after_the_stores_time(api: Api, store: dict[str, Any],
                                                                   shop: dict[str, Any],  # noqa: F811
                                                                   clock: dict[str, int]) -> None:
    bearer, cart = _filled(api, store, shop, "idle@example.com")
    clock["now"] = cart["last_activity_at"] + 31 * 60  # the first check: not idle for 4 hours yet
    _run()
    assert sent_mail("idle@example.com") == []
    clock["now"] = cart["last_activity_at"] + 4 * 3600 + 60
    assert _run().done.get("CART") == 1
    [mail] = sent_mail("idle@example.com")
    assert "1 item" in mail["subject"]
    got = api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body
    assert got["abandoned_at"] == clock["now"] and got["recovery_sent_at"] == clock["now"]
    assert got["status"] == "active"
    clock["now"] += 5 * 3600
    _run()
    assert len(sent_mail("idle@example.com")) == 1


def test_the_store_sets_the_idle_time(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                      shop: dict[str, Any], clock: dict[str, int]) -> None:  # noqa: F811
    changed = api.call("PUT", f"/v1/stores/{store['id']}", {"abandoned_cart_minutes": 45},
                       token=owner["access_token"])
    assert changed.status == 200 and changed.body["abandoned_cart_minutes"] == 45
    bad = api.call("PUT", f"/v1/stores/{store['id']}", {"abandoned_cart_minutes": 5}, token=owner["access_token"])
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "abandoned_cart_minutes"
    _, cart = _filled(api, store, shop, "soon@example.com")
    clock["now"] = cart["last_activity_at"] + 31 * 60
    _run()
    assert sent_mail("soon@example.com") == []
    clock["now"] = cart["last_activity_at"] + 46 * 60
    _run()
    assert len(sent_mail("soon@example.com")) == 1


def test_a_checkout_or_no_email_means_no_mail(api: Api, store: dict[str, Any], shop: dict[str, Any],  # noqa: F811
                                             clock: dict[str, int]) -> None:
    bearer, cart = _filled(api, store, shop, "buyer@example.com")
    checked_out = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert checked_out.status == 200, checked_out.body
    _filled(api, store, shop, None)
    clock["now"] = cart["last_activity_at"] + 5 * 3600
    assert _run().done.get("CART", 0) == 0
    assert sent_mail("buyer@example.com") == []
