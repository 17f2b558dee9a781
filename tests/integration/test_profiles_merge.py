"""Merging profiles (the source is erased) and revoking profile sessions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import login
from tests.support import Api, latest_code


def _base(store: dict[str, Any]) -> str:
    return f"/v1/stores/{store['id']}/profiles"


def _code_login(api: Api, store: dict[str, Any], email: str) -> dict[str, Any]:
    api.call("POST", f"{_base(store)}/auth/code", {"email": email})
    return api.call("POST", f"{_base(store)}/auth/verify", {"email": email, "code": latest_code(email)}).body


def _items(partition: str) -> list[dict[str, Any]]:
    from storecrm.kernel.repositories.base import default_table

    return list(default_table().query_all(partition))


def test_merge_erases_the_source_and_unions_taxonomies(api: Api, owner: dict[str, Any],
                                                        store: dict[str, Any]) -> None:
    token = owner["access_token"]
    target = api.call("POST", _base(store), {"email": "main@example.com", "taxonomies": [
        {"taxonomy_id": "seg", "fields": [{"key": "tier", "type": "text", "value": "gold"}]}]}, token=token).body
    source_session = _code_login(api, store, "dupe@example.com")
    source_id = source_session["id"]
    api.call("PUT", f"{_base(store)}/{source_id}", {"taxonomies": [
        {"taxonomy_id": "seg", "fields": [{"key": "tier", "type": "text", "value": "silver"},
                                          {"key": "city", "type": "text", "value": "Lyon"}]},
        {"taxonomy_id": "pets", "fields": [{"key": "dog", "type": "boolean", "value": True}]}]}, token=token)

    reply = api.call("POST", f"{_base(store)}/{target['id']}/merge", {"source_id": source_id}, token=token)
    assert reply.status == 200, reply.body
    merged = reply.body
    assert merged["id"] == target["id"] and merged["email"] == "main@example.com"
    seg = next(t for t in merged["taxonomies"] if t["taxonomy_id"] == "seg")
    assert {(f["key"], f["value"]) for f in seg["fields"]} == {("tier", "gold"), ("city", "Lyon")}
    assert any(t["taxonomy_id"] == "pets" for t in merged["taxonomies"])

    # The source is gone for good: record, email, search entries, sessions.
    assert api.call("GET", f"{_base(store)}/{source_id}", token=token).status == 404
    assert _items(f"PROFILE#{source_id}") == []
    assert _items(f"STORE#{store['id']}#EMAIL#dupe@example.com") == []
    assert api.call("GET", _base(store), token=token, query={"query": "dupe"}).body["items"] == []
    assert api.call("GET", _base(store), token=token, query={"query": "lyon"}).body["items"][0]["id"] == target["id"]
    assert api.call("GET", f"{_base(store)}/me", token=source_session["access_token"]).status == 401
    assert api.call("POST", f"{_base(store)}/auth/refresh",
                    {"refresh_token": source_session["refresh_token"]}).status == 401
    # The source's email is free again.
    assert api.call("POST", _base(store), {"email": "dupe@example.com"}, token=token).body["id"] != source_id
    types = [e["type"] for e in _items(f"STORE#{store['id']}#EVENT")]
    assert "profile.merged" in types and "profile.deleted" in types


def test_merge_moves_the_email_to_a_guest_target(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    guest = api.call("POST", f"{_base(store)}/initialize").body
    source = api.call("POST", _base(store), {"email": "known@example.com"}, token=token).body
    merged = api.call("POST", f"{_base(store)}/{guest['id']}/merge", {"source_id": source["id"]}, token=token).body
    assert merged["email"] == "known@example.com"
    assert api.call("POST", _base(store), {"email": "known@example.com"}, token=token).body["id"] == guest["id"]


def test_merge_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    a = api.call("POST", _base(store), {"email": "a@example.com"}, token=token).body
    b = api.call("POST", _base(store), {"email": "b@example.com"}, token=token).body
    into_itself = api.call("POST", f"{_base(store)}/{a['id']}/merge", {"source_id": a["id"]}, token=token)
    assert into_itself.status == 400
    assert api.call("POST", f"{_base(store)}/{a['id']}/merge", {}, token=token).status == 400
    wrong_store = api.call("POST", f"{_base(store)}/{a['id']}/merge", {"source_id": b["id"], "store_id": "other"},
                           token=token)
    assert wrong_store.status == 400
    assert api.call("POST", f"{_base(store)}/{a['id']}/merge", {"source_id": "missing"}, token=token).status == 400


def test_merge_across_stores_is_refused(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    other = api.call("POST", "/v1/stores", {"key": "other-one", "timezone": "UTC",
                                            "billing_email": "o@example.com"}, token=token).body
    mine = api.call("POST", _base(store), {"email": "mine@example.com"}, token=token).body
    theirs = api.call("POST", f"/v1/stores/{other['id']}/profiles", {"email": "theirs@example.com"}, token=token).body
    reply = api.call("POST", f"{_base(store)}/{mine['id']}/merge", {"source_id": theirs["id"]}, token=token)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "source_id"  # as for a missing one
    assert api.call("GET", f"/v1/stores/{other['id']}/profiles/{theirs['id']}", token=token).status == 200
    stranger = login(api, "stranger@example.com")["access_token"]
    assert api.call("POST", f"{_base(store)}/{mine['id']}/merge", {"source_id": mine["id"]},
                    token=stranger).status in (400, 404)


def test_revoke_one_and_all_sessions(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    first = _code_login(api, store, "multi@example.com")
    second = _code_login(api, store, "multi@example.com")
    profile_id = first["id"]
    reply = api.call("DELETE", f"{_base(store)}/{profile_id}/sessions/{first['session_id']}", token=token)
    assert reply.status == 200 and reply.body == {"deleted": True}
    assert api.call("GET", f"{_base(store)}/me", token=first["access_token"]).status == 401
    assert api.call("GET", f"{_base(store)}/me", token=second["access_token"]).status == 200
    listed = api.call("GET", f"{_base(store)}/{profile_id}", token=token).body["profile"]["auth_tokens"]
    assert [t["id"] for t in listed] == [second["session_id"]]
    assert api.call("DELETE", f"{_base(store)}/{profile_id}/sessions", token=token).body == {"deleted": True}
    assert api.call("GET", f"{_base(store)}/me", token=second["access_token"]).status == 401
    assert api.call("POST", f"{_base(store)}/auth/refresh", {"refresh_token": second["refresh_token"]}).status == 401
    assert api.call("GET", f"{_base(store)}/{profile_id}", token=token).body["profile"]["auth_tokens"] == []


def test_revoking_another_profiles_session_is_refused(api: Api, owner: dict[str, Any],
                                                      store: dict[str, Any]) -> None:
    token = owner["access_token"]
    alice = _code_login(api, store, "alice@example.com")
    bob = _code_login(api, store, "bob@example.com")
    reply = api.call("DELETE", f"{_base(store)}/{alice['id']}/sessions/{bob['session_id']}", token=token)
    assert reply.status == 404 and reply.error == "SESSION.NOT_FOUND"
    assert api.call("GET", f"{_base(store)}/me", token=bob["access_token"]).status == 200
    stranger = login(api, "nosy@example.com")["access_token"]
    assert api.call("DELETE", f"{_base(store)}/{alice['id']}/sessions", token=stranger).status == 404
    assert api.call("DELETE", f"{_base(store)}/{alice['id']}/sessions", token=alice["access_token"]).status == 403
    assert api.call("GET", f"{_base(store)}/me", token=alice["access_token"]).status == 200


def test_merge_repoints_audience_subscriptions(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    """The source's subscriptions move to the target; where both had one, the better status stays."""
    token = owner["access_token"]
    audiences = f"/v1/stores/{store['id']}/audiences"
    template = api.call("POST", f"/v1/stores/{store['id']}/email-templates",
                        {"key": "c", "subject": {"en": "Confirm"}, "body": "{{confirm_url}}", "from_name": "Shop",
                         "from_email": "shop@example.com"}, token=token).body
    only_source, target_wins = (api.call("POST", audiences, {"key": key}, token=token).body
                                for key in ("only-source", "target-wins"))
    double = api.call("POST", audiences, {"key": "double", "confirm_template_id": template["id"]}, token=token).body
    target = api.call("POST", f"{_base(store)}/connect", {"email": "keep@example.com"}).body
    source = api.call("POST", f"{_base(store)}/connect", {"email": "dupe@example.com"}).body

    def subscribe(person: dict[str, Any], audience: dict[str, Any]) -> None:
        reply = api.call("POST", f"{audiences}/{audience['id']}/subscribe",
                         {"profile_id": person["id"], "confirm_url": "https://shop.example/c"},
                         token=person["access_token"])
        assert reply.status == 200, reply.body

    from storecrm.kernel.repositories.base import default_table
    from storecrm.kernel.repositories.table import put

    subscribe(source, only_source)
    subscribe(target, double)               # the target is pending on the double opt-in audience ...
    api.call("PUT", f"{audiences}/{double['id']}", {"confirm_template_id": None}, token=token)
    subscribe(source, double)               # ... the source active there (now single opt-in)
    subscribe(target, target_wins)          # the target active, the source cancelled
    subscribe(source, target_wins)
    table = default_table()
    item = table.get((f"AUDIENCE#{target_wins['id']}", f"SUBSCRIBER#{source['id']}"))
    assert item is not None
    table.write(put({**item, "status": "cancelled"}))

    reply = api.call("POST", f"{_base(store)}/{target['id']}/merge", {"source_id": source["id"]}, token=token)
    assert reply.status == 200, reply.body
    detail = api.call("GET", f"{_base(store)}/{target['id']}", token=token).body
    mine = {s["audience_id"]: s for s in detail["audience_subscriptions"]}
    assert set(mine) == {only_source["id"], target_wins["id"], double["id"]}
    assert all(s["profile_id"] == target["id"] for s in mine.values())
    assert mine[double["id"]]["status"] == "active"       # the source's active beat the target's pending
    assert mine[target_wins["id"]]["status"] == "active"  # the target's active beat the source's cancelled
    assert mine[only_source["id"]]["status"] == "active"
    # Nothing is left under the source, and each audience lists the target once.
    assert list(table.query_all(f"PROFILE#{source['id']}")) == []
    for audience in (only_source, target_wins, double):
        subs = api.call("GET", f"{audiences}/{audience['id']}/subscribers", token=token).body["items"]
        assert [(s["profile_id"], s["email"]) for s in subs] == [(target["id"], "keep@example.com")]


