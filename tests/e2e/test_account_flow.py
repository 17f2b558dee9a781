"""A staff member's account over HTTP against the runner, as arky-sdk 0.9.1 calls it (src/api/account.ts,
location.ts, platform.ts): the platform lists, the account, a personal API token used as the client's `apiToken`,
revoked, and the account erased."""

from __future__ import annotations

from tests.e2e.conftest import LatestCode
from tests.e2e.test_store_flow import _call, _login


def test_platform_lists_account_token_and_erasure(runner_url: str, mailbox: LatestCode) -> None:
    base = runner_url
    # location.getCountries / getCountry, platform.getCurrencies: public, the same lists every rule checks against.
    countries = _call(base, "GET", "/v1/platform/countries").json()
    assert any(c["code"] == "DE" for c in countries["items"]) and countries["cursor"] is None
    canada = _call(base, "GET", "/v1/platform/countries/CA").json()
    assert {"code": "ON", "name": "Ontario"} in canada["states"]
    assert "CAD" in _call(base, "GET", "/v1/platform/currencies").json()

    owner = _login(base, mailbox, "acct-owner@example.com")["access_token"]
    store = _call(base, "POST", "/v1/stores", owner, {"key": "acct-shop", "timezone": "UTC",
                                                      "billing_email": "billing@example.com"}).json()
    market = _call(base, "POST", f"/v1/stores/{store['id']}/markets", owner, {
        "key": "ca", "currency": "cad", "zones": [{"countries": ["CA"], "states": [canada["states"][0]["code"]]}]})
    assert market.status_code == 200 and market.json()["currency"] == "CAD", market.text
    bad = _call(base, "POST", f"/v1/stores/{store['id']}/markets", owner, {"key": "xx", "currency": "XYZ"})
    assert bad.status_code == 400 and bad.json()["error"] == "GENERAL.VALIDATION_ERROR"

    # A teammate: found by the owner's team search, with this store's membership only.
    assert _call(base, "POST", f"/v1/stores/{store['id']}/members", owner,
                 {"email": "acct-helper@example.com"}).status_code == 200
    found = _call(base, "GET", "/v1/accounts/search", owner, params={"store_id": store["id"], "query": "acct-h"})
    assert [a["email"] for a in found.json()["items"]] == ["acct-helper@example.com"], found.text

    helper = _login(base, mailbox, "acct-helper@example.com")["access_token"]
    me = _call(base, "GET", "/v1/accounts/me", helper).json()
    assert [m["store_id"] for m in me["memberships"]] == [store["id"]] and me["api_tokens"] == []

    # account.updateAccount({api_tokens: [{id: null, ...}]}): the secret once, then the token as the apiToken.
    made = _call(base, "PUT", "/v1/accounts", helper, {"phone_numbers": ["+1 555 0101"],
                                                        "api_tokens": [{"id": None, "name": "script"}]}).json()
    [token] = made["newly_created_tokens"]
    assert made["success"] is True and token["value"].startswith("pat_")
    assert _call(base, "GET", f"/v1/stores/{store['id']}/markets", token["value"]).status_code == 200
    listed = _call(base, "GET", "/v1/accounts/me", token["value"]).json()
    assert listed["api_tokens"] == [{**token, "value": None}] and listed["phone_numbers"] == ["+1 555 0101"]
    # Revoked by sending the list without it: refused at once.
    assert _call(base, "PUT", "/v1/accounts", helper, {"api_tokens": []}).status_code == 200
    assert _call(base, "GET", f"/v1/stores/{store['id']}/markets", token["value"]).status_code == 401

    # account.deleteAccount(): the helper leaves; the owner, the store's last owner, may not.
    second = _call(base, "PUT", "/v1/accounts", helper, {"api_tokens": [{"id": None}]}).json()
    assert _call(base, "DELETE", "/v1/accounts", helper).json() == {"deleted": True}
    assert _call(base, "GET", f"/v1/stores/{store['id']}",
                 second["newly_created_tokens"][0]["value"]).status_code == 401
    team = _call(base, "GET", "/v1/accounts/search", owner, params={"store_id": store["id"]}).json()
    assert [a["email"] for a in team["items"]] == ["acct-owner@example.com"]
    refused = _call(base, "DELETE", "/v1/accounts", owner)
    assert refused.status_code == 409 and refused.json()["error"] == "ACCOUNT.LAST_OWNER"
