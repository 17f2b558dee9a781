"""An unverified session learns nothing it did not create (issue 10, section 2).

A verified shopper has stored data (taxonomies, sessions, codes) and subscriptions to a standard and
a paid audience. Someone who only knows the email opens an unverified session on that profile
(connect, or the storefront's identify) and tries every profile-session route: each answer must hold
nothing the victim stored, and nothing may change beyond what the seed allows (subscribe, checkout).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from localrunner.fake_stripe import FakeStripe

from tests.integration.test_memberships import PRICES, STRIPE, URLS, send_event
from tests.support import Api, latest_code

VICTIM = "victim@example.com"


@dataclass
class World:
    store: dict[str, Any]
    staff: str
    victim: dict[str, Any]  # the verified ProfileSession
    news: dict[str, Any]  # standard, the victim subscribed
    offers: dict[str, Any]  # standard, nobody subscribed
    members: dict[str, Any]  # paid, the victim paid
    extras: dict[str, Any]  # paid, nobody paid
    fake: FakeStripe


def _p(world: World, tail: str) -> str:
    return f"/v1/stores/{world.store['id']}/profiles/{tail}"


def _sf(world: World, tail: str) -> str:
    return f"/v1/storefront/{world.store['id']}{tail}"


def _audience_paths(world: World, audience: dict[str, Any], tail: str) -> list[str]:
    """The seed's path and the arky-sdk storefront alias."""
    return [f"/v1/stores/{world.store['id']}/audiences/{audience['id']}/{tail}",
            _sf(world, f"/audiences/{audience['id']}/{tail}")]


def _pay(api: Api, world: World, audience: dict[str, Any], session: dict[str, Any], token: str,
         path: str | None = None) -> dict[str, Any]:
    """Subscribe to a paid audience and complete the Stripe checkout: the applied event's answer."""
    before = set(world.fake.sessions)
    reply = api.call("POST", path or f"/v1/stores/{world.store['id']}/audiences/{audience['id']}/subscribe",
                     {"profile_id": session["id"], "price_id": "yearly", **URLS}, token=token)
    assert reply.status == 200 and reply.body["checkout_url"], reply.body
    [checkout] = set(world.fake.sessions) - before
    applied = send_event(api, world.store, world.fake.complete_checkout(checkout))
    assert applied.body["outcome"] == "applied", applied.body
    return dict(reply.body)


