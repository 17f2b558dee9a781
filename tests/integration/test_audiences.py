"""Audiences for staff: create (types, unique keys), get by id or key, find, update, subscribers; and
the public calls: subscribe (single and double opt-in, paid seam), confirm, unsubscribe, access."""

from __future__ import annotations

import html
import json
import re
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from tests.integration.conftest import login
from tests.support import Api, MailPipeline, captured_params, counting_calls, sent_headers, sent_mail

TEMPLATE = {"key": "confirm", "subject": {"en": "Confirm your {{store_name}} subscription",
                                          "de": "Bestätige dein {{store_name}}-Abo"},
            "body": "<p>Hi {{email}}, <a href=\"{{confirm_url}}\">confirm</a> or <a href=\"{{unsubscribe_url}}\">leave"
                    "</a></p><p>List: {{audience_key}}</p>",
            "from_name": "Acme Letters", "from_email": "letters@acme.example.com"}
PRICES = [{"currency": "usd", "amount": 500, "interval": {"period": "month", "count": 1}},
          {"id": "yearly", "currency": "USD", "amount": 5000, "interval": {"period": "year"}}]


def _a(store: dict[str, Any], tail: str = "") -> str:
    return f"/v1/stores/{store['id']}/audiences{tail}"


def _shopper(api: Api, store: dict[str, Any], email: str) -> dict[str, Any]:
    reply = api.call("POST", f"/v1/stores/{store['id']}/profiles/connect", {"email": email})
    assert reply.status == 200, reply.body
    return reply.body


def _store(api: Api, token: str, key: str) -> dict[str, Any]:
    reply = api.call("POST", "/v1/stores", {"key": key, "timezone": "UTC", "billing_email": f"{key}@example.com"},
                     token=token)
    assert reply.status == 200, reply.body
    return reply.body


def _template(api: Api, token: str, store: dict[str, Any], **fields: Any) -> dict[str, Any]:
    reply = api.call("POST", f"/v1/stores/{store['id']}/email-templates", {**TEMPLATE, **fields}, token=token)
    assert reply.status == 200, reply.body
    return reply.body


def _outbox(provisioned: Any, store_id: str, type_: str) -> list[dict[str, Any]]:
    from storecrm.kernel.repositories.base import default_table

    items = default_table().query_all(f"STORE#{store_id}#EVENT")
    return [i for i in items if i["type"] == type_]


def _table_name() -> str:
    from storecrm.config import settings

    return settings().table_name


def _sender() -> str:
    from storecrm.config import settings

    return settings().sender_email


def _links(email: str) -> dict[str, str]:
    """The confirm and unsubscribe tokens from the newest mail to `email`."""
    body = str(sent_mail(email)[-1]["body"])  # moto keeps the html part
    found = {}
    for url in map(html.unescape, re.findall(r'href="([^"]+)"', body)):
        found["Leave" if "/unsubscribe" in url else "Confirm"] = parse_qs(urlsplit(url).query)["token"][0]
    return found


