"""The write that keeps a profile's commerce facts item (open carts, has carts, has orders, promo code uses) true,
made inside the transaction of each cart or order write that changes them."""

from __future__ import annotations

from dataclasses import dataclass

from storecrm.kernel.errors import DomainError
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.table import Item, Write, update


@dataclass(frozen=True)
class PromoUse:
    """A profile's use of a promo code counted on its facts item: +1 by a checkout (refused with `error` when the
    profile used it `most` times already), -1 when the order gives it back."""

    promo_code_id: str
    delta: int
    most: int | None = None
    error: DomainError | None = None


def facts_change(store_id: str, profile_id: str, *, open_carts: int = 0, carts: bool = False,
                 orders: bool = False, forms: bool = False, promo: PromoUse | None = None,
                 activities: bool = False) -> Write:
    """The facts item's update inside the transaction of the cart or order write that changes them: ADD
    keeps `open_carts` and the promo code uses exact under concurrent writes, and the flags only turn on."""
    parts = ["#entity = :entity", "store_id = :store", "profile_id = :profile"]
    values: Item = {":entity": "PROFILECOMMERCE", ":store": store_id, ":profile": profile_id}
    if carts:
        parts.append("has_carts = :yes")
    if orders:
        parts.append("has_orders = :yes")
    if forms:
        parts.append("has_form_submissions = :yes")
    if activities:  # an activity written in the same transaction (storecrm.profiles.activity_items)
        parts.append("has_activities = :yes")
    if carts or orders or forms or activities:
        values[":yes"] = True
    expression = "SET " + ", ".join(parts)
    names = {"#entity": "entity"}
    added = []
    if open_carts:
        added.append("open_carts :delta")
        values[":delta"] = open_carts
    condition = None
    if promo is not None:
        added.append("#promo :promo")
        names["#promo"] = keys.promo_uses_attribute(promo.promo_code_id)
        values[":promo"] = promo.delta
        if promo.most is not None and promo.delta > 0:
            condition = "attribute_not_exists(#promo) OR #promo < :most"
            values[":most"] = promo.most
    if added:
        expression += " ADD " + ", ".join(added)
    return update(keys.profile_commerce(store_id, profile_id), expression, names=names, values=values,
                  condition=condition, error=promo.error if promo is not None and condition else None)
