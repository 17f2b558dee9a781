"""Orders after checkout (arky-sdk 0.9.1 admin `getOrders`/`getOrder`/`updateOrder`, storefront `eshop.order`):
staff find, read, confirm, cancel and re-address them; a shopper reads the orders its own session placed (the
cart rule: any other caller, another session of the same profile included, gets the 404 of an order that does not
exist); the scheduler gives an unpaid card order's stock back when its payment hold ends.

Every change writes the whole order on the condition of the revision read, with `order.updated` (naming the
reason) in the same transaction; a cancellation gives the reserved units back in that transaction too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, StrictBool

from storecrm.bookings.availability import cells, free, slot_problem
from storecrm.catalog.models.products import Product
from storecrm.clock import now
from storecrm.commerce.models.commerce import Address
from storecrm.commerce.models.orders import (
    CancellationReason,
    CancelledStatus,
    ConfirmedStatus,
    HistoryEntry,
    Order,
    OrderLine,
    OrderStatus,
    PendingStatus,
)
from storecrm.commerce.order_events import order_event
from storecrm.commerce.order_line_changes import check_items_unchanged
from storecrm.commerce.shoppers import live_session, shopper_session_id
from storecrm.identity.auth import Principal
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Conflict, DomainError, NotFound, ValidationFailed
from storecrm.kernel.fields import Command, WholeNumber
from storecrm.kernel.models.address_input import AddressIn
from storecrm.stores.access import StoreAccess, StoreGuard
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from collections.abc import Callable

    from storecrm.bookings.repositories.bookings import BookingLedger
    from storecrm.catalog.repositories.products import ProductRepository, StockTake
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.kernel.jobs import Jobs
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item, Write

    # (the order before and after a change, the time) -> the order with its promo code's use given back, and the
    # writes doing that.
    PromoReturnsCall = Callable[[Order, Order, int], tuple[Order, list[Write]]]

ORDER_NOT_FOUND = NotFound("Order not found", "ORDER.NOT_FOUND")
STOCK_CHANGED = Conflict("The stock held for the order changed meanwhile; try again", "ORDER.STOCK_CHANGED")
# A booking's cells go into one transaction: no booking is longer than this (bookings.MAX_BOOKING_MINUTES).
MAX_BOOKING_SECONDS = 6 * 3600
# Holds released per scheduler run (two BatchGetItem and one transaction per order released).
HOLDS_PER_RUN = 25

Id = Annotated[str, Field(min_length=1, max_length=64)]
# A line's state (its `status.status`), as the client's item_statuses filter names it.
ItemStatusName = Literal["pending", "confirmed", "cancelled"]


# ---------------------------------------------------------------- commands
class OrderQuery(Command):
    """The client's GetOrdersParams. `query` is an order number (`#1001` or `1001`) or an email."""

    profile_id: Id | None = None
    statuses: list[OrderStatus] | None = Field(default=None, max_length=5)
    product_ids: list[Id] | None = Field(default=None, max_length=50)
    item_statuses: list[ItemStatusName] | None = Field(default=None, max_length=3,
                                                       description="Orders with a line in one of these states")
    verified: StrictBool | None = None
    audience_id: Id | None = Field(default=None, description="Orders placed at this audience's prices")
    query: Annotated[str, Field(max_length=254)] | None = None
    created_at_from: int | None = Field(default=None, ge=0)
    created_at_to: int | None = Field(default=None, ge=0)
    sort_field: Literal["created_at"] = "created_at"
    sort_direction: Literal["asc", "desc"] = "desc"
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None

    def list_by(self) -> tuple[str, str | None]:
        """The index filter this find reads (the most selective one given); the others filter the page."""
        if self.query:
            if "@" in self.query:
                return "email", self.query.lower()
            return "number", f"#{self.query.lstrip('#')}"
        if self.profile_id:
            return "profile_id", self.profile_id
        if self.statuses and len(set(self.statuses)) == 1:
            return "status", self.statuses[0]
        return "all", None

    def created(self) -> tuple[int, int] | None:
        if self.created_at_from is None and self.created_at_to is None:
            return None
        low, high = self.created_at_from or 0, self.created_at_to if self.created_at_to is not None else 10**10 - 1
        if low > high:
            raise ValidationFailed.on("created_at_to", "is before created_at_from")
        return low, high

    def matches(self, order: Order) -> bool:
        return ((not self.profile_id or order.profile_id == self.profile_id)
                and (not self.statuses or order.status in self.statuses)
                and (not self.product_ids or any(i.product_id in self.product_ids for i in order.product_items))
                and (not self.item_statuses or any(i.status.status in self.item_statuses for i in order.items))
                and (self.verified is None or order.verified == self.verified)
                and (self.audience_id is None or order.audience_id == self.audience_id))


