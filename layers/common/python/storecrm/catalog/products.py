"""The catalog in arky-sdk 0.9.1's shape: products with variants (sku, prices per market, stock per location,
attributes, weight), staff create, get, find, update and delete, and the storefront's reads of active products.

A product is named in a path by its id, by `{storeId}:{key}`, or (the client's slug form) by
`{storeId}:{language}:{slug}`. Keys are unique per store, and so is each language's slug.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from storecrm.catalog.models.products import Block, Price, Product, ProductInventory, ProductStatus, ProductVariant
from storecrm.clock import new_id, now
from storecrm.identity.auth import Principal
from storecrm.kernel.errors import FieldError, NotFound, ValidationFailed
from storecrm.kernel.fields import Command, Currency, LanguageTag, MarketKey, WholeNumber
from storecrm.kernel.keyed_find import KeyedFind, KeyedQuery, Load
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.rules import key_in_ref
from storecrm.profiles.models.taxonomies import TaxonomyEntry
from storecrm.profiles.search import TaxonomyQuery, taxonomies_match
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.catalog.repositories.products import ProductRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item
    from storecrm.profiles.taxonomies import TaxonomyValues
    from storecrm.stores.access import StoreAccess, StoreGuard
    from storecrm.stores.models.stores import Market
    from storecrm.stores.repositories.markets import MarketRepository
    from storecrm.stores.repositories.stores import StoreRepository

PRODUCT_NOT_FOUND = NotFound("Product not found", "PRODUCT.NOT_FOUND")
# Stock rows get a stable id from their variant and location, so a rewrite of the variant keeps it.
INVENTORY_IDS = uuid.UUID("3c9e7a51-2f4d-4b8a-a6e0-9d1b5c7f3e28")

ProductKey = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$",
                                  description="Letters, digits, hyphens and underscores; unique per store")]
SlugText = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Slugs = Annotated[dict[LanguageTag, SlugText], Field(max_length=20, description="Language id -> slug, unique "
                                                                                "per language in the store")]
Amount = Annotated[WholeNumber, Field(ge=0, le=100_000_000, description="Smallest currency unit (cents)")]
ShortText = Annotated[str, Field(min_length=1, max_length=64)]


# ---------------------------------------------------------------- commands
class BlockIn(Command):
    id: ShortText | None = Field(default=None, description="Kept when given; a new block gets one")
    key: ShortText
    type: Annotated[str, Field(min_length=1, max_length=32)]
    properties: dict[str, Any] | None = Field(default=None, max_length=50)
    value: Any = None

    def block(self) -> Block:
        return Block(id=self.id or new_id(), key=self.key, type=self.type, properties=self.properties,
                     value=self.value)


class PriceIn(Command):
    currency: Currency
    market: MarketKey = Field(description="The key of one of the store's markets; currency must be its currency")
    amount: Amount
    compare_at: Amount | None = None
    audience_id: ShortText | None = None


class InventoryIn(Command):
    location_id: ShortText
    available: WholeNumber = Field(ge=0, le=1_000_000_000, description="Units in stock at this location")
    reserved: WholeNumber = Field(default=0, ge=0, le=1_000_000_000)


class VariantIn(Command):
    id: ShortText | None = Field(default=None, description="On update: the variant to change; none adds one")
    sku: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    prices: list[PriceIn] | None = Field(default=None, max_length=50)
    inventory: list[InventoryIn] | None = Field(default=None, max_length=50)
    attributes: list[BlockIn] | None = Field(default=None, max_length=50)
    weight: WholeNumber | None = Field(default=None, ge=0, le=10_000_000, description="Grams")


class CatalogEntryIn(Command):
    """What a new product, service or provider has alike (arky-sdk's catalog entries)."""

    key: ProductKey
    slug: Slugs = Field(default_factory=dict)
    blocks: list[BlockIn] = Field(default_factory=list, max_length=100)
    taxonomies: list[TaxonomyEntry] | None = Field(default=None, max_length=20)
    filters: list[TaxonomyEntry] | None = Field(default=None, max_length=20, description="Alias of taxonomies")


class CatalogEntryChanges(Command):
    """What a change of a product, service or provider has alike."""

    id: ShortText | None = Field(default=None, description="May repeat the id in the path; must match it")
    key: ProductKey | None = None
    slug: Slugs | None = Field(default=None, description="Replaces every language's slug")
    blocks: list[BlockIn] | None = Field(default=None, max_length=100)
    taxonomies: list[TaxonomyEntry] | None = Field(default=None, max_length=20)
    filters: list[TaxonomyEntry] | None = Field(default=None, max_length=20, description="Alias of taxonomies")


class NewProduct(CatalogEntryIn):
    variants: list[VariantIn] = Field(default_factory=list, max_length=100)
    status: ProductStatus = Field(default="draft", description="Storefronts see active products only")


class ProductChanges(CatalogEntryChanges):
    variants: list[VariantIn] | None = Field(
        default=None, max_length=100, description="The product's variants: listed ones (by id) are changed, "
                                                  "new ones added, unlisted ones removed")
    status: ProductStatus | None = None


CANNOT_REMOVE = ("key", "slug", "blocks", "taxonomies", "variants", "status")


class ProductQuery(KeyedQuery):
    taxonomy_query: list[TaxonomyQuery] | None = Field(default=None, max_length=10)
    match_all: bool = Field(default=True, description="Every taxonomy query must match (else any one)")
    status: ProductStatus | None = None
    query: str | None = Field(default=None, max_length=128, description="Prefix of product keys")

    def matches(self, found: Any) -> bool:
        return super().matches(found) and (not self.taxonomy_query or taxonomies_match(
            found.taxonomies, self.taxonomy_query, match_all=self.match_all))


# ---------------------------------------------------------------- rules
def market_keys(variants: Sequence[VariantIn]) -> list[str]:
    """The markets the prices name, once each."""
    return list(dict.fromkeys(p.market for v in variants for p in v.prices or []))


def check_variants(variants: Sequence[VariantIn], markets: dict[str, Market | None]) -> None:
    """Each price names one of the store's markets in that market's currency, once per market and audience;
    each location's stock is listed once per variant; skus are unique in the product."""
    errors: list[FieldError] = []
    skus = [v.sku for v in variants if v.sku]
    if len(skus) != len(set(skus)):
        errors.append(FieldError("variants", "skus must be unique in the product"))
    ids = [v.id for v in variants if v.id]
    if len(ids) != len(set(ids)):
        errors.append(FieldError("variants", "a variant is listed twice"))
    for i, variant in enumerate(variants):
        seen_prices: set[tuple[str, str | None]] = set()
        for j, price in enumerate(variant.prices or []):
            field = f"variants.{i}.prices.{j}"
            market = markets.get(price.market)
            if market is None:
                errors.append(FieldError(f"{field}.market", "no market with this key in this store"))
            elif price.currency != market.currency:
                errors.append(FieldError(f"{field}.currency", f"the '{market.key}' market sells in {market.currency}"))
            if (price.market, price.audience_id) in seen_prices:
                errors.append(FieldError(field, "a second price for the same market and audience"))
            seen_prices.add((price.market, price.audience_id))
        locations = [s.location_id for s in variant.inventory or []]
        if len(locations) != len(set(locations)):
            errors.append(FieldError(f"variants.{i}.inventory", "a location is listed twice"))
    if errors:
        raise ValidationFailed("Invalid variants", errors)


def built_variants(given: Sequence[VariantIn], current: Sequence[ProductVariant], store_id: str, product_id: str,
                   at: int) -> list[ProductVariant]:
    """The variants a create or update asks for. A listed id must be one of the product's variants; its
    fields that are left out keep their values (sku and weight are removed with null)."""
    existing = {v.id: v for v in current}
    variants = []
    for i, data in enumerate(given):
        if data.id is not None and data.id not in existing:
            raise ValidationFailed.on(f"variants.{i}.id", "no variant with this id in this product")
        base = existing.get(data.id) if data.id else None
        variant_id = base.id if base else new_id()
        stock_before = {s.location_id: s for s in base.inventory} if base else {}
        inventory = list(base.inventory) if base else []
        if data.inventory is not None:
            inventory = [_stock(s, stock_before.get(s.location_id), store_id, product_id, variant_id, at)
                         for s in data.inventory]
        given_fields = data.model_fields_set
        variants.append(ProductVariant(
            id=variant_id,
            sku=data.sku if "sku" in given_fields or base is None else base.sku,
            prices=([Price(**p.model_dump()) for p in data.prices] if data.prices is not None
                    else base.prices if base else []),
            inventory=inventory,
            attributes=([b.block() for b in data.attributes] if data.attributes is not None
                        else base.attributes if base else []),
            weight=data.weight if "weight" in given_fields or base is None else base.weight))
    return variants


def _stock(data: InventoryIn, before: ProductInventory | None, store_id: str, product_id: str, variant_id: str,
           at: int) -> ProductInventory:
    unchanged = before is not None and (before.available, before.reserved) == (data.available, data.reserved)
    return ProductInventory(
        id=str(uuid.uuid5(INVENTORY_IDS, f"{variant_id}:{data.location_id}")), store_id=store_id,
        product_id=product_id, variant_id=variant_id, location_id=data.location_id, available=data.available,
        reserved=data.reserved, updated_at=before.updated_at if unchanged and before else at)


def product_event(type_: str, product: Product) -> OutboxEvent:
    if type_ == "product.deleted":
        return OutboxEvent.new(type_, product.store_id, {"product_id": product.id, "key": product.key})
    return OutboxEvent.new(type_, product.store_id, {"product": product.model_dump(mode="json", exclude={"revision"})})


# ---------------------------------------------------------------- lookup by id, key or slug
class ProductLookup:
    """Reading products, shared by staff and storefront calls; each caller says how items are read (`load`):
    staff with their access check, shoppers with the store, in one BatchGetItem.

    The first read asks for the product by id and for the key (or slug) marker at once; a key or slug
    costs one more read."""

    def __init__(self, products: ProductRepository) -> None:
        self.products = products
        self.finder = KeyedFind(products)

    def keys(self, store_id: str, ref: str) -> list[Key]:
        return [self.products.item_key(store_id, ref), self._marker_key(store_id, ref)]

    def pick(self, store_id: str, ref: str, found: dict[Key, Item]) -> Product:
        product = self.products.from_item(found.get(self.products.item_key(store_id, ref)))
        if product is None:
            product_id = self.products.id_from_marker(found.get(self._marker_key(store_id, ref)))
            product = self.products.get(store_id, product_id) if product_id else None
        if product is None or product.store_id != store_id:
            raise PRODUCT_NOT_FOUND
        return product

    def find(self, store_id: str, q: ProductQuery, load: Load) -> tuple[list[Product], str | None]:
        return self.finder.find(store_id, q, load)

    def _marker_key(self, store_id: str, ref: str) -> Key:
        named = key_in_ref(store_id, ref)
        language, colon, slug = named.partition(":")
        if colon:
            return self.products.slug_key(store_id, language, slug)
        return self.products.marker_key(store_id, named)


# ---------------------------------------------------------------- staff
class ProductService:
    def __init__(self, products: ProductRepository, markets: MarketRepository, guard: StoreGuard,
                 taxonomy_values: TaxonomyValues | None = None) -> None:
        self.products = products
        self.markets = markets
        self.guard = guard
        self.lookup = ProductLookup(products)
        self.taxonomy_values = taxonomy_values  # checks taxonomy values against their schemas

    def create(self, principal: Principal, store_id: str, data: NewProduct) -> Product:
        """The markets the prices name are read with the access check (one BatchGetItem), then one transaction."""
        taxonomies, where = (data.taxonomies, "taxonomies") if data.taxonomies is not None else (data.filters,
                                                                                                 "filters")
        wanted = [*self._market_keys(store_id, data.variants), *self._taxonomy_keys(store_id, taxonomies)]
        access = self.guard.enter(principal, store_id, Action.MANAGE_PRODUCTS, extra=wanted)
        if self.taxonomy_values:
            self.taxonomy_values.check(store_id, taxonomies, access.view.extras, where)
        check_variants(data.variants, self._markets(access, data.variants))
        at, product_id = now(), new_id()
        product = Product(id=product_id, store_id=store_id, key=data.key, slug=data.slug,
                          blocks=[b.block() for b in data.blocks],
                          taxonomies=data.taxonomies if data.taxonomies is not None else data.filters or [],
                          variants=built_variants(data.variants, [], store_id, product_id, at), status=data.status,
                          created_at=at, updated_at=at)
        self.products.create(product, [product_event("product.created", product)])
        return product

    def get(self, principal: Principal, store_id: str, ref: str) -> Product:
        return self._load(principal, store_id, ref, Action.READ_STORE)[1]

    def find(self, principal: Principal, store_id: str, q: ProductQuery) -> tuple[list[Product], str | None]:
        """The page is read after the access check; see ProductLookup.find."""
        return self.lookup.find(store_id, q, lambda wanted: self.guard.enter(
            principal, store_id, Action.READ_STORE, extra=wanted).view.extras)

    def update(self, principal: Principal, store_id: str, ref: str, changes: ProductChanges) -> Product:
        given = changes.model_dump(exclude_unset=True)
        for required in CANNOT_REMOVE:
            if required in given and given[required] is None:
                raise ValidationFailed.on(required, "cannot be removed")
        variants = changes.variants
        taxonomies = changes.taxonomies if changes.taxonomies is not None else changes.filters
        access, current = self._load(principal, store_id, ref, Action.MANAGE_PRODUCTS,
                                     extra=[*self._market_keys(store_id, variants or []),
                                            *self._taxonomy_keys(store_id, taxonomies)])
        if self.taxonomy_values:
            self.taxonomy_values.check(store_id, taxonomies, access.view.extras,
                                       "taxonomies" if changes.taxonomies is not None else "filters")
        if changes.id is not None and changes.id != current.id:
            raise ValidationFailed.on("id", "does not match the product in the path")
        values: dict[str, Any] = changes.model_dump(include={"key", "slug", "status"}, exclude_unset=True)
        if changes.blocks is not None:
            values["blocks"] = [b.block() for b in changes.blocks]
        if taxonomies is not None:
            values["taxonomies"] = taxonomies
        at = now()
        if variants is not None:
            check_variants(variants, self._markets(access, variants))
            values["variants"] = built_variants(variants, current.variants, store_id, current.id, at)
        updated = current.model_copy(update=values)
        if updated == current:
            return current
        updated = updated.model_copy(update={"revision": current.revision + 1, "updated_at": at})
        self.products.update(updated, current, [product_event("product.updated", updated)])
        return updated

    def delete(self, principal: Principal, store_id: str, ref: str) -> None:
        _, product = self._load(principal, store_id, ref, Action.MANAGE_PRODUCTS)
        self.products.delete(product, [product_event("product.deleted", product)])

    def _load(self, principal: Principal, store_id: str, ref: str, action: Action,
              extra: Sequence[Key] = ()) -> tuple[StoreAccess, Product]:
        """Store, membership, product (by id, key or slug) and `extra` in one BatchGetItem."""
        access = self.guard.enter(principal, store_id, action, extra=[*self.lookup.keys(store_id, ref), *extra])
        return access, self.lookup.pick(store_id, ref, access.view.extras)

    def _market_keys(self, store_id: str, variants: Sequence[VariantIn]) -> list[Key]:
        return [self.markets.marker_key(store_id, key) for key in market_keys(variants)]

    def _taxonomy_keys(self, store_id: str, entries: list[TaxonomyEntry] | None) -> list[Key]:
        return self.taxonomy_values.keys(store_id, entries) if self.taxonomy_values else []

    def _markets(self, access: StoreAccess, variants: Sequence[VariantIn]) -> dict[str, Market | None]:
        return {key: self.markets.from_marker(access.view.extras.get(self.markets.marker_key(access.store.id, key)))
                for key in market_keys(variants)}


# ---------------------------------------------------------------- storefront
class ProductCatalog:
    """What shoppers see: active products only; drafts and archived ones answer like unknown ones."""

    def __init__(self, products: ProductRepository, stores: StoreRepository) -> None:
        self.products = products
        self.stores = stores
        self.lookup = ProductLookup(products)

    def shown(self, store_id: str, ref: str) -> Product:
        """One BatchGetItem for an id (with the store); a key or slug costs one more read."""
        product = self.lookup.pick(store_id, ref, self._with_store(store_id, self.lookup.keys(store_id, ref)))
        if product.status != "active":
            raise PRODUCT_NOT_FOUND
        return product

    def listed(self, store_id: str, q: ProductQuery) -> tuple[list[Product], str | None]:
        """Found as staff find them, on the active products' index."""
        if q.status not in (None, "active"):
            self._with_store(store_id, [])
            return [], None
        return self.lookup.find(store_id, q.model_copy(update={"status": "active"}),
                                lambda wanted: self._with_store(store_id, wanted))

    def _with_store(self, store_id: str, wanted: list[Key]) -> dict[Key, Item]:
        """`wanted` read together with the store, whose products outlive it only until the purge."""
        store_key = self.stores.item_key(store_id)
        found = self.products.load([store_key, *wanted])
        if store_key not in found:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        return found