# ---------------------------------------------------------------- staff
def test_create_get_find_update(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    created = api.call("POST", _a(store), {"key": "news_letter"}, token=token)
    assert created.status == 200, created.body
    audience = created.body
    assert audience == {"id": audience["id"], "store_id": store["id"], "key": "news_letter", "status": "active",
                        "type": {"type": "standard"}}
    for ref in (audience["id"], "news_letter", f"{store['id']}:news_letter"):
        assert api.call("GET", _a(store, f"/{ref}"), token=token).body == audience
    paid = api.call("POST", _a(store), {"key": "vip", "type": {"type": "paid", "prices": PRICES}}, token=token).body
    assert paid["type"]["type"] == "paid" and paid["type"]["prices"][1]["id"] == "yearly"
    assert paid["type"]["prices"][0]["id"] and paid["type"]["prices"][0]["currency"] == "USD"
    stripe = api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": "stripe", "provider": {
        "type": "stripe", "secret_key": "sk_test_1", "publishable_key": "pk_test_1"}}, token=token).body
    also_paid = api.call("POST", _a(store), {"key": "vip-2", "type": "paid", "prices": PRICES[:1],
                                            "payment_integration_id": stripe["id"]}, token=token).body
    assert also_paid["type"]["payment_integration_id"] == stripe["id"]
    template = _template(api, token, store)
    double = api.call("POST", _a(store), {"key": "news-double", "confirm_template_id": template["id"],
                                          "status": "draft"}, token=token).body
    assert double["type"] == {"type": "confirmation", "confirm_template_id": template["id"]}

    everything = api.call("GET", _a(store), token=token).body
    assert [a["key"] for a in everything["items"]] == ["news-double", "news_letter", "vip", "vip-2"]
    assert everything["cursor"] is None
    assert [a["key"] for a in api.call("GET", _a(store), token=token, query={"query": "news"}).body["items"]] == [
        "news-double", "news_letter"]
    drafts = api.call("GET", _a(store), token=token, query={"status": "draft"}).body["items"]
    assert [a["key"] for a in drafts] == ["news-double"]
    by_ids = api.call("GET", _a(store), token=token, query={"ids": json.dumps([paid["id"], audience["id"], "nope"])})
    assert sorted(a["key"] for a in by_ids.body["items"]) == ["news_letter", "vip"]
    first = api.call("GET", _a(store), token=token, query={"limit": 3}).body
    rest = api.call("GET", _a(store), token=token, query={"limit": 3, "cursor": first["cursor"]}).body
    assert [a["key"] for a in first["items"] + rest["items"]] == ["news-double", "news_letter", "vip", "vip-2"]
    wrong_list = api.call("GET", _a(store), token=token, query={"query": "vip", "cursor": first["cursor"]})
    assert wrong_list.status == 400 and wrong_list.body["validationErrors"][0]["field"] == "cursor"

    renamed = api.call("PUT", _a(store, f"/{audience['id']}"), {"key": "weekly", "status": "archived"}, token=token)
    assert renamed.status == 200 and renamed.body["key"] == "weekly" and renamed.body["status"] == "archived"
    assert api.call("GET", _a(store, "/weekly"), token=token).body["id"] == audience["id"]
    assert api.call("GET", _a(store, "/news_letter"), token=token).status == 404
    # The old key is free again; the new one is taken.
    assert api.call("POST", _a(store), {"key": "news_letter"}, token=token).status == 200
    taken = api.call("PUT", _a(store, f"/{audience['id']}"), {"key": "vip"}, token=token)
    assert taken.status == 409 and taken.error == "AUDIENCE.KEY_TAKEN"
    linked = api.call("PUT", _a(store, "/weekly"), {"confirm_template_id": template["id"]}, token=token)
    assert linked.body["type"] == {"type": "confirmation", "confirm_template_id": template["id"]}


def test_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    assert api.call("POST", _a(store), {"key": "taken"}, token=token).status == 200
    dup = api.call("POST", _a(store), {"key": "taken"}, token=token)
    assert dup.status == 409 and dup.error == "AUDIENCE.KEY_TAKEN"
    no_text = _template(api, token, store, key="no-link", body="no link here")
    for body, field in [({}, "key"), ({"key": "has space"}, "key"), ({"key": "x", "type": "gold"}, "type"),
                        ({"key": "x", "type": "paid"}, "prices"),
                        ({"key": "x", "type": "paid", "prices": [{**PRICES[0], "interval": {"period": "week"}}]},
                         "prices"),
                        ({"key": "x", "type": "confirmation"}, "confirm_template_id"),
                        ({"key": "x", "confirm_template_id": "missing"}, "confirm_template_id"),
                        ({"key": "x", "confirm_template_id": no_text["id"]}, "confirm_template_id"),
                        ({"key": "x", "prices": PRICES, "type": "standard"}, "prices"),
                        ({"key": "x", "status": "gone"}, "status")]:
        reply = api.call("POST", _a(store), body, token=token)
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (body, reply.body)
        assert any(field in e["field"] for e in reply.body["validationErrors"]), (body, reply.body)
    paid = api.call("POST", _a(store), {"key": "paid", "type": "paid", "prices": PRICES}, token=token).body
    free = api.call("GET", _a(store, "/taken"), token=token).body
    for audience, body in [(paid, {"type": "standard"}), (free, {"type": "paid"}),
                           (free, {"type": {"type": "paid", "prices": PRICES}}),
                           (paid, {"confirm_template_id": no_text["id"]})]:
        reply = api.call("PUT", _a(store, f"/{audience['id']}"), body, token=token)
        assert reply.status == 400, (body, reply.body)
    assert api.call("GET", _a(store, "/nope"), token=token).status == 404
    assert api.call("GET", _a(store), token=token, query={"ids": "[not json"}).status == 400
    assert api.call("GET", _a(store), token=token, query={"limit": 101}).status == 400
    assert api.call("GET", _a(store), token=token, query={"cursor": "%%%"}).status == 400


