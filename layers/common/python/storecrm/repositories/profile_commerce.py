"""A profile's commerce: its facts item (has_cart / has_activity), its orders newest first, and the re-pointing
of a merged profile's carts and orders to the profile it was merged into."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from storecrm.clock import now
from storecrm.deferred import DeferredModule
from storecrm.domain.errors import Conflict
from storecrm.domain.models.profiles import ProfileCommerce
from storecrm.domain.profile_commerce import holds_items
from storecrm.repositories import keys
from storecrm.repositories.base import check_cursor, default_table, from_item
from storecrm.repositories.table import Item, Table, Write, delete, update

if TYPE_CHECKING:
    from storecrm.domain.models import commerce as cart_models
    from storecrm.domain.models import forms as form_models
    from storecrm.domain.models import orders as order_models
    from storecrm.repositories.carts import CartRepository
else:  # the facts item is read by every profile find and detail; the carts and orders only by their routes
    cart_models = DeferredModule("storecrm.domain.models.commerce")
    order_models = DeferredModule("storecrm.domain.models.orders")
    form_models = DeferredModule("storecrm.domain.models.forms")

Position = dict[str, str]

# Carts moved per transaction: each cart's update and its session marker's delete, plus the two facts items.
CARTS_PER_MOVE = 45
# Orders moved per transaction, plus the target's facts item.
ORDERS_PER_MOVE = 99
# Rounds of moving a profile's carts when shoppers change some of them meanwhile.
MOVE_TRIES = 3

CART_MOVED = Conflict("A cart of the merged profile changed meanwhile", "PROFILE.CONFLICT")
ORDER_GONE = Conflict("An order of the merged profile was deleted meanwhile", "PROFILE.CONFLICT")


def facts_change(store_id: str, profile_id: str, *, open_carts: int = 0, carts: bool = False,
                 orders: bool = False, forms: bool = False) -> Write:
    """The facts item's update inside the transaction of the cart or order write that changes them: ADD
    keeps `open_carts` exact under concurrent writes, and the flags only turn on."""
    parts = ["#entity = :entity", "store_id = :store", "profile_id = :profile"]
    values: Item = {":entity": "PROFILECOMMERCE", ":store": store_id, ":profile": profile_id}
    if carts:
        parts.append("has_carts = :yes")
    if orders:
        parts.append("has_orders = :yes")
    if forms:
        parts.append("has_form_submissions = :yes")
    if carts or orders or forms:
        values[":yes"] = True
    expression = "SET " + ", ".join(parts)
    if open_carts:
        expression += " ADD open_carts :delta"
        values[":delta"] = open_carts
    return update(keys.profile_commerce(store_id, profile_id), expression, names={"#entity": "entity"},
                  values=values)


class ProfileCommerceRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @cached_property
    def carts(self) -> CartRepository:
        from storecrm.repositories.carts import CartRepository  # it imports this module

        return CartRepository(self.table)

    @staticmethod
    def facts_key(store_id: str, profile_id: str) -> keys.Key:
        return keys.profile_commerce(store_id, profile_id)

    @staticmethod
    def facts(item: Item | None) -> ProfileCommerce:
        """A profile that never had a cart has no facts item: nothing is true of it."""
        return from_item(ProfileCommerce, item) or ProfileCommerce()

    def carts_page(self, store_id: str, profile_id: str, *, limit: int,
                   after: Position | None) -> tuple[list[cart_models.Cart], Position | None]:
        """Newest first: one Query on the profile's carts (GSI1)."""
        return self.carts.list_page(store_id, profile_id, limit=limit, after=after)

    def orders_page(self, store_id: str, profile_id: str, *, limit: int,
                    after: Position | None) -> tuple[list[order_models.Order], Position | None]:
        """Newest first: one Query on the profile's orders (GSI1)."""
        partition = keys.orders_of(store_id, profile_id)
        check_cursor(after, partition, "GSI1")
        page = self.table.query(partition, index="GSI1", limit=limit, start_key=after, forward=False)
        orders = [o for item in page.items if (o := from_item(order_models.Order, item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return orders, last

    def form_submissions_page(self, store_id: str, profile_id: str, *,
                              limit: int) -> list[form_models.FormSubmission]:
        """Newest first: one Query on the profile's form submissions (GSI2)."""
        page = self.table.query(keys.form_submissions_of(store_id, f"PROFILE#{profile_id}"), index="GSI2",
                                limit=limit, forward=False)
        return [s for item in page.items if (s := from_item(form_models.FormSubmission, item)) is not None]

    def orders_window(self, store_id: str, profile_id: str, *, offset: int, count: int,
                      counted: int) -> tuple[list[order_models.Order], int]:
        """Newest first from `offset`, and how many orders the profile has (up to `counted`): the count and the
        entries before the page are read with Select=COUNT (nothing returned), then one Query reads the page."""
        partition = keys.orders_of(store_id, profile_id)
        total, _ = self.table.skip(partition, counted, index="GSI1")
        if offset >= total:
            return [], total
        start = None
        if offset:
            _, start = self.table.skip(partition, offset, index="GSI1", forward=False)
        page = self.table.query(partition, index="GSI1", limit=count, start_key=start, forward=False)
        return [o for item in page.items if (o := from_item(order_models.Order, item)) is not None], total

    # ------------------------------------------------------------------ merge
    def move_carts(self, store_id: str, source_id: str, target_id: str) -> int:
        """Re-points the source's carts (profile and GSI1 keys) to the target, with the open-cart counts, a
        transaction per batch. Each cart moves on the condition that it is still the revision read (its
        revision goes up, so a cart write that read it before fails and is retried by its client), so the
        counts stay exact; a cart changed meanwhile makes another round. Idempotent: a rerun after a crash
        finds only what has not moved (the carts are read consistently, the index may lag)."""
        moved = 0
        for _ in range(MOVE_TRIES):
            listed = [keys.cart(store_id, str(item["id"]))
                      for item in self.table.query_all(keys.carts_of(store_id, source_id), index="GSI1")]
            found = self.table.get_many(listed, consistent=True) if listed else {}
            carts = [c for key in listed
                     if (c := from_item(cart_models.Cart, found.get(key))) and c.profile_id == source_id]
            try:
                for start in range(0, len(carts), CARTS_PER_MOVE):
                    batch = carts[start:start + CARTS_PER_MOVE]
                    self.table.transact(_cart_moves(batch, store_id, source_id, target_id))
                    moved += len(batch)
                return moved
            except Conflict as error:
                if error is not CART_MOVED:
                    raise
        raise Conflict("The merged profile's carts keep changing; merge again", "PROFILE.CONFLICT")

    def move_orders(self, store_id: str, source_id: str, target_id: str) -> int:
        """Re-points the source's orders (profile and GSI1 keys) to the target. Setting the same values twice
        changes nothing but the revision, so a rerun after a crash (or an index that still lists a moved order) is
        harmless."""
        orders = [str(item["id"]) for item in self.table.query_all(keys.orders_of(store_id, source_id),
                                                                   index="GSI1")]
        at = now()
        for start in range(0, len(orders), ORDERS_PER_MOVE):
            self.table.transact([
                # The revision goes up so that an order change read before the move (they write the whole
                # order on the revision they read) fails and is retried, instead of putting the source back.
                *[update(keys.order(store_id, order_id), "SET profile_id = :target, GSI1PK = :partition, "
                         "updated_at = :at ADD revision :one", condition="attribute_exists(PK)",
                         values={":target": target_id, ":partition": keys.orders_of(store_id, target_id),
                                 ":at": at, ":one": 1}, error=ORDER_GONE)
                  for order_id in orders[start:start + ORDERS_PER_MOVE]],
                facts_change(store_id, target_id, orders=True)])
        return len(orders)

    def forget(self, store_id: str, profile_id: str) -> None:
        """The facts of a profile that no longer exists."""
        self.table.write(delete(self.facts_key(store_id, profile_id)))


def _cart_moves(carts: Sequence[cart_models.Cart], store_id: str, source_id: str, target_id: str) -> list[Write]:
    writes: list[Write] = []
    for cart in carts:
        writes.append(update(keys.cart(store_id, cart.id), "SET profile_id = :target, GSI1PK = :partition "
                             "ADD revision :one", condition="revision = :seen",
                             values={":target": target_id, ":partition": keys.carts_of(store_id, target_id),
                                     ":one": 1, ":seen": cart.revision}, error=CART_MOVED))
        if cart.session_id is not None and cart.status == "active":
            # The source's sessions are erased with it: their current-cart markers would never be read again.
            writes.append(delete(keys.current_cart(store_id, cart.session_id, cart.market)))
    open_carts = sum(holds_items(cart) for cart in carts)
    return [*writes, facts_change(store_id, source_id, open_carts=-open_carts),
            facts_change(store_id, target_id, open_carts=open_carts, carts=True)]
