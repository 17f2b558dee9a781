"""Team membership: add, change role, remove, the permission matrix and the last-owner rule."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls, sent_mail


def _events(store_id: str) -> list[dict[str, Any]]:
    from storecrm.kernel.repositories.base import default_table

    return list(default_table().query_all(f"STORE#{store_id}#EVENT"))


def test_add_member_creates_the_account_without_mail(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    mails_before = len(sent_mail())
    reply = api.call("POST", f"/v1/stores/{store['id']}/members", {"email": "New.Admin@Example.com"},
                     token=owner["access_token"])
    assert reply.status == 200 and reply.body is True
    assert len(sent_mail()) == mails_before
    admin = login(api, "new.admin@example.com")
    seen = api.call("GET", f"/v1/stores/{store['id']}", token=admin["access_token"])
    assert seen.status == 200
    listed = api.call("GET", "/v1/stores", token=admin["access_token"]).body["items"]
    assert [s["id"] for s in listed] == [store["id"]]
    events = [e for e in _events(store["id"]) if e["data"]["email"] == "new.admin@example.com"]
    assert [(e["type"], e["data"]["role"], e["data"]["change"]) for e in events] == [
        ("account.updated", "admin", "member_added")]


def test_adding_an_existing_member_changes_the_role(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    path = f"/v1/stores/{store['id']}/members"
    assert api.call("POST", path, {"email": "x@example.com"}, token=token).status == 200
    assert api.call("POST", path, {"email": "x@example.com"}, token=token).status == 200  # same role: no-op
    assert api.call("POST", path, {"email": "x@example.com", "role": "owner"}, token=token).status == 200
    changes = [e["data"]["change"] for e in _events(store["id"]) if e["data"]["email"] == "x@example.com"]
    assert sorted(changes) == ["member_added", "role_changed"]
    x = login(api, "x@example.com")
    # x is now an owner and may delete; as an admin it could not.
    assert api.call("DELETE", f"/v1/stores/{store['id']}", token=x["access_token"]).status == 200


def test_admins_cannot_touch_owners_delete_or_make_owners(api: Api, owner: dict[str, Any],
                                                          store: dict[str, Any]) -> None:
    sid = store["id"]
    api.call("POST", f"/v1/stores/{sid}/members", {"email": "admin@example.com"}, token=owner["access_token"])
    admin = login(api, "admin@example.com")["access_token"]
    owner_id = api.call("GET", "/v1/stores", token=owner["access_token"])  # noqa: F841 - warms nothing
    forbidden = [
        api.call("DELETE", f"/v1/stores/{sid}", token=admin),
        api.call("POST", f"/v1/stores/{sid}/members", {"email": "boss@example.com", "role": "owner"}, token=admin),
        api.call("POST", f"/v1/stores/{sid}/members", {"email": "root@example.com", "role": "super"}, token=admin),
        api.call("DELETE", f"/v1/stores/{sid}/members/{_account_id(owner)}", token=admin),
    ]
    for reply in forbidden:
        assert reply.status == 403 and reply.error == "GENERAL.FORBIDDEN", reply.body
    # ...but may manage other admins and markets.
    assert api.call("POST", f"/v1/stores/{sid}/members", {"email": "helper@example.com"}, token=admin).status == 200
    assert api.call("POST", f"/v1/stores/{sid}/markets", {"key": "uk", "currency": "GBP"}, token=admin).status == 200


def _account_id(token: dict[str, Any]) -> str:
    import jwt

    return str(jwt.decode(token["access_token"], options={"verify_signature": False})["sub"])


def test_remove_member_and_last_owner_rule(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    sid, token = store["id"], owner["access_token"]
    owner_id = _account_id(owner)
    last = api.call("DELETE", f"/v1/stores/{sid}/members/{owner_id}", token=token)
    assert last.status == 409 and last.error == "STORE.LAST_OWNER"
    api.call("POST", f"/v1/stores/{sid}/members", {"email": "co@example.com", "role": "owner"}, token=token)
    co = login(api, "co@example.com")
    removed = api.call("DELETE", f"/v1/stores/{sid}/members/{owner_id}", token=co["access_token"])
    assert removed.status == 200 and removed.body == {"removed": True}
    assert api.call("GET", f"/v1/stores/{sid}", token=token).status == 404
    again = api.call("DELETE", f"/v1/stores/{sid}/members/{_account_id(co)}", token=co["access_token"])
    assert again.status == 409  # co is now the last owner
    changes = [e["data"]["change"] for e in _events(sid)]
    assert changes.count("member_removed") == 1


def test_remove_unknown_member_is_404(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    reply = api.call("DELETE", f"/v1/stores/{store['id']}/members/nobody", token=owner["access_token"])
    assert reply.status == 404 and reply.error == "MEMBER.NOT_FOUND"


def test_team_rejects_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    path = f"/v1/stores/{store['id']}/members"
    for body in [{}, {"email": "nope"}, {"email": "a@example.com", "role": "emperor"}, {"email": ["a"]}]:
        reply = api.call("POST", path, body, token=owner["access_token"])
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", reply.body


def test_other_stores_members_cannot_change_the_team(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    other = login(api, "other-owner@example.com")["access_token"]
    api.call("POST", "/v1/stores", {"key": "other-shop", "timezone": "UTC", "billing_email": "o@example.com"},
             token=other)
    add = api.call("POST", f"/v1/stores/{store['id']}/members", {"email": "spy@example.com", "role": "owner"},
                   token=other)
    remove = api.call("DELETE", f"/v1/stores/{store['id']}/members/{_account_id(owner)}", token=other)
    assert (add.status, remove.status) == (404, 404)


def test_add_new_member_is_two_aws_calls(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    with counting_calls() as calls:
        api.call("POST", f"/v1/stores/{store['id']}/members", {"email": "fresh@example.com"},
                 token=owner["access_token"])
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]


def test_add_existing_account_to_another_team_is_two_aws_calls(api: Api, owner: dict[str, Any],
                                                               store: dict[str, Any]) -> None:
    login(api, "known@example.com")
    with counting_calls() as calls:
        reply = api.call("POST", f"/v1/stores/{store['id']}/members", {"email": "known@example.com"},
                         token=owner["access_token"])
    assert reply.status == 200
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