class PaymentChange(Command):
    """The client sends the whole OrderPayment back; only `paid` changes, and only for a cash order (the cash
    the store took); a card order's payment comes from Stripe's events."""

    paid: WholeNumber = Field(ge=0)


class MoveIn(Command):
    """A booked service line's new time (Unix seconds)."""

    model_config = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True, validate_by_name=True,
                              validate_by_alias=True)
    id: Id = Field(description="The line's id")
    from_: WholeNumber = Field(alias="from", ge=0, le=10**10)
    to: WholeNumber = Field(ge=0, le=10**10)


class OrderChanges(Command):
    """The client's UpdateOrderParams."""

    id: Id | None = Field(default=None, description="May repeat the path's order id")
    store_id: str | None = Field(default=None, max_length=64)
    confirm: StrictBool | None = None
    cancel: StrictBool | None = None
    shipping_address: AddressIn | None = None
    billing_address: AddressIn | None = None
    forms: list[dict[str, Any]] | None = Field(default=None, max_length=20)
    items: list[dict[str, Any]] | None = Field(default=None, max_length=100, description="Taken only when it lists "
                                               "the order's lines (its own, or those not cancelled); other lines "
                                               "are a 409 naming cancel_items, move_items and refunds")
    cancel_items: list[Id] | None = Field(default=None, max_length=100, description="Lines to cancel (their ids): "
                                          "their stock goes back, their booked time is freed and their reminders "
                                          "dropped; the order is partially_cancelled, or cancelled with its last")
    move_items: list[MoveIn] | None = Field(default=None, max_length=10, description="Booked service lines to move "
                                            "to another free slot of their provider's terms; their reminders move "
                                            "with them")
    payment: PaymentChange | None = None
    revision: WholeNumber | None = Field(default=None, description="The revision read; a stale one is a 409")


class _FindPosition(Model):
    model_config = {"extra": "forbid"}
    list_by: str
    value: str | None
    direction: str
    key: dict[str, str]


