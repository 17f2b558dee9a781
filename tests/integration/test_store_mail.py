"""Store mail (issue 24 part 1, issue 25 part 4): the daily quota of the store's plan, counted in the transaction
that decides each mail and shown to staff as `mail_quota`; the recipient rule of double opt-in confirmations; and
the mail function, which sends each outbox mail at least once and never twice."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import login
from tests.support import Api, MailPipeline, captured_params, sent_mail

TEMPLATE = {"key": "confirm", "subject": {"en": "Confirm {{audience_key}}"},
            "body": "<p><a href=\"{{confirm_url}}\">Confirm</a> <a href=\"{{unsubscribe_url}}\">Leave</a></p>",
            "from_name": "Acme Letters", "from_email": "letters@acme.example.com"}


def _plans(mails_per_day: int | None) -> list[dict[str, Any]]:
    limits = {"mails_per_day": mails_per_day} if mails_per_day is not None else {}
    return [{"id": "plan_free", "name": "Free", "tier": 0, "amount": 0, "currency": "USD", "interval": "month",
             "interval_count": 1, "limits": limits}]


@pytest.fixture
def letters(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    """A double opt-in audience of the store."""
    token = owner["access_token"]
    template = api.call("POST", f"/v1/stores/{store['id']}/email-templates", TEMPLATE, token=token).body
    reply = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": "letters",
                                                                     "confirm_template_id": template["id"]},
                     token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _subscribe(api: Api, store: dict[str, Any], audience: dict[str, Any], email: str) -> dict[str, Any]:
    """`connect` the address (anyone may), then subscribe it: the relay an attacker would use."""
    shopper = api.call("POST", f"/v1/stores/{store['id']}/profiles/connect", {"email": email}).body
    reply = api.call("POST", f"/v1/stores/{store['id']}/audiences/{audience['id']}/subscribe",
                     {"profile_id": shopper["id"]}, token=shopper["access_token"])
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _store_mails(printed: str, outcome: str) -> float:
    """StoreMails of one outcome in the EMF lines the functions printed."""
    total = 0.0
    for line in printed.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "StoreMails" in document and document.get("outcome") == outcome:
            total += sum(document["StoreMails"])
    return total


def _quota(api: Api, owner: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    reply = api.call("GET", f"/v1/stores/{store['id']}", token=owner["access_token"])
    assert reply.status == 200, reply.body
    return dict(reply.body["mail_quota"])


def test_the_plans_mails_per_day_stop_store_mail_and_staff_see_it(
        api: Api, owner: dict[str, Any], store: dict[str, Any], letters: dict[str, Any], mails: MailPipeline,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    from storecrm import services

    monkeypatch.setenv("BILLING_PLANS", json.dumps(_plans(2)))
    services.reset()
    fresh = _quota(api, owner, store)
    assert (fresh["limit"], fresh["sent"], fresh["refused"]) == (2, 0, 0)
    assert fresh["resets_at"] % 86400 == 0  # the next UTC midnight
    answers = [_subscribe(api, store, letters, f"reader{n}@example.com") for n in range(4)]
    # Every subscribe answers as before: a pending subscription, mail or not.
    assert [a["subscription"]["status"] for a in answers] == ["pending"] * 4
    mails.run()
    assert [len(sent_mail(f"reader{n}@example.com")) for n in range(4)] == [1, 1, 0, 0]
    quota = _quota(api, owner, store)
    assert (quota["limit"], quota["sent"], quota["refused"]) == (2, 2, 2)
    # Logged (ids, never the address) and measured.
    stopped = [r.getMessage() for r in caplog.records if "was not sent" in r.getMessage()]
    assert len(stopped) == 2 and all(store["id"] in line and "over_quota" in line for line in stopped)
    assert not any("@" in line for line in stopped)
    assert _store_mails(capsys.readouterr().out, "over_quota") == 2
    # Another store's staff do not see it; shoppers never do.
    rival = login(api, "rival@example.com")["access_token"]
    assert api.call("GET", f"/v1/stores/{store['id']}", token=rival).status == 404
    assert api.call("GET", f"/v1/storefront/{store['id']}").body.get("mail_quota") is None
    # The store list shows it too.
    listed = api.call("GET", "/v1/stores", token=owner["access_token"]).body["items"]
    assert [s["mail_quota"]["sent"] for s in listed if s["id"] == store["id"]] == [2]


def test_the_base_plan_has_a_small_default_quota(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import services

    monkeypatch.setenv("BILLING_PLANS", json.dumps(_plans(None)))
    services.reset()
    assert _quota(api, owner, store)["limit"] == 200
    monkeypatch.setenv("BILLING_PLANS", "[]")
    services.reset()
    assert _quota(api, owner, store)["limit"] == 200
    created = api.call("POST", "/v1/stores", {"key": "new-shop", "timezone": "UTC", "billing_email": "b@example.com"},
                       token=owner["access_token"]).body
    assert (created["mail_quota"]["limit"], created["mail_quota"]["sent"]) == (200, 0)


def test_a_repeated_subscribe_mails_an_address_once_a_day(api: Api, store: dict[str, Any], letters: dict[str, Any],
                                                          mails: MailPipeline) -> None:
    """Issue 24: connect any address and subscribe it 25 times: one mail, whatever the sessions."""
    answers = [_subscribe(api, store, letters, "victim@example.com") for _ in range(25)]
    assert all(a["subscription"]["status"] == "pending" for a in answers)
    mails.run()
    assert len(sent_mail("victim@example.com")) == 1
    # The outbox keeps no copy of a mail that went out (an erasure then has nothing of it to find there).
    from storecrm.kernel.repositories import keys
    from storecrm.kernel.repositories.base import default_table

    assert list(default_table().query_all(keys.store_mails(store["id"]))) == []


def test_a_crash_between_the_decision_and_the_send_still_sends_once(
        api: Api, store: dict[str, Any], letters: dict[str, Any], mails: MailPipeline,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The mail is written with the decision; the mail function failing (a crash, SES down) leaves its stream
    record to be tried again, and the retry sends it once."""
    from storecrm.kernel.gateways.mail import SesMailer

    original = SesMailer.send
    monkeypatch.setattr(SesMailer, "send", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crashed")))
    _subscribe(api, store, letters, "later@example.com")
    mails.run(rounds=1)
    assert sent_mail("later@example.com") == []
    [answer] = mails.answers
    assert len(answer["batchItemFailures"]) == 1  # Lambda tries the record again
    monkeypatch.setattr(SesMailer, "send", original)
    mails.run()
    assert len(sent_mail("later@example.com")) == 1


def test_a_record_delivered_again_is_not_sent_again(api: Api, store: dict[str, Any], letters: dict[str, Any],
                                                    mails: MailPipeline) -> None:
    """The stream hands a record over again (a retried batch, a duplicate): the idempotency record keyed on the
    mail id makes the second send a no-op."""
    _subscribe(api, store, letters, "once@example.com")
    mails.run()
    [first] = mails.invocations
    with captured_params("sesv2", "SendEmail") as sends:
        mails.invoke(first["Records"])
        mails.invoke(first["Records"])
    assert sends == [] and len(sent_mail("once@example.com")) == 1


def test_a_mail_ses_refuses_for_good_is_dropped(api: Api, store: dict[str, Any], letters: dict[str, Any],
                                                mails: MailPipeline, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Trying again cannot help a mail SES refuses (its address, its content): it is logged and measured, and
    does not hold back the mails behind it."""
    from storecrm.kernel.gateways.mail import MailRejected, SesMailer

    original = SesMailer.send

    def refuse_one(self: SesMailer, to: str, *args: Any, **kwargs: Any) -> None:
        if to == "bounce@example.com":
            raise MailRejected("MessageRejected")
        original(self, to, *args, **kwargs)

    monkeypatch.setattr(SesMailer, "send", refuse_one)
    _subscribe(api, store, letters, "bounce@example.com")
    _subscribe(api, store, letters, "fine@example.com")
    mails.run()
    assert len(mails.invocations) == 1  # nothing tried again
    assert len(sent_mail("fine@example.com")) == 1
    assert _store_mails(capsys.readouterr().out, "rejected") == 1
