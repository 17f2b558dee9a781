"""Profile sessions for a store's customers: guest, connected (email named) and verified (code).

A session that only named an email is unverified. It may act for the profile (check out,
subscribe) but reads the stored data only of a profile it created itself and nobody verified;
for any other profile it sees just what it supplied, and of the profile's records (subscriptions)
only those it created itself (`sees_whole_profile`, `sees_record`: the rule, once). Every session
is listed on its profile (`auth_tokens`, ids and dates only), written in the transaction that opens it.

Whatever an unverified answer shows is the same for an email someone has and for a new one (issue 24 section
9): `connect` opens on the email's profile whoever calls (a guest's bearer does not lend its profile to a new
email, which would keep the guest's id only then), profile ids are random (`new_random_id`: an id carrying its
creation time would date the profile), and a new profile's times are its first session's, which is what the
partial view of someone else's profile shows (`visible_profile`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from storecrm import metrics
from storecrm.clock import now
from storecrm.identity.auth import Principal, own_session_id
from storecrm.identity.codes import CodeScope
from storecrm.identity.models.accounts import CodeSummary, Session, SessionSummary
from storecrm.kernel.errors import Conflict, NotFound, Unauthorized
from storecrm.kernel.models.events import OutboxEvent
from storecrm.messaging import subscriptions
from storecrm.messaging.models.audiences import Subscription
from storecrm.profiles.activity_items import RetentionCache, activity_writes
from storecrm.profiles.email_proof import EmailProof, EmailProofs
from storecrm.profiles.models.profiles import Profile, profile_event
from storecrm.profiles.profile_room import ProfileRoom
from storecrm.stores.plan_limits import ProfileSlot

if TYPE_CHECKING:
    from storecrm.identity.codes import LoginCodes
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.identity.sessions import IssuedTokens, PendingSession, SessionService
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item, Write
    from storecrm.messaging.repositories.audiences import AudienceRepository
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.repositories.stores import StoreRepository

# Only the newest sessions and codes are listed on a profile; older sessions still work.
LISTED = 20


def store_budget(store_id: str) -> str:
    """The code limits a store's customers count against, shared by both dialects' codes (both log in to the same
    profile). Each store keeps its own: a profile of one store is a different customer from the same email's
    profile in another, and a code of one store never opens another store's profile."""
    return f"store#{store_id}"


def code_scope(store_id: str) -> CodeScope:
    return CodeScope(f"profile#{store_id}", budget=store_budget(store_id))


@dataclass(frozen=True)
class ProfileLogin:
    profile: Profile
    tokens: IssuedTokens
    code_sent: bool = False


class ShopperRecords(Protocol):
    """A profile's newest carts and orders (storecrm.commerce.newest_records), which `me` lists: commerce sits
    above this context, so they come in through this port and are typed loosely here."""

    def facts_key(self, store_id: str, profile_id: str) -> Key: ...

    def newest(self, store_id: str, profile_id: str, facts_item: Item | None) -> tuple[list[Any], list[Any]]: ...


@dataclass(frozen=True)
class MeDetail:
    """What a storefront session's `me` shows: the profile as it may see it and the records it may read."""

    profile: Profile
    subscriptions: list[Subscription]
    carts: list[Any]  # commerce's Cart
    orders: list[Any]  # commerce's Order


