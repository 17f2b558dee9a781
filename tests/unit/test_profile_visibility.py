"""What a profile session may read of a profile and its records (profile_sessions), without AWS."""

from __future__ import annotations

from storecrm.identity.models.accounts import Session
from storecrm.messaging.profile_sessions import sees_record, sees_whole_profile, visible_profile
from storecrm.profiles.models.profiles import Profile, TaxonomyEntry


def _session(session_id: str, verified: bool) -> Session:
    return Session(id=session_id, owner_kind="profile", owner_id="p", store_id="s", verified=verified,
                   refresh_hash="h", created_at=500, refresh_expires_at=10**10)


def _profile(verified: bool, origin: str | None) -> Profile:
    return Profile(id="p", store_id="s", email="a@example.com", verified=verified, origin_session_id=origin,
                   taxonomies=[TaxonomyEntry(taxonomy_id="t")], created_at=100, updated_at=200)


def test_whole_profile_only_when_verified_or_created_and_unverified() -> None:
    assert sees_whole_profile(_profile(True, "other"), _session("me", verified=True))
    assert sees_whole_profile(_profile(False, "me"), _session("me", verified=False))
    assert not sees_whole_profile(_profile(True, "me"), _session("me", verified=False))  # verified since
    assert not sees_whole_profile(_profile(False, "other"), _session("me", verified=False))
    assert not sees_whole_profile(_profile(False, None), _session("me", verified=False))


def test_records_only_those_the_session_created_unless_it_sees_the_whole_profile() -> None:
    unverified, verified = _session("me", verified=False), _session("me", verified=True)
    someone_elses = _profile(True, "other")
    assert sees_record(someone_elses, unverified, "me")
    assert not sees_record(someone_elses, unverified, "other")
    assert not sees_record(someone_elses, unverified, None)  # staff, imports, older records
    assert sees_record(someone_elses, verified, None) and sees_record(someone_elses, verified, "other")
    assert sees_record(_profile(False, "me"), unverified, None)


def test_the_partial_view_holds_what_a_new_profile_would() -> None:
    session = _session("me", verified=False)
    shown = visible_profile(_profile(True, "other"), session)
    assert shown.email == "a@example.com" and not shown.verified and shown.taxonomies == []
    assert [t.id for t in shown.auth_tokens] == ["me"] and shown.created_at == shown.updated_at == 500
    assert shown.origin_session_id is None
    whole = _profile(False, "me")
    assert visible_profile(whole, session) is whole
