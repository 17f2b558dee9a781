"""The storefront's identify answer (arky-sdk 0.9.x)."""

from __future__ import annotations

from storecrm.arky.schemas.common import Out
from storecrm.arky.schemas.profiles import ProfileOut
from storecrm.arky.schemas.stores import MarketOut, StoreOut


class StorefrontToken(Out):
    """`token` is the bearer the client keeps; it lasts as long as the session."""

    id: str
    token: str
    created_at: int


class IdentifyResponse(Out):
    profile: ProfileOut
    token: StorefrontToken
    store: StoreOut
    market: MarketOut | None
    code_sent: bool
