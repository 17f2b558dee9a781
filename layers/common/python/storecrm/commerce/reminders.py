"""Order reminders (seed 002's `order.reminder`): a booked service line's provider lists offsets (seconds before
the booking starts); checkout writes a due item per offset in the order's transaction, and the every-minute
scheduler fires each once it is due.

Firing is one transaction: the due item removed on the condition that it is still there, the offset added to the
order's `fired_reminders` on the condition of the revision read, `order.reminder` in the outbox, and the
customer's mail in the mail outbox (in the store's language, from the store's `order-reminder` email template when
it has an active one, else a plain default; storecrm.messaging.store_mail). Two runs that overlap cannot both fire it
(one finds the item gone), a run that stops half way leaves the rest due, and the mail goes out exactly when the
reminder fired (the mail function sends it once). The mail counts against the store's daily quota; over it the
reminder fires without a mail. One mail per reminder is the per-recipient rule: the offsets are the provider's
(at most bookings.MAX_REMINDERS per line), and each booked line takes a slot of the store's calendar.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from storecrm.clock import now
from storecrm.commerce.models.orders import HistoryEntry, Order, ServiceOrderItem
from storecrm.commerce.order_events import order_data
from storecrm.kernel.errors import Conflict, TransactionConflict
from storecrm.kernel.models.events import OutboxEvent
from storecrm.messaging.template_rendering import MailContent

if TYPE_CHECKING:
    from storecrm.bookings.repositories.bookings import BookingLedger
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.kernel.repositories.due import DueEntry
    from storecrm.kernel.repositories.keys import Key
    from storecrm.messaging.models.email_templates import EmailTemplate
    from storecrm.messaging.models.mail import OutboxMail
    from storecrm.messaging.store_mail import MailDecision, StoreMail
    from storecrm.stores.models.stores import Store
    from storecrm.stores.repositories.stores import StoreRepository

TEMPLATE_KEY = "order-reminder"
DEFAULT_MAIL = MailContent(
    subject={"en": "Reminder: {{service_key}} at {{starts_at}}"},
    body="<p>This is a reminder of your booking of {{service_key}} with {{provider_key}}, starting at "
         "{{starts_at}} ({{timezone}}).</p><p>Order {{order_number}}</p>",
    preheader=None)


class ReminderGone(Conflict):
    """Another scheduler run fired (or dropped) the reminder first."""

    def __init__(self) -> None:
        super().__init__("The reminder was handled already", "ORDER.REMINDER_GONE")


class OrderReminders:
    def __init__(self, orders: OrderRepository, ledger: BookingLedger, stores: StoreRepository,
                 mail: StoreMail) -> None:
        self.orders = orders
        self.ledger = ledger
        self.stores = stores
        self.mail = mail

    def __call__(self, entries: Sequence[DueEntry]) -> tuple[int, int]:
        """Fires a page of due reminders: their orders and stores in one BatchGetItem, then a transaction (and a
        mail in it) each. Answers how many fired and how many are left (their order changed meanwhile)."""
        wanted: list[Key] = []
        for entry in entries:
            store_id, order_id, _, _ = _parts(entry)
            wanted += [self.orders.item_key(store_id, order_id), self.stores.item_key(store_id)]
        found = self.orders.load(wanted)
        orders: dict[str, Order] = {}
        fired = left = 0
        templates: dict[str, EmailTemplate | None] = {}
        for entry in entries:
            store_id, order_id, line_id, offset = _parts(entry)
            order = orders.get(order_id) or self.orders.from_item(found.get(self.orders.item_key(store_id, order_id)))
            line = _booked_line(order, line_id) if order is not None else None
            if order is None or line is None or offset not in line.reminders:
                self.ledger.dismiss(entry.key)  # cancelled or gone: nothing to remind of
                continue
            store = self.stores.from_item(found.get(self.stores.item_key(store_id)))
            mail = None
            if store is not None and order.email:
                if store_id not in templates:
                    templates[store_id] = self.mail.template(store_id, TEMPLATE_KEY)
                mail = self._mail(store, order, line, templates[store_id])
            try:
                orders[order_id] = self._fire(entry, order, line, offset, store, mail)
            except ReminderGone:
                continue
            except (TransactionConflict, Conflict):
                left += 1  # the order changed meanwhile: the next run tries again
                continue
            fired += 1
        return fired, left

    def _fire(self, entry: DueEntry, order: Order, line: ServiceOrderItem, offset: int, store: Store | None,
              mail: OutboxMail | None) -> Order:
        at = now()
        saved = order.model_copy(update={
            "fired_reminders": [*order.fired_reminders, offset] if offset not in order.fired_reminders
            else order.fired_reminders,
            "history": [*order.history, HistoryEntry(action="reminder", reason=str(offset), timestamp=at)],
            "revision": order.revision + 1, "updated_at": at})
        event = OutboxEvent.new("order.reminder", order.store_id, {
            "order": order_data(saved), "line_id": line.id, "offset": offset, "starts_at": line.from_})

        def commit(decision: MailDecision | None) -> None:
            self.ledger.transact([self.ledger.reminder_taken(entry.key, ReminderGone()),
                                  *self.orders.save_writes(saved, order, [event]),
                                  *(decision.writes if decision else [])])

        if store is None or mail is None:
            commit(None)
        else:
            self.mail.queue(store, mail, commit)
        return saved

    def _mail(self, store: Store, order: Order, line: ServiceOrderItem, template: EmailTemplate | None) -> OutboxMail:
        assert order.email
        zone = ZoneInfo(store.timezone)
        return self.mail.compose(store, "order_reminder", order.email, template, DEFAULT_MAIL, {
            "service_key": line.snapshot.service_key, "provider_key": line.snapshot.provider_key,
            "starts_at": datetime.fromtimestamp(line.from_, zone).strftime("%Y-%m-%d %H:%M"),
            "timezone": store.timezone, "order_number": order.number, "email": order.email,
            "store_name": store.key}, now(), profile_id=order.profile_id)


def _parts(entry: DueEntry) -> tuple[str, str, str, int]:
    """store id, order id, line id (which may hold '#'), offset."""
    parts = entry.parts
    return parts[0], parts[1], "#".join(parts[2:-1]), int(parts[-1])


def _booked_line(order: Order, line_id: str) -> ServiceOrderItem | None:
    return next((i for i in order.booked_items if i.id == line_id), None)
