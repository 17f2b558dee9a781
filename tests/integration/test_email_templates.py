"""Email templates in the arky-sdk 0.9.1 shape: create, get by id or `{storeId}:{key}`, find (ids, key,
query, status, sorts, created_at range, cursor pages), update, delete, preview with warnings; the one
save-time rule (a confirmation audience's template needs {{confirm_url}}); cross-store denial on every
route; round-trip budgets."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import login
from tests.support import Api, captured_params, counting_calls

CONFIRM = {"key": "double-opt-in", "subject": {"en": "Confirm {{email}} for {{store_name}}", "de": "Bestätigen"},
           "body": "<p>Hi {{email}}, <a href=\"{{confirm_url}}\">confirm</a></p>"
                   "<p><a href=\"{{unsubscribe_url}}\">Leave</a></p>",
           "from_name": "Acme News", "from_email": "news@acme.example.com", "reply_to": "billing@acme.example.com",
           "preheader": "One click left"}


def _base(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/stores/{store['id']}/email-templates{tail}"


def _create(api: Api, token: str, store: dict[str, Any], **fields: Any) -> dict[str, Any]:
    reply = api.call("POST", _base(store), {**CONFIRM, **fields}, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


@pytest.fixture
def ticking_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each template write 10 s after the previous one, so time orders are strict."""
    from storecrm.messaging import email_templates

    ticks = itertools.count(1_800_000_000, 10)
    monkeypatch.setattr(email_templates, "now", lambda: next(ticks))
    yield


