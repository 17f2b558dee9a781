"""The arky-sdk 0.9.x storefront calls under /v1/storefront/{storeId}: the same profile sessions,
shaped the way that client uses them (one long-lived bearer, identify = initialize or connect)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.identity.auth import Principal
from storecrm.kernel.errors import NotFound, ValidationFailed
from storecrm.kernel.fields import Command, Email
from storecrm.profiles.models.profiles import Profile
from storecrm.stores.models.stores import Market, Store

if TYPE_CHECKING:
    from storecrm.identity.sessions import SessionService
    from storecrm.messaging.profile_sessions import ProfileLogin, ProfileSessions
    from storecrm.stores.repositories.markets import MarketRepository
    from storecrm.stores.repositories.stores import StoreRepository


class IdentifyRequest(Command):
    store_id: str | None = Field(default=None, max_length=64)
    market: str | None = Field(default=None, max_length=64)
    email: Email | None = None
    verify: bool = False


class StorefrontVerifyRequest(Command):
    store_id: str | None = Field(default=None, max_length=64)
    code: str = Field(pattern=r"^\d{6}$")


@dataclass(frozen=True)
class Bearer:
    session_id: str
    token: str
    created_at: int


@dataclass(frozen=True)
class Identified:
    profile: Profile
    bearer: Bearer
    store: Store
    market: Market | None
    code_sent: bool


class StorefrontService:
    def __init__(self, stores: StoreRepository, markets: MarketRepository, profile_sessions: ProfileSessions,
                 sessions: SessionService) -> None:
        self.stores = stores
        self.markets = markets
        self.profile_sessions = profile_sessions
        self.sessions = sessions

    def store(self, store_id: str) -> Store:
        store = self.stores.get(store_id)
        if store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        return store

    def market_list(self, store_id: str) -> list[Market]:
        self.store(store_id)
        return self.markets.all_in_store(store_id)

    def market(self, store_id: str, ref: str) -> Market:
        """A market by id or by key (the storefront is configured with a key): the store, the market by
        id and the key marker in one BatchGetItem; a key costs one more read."""
        by_id, marker = self.markets.item_key(store_id, ref), self.markets.marker_key(store_id, ref)
        view = self.stores.load(store_id, [], extra=[by_id, marker])
        if view.store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        market = self.markets.from_item(view.extras.get(by_id))
        if market is None and (market_id := self.markets.id_from_marker(view.extras.get(marker))):
            market = self.markets.get(store_id, market_id)
        if market is None:
            raise NotFound("Market not found", "MARKET.NOT_FOUND")
        return market

    def identify(self, store_id: str, caller: Principal | None, request: IdentifyRequest,
                 source_ip: str, presented_token: str | None) -> Identified:
        """No email and no bearer: a guest. An email: connect. `verify`: also mail a code.

        A guest is two calls: the store and the market (a copy on its key marker) in one
        BatchGetItem, then the session's transaction. An email reads its owner first, and `verify`
        adds the code's write and the mail.
        """
        _same_store(request.store_id, store_id)
        if request.verify and request.email is None:
            raise ValidationFailed.on("email", "is needed to send a verification code")
        store, market = self._store_and_market(store_id, request.market)
        if request.email is not None:
            bearer, profile = self._bearer(self.profile_sessions.connect(store_id, caller, request.email))
        elif caller is None:
            bearer, profile = self._bearer(self.profile_sessions.initialize(store_id))
        else:
            profile = self.profile_sessions.me(store_id, caller)
            assert caller.session_id and presented_token
            bearer = Bearer(caller.session_id, presented_token, profile.created_at)
        if request.verify and request.email is not None:
            self.profile_sessions.request_code(store_id, request.email, source_ip)
        return Identified(profile, bearer, store, market, code_sent=request.verify)

    def verify(self, store_id: str, caller: Principal, request: StorefrontVerifyRequest) -> Bearer:
        """The code mailed to the bearer's profile email; answers with a new, verified bearer."""
        _same_store(request.store_id, store_id)
        profile = self.profile_sessions.me(store_id, caller)
        if profile.email is None:
            raise ValidationFailed.on("code", "identify with an email before verifying")
        return self._bearer(self.profile_sessions.verify(store_id, profile.email, request.code))[0]

    def _bearer(self, login: ProfileLogin) -> tuple[Bearer, Profile]:
        token, _ = self.sessions.long_lived_access(login.tokens.session)
        return Bearer(login.tokens.session.id, token, login.tokens.session.created_at), login.profile

    def _store_and_market(self, store_id: str, key: str | None) -> tuple[Store, Market | None]:
        """The store and the market with this key, in one BatchGetItem."""
        marker = self.markets.marker_key(store_id, key) if key is not None else None
        view = self.stores.load(store_id, [], extra=[marker] if marker else [])
        if view.store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        if marker is None:
            return view.store, None
        market = self.markets.from_marker(view.extras.get(marker))
        if market is None:
            raise ValidationFailed.on("market", f"the store has no market '{key}'")
        return view.store, market


def _same_store(body_store_id: str | None, store_id: str) -> None:
    if body_store_id is not None and body_store_id != store_id:
        raise ValidationFailed.on("store_id", "must be the store in the path")
