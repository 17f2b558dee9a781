"""Products as the arky-style API answers them."""

from __future__ import annotations

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.catalog.models.products import Block, Product, ProductStatus, ProductVariant
from storecrm.profiles.models.taxonomies import TaxonomyEntry


class ProductOut(Out):
    id: str
    store_id: str
    key: str
    slug: dict[str, str] = Field(description="Language id -> slug")
    blocks: list[Block]
    taxonomies: list[TaxonomyEntry]
    variants: list[ProductVariant]
    status: ProductStatus
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, product: Product) -> ProductOut:
        return cls.model_validate(product.model_dump(exclude={"revision"}))
