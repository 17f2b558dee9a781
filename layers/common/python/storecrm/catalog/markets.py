"""Markets: where a store sells, in which currency, with tax added or included."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, ValidationInfo, field_validator

from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal
from storecrm.kernel.errors import FieldError, NotFound, ValidationFailed
from storecrm.kernel.fields import Command, CountryCode, Currency, MarketKey, WholeNumber
from storecrm.kernel.references import referenced
from storecrm.stores.models.stores import Market, PaymentMethod, PaymentMethodId, TaxMode, Zone
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.integrations.models.integrations import Integration
    from storecrm.integrations.repositories.integrations import IntegrationRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.stores.access import StoreAccess, StoreGuard
    from storecrm.stores.repositories.markets import MarketRepository

MethodId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Amount = Annotated[WholeNumber, Field(ge=0, le=100_000_000, description="Smallest currency unit (cents)")]


class PaymentMethodIn(Command):
    id: PaymentMethodId
    integration_id: str | None = Field(default=None, min_length=1, max_length=64,
                                       description="credit_card: the store's Stripe integration")


class WeightTierIn(Command):
    up_to_grams: WholeNumber = Field(ge=1, le=10_000_000)
    amount: Amount


class ShippingMethodIn(Command):
    id: MethodId
    taxable: bool = True
    eta_text: str = Field(default="", max_length=200)
    location_id: str | None = Field(default=None, min_length=1, max_length=64)
    integration_id: str | None = Field(default=None, min_length=1, max_length=64,
                                       description="The store integration that ships it")
    amount: Amount
    free_above: Amount | None = Field(default=None, description="Free when the subtotal reaches this")
    weight_tiers: list[WeightTierIn] = Field(default_factory=list, max_length=20)


class ZoneIn(Command):
    id: MethodId | None = Field(default=None, description="Kept when given; a new zone gets one")
    countries: list[CountryCode] = Field(default_factory=list, max_length=250)
    states: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list, max_length=500)
    postal_codes: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=list, max_length=1000, description="Exact codes, or a prefix ending in *")
    tax_bps: WholeNumber = Field(default=0, ge=0, le=10_000, description="Tax rate in basis points (2000 = 20%)")
    shipping_methods: list[ShippingMethodIn] = Field(default_factory=list, max_length=20)

    @field_validator("states")
    @classmethod
    def _states_of_countries(cls, states: list[str], info: ValidationInfo) -> list[str]:
        """Each state one of the zone's countries' (storecrm.kernel.geo), by the codes addresses are kept with."""
        from storecrm.kernel import geo

        return geo.check_states(info.data.get("countries") or [], states)


class NewMarket(Command):
    key: MarketKey
    currency: Currency
    tax_mode: TaxMode = "exclusive"
    payment_methods: list[PaymentMethodIn] = Field(default_factory=list, max_length=2)
    zones: list[ZoneIn] = Field(default_factory=list, max_length=50)


class MarketChanges(Command):
    id: str | None = None
    key: MarketKey | None = None
    currency: Currency | None = None
    tax_mode: TaxMode | None = None
    payment_methods: list[PaymentMethodIn] | None = Field(default=None, max_length=2)
    zones: list[ZoneIn] | None = Field(default=None, max_length=50)


# ---------------------------------------------------------------- rules
def payment_methods(given: list[PaymentMethodIn]) -> list[PaymentMethod]:
    """Each method once; a card method names the integration that charges cards, cash names none."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, method in enumerate(given):
        field = f"payment_methods.{i}"
        if method.id in seen:
            errors.append(FieldError(f"{field}.id", "listed twice"))
        seen.add(method.id)
        if method.id == "credit_card" and method.integration_id is None:
            errors.append(FieldError(f"{field}.integration_id", "credit_card needs the store's Stripe integration"))
        if method.id == "cash" and method.integration_id is not None:
            errors.append(FieldError(f"{field}.integration_id", "cash is not paid through an integration"))
    if errors:
        raise ValidationFailed("Invalid payment methods", errors)
    return [PaymentMethod(id=m.id, integration_id=m.integration_id) for m in given]


def zones(given: list[ZoneIn], store_id: str, market_id: str) -> list[Zone]:
    """The market's zones in the order given (the first that matches an address wins); ids are unique
    in the market, shipping method ids in their zone."""
    errors: list[FieldError] = []
    zone_ids = [z.id for z in given if z.id]
    if len(zone_ids) != len(set(zone_ids)):
        errors.append(FieldError("zones", "zone ids must be unique in the market"))
    for i, zone in enumerate(given):
        method_ids = [m.id for m in zone.shipping_methods]
        if len(method_ids) != len(set(method_ids)):
            errors.append(FieldError(f"zones.{i}.shipping_methods", "shipping method ids must be unique in the zone"))
    if errors:
        raise ValidationFailed("Invalid zones", errors)
    return [Zone(**z.model_dump(exclude={"id"}), id=z.id or new_id(), store_id=store_id, market_id=market_id)
            for z in given]


