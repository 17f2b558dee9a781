"""Refresh-token sessions, shared by staff accounts and store profiles.

A refresh token is `{sessionId}.{secret}.{ownerId}`; only the secret's hash is stored. Each refresh rotates
the secret; presenting a secret the chain already rotated away from means it was copied, so the
whole session is revoked.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storecrm import metrics
from storecrm.clock import new_id, now
from storecrm.config import Settings
from storecrm.identity.auth import (
    Principal,
    TokenSigningKeys,
    hash_secret,
    issue_access_token,
    new_refresh_secret,
    refresh_token,
    split_refresh_token,
)
from storecrm.identity.models.accounts import Session
from storecrm.kernel.errors import Unauthorized

if TYPE_CHECKING:
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item, Write

INVALID_REFRESH = "Invalid or expired refresh token"


@dataclass(frozen=True)
class PendingSession:
    session: Session
    secret: str


@dataclass(frozen=True)
class IssuedTokens:
    session: Session
    access_token: str
    access_expires_at: int
    refresh_token: str


class SessionService:
    def __init__(self, sessions: SessionRepository, signing: Callable[[], TokenSigningKeys], config: Settings) -> None:
        self.sessions = sessions
        self.signing = signing
        self.config = config

    def prepare(self, owner_kind: str, owner_id: str, *, store_id: str | None = None,
                verified: bool = True, lifetime: int | None = None) -> PendingSession:
        """A session not stored yet, so its id can go into the writes that open it."""
        at = now()
        secret = new_refresh_secret()
        session = Session(id=new_id(), owner_kind=owner_kind, owner_id=owner_id,
                          store_id=store_id, verified=verified, refresh_hash=hash_secret(secret),
                          created_at=at, refresh_expires_at=at + (lifetime or self.config.refresh_token_ttl))
        return PendingSession(session, secret)

    def open(self, pending: PendingSession, with_writes: Sequence[Write] = ()) -> IssuedTokens:
        """Stores the session in the same transaction as `with_writes` (e.g. consuming a code)."""
        self.sessions.create(pending.session, with_writes)
        metrics.count(metrics.SESSIONS_CREATED)
        return self._issue(pending.session, pending.secret, pending.session.created_at)

    def start(self, owner_kind: str, owner_id: str, *, store_id: str | None = None, verified: bool = True,
              with_writes: Sequence[Write] = ()) -> IssuedTokens:
        return self.open(self.prepare(owner_kind, owner_id, store_id=store_id, verified=verified), with_writes)

    def refresh(self, token: str, owner_kind: str, store_id: str | None = None, *,
                any_store: bool = False) -> IssuedTokens:
        return self.refresh_with(token, owner_kind, store_id, any_store=any_store)[0]

    def refresh_with(self, token: str, owner_kind: str, store_id: str | None = None,
                     owner_keys: Callable[[str], Sequence[Key]] = lambda _: (), *, any_store: bool = False
                     ) -> tuple[IssuedTokens, dict[Key, Item]]:
        """Rotates the refresh token of a session of `store_id` (of any store or none with `any_store`: the
        new tokens keep the session's own). The items `owner_keys` names for the owner id the token carries
        are read with the session in one (consistent) BatchGetItem and returned as found; the caller
        uses them only if the session's owner is that id."""
        presented_token = split_refresh_token(token)
        extra = owner_keys(presented_token.owner_id) if presented_token.owner_id else ()
        session, found = self.sessions.load(presented_token.session_id, extra)
        at = now()
        if (session is None or session.owner_kind != owner_kind
                or (not any_store and session.store_id != store_id) or session.refresh_expires_at <= at):
            raise Unauthorized(INVALID_REFRESH, "GENERAL.INVALID_TOKEN")
        presented = hash_secret(presented_token.secret)
        if not hmac.compare_digest(presented, session.refresh_hash):
            if presented in session.rotated_hashes:
                self.sessions.delete(session.id)
                metrics.count(metrics.SESSIONS_REVOKED)
                raise Unauthorized("Refresh token reuse detected; the session was revoked", "GENERAL.TOKEN_REUSED")
            raise Unauthorized(INVALID_REFRESH, "GENERAL.INVALID_TOKEN")
        new_secret = new_refresh_secret()
        expires = at + self.config.refresh_token_ttl
        self.sessions.rotate(session, hash_secret(new_secret), expires)
        rotated = session.model_copy(update={"refresh_hash": hash_secret(new_secret), "refresh_expires_at": expires})
        return self._issue(rotated, new_secret, at), found if presented_token.owner_id == session.owner_id else {}

    def end(self, session_id: str, owner_kind: str, owner_id: str) -> bool:
        session = self.sessions.get(session_id)
        if session is None or session.owner_kind != owner_kind or session.owner_id != owner_id:
            return False
        self.sessions.delete(session_id)
        metrics.count(metrics.SESSIONS_REVOKED)
        return True

    def owner_of_refresh_token(self, token: str, owner_kind: str) -> Session:
        """The session a still-valid refresh token belongs to (logout without an access token)."""
        presented = split_refresh_token(token)
        session = self.sessions.get(presented.session_id)
        if (session is None or session.owner_kind != owner_kind
                or not hmac.compare_digest(hash_secret(presented.secret), session.refresh_hash)):
            raise Unauthorized(INVALID_REFRESH, "GENERAL.INVALID_TOKEN")
        return session

    def long_lived_access(self, session: Session) -> tuple[str, int]:
        """An access token that lasts as long as the session (the arky storefront client keeps one
        bearer and never refreshes). Only for callers that check the session on every request."""
        principal = Principal(kind=session.owner_kind, subject=session.owner_id, session_id=session.id,
                              store_id=session.store_id, verified=session.verified)
        return issue_access_token(principal, self.signing(), now(), self.config.refresh_token_ttl)

    def customer_token(self, session: Session) -> tuple[str, int]:
        """A Pelcro-dialect token (kind "customer") that lasts as long as its session; every use
        checks the session, so ending the session ends the token at once."""
        principal = Principal(kind="customer", subject=session.owner_id, session_id=session.id,
                              store_id=session.store_id, verified=session.verified)
        at = now()
        return issue_access_token(principal, self.signing(), at, max(session.refresh_expires_at - at, 1),
                                  token_id=new_id())

    def prolong(self, session: Session, lifetime: int, with_writes: Sequence[Write] = ()) -> Session:
        """The session, lasting `lifetime` seconds from now, stored with `with_writes` (all of it fails
        if the session ended meanwhile)."""
        expires = now() + lifetime
        self.sessions.prolong(session.id, expires, with_writes)
        return session.model_copy(update={"refresh_expires_at": expires})

    def _issue(self, session: Session, secret: str, at: int) -> IssuedTokens:
        principal = Principal(kind=session.owner_kind, subject=session.owner_id, session_id=session.id,
                              store_id=session.store_id, verified=session.verified)
        access, expires = issue_access_token(principal, self.signing(), at, self.config.access_token_ttl)
        return IssuedTokens(session, access, expires, refresh_token(session.id, secret, session.owner_id))