def test_subscribers_admin(api: Api, provisioned: Any, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    audience = api.call("POST", _a(store), {"key": "members"}, token=token).body
    people = [_shopper(api, store, f"p{i}@example.com") for i in range(3)]
    for person in people:
        added = api.call("POST", _a(store, f"/{audience['id']}/subscribers"), {"profile_id": person["id"]},
                         token=token)
        assert added.status == 200, added.body
        assert added.body["skipped"] is False and added.body["subscriber"]["status"] == "active"
        assert set(added.body["subscriber"]) == {"profile_id", "email", "subscribed_at", "source", "status"}
        assert added.body["subscriber"]["source"] == "admin"
    again = api.call("POST", _a(store, "/members/subscribers"), {"profile_id": people[0]["id"]}, token=token).body
    assert again["skipped"] is True and again["subscriber"]["profile_id"] == people[0]["id"]
    events = _outbox(provisioned, store["id"], "audience.subscriber_added")
    assert len(events) == 3
    assert events[0]["data"]["audience_key"] == "members" and events[0]["data"]["audience_id"] == audience["id"]
    assert events[0]["data"]["subscriber"]["status"] == "active"

    page = api.call("GET", _a(store, f"/{audience['id']}/subscribers"), token=token, query={"limit": 2}).body
    rest = api.call("GET", _a(store, f"/{audience['id']}/subscribers"), token=token,
                    query={"limit": 2, "cursor": page["cursor"]}).body
    emails = sorted(s["email"] for s in page["items"] + rest["items"])
    assert emails == ["p0@example.com", "p1@example.com", "p2@example.com"]
    other = api.call("POST", _a(store), {"key": "other"}, token=token).body
    misplaced = api.call("GET", _a(store, f"/{other['id']}/subscribers"), token=token, query={"cursor": page["cursor"]})
    assert misplaced.status == 400

    removed = api.call("DELETE", _a(store, f"/{audience['id']}/subscribers/{people[1]['id']}"), token=token)
    assert removed.body == {"deleted": True}
    assert api.call("DELETE", _a(store, f"/{audience['id']}/subscribers/{people[1]['id']}"),
                    token=token).body == {"deleted": False}
    left = api.call("GET", _a(store, f"/{audience['id']}/subscribers"), token=token).body["items"]
    assert len(left) == 2
    for body in [{}, {"profile_id": ""}, {"profile_id": "not-a-profile"}]:
        assert api.call("POST", _a(store, "/members/subscribers"), body, token=token).status in (400, 404)


def test_staff_of_other_stores_are_refused_everywhere(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    token = owner["access_token"]
    audience = api.call("POST", _a(store), {"key": "private"}, token=token).body
    person = _shopper(api, store, "member@example.com")
    api.call("POST", _a(store, f"/{audience['id']}/subscribers"), {"profile_id": person["id"]}, token=token)
    rival = login(api, "rival@example.com")["access_token"]
    rival_store = _store(api, rival, "rival-shop")
    rival_person = _shopper(api, rival_store, "them@example.com")
    for method, tail, body in [("GET", f"/{audience['id']}", None), ("GET", "/private", None),
                               ("PUT", f"/{audience['id']}", {"key": "stolen"}), ("GET", "", None),
                               ("POST", "", {"key": "planted"}),
                               ("GET", f"/{audience['id']}/subscribers", None),
                               ("POST", f"/{audience['id']}/subscribers", {"profile_id": rival_person["id"]}),
                               ("DELETE", f"/{audience['id']}/subscribers/{person['id']}", None)]:
        assert api.call(method, _a(store, tail), body, token=rival).status == 404, (method, tail)
    # Through the rival's own store id, the audience does not exist either.
    assert api.call("GET", _a(rival_store, f"/{audience['id']}"), token=rival).status == 404
    assert api.call("GET", _a(rival_store, f"/{store['id']}:private"), token=rival).status == 404
    rival_audience = api.call("POST", _a(rival_store), {"key": "theirs"}, token=rival).body
    # A profile of another store cannot be added here (the body names it: a 400, as for a missing one).
    reply = api.call("POST", _a(store, f"/{audience['id']}/subscribers"), {"profile_id": rival_person["id"]},
                     token=token)
    assert reply.status == 400 and reply.body["validationErrors"][0]["field"] == "profile_id"
    assert api.call("GET", _a(store, f"/{rival_audience['id']}"), token=token).status == 404
    # Customers' sessions are not staff logins.
    for method, tail in [("GET", f"/{audience['id']}"), ("GET", f"/{audience['id']}/subscribers")]:
        assert api.call(method, _a(store, tail), token=person["access_token"]).status == 403
    assert api.call("GET", _a(store, f"/{audience['id']}/subscribers"), token=token).body["items"][0]["profile_id"] \
        == person["id"]


# ---------------------------------------------------------------- public
def test_standard_subscribe_is_active_at_once(api: Api, provisioned: Any, owner: dict[str, Any],
                                              store: dict[str, Any]) -> None:
    audience = api.call("POST", _a(store), {"key": "news"}, token=owner["access_token"]).body
    shopper = _shopper(api, store, "reader@example.com")
    no_access = api.call("GET", _a(store, f"/{audience['id']}/access"), token=shopper["access_token"]).body
    assert no_access == {"has_access": False, "subscription": None, "verification_required": False}
    with counting_calls() as calls:
        reply = api.call("POST", _a(store, f"/{audience['id']}/subscribe"), {"profileId": shopper["id"]},
                         token=shopper["access_token"])
    assert reply.status == 200, reply.body
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    assert reply.body["checkout_url"] is None
    assert reply.body["subscription"]["status"] == "active" and reply.body["subscription"]["source"] == "signup"
    assert reply.body["subscription"]["audience_id"] == audience["id"]
    assert len(_outbox(provisioned, store["id"], "audience.subscriber_added")) == 1
    with counting_calls() as calls:
        access = api.call("GET", f"/v1/storefront/{store['id']}/audiences/{audience['id']}/access",
                          token=shopper["access_token"])
    assert calls.calls == ["dynamodb.BatchGetItem"]
    assert access.body["has_access"] is True and access.body["subscription"]["profile_id"] == shopper["id"]
    # Subscribing again changes nothing and announces nothing.
    again = api.call("POST", f"/v1/storefront/{store['id']}/audiences/news/subscribe", {"profile_id": shopper["id"]},
                     token=shopper["access_token"])
    assert again.status == 200 and again.body["subscription"] == reply.body["subscription"]
    assert len(_outbox(provisioned, store["id"], "audience.subscriber_added")) == 1


def _settings(api: Api, token: str, store: dict[str, Any], **changes: Any) -> None:
    reply = api.call("PUT", f"/v1/stores/{store['id']}", changes, token=token)
    assert reply.status == 200, reply.body


def test_double_opt_in(api: Api, provisioned: Any, owner: dict[str, Any], store: dict[str, Any],
                       mails: MailPipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    token = owner["access_token"]
    # Profiles carry no language: the mail speaks the store's first one.
    _settings(api, token, store, languages=[{"id": "de"}, {"id": "en"}], emails={"support": "help@acme.example.com"},
              allowed_origins=["https://shop.example"])
    template = _template(api, token, store, reply_to="help@acme.example.com")
    audience = api.call("POST", _a(store), {"key": "letters", "confirm_template_id": template["id"]},
                        token=token).body
    shopper = _shopper(api, store, "Double@Example.com")
    path = _a(store, f"/{audience['id']}/subscribe")
    elsewhere = api.call("POST", path, {"profile_id": shopper["id"], "confirm_url": "https://evil.example/grab"},
                         token=shopper["access_token"])
    assert elsewhere.status == 400 and elsewhere.body["validationErrors"][0]["field"] == "confirm_url"
    from storecrm.identity.gateways.signing_keys import signing_keys

    signing_keys()  # the mailed-link keys, cached as in a warm container (no login reads them any more)
    with counting_calls() as calls:
        reply = api.call("POST", path, {"profile_id": shopper["id"], "confirmUrl": "https://shop.example/confirm?x=1"},
                         token=shopper["access_token"])
    assert reply.status == 200, reply.body
    # The audience, subscription, store, profile and session; the template with the recipient's mark; then the
    # subscription, the profile's list and the mail (with the day's count and the mark) in one transaction.
    assert calls.calls == ["dynamodb.BatchGetItem", "dynamodb.BatchGetItem", "dynamodb.TransactWriteItems"]
    assert reply.body["subscription"]["status"] == "pending"
    assert _outbox(provisioned, store["id"], "audience.subscriber_added") == []
    assert sent_mail("double@example.com") == []  # in the outbox until the mail function sends it
    with captured_params("sesv2", "SendEmail") as sends:
        mails.run()
    mail = sent_mail("double@example.com")[-1]
    assert mail["subject"] == "Bestätige dein acme-shop-Abo"
    # From the platform's verified sender, named as the template says; answers go to the store.
    assert parseaddr(mail["from"]) == ("Acme Letters", _sender())
    assert [s.get("ReplyToAddresses") for s in sends] == [["help@acme.example.com"]]
    assert "Text" in sends[0]["Content"]["Simple"]["Body"] and "Html" in sends[0]["Content"]["Simple"]["Body"]
    body = json.dumps(mail["body"])
    # Values are HTML-escaped in the html body.
    assert "https://shop.example/confirm?x=1&amp;token=" in body and "/audiences/unsubscribe?token=" in body
    assert "Hi double@example.com" in body
    # RFC 8058 one-click unsubscribe, at the mail's own unsubscribe link.
    (headers,) = sent_headers(sends)
    first = _links("double@example.com")
    assert headers == {"List-Unsubscribe": f"<{_unsubscribe_url(headers)}>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert parse_qs(urlsplit(_unsubscribe_url(headers)).query)["token"] == [first["Leave"]]
    access = api.call("GET", _a(store, f"/{audience['id']}/access"), token=shopper["access_token"]).body
    assert access["has_access"] is False and access["subscription"]["status"] == "pending"

    # Asking again within a day answers the same and mails nothing: the first mail's link still confirms.
    again = api.call("POST", path, {"profile_id": shopper["id"], "confirm_url": "https://shop.example/c"},
                     token=shopper["access_token"])
    assert again.status == 200 and again.body["subscription"] == reply.body["subscription"]
    mails.run()
    assert len(sent_mail("double@example.com")) == 1
    # A day later it mails a new link, and the first one no longer confirms. Without reply_to, answers go to
    # the store's support address (from_email is not one of the store's).
    from storecrm.messaging import audience_signup

    later = audience_signup.now() + 24 * 3600 + 1
    monkeypatch.setattr(audience_signup, "now", lambda: later)
    api.call("PUT", f"/v1/stores/{store['id']}/email-templates/{template['id']}", {"reply_to": None}, token=token)
    api.call("POST", path, {"profile_id": shopper["id"], "confirm_url": "https://shop.example/c"},
             token=shopper["access_token"])
    with captured_params("sesv2", "SendEmail") as sends:
        mails.run()
    assert [s.get("ReplyToAddresses") for s in sends] == [["help@acme.example.com"]]
    second = _links("double@example.com")
    stale = api.call("GET", _a(store, "/confirm"), query={"token": first["Confirm"]})
    assert stale.status == 400 and stale.error == "AUDIENCE.INVALID_TOKEN"
    tampered = second["Confirm"][:-2] + ("AA" if not second["Confirm"].endswith("AA") else "BB")
    assert api.call("GET", _a(store, "/confirm"), query={"token": tampered}).status == 400
    assert api.call("GET", _a(store, "/confirm"), query={"token": second["Leave"]}).status == 400  # wrong kind
    assert api.call("GET", _a(store, "/confirm"), query={"token": "garbage"}).status == 400
    assert api.call("GET", _a(store, "/confirm")).status == 400
    rival_store = _store(api, token, "second-shop")
    assert api.call("GET", _a(rival_store, "/confirm"), query={"token": second["Confirm"]}).status == 400
    assert _outbox(provisioned, store["id"], "audience.subscriber_added") == []

    confirmed = api.call("GET", f"/v1/storefront/{store['id']}/audiences/confirm", query={"token": second["Confirm"]})
    assert confirmed.status == 200 and confirmed.body == {"confirmed": True}
    events = _outbox(provisioned, store["id"], "audience.subscriber_added")
    assert len(events) == 1 and events[0]["data"]["subscriber"]["email"] == "double@example.com"
    used = api.call("GET", _a(store, "/confirm"), query={"token": second["Confirm"]})
    assert used.status == 400
    assert api.call("GET", _a(store, f"/{audience['id']}/access"), token=shopper["access_token"]).body[
        "has_access"] is True

    # A mail client's one-click POST (RFC 8058) cancels the subscription, like following the link.
    left = api.call("POST", _a(store, "/unsubscribe"), query={"token": second["Leave"]},
                    raw_body="List-Unsubscribe=One-Click",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert left.status == 200 and left.body == {"unsubscribed": True}
    assert api.call("GET", _a(store, "/unsubscribe"), query={"token": second["Leave"]}).status == 400
    access = api.call("GET", _a(store, f"/{audience['id']}/access"), token=shopper["access_token"]).body
    assert access["has_access"] is False and access["subscription"]["status"] == "cancelled"
    assert len(_outbox(provisioned, store["id"], "audience.subscriber_added")) == 1


def _unsubscribe_url(headers: dict[str, str]) -> str:
    return headers["List-Unsubscribe"].removeprefix("<").removesuffix(">")


def test_without_allowed_origins_the_mail_links_to_the_platform(api: Api, owner: dict[str, Any],
                                                                 store: dict[str, Any], mails: MailPipeline) -> None:
    """A store that lists no origins mails no link built from the caller's URL: the platform's own confirm route,
    which confirms like any confirm link (and the confirm_url is optional then)."""
    token = owner["access_token"]
    template = _template(api, token, store)
    audience = api.call("POST", _a(store), {"key": "plain", "confirm_template_id": template["id"]}, token=token).body
    for email, sent in [("grab@example.com", {"confirm_url": "http://evil.example/grab"}), ("none@example.com", {})]:
        shopper = _shopper(api, store, email)
        reply = api.call("POST", _a(store, f"/{audience['id']}/subscribe"), {"profile_id": shopper["id"], **sent},
                         token=shopper["access_token"])
        assert reply.status == 200, reply.body
        mails.run()
        body = html.unescape(str(sent_mail(email)[-1]["body"]))
        assert "evil.example" not in body
        confirm = next(url for url in re.findall(r'href="([^"]+)"', body) if "/confirm" in url)
        assert urlsplit(confirm).path == f"/v1/stores/{store['id']}/audiences/confirm"
        link = parse_qs(urlsplit(confirm).query)["token"][0]
        assert api.call("GET", _a(store, "/confirm"), query={"token": link}).body == {"confirmed": True}


def test_a_saved_template_that_breaks_the_sender_rules_falls_back(api: Api, owner: dict[str, Any],
                                                                   store: dict[str, Any], mails: MailPipeline) -> None:
    """A template saved before the rules (or edited in the table) cannot impersonate: the mail goes out under the
    store's key, answered at the store's support address (none set: no Reply-To)."""
    token = owner["access_token"]
    template = _template(api, token, store)
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=_table_name(),
        Key={"PK": {"S": f"STORE#{store['id']}"}, "SK": {"S": f"EMAILTEMPLATE#{template['id']}"}},
        UpdateExpression="SET from_name = :name, reply_to = :reply",
        ExpressionAttributeValues={":name": {"S": "Bank Security <security@bank.example>"},
                                   ":reply": {"S": "security@bank.example"}})
    audience = api.call("POST", _a(store), {"key": "old", "confirm_template_id": template["id"]}, token=token).body
    shopper = _shopper(api, store, "victim@example.com")
    assert api.call("POST", _a(store, f"/{audience['id']}/subscribe"), {"profile_id": shopper["id"]},
                    token=shopper["access_token"]).status == 200
    with captured_params("sesv2", "SendEmail") as sends:
        mails.run()
    assert parseaddr(sent_mail("victim@example.com")[-1]["from"]) == ("acme-shop", _sender())
    assert [s.get("ReplyToAddresses") for s in sends] == [None]


def test_token_marker_makes_a_link_single_use(api: Api, provisioned: Any, owner: dict[str, Any],
                                              store: dict[str, Any], mails: MailPipeline) -> None:
    """Even if the subscription were pending again with the same token, the used-token marker refuses it."""
    token = owner["access_token"]
    template = _template(api, token, store)
    audience = api.call("POST", _a(store), {"key": "once", "confirm_template_id": template["id"]}, token=token).body
    shopper = _shopper(api, store, "once@example.com")
    api.call("POST", _a(store, f"/{audience['id']}/subscribe"),
             {"profile_id": shopper["id"], "confirm_url": "https://shop.example/c"}, token=shopper["access_token"])
    mails.run()
    link = _links("once@example.com")["Confirm"]
    table = boto3.client("dynamodb", region_name="us-east-1")
    name = _table_name()
    key = {"PK": {"S": f"AUDIENCE#{audience['id']}"}, "SK": {"S": f"SUBSCRIBER#{shopper['id']}"}}
    before = table.get_item(TableName=name, Key=key)["Item"]
    assert api.call("GET", _a(store, "/confirm"), query={"token": link}).status == 200
    table.put_item(TableName=name, Item=before)  # the pending state, as if the confirm had raced
    replay = api.call("GET", _a(store, "/confirm"), query={"token": link})
    assert replay.status == 409 and replay.error == "AUDIENCE.TOKEN_USED"
    assert table.get_item(TableName=name, Key=key)["Item"]["status"] == {"S": "pending"}
    markers = [i for i in table.scan(TableName=name)["Items"] if i["PK"]["S"].startswith("AUDTOKEN#")]
    assert len(markers) == 1 and int(markers[0]["expires_at"]["N"]) > 0


def test_paid_audiences_need_a_price_and_a_payment_integration(api: Api, owner: dict[str, Any],
                                                       store: dict[str, Any]) -> None:
    paid = api.call("POST", _a(store), {"key": "vip", "type": "paid", "prices": PRICES},
                    token=owner["access_token"]).body
    _settings(api, owner["access_token"], store, allowed_origins=["https://shop.example"])
    shopper = _shopper(api, store, "payer@example.com")
    path = _a(store, f"/{paid['id']}/subscribe")
    no_price = api.call("POST", path, {"profile_id": shopper["id"]}, token=shopper["access_token"])
    assert no_price.status == 400 and no_price.body["validationErrors"][0]["field"] == "price_id"
    wrong = api.call("POST", path, {"profile_id": shopper["id"], "price_id": "nope"}, token=shopper["access_token"])
    assert wrong.status == 400 and wrong.body["validationErrors"][0]["field"] == "price_id"
    unwired = api.call("POST", path, {"profile_id": shopper["id"], "price_id": "yearly",
                                      "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no"},
                       token=shopper["access_token"])
    assert unwired.status == 409 and unwired.error == "PAYMENT.NOT_CONFIGURED"


def test_paid_subscribe_calls_the_checkout_port(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services

    seen: list[tuple[str, str, str]] = []

    class FakeCheckout:
        def start_checkout(self, store_id: str, audience: Any, price: Any, profile: Any, session_id: str,
                           success_url: str | None, cancel_url: str | None) -> str:
            seen.append((store_id, price.id, profile.id))
            return "https://pay.example/session/1"

    monkeypatch.setattr(services.audience_signup(), "checkout", FakeCheckout())
    paid = api.call("POST", _a(store), {"key": "vip", "type": "paid", "prices": PRICES},
                    token=owner["access_token"]).body
    shopper = _shopper(api, store, "payer@example.com")
    path = _a(store, f"/{paid['id']}/subscribe")
    # Stripe sends the payer back to success_url: it is required, and only to the store's own origins.
    for body, field in [({}, "success_url"), ({"success_url": "https://shop.example/ok"}, "success_url")]:
        refused = api.call("POST", path, {"profile_id": shopper["id"], "price_id": "yearly", **body},
                           token=shopper["access_token"])
        assert refused.status == 400 and refused.body["validationErrors"][0]["field"] == field, refused.body
    _settings(api, owner["access_token"], store, allowed_origins=["https://shop.example"])
    for body, field in [({"success_url": "https://evil.example/ok"}, "success_url"),
                        ({"success_url": "https://shop.example/ok", "cancel_url": "https://evil.example/"},
                         "cancel_url")]:
        refused = api.call("POST", path, {"profile_id": shopper["id"], "price_id": "yearly", **body},
                           token=shopper["access_token"])
        assert refused.status == 400 and refused.body["validationErrors"][0]["field"] == field, refused.body
    assert seen == []
    reply = api.call("POST", path, {"profile_id": shopper["id"], "price_id": "yearly",
                                    "success_url": "https://shop.example/ok"}, token=shopper["access_token"])
    assert reply.status == 200 and reply.body == {"checkout_url": "https://pay.example/session/1", "subscription": None,
                                                 "verification_required": False}
    assert seen == [(store["id"], "yearly", shopper["id"])]


def test_sessions_act_only_for_their_own_profile_and_store(api: Api, owner: dict[str, Any],
                                                           store: dict[str, Any]) -> None:
    token = owner["access_token"]
    audience = api.call("POST", _a(store), {"key": "news"}, token=token).body
    me = _shopper(api, store, "me@example.com")
    other = _shopper(api, store, "other@example.com")
    path = _a(store, f"/{audience['id']}/subscribe")
    # Another customer's profile: refused, nothing written.
    assert api.call("POST", path, {"profile_id": other["id"]}, token=me["access_token"]).status == 403
    # Another store's session or profile: refused.
    second = _store(api, token, "second-shop")
    stranger = _shopper(api, second, "stranger@example.com")
    assert api.call("POST", path, {"profile_id": stranger["id"]}, token=stranger["access_token"]).status == 401
    assert api.call("POST", path, {"profile_id": stranger["id"]}, token=me["access_token"]).status == 403
    second_audience = api.call("POST", _a(second), {"key": "news"}, token=token).body
    assert api.call("POST", _a(store, f"/{second_audience['id']}/subscribe"), {"profile_id": me["id"]},
                    token=me["access_token"]).status == 404
    assert api.call("GET", _a(second, f"/{audience['id']}/access"), token=me["access_token"]).status == 401
    assert api.call("GET", _a(store, f"/{second_audience['id']}/access"), token=me["access_token"]).status == 404
    # Staff tokens and no token are not customer sessions.
    assert api.call("POST", path, {"profile_id": me["id"]}, token=token).status == 401
    assert api.call("POST", path, {"profile_id": me["id"]}).status == 401
    assert api.call("GET", _a(store, f"/{audience['id']}/access")).status == 401
    assert api.call("GET", _a(store, f"/{audience['id']}/subscribers"), token=token).body["items"] == []
    # A revoked session stops at once.
    api.call("DELETE", f"/v1/stores/{store['id']}/profiles/{me['id']}/sessions", token=token)
    assert api.call("POST", path, {"profile_id": me["id"]}, token=me["access_token"]).status == 401
    assert api.call("GET", _a(store, f"/{audience['id']}/access"), token=me["access_token"]).status == 401


def test_public_bad_input(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> None:
    audience = api.call("POST", _a(store), {"key": "news"}, token=owner["access_token"]).body
    draft = api.call("POST", _a(store), {"key": "draft", "status": "draft"}, token=owner["access_token"]).body
    me = _shopper(api, store, "me@example.com")
    path = _a(store, f"/{audience['id']}/subscribe")
    for body in [{}, {"profile_id": 5}, {"profile_id": me["id"], "confirm_url": "javascript:alert(1)"},
                 {"profile_id": me["id"], "success_url": "not a url"}]:
        reply = api.call("POST", path, body, token=me["access_token"])
        assert reply.status == 400 and reply.error == "GENERAL.VALIDATION_ERROR", (body, reply.body)
    assert api.call("POST", _a(store, "/missing/subscribe"), {"profile_id": me["id"]},
                    token=me["access_token"]).status == 404
    closed = api.call("POST", _a(store, f"/{draft['id']}/subscribe"), {"profile_id": me["id"]},
                      token=me["access_token"])
    assert closed.status == 409 and closed.error == "AUDIENCE.NOT_ACTIVE"
    assert api.call("GET", _a(store, "/unsubscribe"), query={"token": ""}).status == 400


def test_store_deletion_purges_audiences_and_subscribers(api: Api, provisioned: Any, owner: dict[str, Any],
                                                        store: dict[str, Any]) -> None:
    token = owner["access_token"]
    audience = api.call("POST", _a(store), {"key": "news"}, token=token).body
    _template(api, token, store)
    person = _shopper(api, store, "gone@example.com")
    api.call("POST", _a(store, f"/{audience['id']}/subscribers"), {"profile_id": person["id"]}, token=token)
    assert api.call("DELETE", f"/v1/stores/{store['id']}", token=token).body == {"deleted": True}
    table = boto3.client("dynamodb", region_name="us-east-1")
    items = table.scan(TableName=_table_name())["Items"]
    left = [(i["PK"]["S"], i["SK"]["S"]) for i in items
            if i["PK"]["S"] in (f"STORE#{store['id']}", f"AUDIENCE#{audience['id']}")]
    assert left == []
