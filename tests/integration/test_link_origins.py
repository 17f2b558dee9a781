"""Links in mails go only where the store said (issue 24 part 2): the store's `allowed_origins`, edited through the
store update, and the Pelcro passwordless `redirect_url` checked against it (the double opt-in `confirm_url`, the
Stripe URLs and the email-verification page are tested with their flows)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import login
from tests.support import Api, counting_calls, latest_code, sent_mail

SDK = "/api/v1/sdk"


def _origins(api: Api, owner: dict[str, Any], store: dict[str, Any], origins: Any) -> Any:
    return api.call("PUT", f"/v1/stores/{store['id']}", {"allowed_origins": origins}, token=owner["access_token"])


def test_staff_list_the_stores_origins(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    assert store["allowed_origins"] == []
    reply = _origins(api, owner, store, ["https://Shop.Example.com/", "https://shop.example.com:443",
                                         "https://shop.example.com:8443", "https://[2001:db8::1]"])
    assert reply.status == 200, reply.body
    assert reply.body["allowed_origins"] == ["https://shop.example.com", "https://shop.example.com:8443",
                                             "https://[2001:db8::1]"]
    assert api.call("GET", f"/v1/stores/{store['id']}", token=owner["access_token"]).body["allowed_origins"] == \
        reply.body["allowed_origins"]
    # Shoppers do not see them; staff empty them with [].
    assert api.call("GET", f"/v1/storefront/{store['id']}").body["allowed_origins"] == []
    assert _origins(api, owner, store, []).body["allowed_origins"] == []


@pytest.mark.parametrize("origin", ["http://shop.example.com", "http://localhost:*", "http://localhost:5173",
                                    "https://shop.example.com/path", "https://shop.example.com/?q=1",
                                    "https://user:pw@shop.example.com", "shop.example.com", "ftp://shop.example.com",
                                    "https://", "https://shop.example.com:99999", "javascript:alert(1)"])
def test_an_origin_that_is_not_one_is_a_400_naming_it(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                      origin: str) -> None:
    reply = _origins(api, owner, store, ["https://ok.example.com", origin])
    assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", reply.body
    assert [e["field"] for e in reply.body["validationErrors"]] == ["allowed_origins.1"], reply.body
    assert api.call("GET", f"/v1/stores/{store['id']}", token=owner["access_token"]).body["allowed_origins"] == []


def test_the_list_is_bounded_and_only_staff_of_the_store_change_it(api: Api, owner: dict[str, Any],
                                                                   store: dict[str, Any]) -> None:
    many = _origins(api, owner, store, [f"https://s{n}.example.com" for n in range(21)])
    assert many.status == 400 and many.body["validationErrors"][0]["field"] == "allowed_origins"
    assert _origins(api, owner, store, "https://one.example.com").status == 400  # a list, not a string
    rival = login(api, "rival@example.com")["access_token"]
    refused = api.call("PUT", f"/v1/stores/{store['id']}", {"allowed_origins": ["https://evil.example"]}, token=rival)
    assert refused.status == 404 and refused.error == "STORE.NOT_FOUND"


def test_plain_http_to_loopback_only_in_the_local_runner(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                         local_webhooks: None) -> None:
    """The local runner (AllowLoopbackWebhooks=true, and only it) lets staff list a local storefront."""
    reply = _origins(api, owner, store, ["http://localhost:*", "http://127.0.0.1:5173"])
    assert reply.status == 200 and reply.body["allowed_origins"] == ["http://localhost:*", "http://127.0.0.1:5173"]
    assert _origins(api, owner, store, ["http://shop.example.com"]).status == 400


def test_passwordless_links_go_only_to_the_stores_origins(api: Api, owner: dict[str, Any],
                                                          store: dict[str, Any]) -> None:
    """The attack: a login code in a link to any site. Now the link only goes to a listed origin; an unlisted one
    is a 400 and mails nothing; with none listed, the mail carries the code alone."""
    def request(email: str, redirect_url: str) -> Any:
        return api.call("POST", f"{SDK}/auth/passwordless/request",
                        {"site_id": store["id"], "email": email, "redirect_url": redirect_url})

    sent = request("none@example.com", "http://evil.example/grab")
    assert sent.status == 200
    code = latest_code("none@example.com")
    body = str(sent_mail("none@example.com")[-1]["body"])
    assert "evil.example" not in body and "http" not in body and code in body
    assert _origins(api, owner, store, ["https://news.example.com"]).status == 200
    refused = request("victim@example.com", "http://evil.example/grab")
    assert refused.status == 400 and refused.body == {"errors": {"redirect_url": [
        "its origin is not one of the store's allowed_origins"]}}, refused.body
    assert sent_mail("victim@example.com") == []
    with counting_calls() as calls:
        assert request("victim@example.com", "https://news.example.com/in").status == 200
    # The store's origins, then the code stored and counted, then the mail.
    assert calls.calls == ["dynamodb.GetItem", "dynamodb.TransactWriteItems", "sesv2.SendEmail"]
    code = latest_code("victim@example.com")
    assert f"https://news.example.com/in?email=victim%40example.com&token={code}" in \
        str(sent_mail("victim@example.com")[-1]["body"])
