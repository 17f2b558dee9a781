"""The seed's "Newsletter Subscribe with Double Opt-in" over HTTP against the local runner: initialize,
connect, subscribe with a confirmUrl, read the confirmation mail from /_dev/mailbox, follow the link,
the subscription is active, and a webhook receives audience.subscriber_added."""

from __future__ import annotations

import html
import re
import time

import requests
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _get, _post, _store
from tests.e2e.test_webhook_flow import _wait_for
from tests.support import Receiver

LINK = re.compile(r"https://yoursite\.com/confirm\?token=([A-Za-z0-9_.-]+)")


def _confirmation_token(mailbox: LatestCode, email: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        for item in reversed(mailbox.items(email)):
            found = LINK.search(html.unescape(f"{item['subject']}\n{item['body']}"))
            if found:
                return found.group(1)
        assert time.monotonic() < deadline, f"no confirmation mail for {email}: {mailbox.items(email)}"
        time.sleep(0.1)


def test_newsletter_subscribe_with_double_opt_in(runner_url: str, mailbox: LatestCode) -> None:
    receiver = Receiver()
    try:
        _double_opt_in(runner_url, mailbox, receiver)
    finally:
        receiver.close()


def _double_opt_in(runner_url: str, mailbox: LatestCode, receiver: Receiver) -> None:
    store_id = _store(runner_url, mailbox, "newsletter-shop")
    owner_email = "owner-newsletter-shop@example.com"
    before = mailbox.count(owner_email)
    _post(f"{runner_url}/v1/auth/code", {"email": owner_email})
    staff = _post(f"{runner_url}/v1/auth/verify", {"email": owner_email,
                                                   "code": mailbox(owner_email, since=before)}).json()["access_token"]
    admin = f"{runner_url}/v1/stores/{store_id}"
    # The site's origin, where the confirmation link may lead; answers to the mail go to the store's support address.
    settings = requests.put(admin, json={"allowed_origins": ["https://yoursite.com"],
                                         "emails": {"support": "news@newsletter-shop.example.com"}},
                            headers={"Authorization": f"Bearer {staff}"}, timeout=15)
    assert settings.status_code == 200, settings.text
    template = _post(f"{admin}/email-templates", {
        "key": "double-opt-in", "subject": {"en": "Confirm your {{store_name}} newsletter"},
        "body": "<p>Hello {{email}}, <a href=\"{{confirm_url}}\">confirm</a>.</p>"
                "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>",
        "from_name": "Newsletter Shop", "from_email": "news@newsletter-shop.example.com"}, staff)
    assert template.status_code == 200, template.text
    audience = _post(f"{admin}/audiences", {"key": "newsletter", "confirm_template_id": template.json()["id"]}, staff)
    assert audience.status_code == 200, audience.text
    audience_id = audience.json()["id"]
    hook = _post(f"{admin}/webhooks", {"key": "crm", "url": receiver.url, "headers": {}, "secret": "whsec_newsletter",
                                       "events": [{"event": "audience.subscriber_added"}], "enabled": True}, staff)
    assert hook.status_code == 200, hook.text

    # 1. Initialize + connect to get a profile
    guest = _post(f"{admin}/profiles/initialize").json()
    connected = _post(f"{admin}/profiles/connect", {"email": "subscriber@example.com"}, guest["access_token"])
    assert connected.status_code == 200, connected.text
    profile_id, bearer = connected.json()["id"], connected.json()["access_token"]

    # 2. Subscribe to the audience (sends confirmation email), the way the SDK sends it
    subscribed = _post(f"{admin}/audiences/{audience_id}/subscribe",
                       {"id": audience_id, "profileId": profile_id, "confirmUrl": "https://yoursite.com/confirm"},
                       bearer)
    assert subscribed.status_code == 200, subscribed.text
    assert subscribed.json()["subscription"]["status"] == "pending"
    assert _get(f"{admin}/audiences/{audience_id}/access", bearer).json()["has_access"] is False

    # 3. The confirmation page of the site passes the token on; answers to the mail reach the store
    token = _confirmation_token(mailbox, "subscriber@example.com")
    mail = mailbox.items("subscriber@example.com")[-1]
    assert mail["subject"] == "Confirm your newsletter-shop newsletter"
    assert mail["from"].startswith("Newsletter Shop <") and mail["reply_to"] == ["news@newsletter-shop.example.com"]
    confirmed = requests.get(f"{runner_url}/v1/storefront/{store_id}/audiences/confirm", params={"token": token},
                             timeout=15)
    assert confirmed.status_code == 200 and confirmed.json() == {"confirmed": True}
    access = _get(f"{runner_url}/v1/storefront/{store_id}/audiences/{audience_id}/access", bearer).json()
    assert access["has_access"] is True and access["subscription"]["status"] == "active"
    subscribers = _get(f"{admin}/audiences/newsletter/subscribers", staff).json()["items"]
    assert [(s["email"], s["status"]) for s in subscribers] == [("subscriber@example.com", "active")]
    _wait_for(lambda: receiver.delivered)
    [added] = [r.json() for r in receiver.delivered]
    assert added["type"] == "audience.subscriber_added" and added["data"]["audience_id"] == audience_id
    assert added["data"]["subscriber"] == {**added["data"]["subscriber"], "profile_id": profile_id, "status": "active"}
    again = requests.get(f"{runner_url}/v1/stores/{store_id}/audiences/confirm", params={"token": token}, timeout=15)
    assert again.status_code == 400

    # The mail's unsubscribe link points back at this API and works as it is; the List-Unsubscribe header
    # (RFC 8058) names the same link, for a mail client's one-click POST.
    body = html.unescape(str(mailbox.items("subscriber@example.com")[-1]["body"]))
    leave = re.search(re.escape(f"{runner_url}/v1/stores/{store_id}/audiences/unsubscribe?token=")
                      + r"[A-Za-z0-9_.-]+", body)
    assert leave is not None, body
    assert mail["headers"] == {"List-Unsubscribe": f"<{leave.group(0)}>",
                               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert requests.get(leave.group(0), timeout=15).json() == {"unsubscribed": True}