def test_merge_keeps_only_the_targets_credentials(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 24 section 5: a registrant of a duplicate must not log in to the merged profile."""
    from storecrm.identity import passwords
    from storecrm.profiles.repositories.profiles import ProfileRepository

    monkeypatch.setattr(passwords, "CURRENT", passwords.ScryptParameters(n=2**10, r=8, p=1))
    token, sdk = owner["access_token"], "/api/v1/sdk"
    target = _code_login(api, store, "victim@example.com")
    source = api.call("POST", f"{sdk}/auth/register", {"site_id": store["id"], "email": "victim.dupe@example.com",
                                                       "password": "plum-tree-42", "username": "dupe"})
    assert source.status == 200, source.body
    source_token = source.body["data"]["token"]
    source_id = api.call("POST", _base(store), {"email": "victim.dupe@example.com"}, token=token).body["id"]
    reply = api.call("POST", f"{_base(store)}/{target['id']}/merge", {"source_id": source_id}, token=token)
    assert reply.status == 200, reply.body
    merged = ProfileRepository().get(target["id"])
    assert merged is not None and merged.password_hash is None and merged.username is None
    for name in ({"username": "dupe"}, {"email": "victim@example.com"}):
        refused = api.call("POST", f"{sdk}/auth/login", {"site_id": store["id"], **name, "password": "plum-tree-42"})
        assert refused.status == 401, refused.body
    # The source's sessions end with it; the target's go on.
    assert api.call("POST", f"{sdk}/customer", {"site_id": store["id"]}, token=source_token).status == 401
    assert api.call("GET", f"{_base(store)}/me", token=target["access_token"]).status == 200
    # The username is free again.
    again = api.call("POST", f"{sdk}/auth/register", {"site_id": store["id"], "email": "someone@example.com",
                                                      "password": "plum-tree-42", "username": "dupe"})
    assert again.status == 200, again.body
