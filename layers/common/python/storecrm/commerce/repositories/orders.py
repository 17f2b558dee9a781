"""Orders: items in the store partition (purged with it) with their list indexes, and the DueIndex entry of an
unpaid card order's payment hold. Checkout writes the first version of an order (CartRepository.checkout_writes,
with `order_item`); every later change is a put of the whole order on the condition of the revision read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from storecrm.deferred import DeferredModule
from storecrm.kernel.errors import Conflict
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, outbox_write, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, put, set_fields

if TYPE_CHECKING:
    from storecrm.commerce.models import orders as order_models
    from storecrm.commerce.models.orders import Order
else:  # the carts function writes orders through this module and defines them only when it checks one out
    order_models = DeferredModule("storecrm.commerce.models.orders")

ORDER_CHANGED = Conflict("The order changed meanwhile; read it again and retry", "ORDER.CONFLICT")

Position = dict[str, str]


def order_item(order: Order) -> Item:
    """The order with every index key its state calls for; a paid, confirmed or cancelled order leaves the
    DueIndex (a put without the attributes removes them)."""
    hold = order.hold_until
    return to_item(order, keys.order(order.store_id, order.id), "ORDER",
                   **keys.order_index_keys(order.store_id, order.id, order.profile_id, order.created_at),
                   **keys.order_find_keys(order.store_id, order.id, order.created_at, order.status, order.email,
                                          order.number, order.session_id),
                   **(keys.payment_hold_due(order.store_id, order.id, hold) if hold is not None else {}))


class OrderRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(store_id: str, order_id: str) -> keys.Key:
        return keys.order(store_id, order_id)

    @staticmethod
    def from_item(item: Item | None) -> Order | None:
        return from_item(order_models.Order, item)

    # ------------------------------------------------------------------ reads
    def load(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, Item]:
        """One BatchGetItem (an order with its caller's session, orders with their products, ...)."""
        return self.table.get_many(wanted)

    def get(self, store_id: str, order_id: str) -> Order | None:
        return self.from_item(self.table.get(self.item_key(store_id, order_id)))

    def list_page(self, store_id: str, filter_name: str, value: str | None, *, created: tuple[int, int] | None,
                  forward: bool, limit: int, after: Position | None) -> tuple[list[Order], Position | None]:
        """One Query on the index of `filter_name` (see keys.ORDER_FIND_INDEXES) for orders whose value is
        `value`, reading only the page; `created` (inclusive) is a key condition."""
        index = keys.ORDER_FIND_INDEXES[filter_name]
        scope = {"profile_id": value, "all": keys.ALL, "status": f"STATUS#{value}", "email": f"EMAIL#{value}",
                 "number": f"NUMBER#{value}", "session_id": f"SESSION#{value}"}[filter_name]
        partition = keys.orders_of(store_id, str(scope))
        check_cursor(after, partition, index)
        between = None
        if created is not None:
            between = (keys.time_order(created[0], ""), keys.time_order(created[1], "~"))  # "~" sorts after ids
        page = self.table.query(partition, index=index, sk_between=between, limit=limit, start_key=after,
                                forward=forward)
        orders = [o for item in page.items if (o := self.from_item(item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return orders, last

    def orders_of_profile(self, store_id: str, profile_id: str) -> list[Order]:
        """Every order of one profile (Queries of its list index, GSI1)."""
        items = self.table.query_all(keys.orders_of(store_id, profile_id), index="GSI1")
        return [o for item in items if (o := self.from_item(item)) is not None]

    def due_holds(self, now: int, limit: int) -> list[keys.Key]:
        """The orders whose payment hold has ended, oldest first (one Query of the sparse DueIndex)."""
        page = self.table.query(keys.PAYMENT_HOLDS_DUE, index="DueIndex", limit=limit,
                                sk_between=("0", f"{now:010d}~"))
        return [(str(item["PK"]), str(item["SK"])) for item in page.items]

    # ------------------------------------------------------------------ writes
    def save_writes(self, order: Order, previous: Order, events: Sequence[OutboxEvent]) -> list[Write]:
        """`order` in place of `previous` if nobody wrote it since it was read, and its events; the caller adds
        the stock it gives back."""
        return [put(order_item(order), condition="revision = :seen", values={":seen": previous.revision},
                    error=ORDER_CHANGED), *[outbox_write(e) for e in events]]

    def transact(self, writes: Sequence[Write]) -> None:
        self.table.transact(writes)

    # ------------------------------------------------------------------ the backfill migration
    def backfill_index_keys(self, item: Item) -> bool:
        """The list index keys a fresh write gives this order (`order_item`) that it lacks, set on the revision
        read; its due entry is left as it is. An order changed meanwhile was written whole since: it has them.
        False when it had them all."""
        order = self.from_item(item)
        if order is None:
            return False
        wanted = {**keys.order_index_keys(order.store_id, order.id, order.profile_id, order.created_at),
                  **keys.order_find_keys(order.store_id, order.id, order.created_at, order.status, order.email,
                                         order.number, order.session_id)}
        missing = {name: value for name, value in wanted.items() if item.get(name) != value}
        if not missing:
            return False
        write = set_fields(self.item_key(order.store_id, order.id), missing, condition="revision = :seen",
                           error=ORDER_CHANGED)
        write.values[":seen"] = order.revision
        try:
            self.table.write(write)
        except Conflict:
            return False
        return True
