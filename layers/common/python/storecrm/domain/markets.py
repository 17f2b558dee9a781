"""Markets: where a store sells, in which currency, with tax added or included."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from storecrm.clock import new_id, now
from storecrm.domain.access import StoreAccess, StoreGuard
from storecrm.domain.auth import Principal
from storecrm.domain.errors import NotFound, ValidationFailed
from storecrm.domain.fields import Command, CountryCode, Currency, MarketKey
from storecrm.domain.models.stores import Market, TaxMode, Zone
from storecrm.domain.permissions import Action

if TYPE_CHECKING:
    from storecrm.repositories.markets import MarketRepository


class ZoneIn(Command):
    name: str | None = Field(default=None, max_length=100)
    countries: list[CountryCode] = Field(default_factory=list, max_length=250)


class NewMarket(Command):
    key: MarketKey
    currency: Currency
    tax_mode: TaxMode = "exclusive"
    payment_methods: list[str] = Field(default_factory=list, max_length=20)
    zones: list[ZoneIn] = Field(default_factory=list, max_length=50)


class MarketChanges(Command):
    id: str | None = None
    key: MarketKey | None = None
    currency: Currency | None = None
    tax_mode: TaxMode | None = None
    payment_methods: list[str] | None = Field(default=None, max_length=20)
    zones: list[ZoneIn] | None = Field(default=None, max_length=50)


class MarketService:
    def __init__(self, markets: MarketRepository, guard: StoreGuard) -> None:
        self.markets = markets
        self.guard = guard

    def list(self, principal: Principal, store_id: str) -> list[Market]:
        self.guard.enter(principal, store_id, Action.READ_STORE)
        return self.markets.all_in_store(store_id)

    def get(self, principal: Principal, store_id: str, market_id: str) -> Market:
        return self._load(principal, store_id, market_id, Action.READ_STORE)[1]

    def create(self, principal: Principal, store_id: str, data: NewMarket) -> Market:
        self.guard.enter(principal, store_id, Action.MANAGE_MARKETS)
        at = now()
        market = Market(id=new_id(), store_id=store_id, key=data.key, currency=data.currency,
                        tax_mode=data.tax_mode, payment_methods=data.payment_methods,
                        zones=[Zone(**z.model_dump()) for z in data.zones], created_at=at, updated_at=at)
        self.markets.create(market)
        return market

    def update(self, principal: Principal, store_id: str, market_id: str, changes: MarketChanges) -> Market:
        _, market = self._load(principal, store_id, market_id, Action.MANAGE_MARKETS)
        if changes.id is not None and changes.id != market_id:
            raise ValidationFailed.on("id", "does not match the market id in the path")
        values = changes.model_dump(exclude_unset=True, exclude={"id"}, exclude_none=True)
        if "zones" in values:
            values["zones"] = [Zone(**z) for z in values["zones"]]
        updated = market.model_copy(update={**values, "updated_at": now()})
        self.markets.update(updated, previous_key=market.key)
        return updated

    def delete(self, principal: Principal, store_id: str, market_id: str) -> None:
        _, market = self._load(principal, store_id, market_id, Action.MANAGE_MARKETS)
        self.markets.delete(market)

    def _load(self, principal: Principal, store_id: str, market_id: str, action: Action) -> tuple[StoreAccess, Market]:
        """Store, membership and market in one BatchGetItem."""
        key = self.markets.item_key(store_id, market_id)
        access = self.guard.enter(principal, store_id, action, extra=[key])
        market = self.markets.from_item(access.view.extras.get(key))
        if market is None:
            raise NotFound("Market not found", "MARKET.NOT_FOUND")
        return access, market
