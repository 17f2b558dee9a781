"""The signed-in staff member's own account (arky-sdk 0.9.1 src/api/account.ts): GET /v1/accounts/me, PUT and
DELETE /v1/accounts, GET /v1/accounts/search; and personal API tokens, which act as their account on staff routes
and never outlive it, a revoke or an expiry, nor carry more than its memberships."""

from __future__ import annotations

from typing import Any

from storecrm import clock
from tests.integration.conftest import login
from tests.support import Api, counting_calls

ACCOUNT_KEYS = {"id", "email", "memberships", "api_tokens", "phone_numbers", "addresses", "lifecycle"}


def new_token(api: Api, token: str, **fields: Any) -> dict[str, Any]:
    """Adds a token to the account's list (the others sent back as listed, so they are kept)."""
    listed = api.call("GET", "/v1/accounts/me", token=token).body["api_tokens"]
    reply = api.call("PUT", "/v1/accounts", {"api_tokens": [*listed, {"id": None, **fields}]}, token=token)
    assert reply.status == 200, reply.body
    [created] = reply.body["newly_created_tokens"]
    return dict(created)


def add_member(api: Api, token: str, store_id: str, email: str, role: str = "admin") -> None:
    reply = api.call("POST", f"/v1/stores/{store_id}/members", {"email": email, "role": role}, token=token)
    assert reply.status == 200, reply.body


def test_me_shows_memberships_and_tokens_without_secrets(api: Api, owner: dict[str, Any],
                                                         store: dict[str, Any]) -> None:
    # account.getMe(): GET /v1/accounts/me -> Account
    with counting_calls() as calls:
        me = api.call("GET", "/v1/accounts/me", token=owner["access_token"])
    assert me.status == 200 and set(me.body) == ACCOUNT_KEYS, me.body
    assert me.body["email"] == "owner@example.com" and me.body["api_tokens"] == []
    assert me.body["memberships"] == [{"store_id": store["id"], "role": "owner", "invitation_token": None,
                                       "joined_at": me.body["memberships"][0]["joined_at"]}]
    assert me.body["lifecycle"] == {"last_login_at": None, "onboarding_completed": True}
    assert calls.calls == ["dynamodb.Query", "dynamodb.Query"]
    created = new_token(api, owner["access_token"], name="ci")
    assert created["value"].startswith("pat_") and created["name"] == "ci" and created["type"] == "api"
    listed = api.call("GET", "/v1/accounts/me", token=owner["access_token"]).body["api_tokens"]
    assert listed == [{**created, "value": None}]  # never the secret again


def test_update_profile_fields(api: Api, owner: dict[str, Any]) -> None:
    # account.updateAccount({phone_numbers, addresses}): PUT /v1/accounts -> {success, newly_created_tokens}
    body = {"phone_numbers": ["+1 555 0100"], "addresses": [{"label": "office", "address": {
        "street1": "1 Main St", "city": "Springfield", "state": "Illinois", "country": "us"}}]}
    reply = api.call("PUT", "/v1/accounts", body, token=owner["access_token"])
    assert reply.status == 200 and reply.body == {"success": True, "newly_created_tokens": []}, reply.body
    me = api.call("GET", "/v1/accounts/me", token=owner["access_token"]).body
    assert me["phone_numbers"] == ["+1 555 0100"]
    assert me["addresses"][0]["label"] == "office"
    assert me["addresses"][0]["address"]["state"] == "IL" and me["addresses"][0]["address"]["country"] == "US"


def test_a_change_applies_only_to_the_account_it_read(api: Api, owner: dict[str, Any], monkeypatch: Any) -> None:
    # Two changes at once (the same second, even): the one that read the account before the other wrote is a 409,
    # so a token list sent as "the whole list" never leaves a token the other change made.
    from storecrm.identity.repositories.account_tokens import AccountTokenRepository

    at = clock.now()  # every change in the same second: a timestamp cannot tell them apart
    monkeypatch.setattr("storecrm.stores.staff_accounts.now", lambda: at)
    assert api.call("PUT", "/v1/accounts", {"phone_numbers": ["1"]}, token=owner["access_token"]).status == 200
    read = AccountTokenRepository.account_items

    def read_then_another_change(self: AccountTokenRepository, account_id: str) -> list[Any]:
        items = read(self, account_id)
        monkeypatch.setattr(AccountTokenRepository, "account_items", read)
        other = api.call("PUT", "/v1/accounts", {"api_tokens": [{"id": None}]}, token=owner["access_token"])
        assert other.status == 200, other.body
        return items

    monkeypatch.setattr(AccountTokenRepository, "account_items", read_then_another_change)
    reply = api.call("PUT", "/v1/accounts", {"api_tokens": []}, token=owner["access_token"])
    assert reply.status == 409 and reply.error == "ACCOUNT.CONFLICT", reply.body
    assert len(api.call("GET", "/v1/accounts/me", token=owner["access_token"]).body["api_tokens"]) == 1