class ProfileSessions:
    def __init__(self, profiles: ProfileRepository, stores: StoreRepository, codes: LoginCodes,
                 sessions: SessionService, session_store: SessionRepository,
                 subscriptions: AudienceRepository, records: ShopperRecords | None = None) -> None:
        self.profiles = profiles
        self.records = records  # `me`'s carts and orders (none listed without it)
        self.stores = stores
        self.codes = codes
        self.sessions = sessions
        self.session_store = session_store
        self.subscriptions = subscriptions
        self.room = ProfileRoom(profiles, stores)
        self.proofs = EmailProofs(profiles, session_store)
        self.retention = RetentionCache(stores)

    # ------------------------------------------------------------------ sessions
    def initialize(self, store_id: str) -> ProfileLogin:
        """An anonymous guest profile and its (unverified) session, in one transaction that also
        checks the store exists."""
        return self._create(store_id, email=None, verified=False, also=[self.stores.exists_check(store_id)])

    def connect(self, store_id: str, caller: Principal | None, email: str) -> ProfileLogin:
        """A fresh, unverified session on the profile that has the email, created when nobody has it. A bearer
        sent along must be a session of this store (else a 401) and changes nothing else, so the answer cannot
        tell an email someone has from a new one. The store is checked in the session's transaction: an
        unknown or deleted store is a 404 and nothing is written. Three calls: the email's owner, its
        profile, the transaction (two for a new email)."""
        self._own_profile_id(caller, store_id)
        owner_id = self.profiles.id_for_email(store_id, email)
        in_store = self.stores.exists_check(store_id)
        if owner_id is None:
            return self._create(store_id, email=email, verified=False, also=[in_store])
        target = self.profiles.get(owner_id)
        if target is None:
            raise NotFound("Profile not found", "PROFILE.NOT_FOUND")
        return self._open(target, verified=False, also=[in_store])

    def request_code(self, store_id: str, email: str, source_ip: str) -> None:
        """Mails a code; the store's existence is checked inside the code's own transaction."""
        self.codes.send(code_scope(store_id), email, source_ip, also=[self.stores.exists_check(store_id)])

    def verify(self, store_id: str, email: str, code: str) -> ProfileLogin:
        """A correct code logs in to the profile that has the email (created if none), verified. The first
        proof of the email ends what others did with it (`EmailProofs`). The session's transaction records its
        activities: `signin` (`signup` for a profile it creates) and, when it proves the email first, `verified_email`
        (the store's retention is read once per container for them)."""
        checked = self.codes.check(code_scope(store_id), email, code)
        writes = [*self.codes.consume_writes(checked), self.stores.exists_check(store_id)]
        used = CodeSummary(created_at=checked.record.created_at, used=True)
        owner_id = self.profiles.id_for_email(store_id, email)
        profile = self.profiles.get(owner_id) if owner_id else None
        days = self.retention.days(store_id)
        if profile is None:
            return self._create(store_id, email=email, verified=True, code=used, also=writes,
                                activities=(("signup", "verified_email"), days))
        proof = self.proofs.prove(profile)
        kinds = ("signin", "verified_email") if proof.first else ("signin",)
        return self._open(profile, verified=True, code=used, also=[*writes, *proof.ends], proof=proof,
                          activities=(kinds, days))

    def refresh(self, store_id: str, token: str) -> ProfileLogin:
        # Two calls: the session and the profile its token names in one BatchGetItem, then the rotation.
        tokens, found = self.sessions.refresh_with(token, "profile", store_id,
                                                   lambda owner_id: [self.profiles.item_key(owner_id)])
        profile_key = self.profiles.item_key(tokens.session.owner_id)
        profile = self.profiles.from_item(found[profile_key]) if profile_key in found else self.profiles.get(
            tokens.session.owner_id)
        if profile is None or profile.store_id != store_id:
            raise Unauthorized("The session's profile no longer exists", "GENERAL.INVALID_TOKEN")
        return ProfileLogin(visible_profile(profile, tokens.session), tokens)

    def me(self, store_id: str, caller: Principal) -> Profile:
        """The caller's profile and session in one BatchGetItem; a revoked session stops at once."""
        profile, session, _, _ = self._me(store_id, caller)
        return visible_profile(profile, session)

    def me_detail(self, store_id: str, caller: Principal) -> MeDetail:
        """`me` with the profile's audience subscriptions and its newest carts and orders, which are stored
        personal data: all of them when the session may see the whole profile (as the staff detail lists them),
        else only those the session created itself. The profile's subscription list and commerce facts are read
        in the same BatchGetItem (one call for a profile that never shopped); its carts and its orders are one
        Query each, made only when the facts say it has some."""
        profile_id = self._own_profile_id(caller, store_id)
        facts_key = self.records.facts_key(store_id, profile_id) if self.records and profile_id else None
        profile, session, listed, found = self._me(store_id, caller, with_subscriptions=True,
                                                   extra=[facts_key] if facts_key else [])
        carts, orders = (self.records.newest(store_id, profile.id, found.get(facts_key))
                         if self.records and facts_key else ([], []))
        return MeDetail(visible_profile(profile, session),
                        [s for s in subscriptions.profile_subscriptions(listed, profile)
                         if sees_record(profile, session, s.origin_session_id)],
                        [c for c in carts if sees_record(profile, session, c.session_id)],
                        [o for o in orders if sees_record(profile, session, o.session_id)])

    def _me(self, store_id: str, caller: Principal, with_subscriptions: bool = False,
            extra: Sequence[Key] = ()) -> tuple[Profile, Session, list[Subscription], dict[Key, Item]]:
        """The caller's profile, as stored, its live session, (if asked) the profile's subscriptions, and the
        `extra` items read with them."""
        profile_id = self._own_profile_id(caller, store_id)
        assert profile_id and caller.session_id
        session_key = self.session_store.item_key(caller.session_id)
        listing = self.subscriptions.listing_key(profile_id) if with_subscriptions else None
        profile, _, found = self.profiles.load(profile_id, store_id, None,
                                               extra=[session_key, *([listing] if listing else []), *extra])
        session = self.session_store.from_item(found.get(session_key))
        check_live_session(session, profile, store_id)
        assert profile is not None and session is not None
        listed = self.subscriptions.listed_subscriptions(found.get(listing)) if listing else []
        return profile, session, listed, found

    def end(self, store_id: str, caller: Principal) -> bool:
        profile_id = self._own_profile_id(caller, store_id)
        assert profile_id and caller.session_id
        return end_listed_session(self.profiles, self.session_store, store_id, profile_id, caller.session_id)

    # ------------------------------------------------------------------ helpers
    def _create(self, store_id: str, *, email: str | None, verified: bool, code: CodeSummary | None = None,
                also: Sequence[Write] = (), activities: Recorded | None = None) -> ProfileLogin:
        """A new profile and its first session, created by (and so fully visible to) that session. The profile's
        times are the session's, as the partial view of another's profile shows them. Under a plan's profile cap
        the store's count is read first (one more call) and the profile must fit (else the 402)."""

        def make(slot: ProfileSlot | None) -> ProfileLogin:
            pending = self.sessions.prepare("profile", self.room.new_id(slot), store_id=store_id, verified=verified)
            at = pending.session.created_at
            profile = Profile(id=pending.session.owner_id, store_id=store_id, email=email, verified=verified,
                              origin_session_id=pending.session.id, auth_tokens=[session_summary(pending)],
                              verification_codes=[code] if code else [], created_at=at, updated_at=at)
            tokens = self.sessions.open(pending, [*also, *self.profiles.create_writes(
                profile, [profile_event("profile.created", profile)], slot),
                *_activity_writes(store_id, profile.id, at, activities)])
            return ProfileLogin(profile, tokens)

        made = self.room.create(store_id, self.room.read(store_id), make)
        metrics.count(metrics.PROFILES_CREATED)
        return made

    def _open(self, profile: Profile, *, verified: bool, code: CodeSummary | None = None,
              also: Sequence[Write] = (), proof: EmailProof | None = None,
              activities: Recorded | None = None) -> ProfileLogin:
        """A new session on an existing profile, listed on it in the same transaction (with the email's `proof`,
        when the session proved it)."""
        pending = self.sessions.prepare("profile", profile.id, store_id=profile.store_id, verified=verified)
        changes: dict[str, object] = {}
        events: list[OutboxEvent] = []
        if code is not None:
            changes["verification_codes"] = [code, *profile.verification_codes][:LISTED]
        updated = listing_session(proof.profile if proof else profile, pending, changes)
        if proof is not None and proof.first:
            events.append(profile_event("profile.updated", updated, changed=["verified"]))
        tokens = self.sessions.open(pending, [*also, *self.profiles.update_writes(updated, profile, events),
                                              *_activity_writes(profile.store_id, profile.id,
                                                                pending.session.created_at, activities)])
        return ProfileLogin(visible_profile(updated, pending.session), tokens)

    @staticmethod
    def _own_profile_id(caller: Principal | None, store_id: str) -> str | None:
        if caller is None:
            return None
        own_session_id(caller, store_id)
        return caller.subject


