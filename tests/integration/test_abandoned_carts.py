"""Abandoned carts on the due-minute scheduler: a cart with items and an email, idle for the store's time (default
4 hours), gets abandoned_at and one recovery mail (through the mail outbox); a checkout, or a cart without an email,
gets none; an address gets at most one recovery mail per store a day, whatever the number of carts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_carts import ADDRESS, current, line, sf, shop, shopper  # noqa: F401 - a fixture
from tests.support import Api, MailPipeline, sent_mail


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    from storecrm.clock import now
    from storecrm.commerce import cart_recovery
    from storecrm.kernel import due

    moment = {"now": now()}
    for module in (due, cart_recovery):
        monkeypatch.setattr(module, "now", lambda: moment["now"])
    return moment


@pytest.fixture
def run(mails: MailPipeline) -> Any:
    """A scheduler run, then the mail function on what it put in the outbox."""
    from storecrm.services import due_scheduler

    def run_once() -> Any:
        result = due_scheduler().run(60)
        mails.run()
        return result

    return run_once


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
                                                                   clock: dict[str, int], run: Any) -> None:
    bearer, cart = _filled(api, store, shop, "idle@example.com")
    clock["now"] = cart["last_activity_at"] + 31 * 60  # the first check: not idle for 4 hours yet
    run()
    assert sent_mail("idle@example.com") == []
    clock["now"] = cart["last_activity_at"] + 4 * 3600 + 60
    assert run().done.get("CART") == 1
    [mail] = sent_mail("idle@example.com")
    assert "1 item" in mail["subject"]
    got = api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body
    assert got["abandoned_at"] == clock["now"] and got["recovery_sent_at"] == clock["now"]
    assert got["status"] == "active"
    clock["now"] += 5 * 3600
    run()
    assert len(sent_mail("idle@example.com")) == 1


def test_the_store_sets_the_idle_time(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                      shop: dict[str, Any], clock: dict[str, int], run: Any) -> None:  # noqa: F811
    changed = api.call("PUT", f"/v1/stores/{store['id']}", {"abandoned_cart_minutes": 45},
                       token=owner["access_token"])
    assert changed.status == 200 and changed.body["abandoned_cart_minutes"] == 45
    bad = api.call("PUT", f"/v1/stores/{store['id']}", {"abandoned_cart_minutes": 5}, token=owner["access_token"])
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "abandoned_cart_minutes"
    _, cart = _filled(api, store, shop, "soon@example.com")
    clock["now"] = cart["last_activity_at"] + 31 * 60
    run()
    assert sent_mail("soon@example.com") == []
    clock["now"] = cart["last_activity_at"] + 46 * 60
    run()
    assert len(sent_mail("soon@example.com")) == 1


def test_a_checkout_or_no_email_means_no_mail(api: Api, store: dict[str, Any], shop: dict[str, Any],  # noqa: F811
                                             clock: dict[str, int], run: Any) -> None:
    bearer, cart = _filled(api, store, shop, "buyer@example.com")
    checked_out = api.call("POST", sf(store, f"/{cart['id']}/checkout"), {}, token=bearer)
    assert checked_out.status == 200, checked_out.body
    _filled(api, store, shop, None)
    clock["now"] = cart["last_activity_at"] + 5 * 3600
    assert run().done.get("CART", 0) == 0
    assert sent_mail("buyer@example.com") == []


def test_an_address_gets_one_recovery_mail_per_store_a_day(api: Api, store: dict[str, Any],
                                                           shop: dict[str, Any],  # noqa: F811
                                                           clock: dict[str, int], run: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 24: anyone may put anyone's address on carts; however many carts, one recovery mail a day."""
    from storecrm.commerce import carts as cart_rules

    carts = [_filled(api, store, shop, "target@example.com") for _ in range(3)]
    clock["now"] = max(cart["last_activity_at"] for _, cart in carts) + 31 * 60  # the first checks: not idle yet
    run()
    clock["now"] += 4 * 3600
    assert run().done.get("CART") == 1  # a cart found abandoned without its mail counts as none mailed
    assert len(sent_mail("target@example.com")) == 1
    found = [api.call("GET", sf(store, f"/{cart['id']}"), token=bearer).body for bearer, cart in carts]
    # Every cart was found abandoned; one of them got the mail.
    assert all(c["abandoned_at"] == clock["now"] for c in found)
    assert sorted(c["recovery_sent_at"] is not None for c in found) == [False, False, True]
    clock["now"] += 3600
    run()  # the marked carts are not checked again
    assert len(sent_mail("target@example.com")) == 1
    # A day later, a new cart gets its mail.
    clock["now"] += 20 * 3600
    run()
    monkeypatch.setattr(cart_rules, "now", lambda: clock["now"])
    _filled(api, store, shop, "target@example.com")
    clock["now"] += 31 * 60
    run()
    clock["now"] += 4 * 3600
    run()
    assert len(sent_mail("target@example.com")) == 2
