"""The product catalog: products, their variants, prices and stock."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from storecrm.kernel.base_model import Model
from storecrm.kernel.models.base import Entity
from storecrm.profiles.models.taxonomies import TaxonomyEntry

ProductStatus = Literal["draft", "active", "archived"]


class Block(Model):
    """A piece of content (the arky client's Block): a name, a type and whatever value that type holds."""

    id: str
    key: str
    type: str
    properties: dict[str, Any] | None = None
    value: Any = None


class Price(Model):
    """A variant's price in one market, in that market's currency."""

    currency: str
    market: str = Field(description="The market's key")
    amount: int
    compare_at: int | None = None
    audience_id: str | None = None


class ProductInventory(Model):
    """Stock of one variant at one location."""

    id: str
    store_id: str
    product_id: str
    variant_id: str
    location_id: str
    available: int
    reserved: int = 0
    updated_at: int


class ProductVariant(Model):
    id: str
    sku: str | None = None
    prices: list[Price] = Field(default_factory=list)
    inventory: list[ProductInventory] = Field(default_factory=list)
    attributes: list[Block] = Field(default_factory=list)
    weight: int | None = Field(default=None, description="Grams")


class Product(Entity):
    id: str
    store_id: str
    key: str
    slug: dict[str, str] = Field(default_factory=dict, description="Language id -> slug")
    blocks: list[Block] = Field(default_factory=list)
    taxonomies: list[TaxonomyEntry] = Field(default_factory=list)
    variants: list[ProductVariant] = Field(default_factory=list)
    status: ProductStatus = "draft"
    revision: int = 1
    created_at: int
    updated_at: int
