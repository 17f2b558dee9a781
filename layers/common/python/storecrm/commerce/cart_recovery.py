"""Abandoned carts: an open cart with items and an email (an address's) that stays idle for the store's
`abandoned_cart_minutes` (default 4 hours) gets `abandoned_at` and one recovery mail (`recovery_sent_at`).

The cart item itself is its due item (see Cart.idle_check_at): every save moves the check to its new last
activity plus the shortest idle time a store may set, and a checkout (or the mark) takes it out. At the check the
store's own idle time decides: not yet, and the check moves to then; else the cart is marked on the condition of
the revision read (a shopper who came back meanwhile wins, and two overlapping runs cannot both mail), and its
recovery mail, from the store's active `cart-recovery` email template when it has one, goes to the outbox in the
same transaction (storecrm.messaging.store_mail).

Anyone may fill a cart with anyone's address, so besides one mail per cart an address gets at most one recovery
mail per store within store_mail.RECIPIENT_WINDOW (24 hours), and each counts against the store's daily quota.
A cart either rule stops is marked abandoned without a mail (`recovery_sent_at` stays null).

No List-Unsubscribe header: the mail is about one cart the recipient filled, not a list they are on; there is no
subscription to leave, and the rules above bound what one address receives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from storecrm.clock import now
from storecrm.kernel.errors import Conflict
from storecrm.messaging.template_rendering import MailContent

if TYPE_CHECKING:
    from storecrm.commerce.models.commerce import Cart
    from storecrm.commerce.repositories.carts import CartRepository
    from storecrm.kernel.repositories.due import DueEntry
    from storecrm.kernel.repositories.keys import Key
    from storecrm.messaging.models.email_templates import EmailTemplate
    from storecrm.messaging.store_mail import MailDecision, StoreMail
    from storecrm.stores.models.stores import Store
    from storecrm.stores.repositories.stores import StoreRepository

TEMPLATE_KEY = "cart-recovery"
# The recipient rule's scope: one recovery mail per address and store a day, whichever cart it is about.
RECIPIENT_SCOPE = "cart-recovery"
DEFAULT_MAIL = MailContent(
    subject={"en": "You left {{item_count}} item(s) in your cart at {{store_name}}"},
    body="<p>Your cart at {{store_name}} is waiting for you with {{item_count}} item(s).</p>", preheader=None)


class CartRecovery:
    def __init__(self, carts: CartRepository, stores: StoreRepository, mail: StoreMail) -> None:
        self.carts = carts
        self.stores = stores
        self.mail = mail

    def __call__(self, entries: Sequence[DueEntry]) -> tuple[int, int]:
        """A page of idle checks: the carts and their stores in one BatchGetItem, then one write each (for a cart
        found abandoned, a transaction with its recovery mail). Answers how many got a mail, and none left (a cart
        changed meanwhile has its check moved by that change)."""
        wanted: list[Key] = []
        for entry in entries:
            store_id, cart_id = entry.parts[0], entry.parts[1]
            wanted += [self.carts.item_key(store_id, cart_id), self.stores.item_key(store_id)]
        found = self.carts.load(wanted)
        mailed, at = 0, now()
        templates: dict[str, EmailTemplate | None] = {}
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
                if store_id not in templates:
                    templates[store_id] = self.mail.template(store_id, TEMPLATE_KEY)
                outcome = self._abandon(store, cart, templates[store_id], at)
            except Conflict:
                continue  # the shopper changed the cart meanwhile: that save moved its check
            mailed += outcome == "queued"
        return mailed, 0

    def _abandon(self, store: Store, cart: Cart, template: EmailTemplate | None, at: int) -> str:
        """The cart marked abandoned with its recovery mail in the outbox, in one transaction (without the mail when
        the store's quota or the address's rule stops it)."""
        assert cart.email
        mail = self.mail.compose(store, "cart_recovery", cart.email, template, DEFAULT_MAIL, {
            "item_count": str(cart.item_count), "email": cart.email, "store_name": store.key}, at,
            profile_id=cart.profile_id)

        def commit(decision: MailDecision) -> None:
            marked = cart.model_copy(update={"abandoned_at": at, "recovery_sent_at": at if decision.mailed else None,
                                             "revision": cart.revision + 1})
            self.carts.mark(marked, cart, also=decision.writes)

        _, outcome = self.mail.queue(store, mail, commit, once_per=RECIPIENT_SCOPE)
        return outcome
