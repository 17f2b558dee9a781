"""Email templates the way the arky-sdk 0.9.1 admin client drives them, over HTTP against the local runner:
create, get by key, update, find, preview; then a double opt-in audience that sends the template, read
back from /_dev/mailbox with its From display name and Reply-To.

Each request body and query string is built as the client's source (commit fe001ba) builds it; the
client method is named above each one.
"""

from __future__ import annotations

import json
import re
import time
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote

import requests
from tests.e2e.conftest import LatestCode

LINK = re.compile(r"https://news\.example/confirm\?token=([A-Za-z0-9_.-]+)")


def build_query_string(params: dict[str, Any]) -> str:
    """arky-sdk 0.9.1 src/utils/queryParams.ts buildQueryString: arrays and objects JSON then
    encodeURIComponent, strings encodeURIComponent, numbers and booleans raw, null/undefined left out."""
    parts: list[str] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | dict):
            parts.append(f"{key}={encode_uri_component(json.dumps(value, separators=(',', ':')))}")
        elif isinstance(value, str):
            parts.append(f"{key}={encode_uri_component(value)}")
        elif isinstance(value, bool):
            parts.append(f"{key}={'true' if value else 'false'}")
        else:
            parts.append(f"{key}={value}")
    return f"?{'&'.join(parts)}" if parts else ""


def encode_uri_component(value: str) -> str:
    return quote(value, safe="-_.!~*'()")


