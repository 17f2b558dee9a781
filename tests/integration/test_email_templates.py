"""Email templates: CRUD, placeholder checks, cursor pages, cross-store denial, and the seed's rule that
deleting a confirmation template turns its audiences into single opt-in ones in the same transaction."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import login
from tests.support import Api, counting_calls

CONFIRM = {"name": "Confirm", "subject": "Confirm {{email}} for {{store_name}}",
           "html": "<p>Hi {{email}}, <a href='{{confirm_url}}'>confirm</a></p>",
           "text": "Confirm: {{confirm_url}}\nLeave: {{unsubscribe_url}}"}


def _base(store: dict[str, Any]) -> str:
    return f"/v1/stores/{store['id']}/email-templates"


def test_template_crud(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], _base(store)
    created = api.call("POST", base, {**CONFIRM, "key": "double-opt-in"}, token=token)
    assert created.status == 200, created.body
    template = created.body
    assert template["store_id"] == store["id"] and template["key"] == "double-opt-in"
    assert "audience_count" not in template
    assert api.call("GET", f"{base}/{template['id']}", token=token).body == template
    updated = api.call("PUT", f"{base}/{template['id']}", {"subject": "Please confirm", "html": None}, token=token)
    assert updated.status == 200, updated.body
    assert updated.body["subject"] == "Please confirm" and updated.body["html"] is None
    assert updated.body["text"] == CONFIRM["text"]
    assert api.call("GET", f"{base}/{template['id']}", token=token).body == updated.body
    assert api.call("DELETE", f"{base}/{template['id']}", token=token).body == {"deleted": True}
    assert api.call("GET", f"{base}/{template['id']}", token=token).status == 404
    assert api.call("DELETE", f"{base}/{template['id']}", token=token).status == 404


def test_list_pages_with_a_cursor(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], _base(store)
    made = {api.call("POST", base, {**CONFIRM, "name": f"t{i}"}, token=token).body["id"] for i in range(5)}
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = api.call("GET", base, token=token, query={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status == 200 and len(page.body["items"]) <= 2
        seen += [t["id"] for t in page.body["items"]]
        cursor = page.body["cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made)
    bad = api.call("GET", base, token=token, query={"cursor": "not-a-cursor"})
    assert bad.status == 400 and bad.body["validationErrors"][0]["field"] == "cursor"


def test_unknown_placeholders_are_refused(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], _base(store)
    reply = api.call("POST", base, {**CONFIRM, "html": "<p>{{first_name}}</p>", "subject": "Hi {{ nickname }}"},
                     token=token)
    assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR"
    assert {e["field"] for e in reply.body["validationErrors"]} == {"html", "subject"}
    assert "first_name" in str(reply.body)
    template = api.call("POST", base, CONFIRM, token=token).body
    reply = api.call("PUT", f"{base}/{template['id']}", {"text": "{{confirm_link}}"}, token=token)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "text"
    for body in [{}, {"name": "x", "subject": "s"}, {**CONFIRM, "text": ""}, {**CONFIRM, "key": "bad key!"}]:
        reply = api.call("POST", base, body, token=token)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", body
    assert api.call("PUT", f"{base}/{template['id']}", {"text": None}, token=token).status == 400


def test_other_stores_cannot_see_or_change_templates(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    template = api.call("POST", _base(store), CONFIRM, token=owner["access_token"]).body
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    path = f"{_base(store)}/{template['id']}"
    for method, body in [("GET", None), ("PUT", {"name": "mine"}), ("DELETE", None)]:
        assert api.call(method, path, body, token=rival).status == 404
    assert api.call("GET", _base(store), token=rival).status == 404
    assert api.call("POST", _base(store), CONFIRM, token=rival).status == 404
    assert api.call("GET", f"{_base(own)}/{template['id']}", token=rival).status == 404
    # A customer's session is not a staff login.
    shopper = api.call("POST", f"/v1/stores/{store['id']}/profiles/connect", {"email": "s@example.com"}).body
    assert api.call("GET", path, token=shopper["access_token"]).status == 403
    assert api.call("GET", path).status == 401
    assert api.call("GET", path, token=owner["access_token"]).body["name"] == "Confirm"


def test_deleting_a_template_makes_its_audiences_single_opt_in(api: Api, owner: dict[str, Any],
                                                                store: dict[str, Any]) -> None:
    token = owner["access_token"]
    template = api.call("POST", _base(store), CONFIRM, token=token).body
    other = api.call("POST", _base(store), CONFIRM, token=token).body
    audiences = f"/v1/stores/{store['id']}/audiences"
    news = api.call("POST", audiences, {"key": "news", "confirm_template_id": template["id"]}, token=token).body
    deals = api.call("POST", audiences, {"key": "deals", "type": "confirmation", "confirm_template_id": template["id"]},
                     token=token).body
    kept = api.call("POST", audiences, {"key": "kept", "confirm_template_id": other["id"]}, token=token).body
    assert news["type"] == {"type": "confirmation", "confirm_template_id": template["id"]}
    with counting_calls() as calls:
        assert api.call("DELETE", f"{_base(store)}/{template['id']}", token=token).body == {"deleted": True}
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query", "dynamodb.TransactWriteItems"]
    for audience in (news, deals):
        assert api.call("GET", f"{audiences}/{audience['id']}", token=token).body["type"] == {"type": "standard"}
    assert api.call("GET", f"{audiences}/{kept['id']}", token=token).body["type"]["type"] == "confirmation"
    # The downgraded audiences can be linked again, to another template.
    relinked = api.call("PUT", f"{audiences}/{news['id']}", {"confirm_template_id": other["id"]}, token=token)
    assert relinked.status == 200 and relinked.body["type"]["confirm_template_id"] == other["id"]
    # The count of linked audiences stays exact: unlinking both lets the template go with no audience to touch.
    for audience in (news, kept):
        assert api.call("PUT", f"{audiences}/{audience['id']}", {"confirm_template_id": None},
                        token=token).body["type"] == {"type": "standard"}
    with counting_calls() as calls:
        assert api.call("DELETE", f"{_base(store)}/{other['id']}", token=token).status == 200
    assert calls.calls[-1] == "dynamodb.DeleteItem"


def test_budgets(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], _base(store)
    with counting_calls() as calls:
        template = api.call("POST", base, CONFIRM, token=token).body
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.PutItem"]
    with counting_calls() as calls:
        api.call("GET", f"{base}/{template['id']}", token=token)
    assert calls.calls == ["dynamodb.BatchGetItem"]
    with counting_calls() as calls:
        api.call("GET", base, token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"]
    with counting_calls() as calls:
        api.call("PUT", f"{base}/{template['id']}", {"name": "n"}, token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.UpdateItem"]
