"""Carts, the marker of each session's current cart per market, the orders checkout writes and the store's
order-number counter; all in the store partition (purged with the store). Every write that changes what a
profile's carts and orders say about it (profile_commerce) changes its facts item in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from storecrm.commerce.models.commerce import Cart
from storecrm.commerce.profile_commerce import open_cart_change
from storecrm.commerce.repositories.orders import order_item
from storecrm.commerce.repositories.profile_facts import PromoUse, facts_change
from storecrm.kernel.errors import Conflict, DomainError
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, outbox_write, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put, update

if TYPE_CHECKING:
    from storecrm.commerce.models.orders import Order

CART_CHANGED = Conflict("The cart changed meanwhile; read it again and retry", "CART.CONFLICT")

Position = dict[str, str]


class CartRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    # ------------------------------------------------------------------ keys and items
    @staticmethod
    def item_key(store_id: str, cart_id: str) -> keys.Key:
        return keys.cart(store_id, cart_id)

    @staticmethod
    def current_key(store_id: str, session_id: str, market: str) -> keys.Key:
        return keys.current_cart(store_id, session_id, market)

    @staticmethod
    def number_key(store_id: str) -> keys.Key:
        return keys.order_number(store_id)

    @staticmethod
    def from_item(item: Item | None) -> Cart | None:
        return from_item(Cart, item)

    @staticmethod
    def current_id(marker: Item | None) -> str | None:
        return str(marker["cart_id"]) if marker else None

    @staticmethod
    def last_number(counter: Item | None) -> int | None:
        return int(counter["last"]) if counter else None

    # ------------------------------------------------------------------ reads
    def load(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, Item]:
        """One BatchGetItem for what a cart call needs (the cart, the caller's session, products, ...)."""
        return self.table.get_many(wanted)

    def get(self, store_id: str, cart_id: str) -> Cart | None:
        return self.from_item(self.table.get(self.item_key(store_id, cart_id)))

    def list_page(self, store_id: str, profile_id: str | None, *, limit: int,
                  after: Position | None) -> tuple[list[Cart], Position | None]:
        """Newest first: one Query on the profile's carts (GSI1) or all the store's (GSI2)."""
        index, partition = (("GSI1", keys.carts_of(store_id, profile_id)) if profile_id
                            else ("GSI2", keys.carts_of(store_id, keys.ALL)))
        check_cursor(after, partition, index)
        page = self.table.query(partition, index=index, limit=limit, start_key=after, forward=False)
        carts = [c for item in page.items if (c := self.from_item(item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return carts, last

    def carts_of_profile(self, store_id: str, profile_id: str) -> list[Cart]:
        """Every cart of one profile (Queries of its list index, GSI1)."""
        items = self.table.query_all(keys.carts_of(store_id, profile_id), index="GSI1")
        return [c for item in items if (c := self.from_item(item)) is not None]

    # ------------------------------------------------------------------ writes
    def erase(self, carts: Sequence[Cart]) -> None:
        """Deletes carts with their sessions' current-cart markers (a profile's erasure; BatchWriteItem). A cart
        is its own idle-check due item, so its recovery mail goes with it."""
        doomed = [self.item_key(c.store_id, c.id) for c in carts]
        doomed += [self.current_key(c.store_id, c.session_id, c.market) for c in carts if c.session_id is not None]
        self.table.delete_many(list(dict.fromkeys(doomed)))

    def create(self, cart: Cart, *, current_for: str | None = None, taken: DomainError | None = None) -> None:
        """A new cart; with `current_for` (a session id) it becomes that session's current cart in its market,
        unless the session has one already (`taken`)."""
        writes = [put(_item(cart), unless_exists=Conflict("Cart id collision")), _new_cart_facts(cart)]
        if current_for is not None:
            pk, sk = self.current_key(cart.store_id, current_for, cart.market)
            writes.append(put({"PK": pk, "SK": sk, "entity": "CARTCURRENT", "cart_id": cart.id},
                              unless_exists=taken or Conflict("The session has a current cart")))
        self.table.transact(writes)

    def replace_current(self, cart: Cart, session_id: str, previous_id: str) -> None:
        """A new current cart for the session where the marker still names the converted one."""
        pk, sk = self.current_key(cart.store_id, session_id, cart.market)
        self.table.transact([
            put(_item(cart), unless_exists=Conflict("Cart id collision")),
            put({"PK": pk, "SK": sk, "entity": "CARTCURRENT", "cart_id": cart.id}, condition="cart_id = :previous",
                values={":previous": previous_id}, error=CART_CHANGED),
            _new_cart_facts(cart),
        ])

    def save(self, cart: Cart, previous: Cart, activities: Sequence[Write] = ()) -> None:
        """Writes `cart` if nobody wrote it since `previous` was read and it is still open; with its profile's
        open-cart count when the write fills or empties it (one PutItem otherwise), and the `activities` items
        (storecrm.profiles.activity_items.activity_items: the facts update sets their `has_activities`)."""
        writes = [put(_item(cart), condition="revision = :seen AND #status = :active", names={"#status": "status"},
                      values={":seen": previous.revision, ":active": "active"}, error=CART_CHANGED), *activities]
        change = open_cart_change(previous, cart)
        if change or activities:
            writes.append(facts_change(cart.store_id, cart.profile_id, open_carts=change,
                                       activities=bool(activities)))
        self.table.transact(writes)

    def number_claim(self, store_id: str, seen: int | None, taken: DomainError) -> Write:
        """Moves the counter from `seen` (what was read; None: no order yet) to the next value, inside the
        order's transaction, on the condition that nobody moved it since (else `taken`)."""
        if seen is None:
            return update(self.number_key(store_id), "SET #last = :next", condition="attribute_not_exists(PK)",
                          names={"#last": "last"}, values={":next": 1}, error=taken)
        return update(self.number_key(store_id), "SET #last = :next", condition="#last = :seen",
                      names={"#last": "last"}, values={":next": seen + 1, ":seen": seen}, error=taken)

    def reserve_number(self, store_id: str) -> int:
        """The counter's next value by an atomic ADD, for a checkout that lost the race for the one it read."""
        return self.table.increment(self.number_key(store_id), "last")

    def checkout_writes(self, order: Order, cart: Cart, converted: Cart, events: Sequence[OutboxEvent],
                        promo: PromoUse | None = None, activities: Sequence[Write] = ()) -> list[Write]:
        """The order, the converted cart (its session's current marker goes) and the events, the profile's use
        of the order's promo code (`promo`) on its facts and the `activities` items (their `has_activities` set in
        the same facts update); the caller adds the number, stock and code writes."""
        writes = [
            # The order's id comes from the cart's revision: another checkout of it got there first.
            put(order_item(order), unless_exists=CART_CHANGED),
            put(_item(converted), condition="revision = :seen AND #status = :active", names={"#status": "status"},
                values={":seen": cart.revision, ":active": "active"}, error=CART_CHANGED),
            facts_change(order.store_id, order.profile_id, open_carts=open_cart_change(cart, converted), orders=True,
                         promo=promo, activities=bool(activities)),
            *activities,
        ]
        if cart.session_id is not None:
            writes.append(delete(self.current_key(cart.store_id, cart.session_id, cart.market),
                                 condition="attribute_not_exists(PK) OR cart_id = :cart", values={":cart": cart.id}))
        return [*writes, *[outbox_write(e) for e in events]]

    def transact(self, writes: Sequence[Write]) -> None:
        self.table.transact(writes)

    def recheck_at(self, cart: Cart, at: int) -> None:
        """Moves the cart's idle check to `at` (the store's own idle time), if the cart is as it was read."""
        due = keys.minute_due_attributes(at, f"{IDLE_CART_KIND}#{cart.store_id}#{cart.id}")
        self.table.write(update(self.item_key(cart.store_id, cart.id), "SET DUEPK = :pk, DUESK = :sk",
                                condition="revision = :seen",
                                values={":seen": cart.revision, ":pk": due["DUEPK"], ":sk": due["DUESK"]},
                                error=CART_CHANGED))

    def mark(self, cart: Cart, previous: Cart, also: Sequence[Write] = ()) -> None:
        """Writes `cart` (found abandoned, or nothing left to check) if nobody wrote it since `previous`, in one
        transaction with `also` (its recovery mail)."""
        self.table.transact([put(_item(cart), condition="revision = :seen", values={":seen": previous.revision},
                                 error=CART_CHANGED), *also])


def _new_cart_facts(cart: Cart) -> Write:
    return facts_change(cart.store_id, cart.profile_id, open_carts=open_cart_change(None, cart), carts=True)


def _item(cart: Cart) -> Item:
    """The cart with its list indexes, and in the DueIndex while it may be abandoned (a put without the
    attributes, after a checkout or the recovery mail, takes it out)."""
    check_at = cart.idle_check_at
    return to_item(cart, keys.cart(cart.store_id, cart.id), "CART",
                   **keys.cart_index_keys(cart.store_id, cart.id, cart.profile_id, cart.created_at),
                   **(keys.minute_due_attributes(check_at, f"{IDLE_CART_KIND}#{cart.store_id}#{cart.id}")
                      if check_at is not None else {}))


IDLE_CART_KIND = "CART"