class ArkyHttp:
    """arky-sdk 0.9.1 src/services/createHttpClient.ts request(): JSON headers on every method, the bearer,
    params through buildQueryString, a JSON body only when not GET/DELETE."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.token = token

    def request(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None) -> Any:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        final_path = path + build_query_string(params) if params else path
        data = json.dumps(body) if method not in ("GET", "DELETE") and body is not None else None
        reply = requests.request(method, f"{self.base_url}{final_path}", headers=headers, data=data, timeout=15)
        assert reply.ok, f"{method} {final_path}: {reply.status_code} {reply.text}"
        return reply.json()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)


def _without(params: dict[str, Any], *names: str) -> dict[str, Any]:
    """`const { a, b, ...payload } = params` (JSON.stringify then drops undefined fields)."""
    return {k: v for k, v in params.items() if k not in names and v is not None}


def _staff(runner_url: str, mailbox: LatestCode, email: str) -> ArkyHttp:
    before = mailbox.count(email)
    anonymous = ArkyHttp(runner_url)
    anonymous.post("/v1/auth/code", {"email": email})
    tokens = anonymous.post("/v1/auth/verify", {"email": email, "code": mailbox(email, since=before)})
    return ArkyHttp(runner_url, tokens["access_token"])


def _newest_mail(mailbox: LatestCode, email: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not (items := mailbox.items(email)):
        assert time.monotonic() < deadline, f"no mail for {email}"
        time.sleep(0.1)
    return items[-1]


def test_email_templates_as_the_admin_client_sends_them(runner_url: str, mailbox: LatestCode) -> None:
    admin = _staff(runner_url, mailbox, "owner-template-shop@example.com")
    store = admin.post("/v1/stores", {"key": "template-shop", "timezone": "Europe/Berlin",
                                      "billing_email": "billing@template-shop.example.com",
                                      "languages": [{"id": "de"}, {"id": "en"}]})
    store_id = store["id"]
    # Answers may only go to the store's own addresses, and mailed links only to its own origins.
    admin.put(f"/v1/stores/{store_id}", {"emails": {"support": "help@template-shop.example.com"},
                                         "allowed_origins": ["https://news.example"]})

    # arky-sdk 0.9.1 emailTemplate.createEmailTemplate
    params: dict[str, Any] = {
        "store_id": store_id, "key": "newsletter-confirm",
        "subject": {"en": "Confirm your {{store_name}} newsletter", "de": "Bestätige deinen {{store_name}}-Newsletter"},
        "body": "<p>Hello {{email}},</p><p><a href=\"{{confirm_url}}\">Confirm</a></p>"
                "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>",
        "from_name": "Template Shop News", "from_email": "news@template-shop.example.com",
        "preheader": "One click to go"}
    payload = _without(params, "store_id")
    template = admin.post(f"/v1/stores/{params['store_id'] or store_id}/email-templates", payload)
    assert template["key"] == "newsletter-confirm" and template["status"] == "active"
    assert template["subject"] == params["subject"] and template["from_name"] == "Template Shop News"

    # arky-sdk 0.9.1 emailTemplate.getEmailTemplate (by key)
    params = {"key": "newsletter-confirm"}
    target_store_id = params.get("store_id") or store_id
    identifier = params["id"] if params.get("id") else f"{target_store_id}:{params['key']}"
    assert admin.get(f"/v1/stores/{target_store_id}/email-templates/{identifier}") == template

    # arky-sdk 0.9.1 emailTemplate.updateEmailTemplate (the payload keeps the id)
    params = {"id": template["id"], "reply_to": "help@template-shop.example.com", "status": "active"}
    payload = _without(params, "store_id")
    updated = admin.put(f"/v1/stores/{params.get('store_id') or store_id}/email-templates/{params['id']}", payload)
    assert updated["reply_to"] == "help@template-shop.example.com" and updated["id"] == template["id"]

    # arky-sdk 0.9.1 emailTemplate.getEmailTemplates (ids, then a key prefix with status and sort)
    params = {"ids": [template["id"]], "limit": 10}
    query_params = _without(params, "store_id")
    found = admin.get(f"/v1/stores/{store_id}/email-templates", query_params)
    assert found == {"items": [updated], "cursor": None}
    params = {"query": "newsletter", "status": "active", "sort_field": "key", "sort_direction": "asc", "limit": 20,
              "created_at_from": template["created_at"], "created_at_to": template["created_at"]}
    found = admin.get(f"/v1/stores/{store_id}/email-templates", _without(params, "store_id"))
    assert [t["id"] for t in found["items"]] == [template["id"]] and found["cursor"] is None

    # arky-sdk 0.9.1 emailTemplate.previewEmailTemplate
    params = {"id": template["id"], "vars": {"email": "ann@example.com", "confirm_url": "https://news.example/c"}}
    payload = _without(params, "store_id", "id")
    preview = admin.post(f"/v1/stores/{store_id}/email-templates/{params['id']}/preview", payload)
    assert preview["subject"] == "Bestätige deinen -Newsletter"  # the store's first language; no store_name given
    assert "Hello ann@example.com" in preview["html"] and "One click to go" in preview["html"]
    assert {(w["kind"], w["variable"]) for w in preview["warnings"]} == {("missing", "store_name"),
                                                                         ("missing", "unsubscribe_url")}

    # arky-sdk 0.9.1 crm.audiences.create (double opt-in with this template)
    params = {"key": "newsletter", "type": {"type": "confirmation", "confirm_template_id": template["id"]}}
    audience = admin.post(f"/v1/stores/{store_id}/audiences", params)
    assert audience["type"] == params["type"]

    # arky-sdk 0.9.1 storefront.profile.identify (an email, no code)
    shopper = ArkyHttp(runner_url)
    identified = shopper.post(f"/v1/storefront/{store_id}/profiles/identify",
                              {"store_id": store_id, "market": None, "email": "reader@template-shop.example.com",
                               "verify": False})
    shopper.token = identified["token"]["token"]
    # arky-sdk 0.9.1 storefront.audience.subscribe
    params = {"id": audience["id"], "profile_id": identified["profile"]["id"],
              "confirm_url": "https://news.example/confirm"}
    subscribed = shopper.post(f"/v1/storefront/{store_id}/audiences/{params['id']}/subscribe", _without({
        "profile_id": params["profile_id"], "price_id": params.get("price_id"),
        "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
        "confirm_url": params["confirm_url"]}))
    assert subscribed["subscription"]["status"] == "pending"

    mail = _newest_mail(mailbox, "reader@template-shop.example.com")
    sender_name, sender_address = parseaddr(mail["from"])
    assert sender_name == "Template Shop News"
    assert sender_address and sender_address != "news@template-shop.example.com"  # the platform's verified sender
    assert mail["reply_to"] == ["help@template-shop.example.com"]
    assert mail["subject"] == "Bestätige deinen template-shop-Newsletter"
    link = LINK.search(mail["body"].replace("&amp;", "&"))
    assert link is not None, mail

    # arky-sdk 0.9.1 storefront.audience.confirm, then checkAccess
    assert shopper.get(f"/v1/storefront/{store_id}/audiences/confirm", {"token": link.group(1)}) == {
        "confirmed": True}
    access = shopper.get(f"/v1/storefront/{store_id}/audiences/{audience['id']}/access")
    assert access["has_access"] is True and access["subscription"]["status"] == "active"
