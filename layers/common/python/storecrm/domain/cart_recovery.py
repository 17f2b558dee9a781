"""Abandoned carts: an open cart with items and an email (an address's) that stays idle for the store's
`abandoned_cart_minutes` (default 4 hours) gets `abandoned_at` and one recovery mail (`recovery_sent_at`).

The cart item itself is its due item (see Cart.idle_check_at): every save moves the check to its new last
activity plus the shortest idle time a store may set, and a checkout (or the mail) takes it out. At the check the
store's own idle time decides: not yet, and the check moves to then; else the cart is marked on the condition of
the revision read (a shopper who came back meanwhile wins, and two overlapping runs cannot both mail), then
mailed, from the store's active `cart-recovery` email template when it has one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from storecrm.clock import now
from storecrm.domain.errors import Conflict, DomainError
from storecrm.domain.template_rendering import MailContent

if TYPE_CHECKING:
    from storecrm.domain.models.commerce import Cart
    from storecrm.domain.models.stores import Store
    from storecrm.domain.store_mail import StoreMail
    from storecrm.repositories.carts import CartRepository
    from storecrm.repositories.due import DueEntry
    from storecrm.repositories.keys import Key
    from storecrm.repositories.stores import StoreRepository

log = logging.getLogger(__name__)

TEMPLATE_KEY = "cart-recovery"
DEFAULT_MAIL = MailContent(
    subject={"en": "You left {{item_count}} item(s) in your cart at {{store_name}}"},
    body="<p>Your cart at {{store_name}} is waiting for you with {{item_count}} item(s).</p>", preheader=None)


class CartRecovery:
    def __init__(self, carts: CartRepository, stores: StoreRepository, mail: StoreMail) -> None:
        self.carts = carts
        self.stores = stores
        self.mail = mail

    def __call__(self, entries: Sequence[DueEntry]) -> tuple[int, int]:
        """A page of idle checks: the carts and their stores in one BatchGetItem, then one write each (and a mail
        for each cart found abandoned). Answers how many were mailed, and none left (a cart changed meanwhile
        has its check moved by that change)."""
        wanted: list[Key] = []
        for entry in entries:
            store_id, cart_id = entry.parts[0], entry.parts[1]
            wanted += [self.carts.item_key(store_id, cart_id), self.stores.item_key(store_id)]
        found = self.carts.load(wanted)
        mailed, at = 0, now()
        for entry in entries:
            store_id, cart_id = entry.parts[0], entry.parts[1]
            cart = self.carts.from_item(found.get(self.carts.item_key(store_id, cart_id)))
            store = self.stores.from_item(found.get(self.stores.item_key(store_id)))
            if cart is None or store is None:
                continue  # the store was deleted: its purge removes the cart
            try:
                if cart.idle_check_at is None:
                    self.carts.mark(cart.model_copy(update={"revision": cart.revision + 1}), cart)
                    continue
                idle_until = cart.last_activity_at + store.abandoned_cart_minutes * 60
                if at < idle_until:
                    self.carts.recheck_at(cart, idle_until)
                    continue
                marked = cart.model_copy(update={"abandoned_at": at, "recovery_sent_at": at,
                                                 "revision": cart.revision + 1})
                self.carts.mark(marked, cart)
            except Conflict:
                continue  # the shopper changed the cart meanwhile: that save moved its check
            mailed += 1
            self._mail(store, marked)
        return mailed, 0

    def _mail(self, store: Store, cart: Cart) -> None:
        assert cart.email
        try:
            self.mail.send(store, cart.email, self.mail.template(store.id, TEMPLATE_KEY), DEFAULT_MAIL, {
                "item_count": str(cart.item_count), "email": cart.email, "store_name": store.key})
        except DomainError:
            # Recorded as sent already: trying again could mail twice, so it is only logged.
            log.exception("The recovery mail of cart %s could not be sent", cart.id)