# The activity types a session's transaction records, and the store's retention for them.
Recorded = tuple[tuple[str, ...], int]


def _activity_writes(store_id: str, profile_id: str, at: int, activities: Recorded | None) -> list[Write]:
    if activities is None:
        return []
    kinds, days = activities
    return activity_writes(store_id, profile_id, kinds, at=at, retention_days=days)


def end_listed_session(profiles: ProfileRepository, session_store: SessionRepository, store_id: str,
                       profile_id: str, session_id: str) -> bool:
    """Ends a profile's own session (a logout) and takes it off the profile's `auth_tokens` in one transaction,
    so the profile lists only live sessions (calls: a BatchGetItem of the profile and the session, the
    transaction; read again if the profile changed meanwhile). False when the session had ended already."""
    session_key = session_store.item_key(session_id)
    for _ in range(3):
        profile, _, found = profiles.load(profile_id, store_id, None, extra=[session_key])
        session = session_store.from_item(found.get(session_key))
        if session is None or session.owner_kind != "profile" or session.owner_id != profile_id:
            return False
        if profile is None:  # its erasure ends the sessions; this one goes now
            session_store.delete(session_id)
            metrics.count(metrics.SESSIONS_REVOKED)
            return True
        unlisted = profile.model_copy(update={
            "auth_tokens": [t for t in profile.auth_tokens if t.id != session_id],
            "revision": profile.revision + 1, "updated_at": now()})
        try:
            profiles.revoke_sessions(unlisted, profile, [session_key])
        except Conflict as changed:
            if changed.code != "PROFILE.CONFLICT":  # another write to the profile came first: read it again
                raise
            continue
        metrics.count(metrics.SESSIONS_REVOKED)
        return True
    raise Conflict("The profile changed meanwhile; log out again", "PROFILE.CONFLICT")


