"""Catalog rules without AWS: a variant's price in a market, unknown variants, variant rewrites, taxonomy matching."""

from __future__ import annotations

import pytest

from storecrm.catalog.models.products import Price, Product, ProductVariant
from storecrm.catalog.products import InventoryIn, VariantIn, built_variants
from storecrm.commerce.quotes import price_in, variant_of
from storecrm.kernel.errors import ValidationFailed
from storecrm.profiles.models.taxonomies import TaxonomyEntry, TaxonomyField
from storecrm.profiles.search import TaxonomyCondition, TaxonomyQuery, taxonomies_match
from storecrm.stores.models.stores import Market

US = Market(id="m1", store_id="s", key="us", currency="USD", tax_mode="exclusive", created_at=0, updated_at=0)
EU = Market(id="m2", store_id="s", key="eu", currency="EUR", tax_mode="inclusive", created_at=0, updated_at=0)


def _variant() -> ProductVariant:
    return ProductVariant(id="v1", sku="S", prices=[
        Price(currency="USD", market="us", amount=900, audience_id="vip"),
        Price(currency="USD", market="us", amount=1000)])


def test_the_price_in_a_market_is_the_one_for_everyone_in_its_currency() -> None:
    assert price_in(_variant(), US).amount == 1000
    with pytest.raises(ValidationFailed) as missing:
        price_in(_variant(), EU, field="items.0.variant_id")
    assert missing.value.field_errors[0].field == "items.0.variant_id"
    assert "EUR" in missing.value.field_errors[0].error


def test_an_unknown_variant_is_a_400_naming_the_field() -> None:
    product = Product(id="p", store_id="s", key="k", variants=[_variant()], created_at=0, updated_at=0)
    assert variant_of(product, "v1").sku == "S"
    with pytest.raises(ValidationFailed) as unknown:
        variant_of(product, "v2", field="items.3.variant_id")
    assert unknown.value.field_errors[0].field == "items.3.variant_id"


def test_a_rewrite_keeps_what_it_leaves_out_and_stock_keeps_its_id() -> None:
    [first] = built_variants([VariantIn(sku="S", weight=100, inventory=[InventoryIn(location_id="main", available=3)])],
                             [], "s", "p", at=10)
    assert first.inventory[0].updated_at == 10 and first.weight == 100
    same, added = built_variants([VariantIn(id=first.id, inventory=[InventoryIn(location_id="main", available=3)]),
                                  VariantIn(sku="M")], [first], "s", "p", at=20)
    assert same.sku == "S" and same.weight == 100 and same.inventory == first.inventory  # unchanged stock, unchanged
    assert added.id != first.id and added.sku == "M"
    [restocked] = built_variants([VariantIn(id=first.id, weight=None, inventory=[InventoryIn(location_id="main",
                                                                                              available=1)])],
                                 [first], "s", "p", at=30)
    assert restocked.weight is None and restocked.inventory[0].id == first.inventory[0].id
    assert (restocked.inventory[0].available, restocked.inventory[0].updated_at) == (1, 30)
    with pytest.raises(ValidationFailed) as unknown:
        built_variants([VariantIn(id="nope")], [first], "s", "p", at=40)
    assert unknown.value.field_errors[0].field == "variants.0.id"


def test_taxonomy_queries_match_all_or_any() -> None:
    entries = [TaxonomyEntry(taxonomy_id="catalog", fields=[TaxonomyField(key="category", type="text", value="tops")])]

    def query(value: str) -> TaxonomyQuery:
        return TaxonomyQuery(taxonomy_id="catalog", query=[TaxonomyCondition(key="category", type="text", value=value)])

    assert taxonomies_match(entries, [query("tops")])
    assert not taxonomies_match(entries, [query("tops"), query("hats")])
    assert taxonomies_match(entries, [query("tops"), query("hats")], match_all=False)
    assert not taxonomies_match(entries, [query("hats")], match_all=False)
