"""Stock that leaves with a shipment: the reserved units its lines held go out of the product's inventory, in the
transaction that records the shipment on the order (storecrm.commerce.fulfilment). The order itself is written by
OrderRepository.save_writes."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.catalog.models.products import Product
from storecrm.catalog.repositories.products import StockTake
from storecrm.kernel.errors import Conflict
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.table import Item, Write, update


def stock_shipped(product: Product, moves: Sequence[StockTake], error: Conflict) -> Write:
    """One update of the product item: each line's quantity leaves `reserved` at its location (it is neither on
    sale nor held any more), on the condition that the variant and location are where they were read and that the
    location still holds that many reserved units. The revision goes up, as with every stock move."""
    names = {"#v": "variants", "#i": "inventory", "#r": "reserved", "#id": "id", "#loc": "location_id",
             "#rev": "revision"}
    values: Item = {":one": 1}
    sets, conditions = ["#rev = #rev + :one"], ["attribute_exists(PK)"]
    for n, (variant_id, location_id, quantity) in enumerate(moves):
        v = next(i for i, variant in enumerate(product.variants) if variant.id == variant_id)
        s = next(i for i, stock in enumerate(product.variants[v].inventory) if stock.location_id == location_id)
        at = f"#v[{v}].#i[{s}]"
        values.update({f":q{n}": quantity, f":vid{n}": variant_id, f":loc{n}": location_id})
        sets.append(f"{at}.#r = {at}.#r - :q{n}")
        conditions += [f"#v[{v}].#id = :vid{n}", f"{at}.#loc = :loc{n}", f"{at}.#r >= :q{n}"]
    return update(keys.product(product.store_id, product.id), "SET " + ", ".join(sets),
                  condition=" AND ".join(conditions), names=names, values=values, error=error)
