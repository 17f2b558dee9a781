"""Audience rules without AWS: access, merge preference, mailed-link tokens (rendering: test_template_rendering)."""

from __future__ import annotations

import pytest

from storecrm.identity.auth import SigningKeys
from storecrm.messaging import audience_tokens
from storecrm.messaging.audience_tokens import AudienceToken, InvalidLink
from storecrm.messaging.models.audiences import Subscription
from storecrm.messaging.subscriptions import better_subscription, grants_access

KEYS = SigningKeys(current_kid="k2", keys={"k1": "old-secret", "k2": "new-secret"})


def _sub(status: str, period_end: int | None = None) -> Subscription:
    return Subscription.model_validate({"audience_id": "a", "store_id": "s", "profile_id": "p", "status": status,
                                        "source": "signup", "subscribed_at": 1, "created_at": 1, "updated_at": 1,
                                        "current_period_end": period_end})


def test_access_rule() -> None:
    assert grants_access(_sub("active"), 100)
    assert grants_access(_sub("cancellation_scheduled", 101), 100)
    assert not grants_access(_sub("cancellation_scheduled", 100), 100)
    assert not grants_access(_sub("cancellation_scheduled"), 100)
    for status in ("pending", "cancelled", "expired"):
        assert not grants_access(_sub(status, 10**10), 100)
    assert not grants_access(None, 100)


def test_merge_keeps_the_better_status() -> None:
    order = ["active", "cancellation_scheduled", "pending", "cancelled", "expired"]
    for i, better in enumerate(order):
        for worse in order[i:]:
            assert better_subscription(_sub(worse), _sub(better)).status == better
            assert better_subscription(_sub(better), _sub(worse)).status == better


def test_tokens_round_trip_rotate_and_refuse_tampering() -> None:
    token = AudienceToken.new("confirm", "s", "a", "p", at=1000)
    raw = audience_tokens.issue(token, KEYS)
    assert audience_tokens.read(raw, "confirm", KEYS, at=1001) == token
    # Signed before a rotation: still valid while its kid is kept.
    old = audience_tokens.issue(token, SigningKeys(current_kid="k1", keys=KEYS.keys))
    assert audience_tokens.read(old, "confirm", KEYS, at=1001) == token
    payload, signature = raw.split(".")
    # The first character: every one of its bits is signature (the last one's low bits are padding).
    forged = ("B" if signature[0] == "A" else "A") + signature[1:]
    for bad in [f"{payload}.{forged}", f"{payload}x.{signature}", "nodot", "", "a.b"]:
        with pytest.raises(InvalidLink):
            audience_tokens.read(bad, "confirm", KEYS, at=1001)
    with pytest.raises(InvalidLink):
        audience_tokens.read(raw, "unsubscribe", KEYS, at=1001)
    with pytest.raises(InvalidLink):
        audience_tokens.read(raw, "confirm", KEYS, at=token.expires_at)
    with pytest.raises(InvalidLink):
        audience_tokens.read(old, "confirm", SigningKeys(current_kid="k2", keys={"k2": "new-secret"}), at=1001)

