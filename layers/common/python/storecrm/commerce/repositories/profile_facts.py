"""The write that keeps a profile's commerce facts item (open carts, has carts, has orders) true, made inside the
transaction of each cart or order write that changes them."""

from __future__ import annotations

from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.table import Item, Write, update


def facts_change(store_id: str, profile_id: str, *, open_carts: int = 0, carts: bool = False,
                 orders: bool = False) -> Write:
    """The facts item's update inside the transaction of the cart or order write that changes them: ADD
    keeps `open_carts` exact under concurrent writes, and the flags only turn on."""
    parts = ["#entity = :entity", "store_id = :store", "profile_id = :profile"]
    values: Item = {":entity": "PROFILECOMMERCE", ":store": store_id, ":profile": profile_id}
    if carts:
        parts.append("has_carts = :yes")
    if orders:
        parts.append("has_orders = :yes")
    if carts or orders:
        values[":yes"] = True
    expression = "SET " + ", ".join(parts)
    if open_carts:
        expression += " ADD open_carts :delta"
        values[":delta"] = open_carts
    return update(keys.profile_commerce(store_id, profile_id), expression, names={"#entity": "entity"},
                  values=values)