def check_live_session(session: Session | None, profile: Profile | None, store_id: str) -> None:
    """Read in the same BatchGetItem as the profile, so revocation and merges end a session at once."""
    if (profile is None or profile.store_id != store_id or session is None or session.owner_id != profile.id
            or session.refresh_expires_at <= now()):
        raise Unauthorized("The session has ended; start a new one", "GENERAL.INVALID_TOKEN")


def listing_session(profile: Profile, pending: PendingSession, changes: dict[str, object]) -> Profile:
    """The profile with `changes`, listing a new session first (the newest LISTED are kept)."""
    return profile.model_copy(update={"auth_tokens": [session_summary(pending), *profile.auth_tokens][:LISTED],
                                      "revision": profile.revision + 1, "updated_at": now(), **changes})


def session_summary(pending: PendingSession) -> SessionSummary:
    return SessionSummary(id=pending.session.id, created_at=pending.session.created_at,
                          verified=pending.session.verified)


def sees_whole_profile(profile: Profile, session: Session) -> bool:
    """A verified session sees everything. An unverified one sees the stored data only of a profile
    it created and nobody verified."""
    return session.verified or (not profile.verified and profile.origin_session_id == session.id)


def sees_record(profile: Profile, session: Session, created_by: str | None) -> bool:
    """Whether a session may read one of the profile's records (a subscription), which records the
    session that created it: all of them with the whole profile, else only those it created itself."""
    return sees_whole_profile(profile, session) or (created_by is not None and created_by == session.id)


def visible_profile(profile: Profile, session: Session) -> Profile:
    """The profile as this session may see it: all of it (`sees_whole_profile`), or just the email it
    named and the session itself, which is what a profile it had just created would hold, so the
    answer does not tell whether the email belonged to someone."""
    if sees_whole_profile(profile, session):
        return profile
    own = SessionSummary(id=session.id, created_at=session.created_at, verified=session.verified)
    return Profile(id=profile.id, store_id=profile.store_id, email=profile.email, verified=False,
                   auth_tokens=[own], created_at=session.created_at, updated_at=session.created_at)