def test_update_bad_input(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    cases: list[tuple[dict[str, Any], str]] = [
                        ({"phone_numbers": ["x" * 33]}, "phone_numbers.0"),
                        ({"addresses": [{"address": {"country": "XX"}}]}, "addresses.0.address"),
                        ({"api_tokens": [{"id": "not-mine"}]}, "api_tokens.0.id"),
                        ({"api_tokens": [{"id": None, "expires_at": clock.now() - 1}]}, "api_tokens.0.expires_at"),
                        ({"api_tokens": [{"id": None}] * 21}, "api_tokens")]
    for body, field in cases:
        reply = api.call("PUT", "/v1/accounts", body, token=token)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (body, reply.body)
        assert field in {e["field"] for e in reply.body["validationErrors"]}, (field, reply.body)
    assert api.call("GET", "/v1/accounts/me", token=token).body["api_tokens"] == []
    assert api.call("PUT", "/v1/accounts", {}).status == 401
    assert api.call("GET", "/v1/accounts/me", token="pat_a_b_c").status == 401


def test_a_token_acts_as_its_account_until_revoked(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    created = new_token(api, owner["access_token"], name="script")
    pat = created["value"]
    assert api.call("GET", f"/v1/stores/{store['id']}", token=pat).status == 200
    me = api.call("GET", "/v1/accounts/me", token=pat)
    assert me.status == 200 and me.body["id"] == api.call("GET", "/v1/accounts/me",
                                                          token=owner["access_token"]).body["id"]
    # A token cannot manage tokens, nor erase the account: a leaked one cannot outlive its own revocation.
    attempts: list[tuple[str, Any]] = [("PUT", {"api_tokens": []}), ("DELETE", None)]
    for method, body in attempts:
        refused = api.call(method, "/v1/accounts", body, token=pat)
        assert refused.status == 403 and refused.error == "ACCOUNT.LOGIN_REQUIRED", refused.body
    # Revoked: the list sent back without it.
    assert api.call("PUT", "/v1/accounts", {"api_tokens": []}, token=owner["access_token"]).status == 200
    gone = api.call("GET", f"/v1/stores/{store['id']}", token=pat)
    assert gone.status == 401 and gone.error == "GENERAL.INVALID_TOKEN"


def test_a_token_never_carries_more_than_its_accounts_memberships(api: Api, owner: dict[str, Any],
                                                                  store: dict[str, Any]) -> None:
    helper = login(api, "helper@example.com")
    add_member(api, owner["access_token"], store["id"], "helper@example.com")
    pat = new_token(api, helper["access_token"])["value"]
    assert api.call("GET", f"/v1/stores/{store['id']}/markets", token=pat).status == 200
    # An admin's token is refused an owner's action, as the admin is.
    refused = api.call("DELETE", f"/v1/stores/{store['id']}", token=pat)
    assert refused.status == 403, refused.body
    helper_id = api.call("GET", "/v1/accounts/me", token=pat).body["id"]
    api.call("DELETE", f"/v1/stores/{store['id']}/members/{helper_id}", token=owner["access_token"])
    assert api.call("GET", f"/v1/stores/{store['id']}/markets", token=pat).status == 404  # not a member any more


def test_an_expired_token_is_refused(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                     monkeypatch: Any) -> None:
    pat = new_token(api, owner["access_token"], expires_at=clock.now() + 60)["value"]
    assert api.call("GET", f"/v1/stores/{store['id']}", token=pat).status == 200
    later = clock.now() + 61
    monkeypatch.setattr("storecrm.identity.account_tokens.now", lambda: later)
    assert api.call("GET", f"/v1/stores/{store['id']}", token=pat).status == 401


def test_a_forged_token_is_refused_and_guessing_is_rate_limited(api: Api, owner: dict[str, Any],
                                                               store: dict[str, Any], monkeypatch: Any) -> None:
    pat = new_token(api, owner["access_token"])["value"]
    at = clock.now()  # all in one counting window, wherever the test runs in it
    monkeypatch.setattr("storecrm.identity.account_tokens.now", lambda: at)
    forged = pat[:-4] + ("AAAA" if not pat.endswith("AAAA") else "BBBB")
    statuses = [api.call("GET", f"/v1/stores/{store['id']}", token=forged).status for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429, statuses
    # Once the token id's failures are used up, even its right secret waits for the window to end.
    assert api.call("GET", f"/v1/stores/{store['id']}", token=pat).status == 429


def test_delete_is_refused_for_the_last_owner(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    # account.deleteAccount(): DELETE /v1/accounts -> {deleted}
    refused = api.call("DELETE", "/v1/accounts", token=owner["access_token"])
    assert refused.status == 409 and refused.error == "ACCOUNT.LAST_OWNER" and store["id"] in refused.body["message"]
    assert api.call("GET", "/v1/accounts/me", token=owner["access_token"]).status == 200


def test_delete_ends_memberships_sessions_and_tokens(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    leaver = login(api, "leaver@example.com")
    add_member(api, owner["access_token"], store["id"], "leaver@example.com", role="owner")
    pat = new_token(api, leaver["access_token"])["value"]
    reply = api.call("DELETE", "/v1/accounts", token=leaver["access_token"])
    assert reply.status == 200 and reply.body == {"deleted": True}, reply.body
    assert api.call("GET", f"/v1/stores/{store['id']}", token=pat).status == 401
    assert api.call("POST", "/v1/auth/refresh", {"refresh_token": leaver["refresh_token"]}).status == 401
    team = api.call("GET", "/v1/accounts/search", token=owner["access_token"], query={"store_id": store["id"]})
    assert [a["email"] for a in team.body["items"]] == ["owner@example.com"]
    # The store still has its other owner, who may now leave only by handing over or deleting the store.
    assert api.call("DELETE", "/v1/accounts", token=owner["access_token"]).status == 409
    # The email logs in again as a new account, with nothing of the old one.
    again = login(api, "leaver@example.com")
    me = api.call("GET", "/v1/accounts/me", token=again["access_token"]).body
    assert me["memberships"] == [] and me["api_tokens"] == []


def test_a_deleted_stores_membership_does_not_hold_the_account(api: Api, owner: dict[str, Any],
                                                               store: dict[str, Any], monkeypatch: Any) -> None:
    # A purge cut short leaves the store's items (its memberships among them) until the scheduler finishes it;
    # its last owner may leave meanwhile.
    monkeypatch.setattr("storecrm.stores.stores.StoreService._purge", lambda self, store_id: None)
    reply = api.call("DELETE", f"/v1/stores/{store['id']}", token=owner["access_token"])
    assert reply.status == 200, reply.body
    gone = api.call("DELETE", "/v1/accounts", token=owner["access_token"])
    assert gone.status == 200 and gone.body == {"deleted": True}, gone.body


def test_search_finds_only_members_of_the_callers_store(api: Api, owner: dict[str, Any],
                                                       store: dict[str, Any]) -> None:
    # account.searchAccounts({query}): GET /v1/accounts/search?query=&store_id= -> {items: Account[], cursor}
    for email in ["ann@example.com", "anna@example.com", "bob@example.com"]:
        add_member(api, owner["access_token"], store["id"], email)
    rival = login(api, "andy@example.com")
    api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
             token=rival["access_token"])
    first = api.call("GET", "/v1/accounts/search", token=owner["access_token"],
                     query={"store_id": store["id"], "query": "an", "limit": 1})
    assert first.status == 200 and [a["email"] for a in first.body["items"]] == ["ann@example.com"]
    [membership] = first.body["items"][0]["memberships"]
    assert membership == {"store_id": store["id"], "role": "admin", "invitation_token": None,
                          "joined_at": membership["joined_at"]}
    assert first.body["items"][0]["api_tokens"] == []
    second = api.call("GET", "/v1/accounts/search", token=owner["access_token"],
                      query={"store_id": store["id"], "query": "an", "cursor": first.body["cursor"]})
    assert [a["email"] for a in second.body["items"]] == ["anna@example.com"] and second.body["cursor"] is None
    # andy@ is in another store only: never found; the rival cannot search this store's team.
    denied = api.call("GET", "/v1/accounts/search", token=rival["access_token"],
                      query={"store_id": store["id"], "query": "a"})
    assert denied.status == 404
    for query in [{}, {"store_id": store["id"], "cursor": "nope"}, {"store_id": store["id"], "limit": 0}]:
        assert api.call("GET", "/v1/accounts/search", token=owner["access_token"], query=query).status == 400, query


def test_another_accounts_token_and_api_clients_cannot_use_the_account_routes(api: Api, owner: dict[str, Any],
                                                                             store: dict[str, Any]) -> None:
    made = api.call("POST", f"/v1/stores/{store['id']}/api-clients",
                    {"name": "erp", "scopes": ["profiles:read"]}, token=owner["access_token"]).body
    client = api.call("POST", "/v0/token", {"grant_type": "client_credentials", "client_id": made["id"],
                                            "client_secret": made["client_secret"]}).body["access_token"]
    calls: list[tuple[str, str, Any]] = [("GET", "/v1/accounts/me", None), ("DELETE", "/v1/accounts", None),
                                         ("PUT", "/v1/accounts", {"phone_numbers": []})]
    for method, path, body in calls:
        assert api.call(method, path, body, token=client).status == 403, (method, path)
    # A token's account id cannot be swapped for another's: the token is looked up under the account it names.
    pat = new_token(api, owner["access_token"])["value"]
    other = login(api, "other@example.com")
    other_id = api.call("GET", "/v1/accounts/me", token=other["access_token"]).body["id"]
    _, _, rest = pat.split("_", 2)
    swapped = f"pat_{other_id}_{rest}"
    assert api.call("GET", "/v1/accounts/me", token=swapped).status == 401