class OrderService:
    def __init__(self, orders: OrderRepository, products: ProductRepository, sessions: SessionRepository,
                 guard: StoreGuard, ledger: BookingLedger, payment_ended: Callable[[Order], bool],
                 promo_returns: PromoReturnsCall | None = None) -> None:
        self.orders = orders
        self.products = products
        self.sessions = sessions
        self.guard = guard
        self.ledger = ledger
        # For an unpaid order whose hold ended: True once its payment can no longer succeed (its PaymentIntent
        # cancelled at Stripe), False when it succeeded or is still being processed (its payment decides).
        self.payment_ended = payment_ended
        # A cancelled or fully refunded order's use of its promo code given back (storecrm.commerce.promo_codes).
        self.promo_returns = promo_returns

    def promo_returned(self, before: Order, after: Order, at: int) -> tuple[Order, list[Write]]:
        """`after` with its promo code's use given back when the change owes that, and the writes doing it (for
        the change's own transaction)."""
        return self.promo_returns(before, after, at) if self.promo_returns is not None else (after, [])

    # ------------------------------------------------------------------ staff
    def find(self, principal: Principal, store_id: str, q: OrderQuery) -> tuple[list[Order], str | None]:
        """Two calls: the store access, then one Query of the index `OrderQuery.list_by` picks; filters without
        an index of their own thin the page read, so a page may hold fewer than `limit` while the cursor goes
        on."""
        self.guard.enter(principal, store_id, Action.MANAGE_ORDERS)
        return self._page(store_id, q, *q.list_by())

    def get(self, principal: Principal, store_id: str, order_id: str) -> Order:
        """One BatchGetItem: the store, the membership and the order."""
        return self._reach(principal, store_id, order_id)[1]

    def _reach(self, principal: Principal, store_id: str, order_id: str) -> tuple[StoreAccess, Order]:
        key = self.orders.item_key(store_id, order_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_ORDERS, extra=[key])
        order = self.orders.from_item(access.view.extras.get(key))
        if order is None or order.store_id != store_id:
            raise ORDER_NOT_FOUND
        return access, order

    def update(self, principal: Principal, store_id: str, order_id: str, changes: OrderChanges) -> Order:
        """The order with the access check, then (to cancel) its products, then one transaction."""
        if changes.id is not None and changes.id != order_id:
            raise ValidationFailed.on("id", "does not match the order id in the path")
        if changes.confirm and changes.cancel:
            raise ValidationFailed.on("cancel", "an order is confirmed or cancelled, not both")
        if changes.cancel and changes.cancel_items:
            raise ValidationFailed.on("cancel_items", "cancel the order, or some of its lines, not both")
        if changes.move_items and (changes.cancel or changes.cancel_items):
            raise ValidationFailed.on("move_items", "move lines, or cancel, in separate changes")
        access, order = self._reach(principal, store_id, order_id)
        if changes.revision is not None and changes.revision != order.revision:
            raise Conflict("The order changed since that revision; read it again", "ORDER.CONFLICT")
        if changes.items is not None:
            check_items_unchanged(order, changes.items)
        at = now()
        changed, history, reasons = self._changed(order, changes), [], []
        if changes.confirm:
            if order.status == "cancelled":
                raise Conflict("A cancelled order cannot be confirmed", "ORDER.CANCELLED")
            if order.status != "confirmed":
                changed = confirmed(changed)
                history.append(HistoryEntry(action="confirmed", timestamp=at))
                reasons.append("confirmed")
        if changes.cancel:
            if order.status == "cancelled":
                raise Conflict("The order is cancelled already", "ORDER.CANCELLED")
            changed = cancelled(changed, "admin_rejected")
            history.append(HistoryEntry(action="cancelled", reason="admin_rejected", timestamp=at))
            reasons.append("cancelled")
        leaving = self._leaving(order, changes.cancel_items or [])
        if leaving:
            changed = lines_cancelled(changed, {i.id for i in leaving}, "admin_rejected")
            history.append(HistoryEntry(action="items_cancelled", reason=",".join(i.id for i in leaving),
                                        timestamp=at))
            reasons.append("items_cancelled")
        moves: list[Write] = []
        if changes.move_items:
            changed, moves = self._moved(changed, changes.move_items, access.store.timezone, at)
            history.append(HistoryEntry(action="items_moved", reason=",".join(m.id for m in changes.move_items),
                                        timestamp=at))
            reasons.append("items_moved")
        if changed == order:
            return order
        if changed.payment != order.payment:
            history.append(HistoryEntry(action="paid", timestamp=at))
            reasons.append("paid")
        if not reasons:
            reasons.append("updated")
        saved = changed.model_copy(update={"history": [*changed.history, *history], "revision": order.revision + 1,
                                           "updated_at": at})
        saved, returned = self.promo_returned(order, saved, at)
        writes = self.orders.save_writes(saved, order, [order_event("order.updated", saved, ",".join(reasons))])
        writes += returned
        if changes.cancel or leaving:
            # What the cancelled lines held goes back: all of the order's, or the lines cancelled now.
            held = order if changes.cancel else order.model_copy(update={"items": leaving})
            writes += self.stock_back(held, self._products([held])) + self.time_back(held)
        self.orders.transact([*writes, *moves])
        return saved

    def _moved(self, order: Order, moves: Sequence[MoveIn], timezone: str,
               at: int) -> tuple[Order, list[Write]]:
        """The lines at their new times, checked against their terms and the provider's booked time (one read of
        both), and the writes that move their cells and reminders: cells only the old time covers are freed,
        cells only the new one covers are taken (only if free), and each reminder's due item is rewritten (or
        dropped when its time has passed)."""
        lines = {i.id: i for i in order.booked_items}
        for n, move in enumerate(moves):
            if move.id not in lines:
                raise ValidationFailed.on(f"move_items.{n}.id", "no booked service line with this id in this order")
            if [m.id for m in moves].count(move.id) > 1:
                raise ValidationFailed.on(f"move_items.{n}.id", "a line is moved twice")
        wanted: list[Key] = []
        for move in moves:
            line = lines[move.id]
            wanted.append(self.ledger.terms_key(order.store_id, line.service_id, line.provider_id))
            if 0 < move.to - move.from_ <= MAX_BOOKING_SECONDS:
                wanted += [self.ledger.cell_key(order.store_id, line.provider_id, cell)
                           for cell in cells(move.from_, move.to)]
        found = self.ledger.load(wanted)
        taken = self.ledger.cells_of_others(found, order.id)
        zone, writes, items = ZoneInfo(timezone), [], {i.id: i for i in order.items}
        for n, move in enumerate(moves):
            line = lines[move.id]
            terms = self.ledger.terms_from(found.get(self.ledger.terms_key(order.store_id, line.service_id,
                                                                           line.provider_id)))
            if terms is None:
                raise ValidationFailed.on(f"move_items.{n}.id", "its provider no longer performs this service")
            problem = slot_problem(terms, move.from_, move.to, at, zone)
            if problem is not None:
                raise ValidationFailed.on(f"move_items.{n}.from", problem)
            if not free(move.from_, move.to, taken.get(line.provider_id, set())):
                raise Conflict("That time is booked by another order", "ORDER.SLOT_UNAVAILABLE")
            old, new = set(cells(line.from_, line.to)), set(cells(move.from_, move.to))
            writes += self.ledger.released_writes(order.store_id, order.id, [(line.provider_id, sorted(old - new))])
            writes += self.ledger.booked_writes(order.store_id, order.id, [(line.id, line.provider_id,
                                                                            sorted(new - old))],
                                                lambda _: Conflict("That time is booked by another order",
                                                                   "ORDER.SLOT_UNAVAILABLE"))
            writes += self.ledger.reminder_writes(order.store_id, order.id, [
                (line.id, offset, move.from_ - offset) for offset in line.reminders if move.from_ - offset > at])
            writes += self.ledger.reminders_dropped(order.store_id, order.id, [
                (line.id, offset) for offset in line.reminders if move.from_ - offset <= at])
            items[line.id] = line.model_copy(update={"from_": move.from_, "to": move.to})
        return order.model_copy(update={"items": list(items.values())}), writes

    @staticmethod
    def _leaving(order: Order, line_ids: Sequence[str]) -> list[OrderLine]:
        """The lines `line_ids` names that are not cancelled yet; an id of no line is a 400 naming it."""
        known = {i.id for i in order.items}
        for n, line_id in enumerate(line_ids):
            if line_id not in known:
                raise ValidationFailed.on(f"cancel_items.{n}", "no line with this id in this order")
        if line_ids and order.status == "cancelled":
            raise Conflict("The order is cancelled already", "ORDER.CANCELLED")
        return [i for i in order.items if i.id in line_ids and not isinstance(i.status, CancelledStatus)]

    @staticmethod
    def _changed(order: Order, changes: OrderChanges) -> Order:
        values: dict[str, Any] = {}
        for name in ("shipping_address", "billing_address"):
            if name in changes.model_fields_set:
                value = getattr(changes, name)
                values[name] = Address(**value.model_dump()) if value is not None else None
        if changes.forms is not None:
            values["forms"] = changes.forms
        if changes.payment is not None and changes.payment.paid != order.payment.paid:
            if order.payment.method_type != "cash":
                raise ValidationFailed.on("payment.paid", "a card order's payment is recorded from Stripe's events")
            if not order.refunded <= changes.payment.paid <= order.payment.total:
                raise ValidationFailed.on("payment.paid", f"must be between the refunded {order.refunded} and "
                                                          f"the total {order.payment.total}")
            values["payment"] = order.payment.model_copy(update={"paid": changes.payment.paid})
        return order.model_copy(update=values)

    # ------------------------------------------------------------------ storefront
    def own_order(self, store_id: str, caller: Principal, order_id: str) -> Order:
        """One BatchGetItem: the order and the caller's session; an order another session placed is a 404."""
        session_id = shopper_session_id(caller, store_id)
        key = self.orders.item_key(store_id, order_id)
        found = self.orders.load([key, self.sessions.item_key(session_id)])
        session = live_session(self.sessions.from_item(found.get(self.sessions.item_key(session_id))), caller,
                               store_id)
        order = self.orders.from_item(found.get(key))
        if order is None or order.store_id != store_id or order.session_id != session.id:
            raise ORDER_NOT_FOUND
        return order

    def own_orders(self, store_id: str, caller: Principal, q: OrderQuery) -> tuple[list[Order], str | None]:
        """Two calls: the session, then one Query of its own orders (`query`, `profile_id` and the other
        filters thin that page)."""
        session_id = shopper_session_id(caller, store_id)
        live_session(self.sessions.from_item(self.orders.load([self.sessions.item_key(session_id)]).get(
            self.sessions.item_key(session_id))), caller, store_id)
        orders, cursor = self._page(store_id, q, "session_id", session_id)
        if q.query:
            number, email = f"#{q.query.lstrip('#')}", q.query.lower()
            orders = [o for o in orders if o.number == number or o.email == email]
        return orders, cursor

    # ------------------------------------------------------------------ scheduler
    def release_due_holds(self) -> Jobs:
        """Unpaid card orders whose payment hold has ended are cancelled (`expired`) and their stock goes back
        on sale: one Query of the DueIndex, the orders and their products in two BatchGetItem, then per order (a job
        each, see storecrm.kernel.jobs) its PaymentIntent cancelled at Stripe (with the key of the integration that
        made it) and one transaction. The intent goes first, so no payment can succeed on the released order; one
        Stripe has taken or is taking the payment of keeps its order (its payment decides), and one Stripe cannot be
        reached for is tried again on the next run. An order paid or changed meanwhile is left alone."""
        at = now()
        found = self.orders.load(self.orders.due_holds(at, HOLDS_PER_RUN))
        due = [o for item in found.values() if (o := self.orders.from_item(item)) is not None
               and o.hold_until is not None and o.hold_until <= at]
        products = self._products(due)
        for order in due:
            yield self.orders.item_key(order.store_id, order.id)
            try:
                if not self.payment_ended(order):
                    continue
            except DomainError:
                continue  # Stripe unreachable, or the order changed meanwhile: the next run tries again
            saved = cancelled(order, "expired").model_copy(update={
                "history": [*order.history, HistoryEntry(action="cancelled", reason="payment_hold_expired",
                                                         timestamp=at)],
                "revision": order.revision + 1, "updated_at": at})
            saved, returned = self.promo_returned(order, saved, at)
            writes = [*self.orders.save_writes(saved, order, [order_event("order.updated", saved,
                                                                          "payment_hold_expired")]), *returned]
            try:
                self.orders.transact([*writes, *self.stock_back(order, products), *self.time_back(order)])
            except Conflict:
                continue

    # ------------------------------------------------------------------ helpers
    def _page(self, store_id: str, q: OrderQuery, list_by: str, value: str | None) -> tuple[list[Order], str | None]:
        start = cursors.decode(q.cursor, _FindPosition)
        if start is not None and (start.list_by, start.value, start.direction) != (list_by, value, q.sort_direction):
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        page, last = self.orders.list_page(store_id, list_by, value, created=q.created(),
                                           forward=q.sort_direction == "asc", limit=q.limit,
                                           after=start.key if start else None)
        cursor = cursors.encode(_FindPosition(list_by=list_by, value=value, direction=q.sort_direction,
                                              key=last)) if last else None
        return [o for o in page if q.matches(o)], cursor

    def _products(self, orders: Sequence[Order]) -> dict[str, Product]:
        """The products the orders' held lines are of, in one BatchGetItem."""
        wanted: list[Key] = [self.products.item_key(o.store_id, i.product_id) for o in orders for i in o.product_items
                             if not isinstance(i.status, CancelledStatus)]
        found: dict[Key, Item] = self.products.load(wanted) if wanted else {}
        return {p.id: p for item in found.values() if (p := self.products.from_item(item)) is not None}

    def stock_back(self, order: Order, products: dict[str, Product]) -> list[Write]:
        """Writes giving back the units the order's held lines reserved (per product, one update). A product,
        variant or location removed from the catalog since has no stock to give back to."""
        returns: dict[str, list[StockTake]] = defaultdict(list)
        # Reserved units per (product, variant, location): staff may have corrected a count since the checkout,
        # so no more than it holds goes back.
        held = {(p.id, v.id, s.location_id): s.reserved for p in products.values() for v in p.variants
                for s in v.inventory}
        shipped = order.shipped()  # units that left in a shipment hold nothing any more
        for item in order.product_items:
            product = products.get(item.product_id)
            if isinstance(item.status, CancelledStatus) or item.location_id is None or product is None \
                    or product.store_id != order.store_id:
                continue
            where = (product.id, item.variant_id, item.location_id)
            units = min(held.get(where, 0), item.quantity - shipped.get(item.id, 0))
            if units > 0:
                held[where] -= units
                returns[product.id].append((item.variant_id, item.location_id, units))
        return [self.products.stock_returned(products[pid], lines, STOCK_CHANGED) for pid, lines in returns.items()]

    def time_back(self, order: Order) -> list[Write]:
        """Writes freeing the provider time the order's booked service lines hold and dropping their reminders
        (for its cancellation)."""
        booked = order.booked_items
        return [*self.ledger.released_writes(order.store_id, order.id, [(i.provider_id, cells(i.from_, i.to))
                                                                         for i in booked]),
                *self.ledger.reminders_dropped(order.store_id, order.id, [(i.id, offset) for i in booked
                                                                          for offset in i.reminders])]


def confirmed(order: Order) -> Order:
    """Status confirmed; its waiting lines confirmed (cancelled ones stay cancelled)."""
    return order.model_copy(update={"status": "confirmed", "items": [
        i.model_copy(update={"status": ConfirmedStatus()}) if isinstance(i.status, PendingStatus) else i
        for i in order.items]})


def lines_cancelled(order: Order, line_ids: set[str], reason: CancellationReason) -> Order:
    """The lines cancelled; the order cancelled with its last line, else partially cancelled."""
    items = [i.model_copy(update={"status": CancelledStatus(reason=reason)}) if i.id in line_ids else i
             for i in order.items]
    left = any(not isinstance(i.status, CancelledStatus) for i in items)
    return order.model_copy(update={"items": items, "status": "partially_cancelled" if left else "cancelled"})


def cancelled(order: Order, reason: CancellationReason) -> Order:
    return order.model_copy(update={"status": "cancelled", "items": [
        i if isinstance(i.status, CancelledStatus) else i.model_copy(update={"status": CancelledStatus(reason=reason)})
        for i in order.items]})