@pytest.fixture
def world(api: Api, owner: dict[str, Any], store: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from storecrm import services

    staff = owner["access_token"]
    with FakeStripe() as fake:
        monkeypatch.setenv("STRIPE_API_BASE", fake.url)
        services.reset()
        assert api.call("POST", f"/v1/stores/{store['id']}/integrations", {"key": "stripe", "provider": STRIPE},
                        token=staff).status == 200
        assert api.call("PUT", f"/v1/stores/{store['id']}", {"allowed_origins": ["https://shop.example.com"]},
                        token=staff).status == 200
        made = {}
        for key, body in (("news", {}), ("offers", {}), ("members", {"type": "paid", "prices": PRICES}),
                          ("extras", {"type": "paid", "prices": PRICES})):
            reply = api.call("POST", f"/v1/stores/{store['id']}/audiences", {"key": key, **body}, token=staff)
            assert reply.status == 200, reply.body
            made[key] = reply.body
        base = f"/v1/stores/{store['id']}/profiles"
        assert api.call("POST", f"{base}/auth/code", {"email": VICTIM}).status == 200
        victim = api.call("POST", f"{base}/auth/verify", {"email": VICTIM, "code": latest_code(VICTIM)}).body
        assert victim["is_verified"] is True
        assert api.call("PUT", f"{base}/{victim['id']}", {"taxonomies": [
            {"taxonomy_id": "private", "fields": [{"key": "note", "type": "text", "value": "secret"}]}]},
            token=staff).status == 200
        found = World(store, staff, victim, made["news"], made["offers"], made["members"], made["extras"], fake)
        news = api.call("POST", f"/v1/stores/{store['id']}/audiences/{found.news['id']}/subscribe",
                        {"profile_id": victim["id"]}, token=victim["access_token"])
        assert news.status == 200 and news.body["subscription"]["status"] == "active"
        _pay(api, found, found.members, victim, victim["access_token"])
        for audience in (found.news, found.members):
            own = api.call("GET", _audience_paths(found, audience, "access")[0], token=victim["access_token"]).body
            assert own["has_access"] is True and own["subscription"]["profile_id"] == victim["id"]
        yield found
    services.reset()


def _connect(api: Api, world: World, email: str = VICTIM) -> dict[str, Any]:
    reply = api.call("POST", _p(world, "connect"), {"email": email})
    assert reply.status == 200 and reply.body["is_verified"] is False, reply.body
    return dict(reply.body)


def _identify(api: Api, world: World, email: str | None = VICTIM, bearer: str | None = None) -> dict[str, Any]:
    reply = api.call("POST", _sf(world, "/profiles/identify"), {"store_id": world.store["id"], "email": email},
                     token=bearer)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _holds_nothing_stored(profile: dict[str, Any], world: World, session_id: str) -> None:
    """Only what the session supplied (the email) and its own session: as a profile it had just created."""
    assert profile["id"] == world.victim["id"] and profile["email"] == VICTIM
    assert profile["verified"] is False and profile["status"] == "active"
    assert profile["taxonomies"] == [] and profile["promo_usage"] == [] and profile["verification_codes"] == []
    assert [t["id"] for t in profile["auth_tokens"]] == [session_id]
    assert profile["auth_tokens"][0]["verified"] is False
    assert profile["created_at"] == profile["auth_tokens"][0]["created_at"] == profile["updated_at"]


def _victim_sees_it_all(api: Api, world: World) -> None:
    me = api.call("GET", _p(world, "me"), token=world.victim["access_token"]).body
    assert me["taxonomies"][0]["fields"][0]["value"] == "secret" and me["verified"] is True
    for audience in (world.news, world.members):
        own = api.call("GET", _audience_paths(world, audience, "access")[0], token=world.victim["access_token"]).body
        assert own["has_access"] is True and own["subscription"]["profile_id"] == world.victim["id"]


# ---------------------------------------------------------------- sessions
def test_connect_answers_as_for_an_email_nobody_has(api: Api, world: World) -> None:
    attacker = _connect(api, world)
    _holds_nothing_stored(attacker["profile"], world, attacker["session_id"])
    # Whether the email belongs to a customer is not told either: a new email answers the same way.
    stranger = _connect(api, world, "nobody-yet@example.com")
    assert set(stranger["profile"]) == set(attacker["profile"])
    assert {k: v for k, v in stranger["profile"].items() if k not in ("id", "email", "auth_tokens", "created_at",
                                                                          "updated_at")} == \
        {k: v for k, v in attacker["profile"].items() if k not in ("id", "email", "auth_tokens", "created_at",
                                                                       "updated_at")}
    assert [t["id"] for t in stranger["profile"]["auth_tokens"]] == [stranger["session_id"]]
    _victim_sees_it_all(api, world)


def test_me_shows_nothing_stored(api: Api, world: World) -> None:
    attacker = _connect(api, world)
    me = api.call("GET", _p(world, "me"), token=attacker["access_token"])
    assert me.status == 200
    _holds_nothing_stored(me.body, world, attacker["session_id"])


def test_refresh_shows_nothing_stored(api: Api, world: World) -> None:
    attacker = _connect(api, world)
    refreshed = api.call("POST", _p(world, "auth/refresh"), {"refresh_token": attacker["refresh_token"]})
    assert refreshed.status == 200 and refreshed.body["is_verified"] is False, refreshed.body
    _holds_nothing_stored(refreshed.body["profile"], world, attacker["session_id"])
    me = api.call("GET", _p(world, "me"), token=refreshed.body["access_token"]).body
    _holds_nothing_stored(me, world, attacker["session_id"])


def test_storefront_identify_shows_nothing_stored(api: Api, world: World) -> None:
    named = _identify(api, world)
    _holds_nothing_stored(named["profile"], world, named["token"]["id"])
    # Again with the bearer and no email (the client's identify on page load), and from a guest's bearer.
    again = api.call("POST", _sf(world, "/profiles/identify"), {"store_id": world.store["id"]},
                     token=named["token"]["token"])
    assert again.status == 200
    _holds_nothing_stored(again.body["profile"], world, named["token"]["id"])
    guest = _identify(api, world, email=None)
    from_guest = _identify(api, world, bearer=guest["token"]["token"])
    _holds_nothing_stored(from_guest["profile"], world, from_guest["token"]["id"])


def test_storefront_me_shows_nothing_stored(api: Api, world: World) -> None:
    named = _identify(api, world)
    me = api.call("GET", _sf(world, "/profiles/me"), token=named["token"]["token"])
    assert me.status == 200
    _holds_nothing_stored(me.body["profile"], world, named["token"]["id"])
    assert me.body["audience_subscriptions"] == [] and me.body["carts"] == [] and me.body["orders"] == []


def test_storefront_verify_needs_the_code_and_then_settles_it(api: Api, world: World) -> None:
    named = _identify(api, world)
    bearer = named["token"]["token"]
    wrong = api.call("POST", _sf(world, "/profiles/verify"), {"store_id": world.store["id"], "code": "000000"},
                     token=bearer)
    assert wrong.status == 401 and "profile" not in wrong.body
    _holds_nothing_stored(api.call("GET", _sf(world, "/profiles/me"), token=bearer).body["profile"], world,
                          named["token"]["id"])
    # Whoever reads the victim's mail verifies by code, and then sees what verifying promised.
    assert api.call("POST", _sf(world, "/profiles/identify"), {"email": VICTIM, "verify": True}).status == 200
    verified = api.call("POST", _sf(world, "/profiles/verify"), {"code": latest_code(VICTIM)}, token=bearer)
    assert verified.status == 200, verified.body
    for audience in (world.news, world.members):
        for path in _audience_paths(world, audience, "access"):
            settled = api.call("GET", path, token=verified.body["token"]).body
            assert settled["has_access"] is True and settled["verification_required"] is False


def test_logout_ends_only_its_own_session(api: Api, world: World) -> None:
    named = _identify(api, world)
    out = api.call("POST", _sf(world, "/profiles/logout"), token=named["token"]["token"])
    assert out.status == 200 and out.body == {"logged_out": True}
    assert api.call("GET", _sf(world, "/profiles/me"), token=named["token"]["token"]).status == 401
    _victim_sees_it_all(api, world)


# ---------------------------------------------------------------- audiences
NOT_SHOWN = {"has_access": False, "subscription": None, "verification_required": True}


@pytest.mark.parametrize("kind", ["news", "members"])
def test_access_shows_no_subscription_it_did_not_create(api: Api, world: World, kind: str) -> None:
    audience = getattr(world, kind)
    tokens = [_connect(api, world)["access_token"], _identify(api, world)["token"]["token"]]
    for token in tokens:
        for path in _audience_paths(world, audience, "access"):
            reply = api.call("GET", path, token=token)
            assert reply.status == 200 and reply.body == NOT_SHOWN, (path, reply.body)
    # The same answer where there is nothing to hide: it does not tell a member from anyone else.
    assert api.call("GET", _audience_paths(world, world.offers, "access")[0], token=tokens[0]).body == NOT_SHOWN
    _victim_sees_it_all(api, world)


@pytest.mark.parametrize("kind", ["news", "members"])
def test_subscribe_shows_no_subscription_it_did_not_create(api: Api, world: World, kind: str) -> None:
    audience = getattr(world, kind)
    before = api.call("GET", f"/v1/stores/{world.store['id']}/profiles/{world.victim['id']}", token=world.staff).body
    attacker = _connect(api, world)
    named = _identify(api, world)
    for token, path in zip([attacker["access_token"], named["token"]["token"]],
                           _audience_paths(world, audience, "subscribe"), strict=True):
        reply = api.call("POST", path, {"profile_id": world.victim["id"], "price_id": "yearly", **URLS}, token=token)
        assert reply.status == 200, reply.body
        assert reply.body == {"checkout_url": None, "subscription": None, "verification_required": True}
    after = api.call("GET", f"/v1/stores/{world.store['id']}/profiles/{world.victim['id']}", token=world.staff).body
    assert after["audience_subscriptions"] == before["audience_subscriptions"]
    _victim_sees_it_all(api, world)


def test_what_the_session_creates_it_sees(api: Api, world: World) -> None:
    named = _identify(api, world)
    bearer = named["token"]["token"]
    offers = api.call("POST", _audience_paths(world, world.offers, "subscribe")[1],
                      {"profile_id": world.victim["id"]}, token=bearer)
    assert offers.status == 200 and offers.body["subscription"]["status"] == "active", offers.body
    assert offers.body["verification_required"] is False
    _pay(api, world, world.extras, world.victim, bearer, path=_audience_paths(world, world.extras, "subscribe")[1])
    for audience in (world.offers, world.extras):
        for path in _audience_paths(world, audience, "access"):
            reply = api.call("GET", path, token=bearer).body
            assert reply["has_access"] is True and reply["verification_required"] is False, (path, reply)
            assert reply["subscription"]["audience_id"] == audience["id"]
    # me lists what this session created, nothing of the victim's.
    me = api.call("GET", _sf(world, "/profiles/me"), token=bearer).body
    assert sorted(s["audience_id"] for s in me["audience_subscriptions"]) == sorted(
        [world.offers["id"], world.extras["id"]])
    _holds_nothing_stored(me["profile"], world, named["token"]["id"])
    # Another unverified session on the same profile sees none of them.
    other = _connect(api, world)
    for audience in (world.offers, world.extras, world.news):
        assert api.call("GET", _audience_paths(world, audience, "access")[0],
                        token=other["access_token"]).body == NOT_SHOWN
    # The verified owner sees all four.
    mine = api.call("GET", _sf(world, "/profiles/me"), token=world.victim["access_token"]).body
    assert len(mine["audience_subscriptions"]) == 4