def test_create_get_update_delete(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    created = api.call("POST", _base(store), CONFIRM, token=token)
    assert created.status == 200, created.body
    template = created.body
    assert template == {**CONFIRM, "id": template["id"], "store_id": store["id"], "status": "active",
                        "created_at": template["created_at"], "updated_at": template["created_at"]}
    for ref in (template["id"], f"{store['id']}:double-opt-in", "double-opt-in"):
        assert api.call("GET", _base(store, f"/{ref}"), token=token).body == template, ref
    # The client's update repeats the id in the body; null takes an optional field away.
    changes = {"id": template["id"], "key": "welcome", "subject": {"en": "Welcome"}, "reply_to": None,
               "status": "draft", "body": "<p>{{confirm_url}}</p>"}
    updated = api.call("PUT", _base(store, f"/{template['id']}"), changes, token=token)
    assert updated.status == 200, updated.body
    assert updated.body == {**template, "key": "welcome", "subject": {"en": "Welcome"}, "reply_to": None,
                            "status": "draft", "body": "<p>{{confirm_url}}</p>",
                            "updated_at": updated.body["updated_at"]}
    assert api.call("GET", _base(store, f"/{store['id']}:welcome"), token=token).body == updated.body
    assert api.call("GET", _base(store, f"/{store['id']}:double-opt-in"), token=token).status == 404
    # The old key is free again; a body id that is not this template's is refused.
    assert api.call("POST", _base(store), CONFIRM, token=token).status == 200
    wrong_id = api.call("PUT", _base(store, f"/{template['id']}"), {"id": "other"}, token=token)
    assert wrong_id.status == 400 and wrong_id.body["validationErrors"][0]["field"] == "id"
    # Only what the client sent changes.
    renamed = api.call("PUT", _base(store, f"/{store['id']}:welcome"), {"from_name": "Acme"}, token=token).body
    assert renamed == {**updated.body, "from_name": "Acme", "updated_at": renamed["updated_at"]}
    assert api.call("DELETE", _base(store, f"/{template['id']}"), token=token).body == {"deleted": True}
    assert api.call("GET", _base(store, f"/{template['id']}"), token=token).status == 404
    assert api.call("GET", _base(store, f"/{store['id']}:welcome"), token=token).status == 404
    assert api.call("DELETE", _base(store, f"/{template['id']}"), token=token).status == 404
    assert api.call("POST", _base(store), {**CONFIRM, "key": "welcome"}, token=token).status == 200


def test_minimal_create_and_unique_keys(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    # The client's create needs only key, from_name and from_email.
    minimal = api.call("POST", _base(store), {"key": "blank", "from_name": "Acme", "from_email": "A@Acme.example.com"},
                       token=token)
    assert minimal.status == 200, minimal.body
    assert {k: minimal.body[k] for k in ("subject", "body", "reply_to", "preheader", "status", "from_email")} == {
        "subject": {}, "body": "", "reply_to": None, "preheader": None, "status": "active",
        "from_email": "a@acme.example.com"}
    taken = api.call("POST", _base(store), {**CONFIRM, "key": "blank"}, token=token)
    assert taken.status == 409 and taken.error == "EMAIL_TEMPLATE.KEY_TAKEN"
    other = _create(api, token, store, key="other")
    clash = api.call("PUT", _base(store, f"/{other['id']}"), {"key": "blank"}, token=token)
    assert clash.status == 409 and clash.error == "EMAIL_TEMPLATE.KEY_TAKEN"
    assert api.call("GET", _base(store, f"/{store['id']}:other"), token=token).body["id"] == other["id"]
    second_store = api.call("POST", "/v1/stores", {"key": "second-shop", "timezone": "UTC",
                                                   "billing_email": "b@example.com"}, token=token).body
    assert api.call("POST", _base(second_store), {**CONFIRM, "key": "blank", "reply_to": "b@example.com"},
                    token=token).status == 200


def test_find(api: Api, owner: dict[str, Any], store: dict[str, Any], ticking_clock: None) -> None:
    token = owner["access_token"]
    made = [_create(api, token, store, key=key, status=status) for key, status in
            [("welcome", "active"), ("news-weekly", "draft"), ("news-daily", "active"), ("receipt", "archived"),
             ("news-monthly", "active")]]
    by_key = {t["key"]: t for t in made}
    # welcome is touched last, so it is the newest by updated_at.
    api.call("PUT", _base(store, f"/{by_key['welcome']['id']}"), {"from_name": "Later"}, token=token)

    def keys(**query: Any) -> list[str]:
        reply = api.call("GET", _base(store), token=token, query=query)
        assert reply.status == 200, (query, reply.body)
        assert reply.body["cursor"] is None, query
        return [t["key"] for t in reply.body["items"]]

    created_order = [t["key"] for t in made]
    assert keys() == created_order[::-1]  # newest first by default
    assert keys(sort_field="created_at", sort_direction="asc") == created_order
    assert keys(sort_field="updated_at", sort_direction="desc")[0] == "welcome"
    assert keys(sort_field="key", sort_direction="asc") == sorted(created_order)
    assert keys(sort_field="key", sort_direction="desc") == sorted(created_order, reverse=True)
    assert keys(query="news") == ["news-daily", "news-monthly", "news-weekly"]  # key order serves a prefix
    assert keys(query="news", sort_field="created_at", sort_direction="asc") == [
        "news-weekly", "news-daily", "news-monthly"]
    assert keys(query="news", status="active") == ["news-daily", "news-monthly"]
    assert keys(status="draft") == ["news-weekly"]
    assert keys(key="receipt") == ["receipt"]
    assert keys(key="receipt", status="active") == []
    assert keys(key="nope") == []
    start, end = by_key["news-weekly"]["created_at"], by_key["receipt"]["created_at"]
    assert keys(created_at_from=start, created_at_to=end, sort_direction="asc") == [
        "news-weekly", "news-daily", "receipt"]
    assert keys(created_at_from=end) == ["news-monthly", "receipt"]
    assert keys(created_at_to=start, sort_field="key") == ["news-weekly", "welcome"]
    assert keys(created_at_from=start, created_at_to=end, status="active") == ["news-daily"]
    # ids: a JSON array in the query string (the client's transport), unknown ids are left out.
    ids = json.dumps([by_key["receipt"]["id"], by_key["welcome"]["id"], "missing"])
    assert keys(ids=ids, sort_field="key", sort_direction="asc") == ["receipt", "welcome"]
    assert keys(ids=ids, status="archived") == ["receipt"]

    # Cursor pages: every template once, in order; a page of N reads N items with one Query.
    seen: list[str] = []
    cursor = None
    with captured_params("dynamodb", "Query") as queries:
        for _ in range(5):
            page = api.call("GET", _base(store), token=token,
                            query={"limit": 2, "sort_field": "key", **({"cursor": cursor} if cursor else {})})
            assert page.status == 200 and len(page.body["items"]) <= 2
            seen += [t["key"] for t in page.body["items"]]
            cursor = page.body["cursor"]
            if not cursor:
                break
    assert seen == sorted(created_order)
    assert {q["Limit"] for q in queries} == {2} and all("IndexName" in q for q in queries)
    first = api.call("GET", _base(store), token=token, query={"limit": 2}).body
    for other_list in [{"limit": 2, "sort_field": "key"}, {"limit": 2, "status": "active"}, {"query": "news"}]:
        reply = api.call("GET", _base(store), token=token, query={**other_list, "cursor": first["cursor"]})
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "cursor", other_list
    rest = api.call("GET", _base(store), token=token, query={"limit": 2, "cursor": first["cursor"]}).body
    assert [t["key"] for t in first["items"] + rest["items"]] == created_order[::-1][:4]


def test_preview(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    template = _create(api, token, store)
    path = _base(store, f"/{template['id']}/preview")
    api.call("PUT", f"/v1/stores/{store['id']}", {"languages": [{"id": "en"}]}, token=token)
    with counting_calls() as calls:
        reply = api.call("POST", path, {"vars": {"email": "<ann@example.com>", "confirm_url": "https://s.example/c?a=1&b=2",
                                                 "first_name": "Ann"}}, token=token)
    assert calls.calls == ["dynamodb.BatchGetItem"]
    assert reply.status == 200, reply.body
    assert reply.body["subject"] == "Confirm <ann@example.com> for"  # the store's language; one trimmed line
    html = reply.body["html"]
    assert "Hi &lt;ann@example.com&gt;" in html and "href=\"https://s.example/c?a=1&amp;b=2\"" in html
    assert "One click left" in html and "{{" not in html
    assert [(w["kind"], w["variable"]) for w in reply.body["warnings"]] == [
        ("missing", "store_name"), ("missing", "unsubscribe_url"), ("unused", "first_name")]
    # Overrides render instead of the stored text (nothing is saved); preheader null drops it.
    overridden = api.call("POST", _base(store, f"/{store['id']}:double-opt-in/preview"),
                          {"subject": {"en": "Hi {{first_name}}"}, "body": "<p>{{first_name}}</p>", "preheader": None,
                           "vars": {"first_name": "Ann", "count": 3}}, token=token)
    assert overridden.status == 200, overridden.body
    assert overridden.body["subject"] == "Hi Ann" and overridden.body["html"] == "<p>Ann</p>"
    assert [(w["kind"], w["variable"]) for w in overridden.body["warnings"]] == [
        ("unknown", "first_name"), ("unused", "count")]
    assert api.call("GET", _base(store, f"/{template['id']}"), token=token).body == template
    # The subject follows the store's first language.
    api.call("PUT", f"/v1/stores/{store['id']}", {"languages": [{"id": "de"}, {"id": "en"}]}, token=token)
    german = api.call("POST", path, {}, token=token).body
    assert german["subject"] == "Bestätigen"
    api.call("PUT", f"/v1/stores/{store['id']}", {"languages": [{"id": "fr"}]}, token=token)
    french = api.call("POST", path, {"vars": {}}, token=token).body
    assert ("missing_translation", "subject.fr") in [(w["kind"], w["variable"]) for w in french["warnings"]]
    assert french["subject"] == "Bestätigen"  # no French text: the first language in sorted order
    assert api.call("POST", _base(store, "/missing/preview"), {}, token=token).status == 404


def test_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    template = _create(api, token, store)
    for body, field in [({}, "key"), ({**CONFIRM, "key": "bad key!"}, "key"), ({**CONFIRM, "key": "x" * 256}, "key"),
                        ({k: v for k, v in CONFIRM.items() if k != "from_name"}, "from_name"),
                        ({k: v for k, v in CONFIRM.items() if k != "from_email"}, "from_email"),
                        ({**CONFIRM, "from_email": "not-an-email"}, "from_email"),
                        ({**CONFIRM, "reply_to": "nope"}, "reply_to"),
                        ({**CONFIRM, "from_name": "Acme\r\nBcc: x@example.com"}, "from_name"),
                        ({**CONFIRM, "from_name": "x" * 65}, "from_name"),
                        ({**CONFIRM, "from_name": "security@bank.example"}, "from_name"),
                        ({**CONFIRM, "from_name": "Bank <security@bank.example>"}, "from_name"),
                        ({**CONFIRM, "reply_to": "security@bank.example"}, "reply_to"),
                        ({**CONFIRM, "subject": "Confirm"}, "subject"),
                        ({**CONFIRM, "subject": {"english!": "Hi"}}, "subject"),
                        ({**CONFIRM, "subject": {"en": 5}}, "subject"),
                        ({**CONFIRM, "body": ["<p>"]}, "body"),
                        ({**CONFIRM, "status": "gone"}, "status")]:
        reply = api.call("POST", _base(store), body, token=token)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (body, reply.body)
        assert reply.body["statusCode"] == 400 and reply.body["message"]
        assert any(e["field"].startswith(field) for e in reply.body["validationErrors"]), (body, reply.body)
    path = _base(store, f"/{template['id']}")
    for body, field in [({"key": None}, "key"), ({"subject": None}, "subject"), ({"from_email": None}, "from_email"),
                        ({"from_name": ""}, "from_name"), ({"status": "gone"}, "status"),
                        ({"reply_to": "help@acme.example.com"}, "reply_to"),
                        ({"body": None}, "body")]:
        reply = api.call("PUT", path, body, token=token)
        assert reply.status == 400 and any(e["field"].startswith(field) for e in reply.body["validationErrors"]), (
            body, reply.body)
    assert api.call("GET", path, token=token).body == template
    for query, field in [({"ids": "[not json"}, "ids"), ({"ids": json.dumps({"a": 1})}, "ids"),
                         ({"limit": 101}, "limit"), ({"limit": 0}, "limit"), ({"cursor": "%%%"}, "cursor"),
                         ({"sort_field": "subject"}, "sort_field"), ({"sort_direction": "up"}, "sort_direction"),
                         ({"status": "gone"}, "status"), ({"created_at_from": "yesterday"}, "created_at_from"),
                         ({"created_at_from": 20, "created_at_to": 10}, "created_at_to"),
                         ({"key": "bad key"}, "key")]:
        reply = api.call("GET", _base(store), token=token, query=query)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == field, (query, reply.body)
    for body, field in [({"vars": []}, "vars"), ({"subject": "Hi"}, "subject"), ({"body": 5}, "body"),
                        ({"vars": {f"v{i}": i for i in range(101)}}, "vars")]:
        reply = api.call("POST", f"{path}/preview", body, token=token)
        assert reply.status == 400 and reply.body["validationErrors"][0]["field"].startswith(field), (body, reply.body)
    assert api.call("POST", f"{path}/preview", raw_body="{not json", token=token).status == 400


def test_other_stores_cannot_read_or_change_templates(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    template = _create(api, owner["access_token"], store)
    rival = login(api, "rival@example.com")["access_token"]
    own = api.call("POST", "/v1/stores", {"key": "rival-shop", "timezone": "UTC", "billing_email": "r@example.com"},
                   token=rival).body
    routes = [("GET", _base(store), None), ("POST", _base(store), {**CONFIRM, "key": "mine"}),
              ("GET", _base(store, f"/{template['id']}"), None),
              ("GET", _base(store, f"/{store['id']}:double-opt-in"), None),
              ("PUT", _base(store, f"/{template['id']}"), {"from_name": "Mine"}),
              ("POST", _base(store, f"/{template['id']}/preview"), {"vars": {}}),
              ("DELETE", _base(store, f"/{template['id']}"), None)]
    for method, path, body in routes:
        reply = api.call(method, path, body, token=rival)
        assert reply.status == 404 and reply.error == "STORE.NOT_FOUND", (method, path, reply.body)
    # Through the rival's own store, the template does not exist either, by id or by key.
    for method, path, body in [("GET", _base(own, f"/{template['id']}"), None),
                               ("GET", _base(own, f"/{store['id']}:double-opt-in"), None),
                               ("PUT", _base(own, f"/{template['id']}"), {"from_name": "Mine"}),
                               ("POST", _base(own, f"/{template['id']}/preview"), {}),
                               ("DELETE", _base(own, f"/{template['id']}"), None)]:
        reply = api.call(method, path, body, token=rival)
        assert reply.status == 404 and reply.error == "EMAIL_TEMPLATE.NOT_FOUND", (method, path, reply.body)
    ids = json.dumps([template["id"]])
    assert api.call("GET", _base(own), token=rival, query={"ids": ids}).body == {"items": [], "cursor": None}
    assert api.call("GET", _base(own), token=rival, query={"key": "double-opt-in"}).body["items"] == []
    # A customer's session is not a staff login; no token is no access.
    shopper = api.call("POST", f"/v1/stores/{store['id']}/profiles/connect", {"email": "s@example.com"}).body
    for method, path, body in routes:
        assert api.call(method, path, body, token=shopper["access_token"]).status == 403, (method, path)
        assert api.call(method, path, body).status == 401, (method, path)
    assert api.call("GET", _base(store, f"/{template['id']}"), token=owner["access_token"]).body == template


def test_a_confirmation_audience_needs_confirm_url(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    audiences = f"/v1/stores/{store['id']}/audiences"
    # Without a confirmation audience, a template may lack the link (it is only a preview warning).
    plain = _create(api, token, store, key="plain", body="<p>Hello</p>")
    for body in [{"key": "news", "confirm_template_id": plain["id"]},
                 {"key": "news", "type": {"type": "confirmation", "confirm_template_id": plain["id"]}}]:
        refused = api.call("POST", audiences, body, token=token)
        assert refused.status == 400 and refused.body["validationErrors"][0]["field"] == "confirm_template_id"
        assert "{{confirm_url}}" in refused.body["validationErrors"][0]["error"]
    template = _create(api, token, store)
    audience = api.call("POST", audiences, {"key": "news", "confirm_template_id": template["id"]}, token=token).body
    standard = api.call("POST", audiences, {"key": "deals"}, token=token).body
    refused = api.call("PUT", f"{audiences}/{standard['id']}", {"confirm_template_id": plain["id"]}, token=token)
    assert refused.status == 400 and refused.body["validationErrors"][0]["field"] == "confirm_template_id"
    # While the audience uses it, saving the template without {{confirm_url}} is refused ...
    path = _base(store, f"/{template['id']}")
    dropped = api.call("PUT", path, {"body": "<p>{{ confirm_link }}</p>"}, token=token)
    assert dropped.status == 400 and dropped.body["validationErrors"][0]["field"] == "body"
    assert "{{confirm_url}}" in dropped.body["validationErrors"][0]["error"]
    assert api.call("PUT", path, {"body": "<a href='{{ confirm_url }}'>Yes</a>"}, token=token).status == 200
    # ... and allowed again once no audience uses it.
    api.call("PUT", f"{audiences}/{audience['id']}", {"confirm_template_id": None}, token=token)
    assert api.call("PUT", path, {"body": "<p>Hello</p>"}, token=token).status == 200


def test_deleting_a_template_makes_its_audiences_single_opt_in(api: Api, owner: dict[str, Any],
                                                                store: dict[str, Any]) -> None:
    token = owner["access_token"]
    template = _create(api, token, store)
    other = _create(api, token, store, key="other")
    audiences = f"/v1/stores/{store['id']}/audiences"
    news = api.call("POST", audiences, {"key": "news", "confirm_template_id": template["id"]}, token=token).body
    deals = api.call("POST", audiences, {"key": "deals", "type": "confirmation", "confirm_template_id": template["id"]},
                     token=token).body
    kept = api.call("POST", audiences, {"key": "kept", "confirm_template_id": other["id"]}, token=token).body
    assert news["type"] == {"type": "confirmation", "confirm_template_id": template["id"]}
    with counting_calls() as calls:
        assert api.call("DELETE", _base(store, f"/{template['id']}"), token=token).body == {"deleted": True}
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query", "dynamodb.TransactWriteItems"]
    for audience in (news, deals):
        assert api.call("GET", f"{audiences}/{audience['id']}", token=token).body["type"] == {"type": "standard"}
    assert api.call("GET", f"{audiences}/{kept['id']}", token=token).body["type"]["type"] == "confirmation"
    relinked = api.call("PUT", f"{audiences}/{news['id']}", {"confirm_template_id": other["id"]}, token=token)
    assert relinked.status == 200 and relinked.body["type"]["confirm_template_id"] == other["id"]
    # The count of linked audiences stays exact: unlinking both lets the template go with no audience to touch.
    for audience in (news, kept):
        assert api.call("PUT", f"{audiences}/{audience['id']}", {"confirm_template_id": None},
                        token=token).body["type"] == {"type": "standard"}
    with counting_calls() as calls:
        assert api.call("DELETE", _base(store, f"/{other['id']}"), token=token).status == 200
    assert calls.calls[-1] == "dynamodb.TransactWriteItems"  # the template and its key marker
    assert api.call("POST", _base(store), {**CONFIRM, "key": "other"}, token=token).status == 200


def test_budgets(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token, base = owner["access_token"], _base(store)
    with counting_calls() as calls:
        template = api.call("POST", base, CONFIRM, token=token).body
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]  # the template and its key
    with counting_calls() as calls:
        api.call("GET", f"{base}/{template['id']}", token=token)
    assert calls.calls == ["dynamodb.BatchGetItem"]
    with counting_calls() as calls:
        api.call("GET", f"{base}/{store['id']}:double-opt-in", token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.GetItem"]  # the key marker names the id
    for query in [{}, {"query": "dou"}, {"status": "active", "sort_field": "updated_at"}, {"key": "double-opt-in"},
                  {"created_at_from": 1, "created_at_to": 2_000_000_000}]:
        with counting_calls() as calls:
            assert api.call("GET", base, token=token, query=query).body["items"], query
        assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.Query"], query
    with counting_calls() as calls:
        api.call("GET", base, token=token, query={"ids": json.dumps([template["id"]])})
    assert calls.calls == ["dynamodb.BatchGetItem"]
    with counting_calls() as calls:
        api.call("PUT", f"{base}/{template['id']}", {"from_name": "n"}, token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.UpdateItem"]
    with counting_calls() as calls:
        api.call("PUT", f"{base}/{template['id']}", {"key": "renamed"}, token=token)
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]  # the key marker moves


def test_writes_refuse_a_template_that_lost_its_link_meanwhile(api: Api, owner: dict[str, Any],
                                                              store: dict[str, Any]) -> None:
    """The read-time checks have write-time twins, so two concurrent calls cannot leave a confirmation
    audience with a template whose body has no {{confirm_url}}."""
    from storecrm.kernel.errors import Conflict, ValidationFailed
    from storecrm.messaging.models.audiences import Audience, ConfirmationAudience
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.messaging.repositories.email_templates import EmailTemplateRepository

    token = owner["access_token"]
    plain = _create(api, token, store, key="plain", body="<p>no link</p>")
    linked = _create(api, token, store)
    templates = EmailTemplateRepository()
    # An audience write that read `plain` before it lost the link (here: never had it) fails in the write.
    audience = Audience(id="a-1", store_id=store["id"], key="news", type=ConfirmationAudience(
        confirm_template_id=plain["id"]), created_at=1, updated_at=1)
    with pytest.raises(ValidationFailed) as refused:
        AudienceRepository().create(audience)
    assert refused.value.field_errors[0].field == "confirm_template_id"
    # A template update that read no audience using it fails once one does.
    api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "news", "confirm_template_id": linked["id"]},
             token=token)
    current = templates.get(store["id"], linked["id"])
    assert current is not None and current.audience_count == 1
    stale = current.model_copy(update={"audience_count": 0})
    with pytest.raises(Conflict):
        templates.update(stale.model_copy(update={"body": "<p>gone</p>", "revision": 2}), stale)
    assert api.call("GET", _base(store, f"/{linked['id']}"), token=token).body == linked


def test_items_of_the_first_shape_read_as_absent(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    from storecrm.kernel.repositories.base import default_table
    from storecrm.kernel.repositories.table import put

    default_table().write(put({"PK": f"STORE#{store['id']}", "SK": "EMAILTEMPLATE#old", "entity": "EMAILTEMPLATE",
                               "id": "old", "store_id": store["id"], "name": "Old", "subject": "Hi",
                               "text": "{{confirm_url}}", "created_at": 1, "updated_at": 1}))
    token = owner["access_token"]
    assert api.call("GET", _base(store, "/old"), token=token).status == 404
    assert api.call("GET", _base(store), token=token, query={"ids": json.dumps(["old"])}).body["items"] == []
    reply = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "news", "confirm_template_id": "old"},
                     token=token)
    assert reply.status == 400


def test_a_template_never_impersonates(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    """Issue 24: a display name of at most 64 characters that does not read as an address, and Reply-To only to
    one of the store's own emails (support or billing), on create and on update."""
    token = owner["access_token"]
    bank = _create(api, token, store, key="bank", reply_to=None)
    path = _base(store, f"/{bank['id']}")
    for body, field in [({"from_name": "Bank Security Team <security@bank.example>"}, "from_name"),
                        ({"from_name": "B" * 65}, "from_name"), ({"reply_to": "security@bank.example"}, "reply_to")]:
        refused = api.call("PUT", path, body, token=token)
        assert refused.status == 400 and refused.body["validationErrors"][0]["field"] == field, (body, refused.body)
        refused = api.call("POST", _base(store), {**CONFIRM, "key": "bank-2", **body}, token=token)
        assert refused.status == 400 and refused.body["validationErrors"][0]["field"] == field, (body, refused.body)
    assert api.call("GET", path, token=token).body == bank
    # The store's support address is one of its own once staff set it.
    assert api.call("PUT", f"/v1/stores/{store['id']}", {"emails": {"support": "help@acme.example.com"}},
                    token=token).status == 200
    kept = api.call("PUT", path, {"reply_to": "help@acme.example.com", "from_name": "B" * 64}, token=token)
    assert kept.status == 200 and kept.body["reply_to"] == "help@acme.example.com", kept.body
    # A template saved before the store changed its address still takes changes that leave reply_to alone.
    assert api.call("PUT", f"/v1/stores/{store['id']}", {"emails": {"support": "care@acme.example.com"}},
                    token=token).status == 200
    assert api.call("PUT", path, {"from_name": "Acme"}, token=token).status == 200