def integration_references(methods: Sequence[PaymentMethod], market_zones: Sequence[Zone]) -> dict[str, str]:
    """Field -> integration id, for every integration the market names."""
    named = {f"payment_methods.{i}.integration_id": m.integration_id
             for i, m in enumerate(methods) if m.integration_id}
    named |= {f"zones.{i}.shipping_methods.{j}.integration_id": s.integration_id
              for i, z in enumerate(market_zones) for j, s in enumerate(z.shipping_methods) if s.integration_id}
    return named


def check_integrations(methods: Sequence[PaymentMethod], market_zones: Sequence[Zone], store_id: str,
                       read: Callable[[str], Integration | None]) -> None:
    """Named integrations are the store's own; a card method's is a Stripe one (checkout charges through it)."""
    card = {f"payment_methods.{i}.integration_id" for i, m in enumerate(methods) if m.id == "credit_card"}
    for field, integration_id in integration_references(methods, market_zones).items():
        integration = referenced(read(integration_id), store_id, field, "integration")
        if field in card and integration.type != "stripe":
            raise ValidationFailed.on(field, "must name a stripe integration: cards are charged through Stripe")


class MarketService:
    def __init__(self, markets: MarketRepository, integrations: IntegrationRepository, guard: StoreGuard) -> None:
        self.markets = markets
        self.integrations = integrations
        self.guard = guard

    def list(self, principal: Principal, store_id: str) -> list[Market]:
        self.guard.enter(principal, store_id, Action.READ_STORE)
        return self.markets.all_in_store(store_id)

    def get(self, principal: Principal, store_id: str, market_id: str) -> Market:
        return self._load(principal, store_id, market_id, Action.READ_STORE)[1]

    def create(self, principal: Principal, store_id: str, data: NewMarket) -> Market:
        at, market_id = now(), new_id()
        methods, market_zones = payment_methods(data.payment_methods), zones(data.zones, store_id, market_id)
        wanted = self._integration_keys(store_id, methods, market_zones)
        access = self.guard.enter(principal, store_id, Action.MANAGE_MARKETS, extra=wanted)
        self._check_integrations(access, methods, market_zones)
        market = Market(id=market_id, store_id=store_id, key=data.key, currency=data.currency,
                        tax_mode=data.tax_mode, payment_methods=methods, zones=market_zones, created_at=at,
                        updated_at=at)
        self.markets.create(market)
        return market

    def update(self, principal: Principal, store_id: str, market_id: str, changes: MarketChanges) -> Market:
        """Payment methods and zones are replaced whole when given. Integrations they name are read with
        the market (one BatchGetItem)."""
        methods = payment_methods(changes.payment_methods) if changes.payment_methods is not None else None
        market_zones = zones(changes.zones, store_id, market_id) if changes.zones is not None else None
        wanted = self._integration_keys(store_id, methods or [], market_zones or [])
        access, market = self._load(principal, store_id, market_id, Action.MANAGE_MARKETS, extra=wanted)
        if changes.id is not None and changes.id != market_id:
            raise ValidationFailed.on("id", "does not match the market id in the path")
        self._check_integrations(access, methods or [], market_zones or [])
        values = changes.model_dump(include={"key", "currency", "tax_mode"}, exclude_none=True)
        if methods is not None:
            values["payment_methods"] = methods
        if market_zones is not None:
            values["zones"] = market_zones
        updated = market.model_copy(update={**values, "updated_at": now()})
        self.markets.update(updated, previous_key=market.key)
        return updated

    def delete(self, principal: Principal, store_id: str, market_id: str) -> None:
        _, market = self._load(principal, store_id, market_id, Action.MANAGE_MARKETS)
        self.markets.delete(market)

    def _load(self, principal: Principal, store_id: str, market_id: str, action: Action,
              extra: Sequence[Key] = ()) -> tuple[StoreAccess, Market]:
        """Store, membership, market and `extra` in one BatchGetItem."""
        key = self.markets.item_key(store_id, market_id)
        access = self.guard.enter(principal, store_id, action, extra=[key, *extra])
        market = self.markets.from_item(access.view.extras.get(key))
        if market is None:
            raise NotFound("Market not found", "MARKET.NOT_FOUND")
        return access, market

    def _integration_keys(self, store_id: str, methods: Sequence[PaymentMethod],
                          market_zones: Sequence[Zone]) -> Sequence[Key]:
        named = integration_references(methods, market_zones).values()
        return [self.integrations.item_key(store_id, i) for i in dict.fromkeys(named)]

    def _check_integrations(self, access: StoreAccess, methods: Sequence[PaymentMethod],
                            market_zones: Sequence[Zone]) -> None:
        check_integrations(methods, market_zones, access.store.id, lambda integration_id: self.integrations.from_item(
            access.view.extras.get(self.integrations.item_key(access.store.id, integration_id))))
