"""Carts (arky-sdk 0.9.1 `eshop.cart` and the admin cart calls), their quotes, and checkout into an order.

A storefront cart belongs to the profile session that made it: only that session reads or changes it (any
other caller, another session of the same profile included, gets the 404 of a cart that does not exist). Each
session has one open (current) cart per market, made on its first `current` call. Staff find, read and make
carts for a profile of their store, and change, quote and check out any cart of it: the same operations as the
shopper's, reached through the store's orders right instead of the session (`_reach`); a cart staff make
belongs to no session, nor does the order staff check out.

Checkout re-prices the cart and, in ONE transaction, writes the order with the store's next order number,
moves the sold units from `available` to `reserved` on the condition that they are still there, converts the
cart and writes `order.created`. A line that ran out makes it a 409 naming the line, and nothing is written.
A cart's promo code is read with its market and products and applied in every quote (storecrm.commerce.discounts);
checkout counts its use on the code and on the profile's facts in the same transaction, on the condition that the
code still holds (`max_uses`, `max_uses_per_user`, active): else a 409 `CART.PROMO_CODE_EXHAUSTED`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Discriminator, Field, Tag

from storecrm.catalog.models.products import Product
from storecrm.clock import derived_id, new_id, now
from storecrm.commerce.models.commerce import (
    Address,
    Cart,
    CartItem,
    CartLine,
    CartOrigin,
    CartServiceItem,
    CartStatus,
    OrderPayment,
    OrderQuote,
    QuoteLine,
    ServiceQuoteLine,
    SlotRange,
    StripePayment,
)
from storecrm.commerce.order_events import order_event
from storecrm.commerce.profile_commerce import open_cart_change
from storecrm.commerce.quotes import (
    LINE_WRITES_ROOM,
    Bookings,
    CartMarket,
    check_items,
    line_writes,
    merged,
    quote,
    short_lines,
    too_many_lines,
)
from storecrm.commerce.shoppers import live_session
from storecrm.deferred import DeferredModule
from storecrm.identity.auth import Principal, own_session_id
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import UNION_TAG, Conflict, FieldError, NotFound, TransactionConflict, ValidationFailed
from storecrm.kernel.fields import Command, MarketKey, WholeNumber
from storecrm.kernel.models.address_input import AddressIn
from storecrm.profiles.activity_items import RetentionCache, activity_items
from storecrm.stores.models.stores import Market, PaymentMethodId
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.bookings import availability
    from storecrm.bookings.repositories.bookings import BookingLedger
    from storecrm.catalog.repositories.products import ProductRepository, StockTake
    from storecrm.commerce import discounts
    from storecrm.commerce.discounts import PromoRead
    from storecrm.commerce.models import orders as order_models
    from storecrm.commerce.models import promo_codes as promo_models
    from storecrm.commerce.models.orders import Order
    from storecrm.commerce.models.promo_codes import PromoCode
    from storecrm.commerce.repositories.carts import CartRepository
    from storecrm.commerce.repositories.promo_codes import PromoCodeRepository
    from storecrm.identity.models.accounts import Session
    from storecrm.identity.repositories.auth import SessionRepository
    from storecrm.kernel.gateways.stripe_payments import StripePayments
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item, Write
    from storecrm.profiles.repositories.profiles import ProfileRepository
    from storecrm.stores.access import StoreGuard
    from storecrm.stores.repositories.markets import MarketRepository
    from storecrm.stores.repositories.stores import StoreRepository
else:
    # Only service lines are booked in cells, and the booking rules define the booking models; only checkout
    # makes an order.
    availability = DeferredModule("storecrm.bookings.availability")
    order_models = DeferredModule("storecrm.commerce.models.orders")
    # Only carts with a promo code apply one.
    discounts = DeferredModule("storecrm.commerce.discounts")
    promo_models = DeferredModule("storecrm.commerce.models.promo_codes")

CART_NOT_FOUND = NotFound("Cart not found", "CART.NOT_FOUND")
FIRST_ORDER_NUMBER = 1001
# Writes a checkout tries when another transaction is changing the same items at that moment (DynamoDB's
# TransactionConflict); its conditions keep every try correct without reading again.
CHECKOUT_TRIES = 3
MAX_LINES = 100
MAX_BOOKING_SECONDS = 6 * 3600
MAX_TRANSACTION_WRITES = 100  # DynamoDB's limit for one TransactWriteItems

Id = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=200)]


# ---------------------------------------------------------------- commands
class CartItemIn(Command):
    """A product line as the client sends it (`price` is ignored: prices come from the catalog)."""

    type: Literal["product"] = Field(default="product", description="A line without a type that names a product "
                                                                    "is a product line")
    id: Id | None = Field(default=None, description="Kept when given; a new line gets one")
    product_id: Id
    variant_id: Id
    quantity: WholeNumber = Field(ge=1, le=10_000)

    def item(self) -> CartItem:
        return CartItem(id=self.id or new_id(), product_id=self.product_id, variant_id=self.variant_id,
                        quantity=self.quantity)


class SlotIn(Command):
    model_config = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True, validate_by_name=True,
                              validate_by_alias=True)
    from_: WholeNumber = Field(alias="from", ge=0, le=10**10, description="Unix seconds")
    to: WholeNumber = Field(ge=0, le=10**10, description="Unix seconds")


class ServiceItemIn(Command):
    """A service line as the client sends it (ServiceCheckoutItemInput): each slot is one booking of the provider
    (`price` is ignored: prices come from the provider's terms)."""

    type: Literal["service"] = "service"
    id: Id | None = Field(default=None, description="Kept when given; a new line gets one")
    service_id: Id
    provider_id: Id
    slots: list[SlotIn] = Field(min_length=1, max_length=10)
    forms: list[dict[str, Any]] = Field(default_factory=list, max_length=20)

    def item(self) -> CartServiceItem:
        return CartServiceItem(id=self.id or new_id(), service_id=self.service_id, provider_id=self.provider_id,
                               slots=[SlotRange(from_=s.from_, to=s.to) for s in self.slots], forms=self.forms)


def _line_kind(value: Any) -> str:
    """The client's rule (normalizeOrderCheckoutItems): a line's `type`, else product when it names a product."""
    if isinstance(value, dict):
        return UNION_TAG + str(value.get("type") or ("product" if "product_id" in value else "service"))
    return UNION_TAG + str(getattr(value, "type", "product"))


LineIn = Annotated[Annotated[CartItemIn, Tag(f"{UNION_TAG}product")]
                   | Annotated[ServiceItemIn, Tag(f"{UNION_TAG}service")], Discriminator(_line_kind)]


class CurrentCartRequest(Command):
    store_id: str | None = Field(default=None, max_length=64)
    market: MarketKey | None = Field(default=None, description="The market's key")


class CartChanges(Command):
    """A cart update: the fields sent replace the cart's; null clears an address, code or method."""

    store_id: str | None = Field(default=None, max_length=64)
    market: MarketKey | None = Field(default=None, description="May repeat the cart's market; another is a 400")
    items: list[LineIn] | None = Field(default=None, max_length=MAX_LINES)
    shipping_address: AddressIn | None = None
    billing_address: AddressIn | None = None
    forms: list[dict[str, Any]] | None = Field(default=None, max_length=20)
    promo_code: Annotated[str, Field(max_length=64)] | None = Field(default=None, description="Stored; not "
                                                                    "applied until promo codes exist")
    payment_method_id: PaymentMethodId | None = None
    shipping_method_id: Id | None = None


CHANGEABLE = ("items", "shipping_address", "billing_address", "forms", "promo_code", "payment_method_id",
              "shipping_method_id")


class AddItemRequest(Command):
    store_id: str | None = Field(default=None, max_length=64)
    item: LineIn


class RemoveItemRequest(Command):
    """The line by its id, or by product and variant."""

    store_id: str | None = Field(default=None, max_length=64)
    item_id: Id | None = None
    product_id: Id | None = None
    variant_id: Id | None = None


class CheckoutRequest(Command):
    store_id: str | None = Field(default=None, max_length=64)
    payment_method_id: PaymentMethodId | None = Field(default=None, description="Else the cart's, else the "
                                                                                "market's only method")


class NewCart(CartChanges):
    """A cart staff make for a profile of the store."""

    profile_id: Id
    market: MarketKey


class QuoteRequest(CartChanges):
    """Lines priced in a market without a cart (the admin's `getQuote`)."""

    market: MarketKey
    items: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)


class CartQuery(Command):
    profile_id: Id | None = None
    statuses: list[CartStatus] | None = Field(default=None, max_length=4)
    origins: list[CartOrigin] | None = Field(default=None, max_length=2)
    has_items: bool | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None

    def matches(self, cart: Cart) -> bool:
        return ((not self.statuses or cart.status in self.statuses)
                and (not self.origins or cart.origin in self.origins)
                and (self.has_items is None or bool(cart.items) == self.has_items))


class _FindPosition(Model):
    model_config = {"extra": "forbid"}
    profile_id: str | None
    key: dict[str, str]


@dataclass(frozen=True)
class _Reach:
    """A cart its caller may act on, the rest of that read, and the shopper's session (None for staff)."""

    cart: Cart
    session: Session | None
    found: dict[Key, Item]


@dataclass(frozen=True)
class _Sale:
    """A cart checked for sale, priced, and (for cards) with its PaymentIntent: what the transaction writes."""

    cart: Cart
    session_id: str | None
    verified: bool
    email: str | None
    hold_seconds: int
    quote: OrderQuote
    payment: OrderPayment
    client_secret: str | None
    order_id: str
    products: dict[str, Product]
    # The promo code the quote applied: checkout counts its use.
    promo: PromoCode | None = None


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    client_secret: str | None


def _out_of_stock(fields: Sequence[FieldError]) -> Conflict:
    error = Conflict("Some lines are no longer in stock; quote the cart again", "CART.OUT_OF_STOCK")
    error.field_errors = list(fields)
    return error


def _slot_unavailable(fields: Sequence[FieldError]) -> Conflict:
    """A booking that another order took, or that the provider no longer offers, since the cart was filled."""
    error = Conflict("Some slots are no longer available; choose others", "CART.SLOT_UNAVAILABLE")
    error.field_errors = list(fields)
    return error


def _same_line(line: CartLine, other: CartLine) -> bool:
    """A product line is its variant (adding one again adds to it); a service line is its id."""
    if isinstance(line, CartItem) and isinstance(other, CartItem):
        return (line.product_id, line.variant_id) == (other.product_id, other.variant_id)
    return isinstance(line, CartServiceItem) and isinstance(other, CartServiceItem) and line.id == other.id


def _converted(cart: Cart) -> Conflict:
    error = Conflict("This cart was checked out already; start a new one", "CART.CONVERTED")
    error.field_errors = [FieldError("id", f"converted into order {cart.converted_order_id}")]
    return error


class NumberTaken(Conflict):
    """Another checkout took the order number this one read; it reads the counter again."""

    def __init__(self) -> None:
        super().__init__("Another order took this number", "ORDER.NUMBER_TAKEN")


# (store id, integration id or None for the active one) -> (the integration's id, its Stripe secret key).
StripeAccount = Callable[[str, str | None], tuple[str, str]]


class FormEntriesCheck(Protocol):
    """The check of a cart's and its service lines' `forms` against the store's forms (the CRM's forms, handed in
    by the composition root: carts sit below it): `keys` joins the cart's read, `check` raises the 400."""

    def keys(self, store_id: str, entries: Sequence[Mapping[str, Any]]) -> list[Key]: ...

    def check(self, store_id: str, entries: Sequence[Mapping[str, Any]], found: Mapping[Key, Item],
              where: str) -> None: ...


class CartService:
    def __init__(self, carts: CartRepository, products: ProductRepository, markets: MarketRepository,
                 sessions: SessionRepository, profiles: ProfileRepository, stores: StoreRepository, guard: StoreGuard,
                 stripe_account: StripeAccount, payments: Callable[[], StripePayments], ledger: BookingLedger,
                 promo_codes: PromoCodeRepository, form_check: FormEntriesCheck | None = None) -> None:
        self.form_check = form_check
        self.carts = carts
        self.products = products
        self.markets = markets
        self.sessions = sessions
        self.profiles = profiles
        self.stores = stores
        self.guard = guard
        self.stripe_account = stripe_account
        self.payments = payments
        self.ledger = ledger
        self.promo_codes = promo_codes
        self.retention = RetentionCache(stores)

    # ------------------------------------------------------------------ storefront
    def current(self, store_id: str, caller: Principal, request: CurrentCartRequest) -> Cart:
        """The session's open cart in the market, made on the first call: one read (marker, session and
        market together) and one more for the cart or its creation."""
        session_id = own_session_id(caller, store_id)
        if request.market is None:
            raise ValidationFailed.on("market", "is required")
        marker_key = self.carts.current_key(store_id, session_id, request.market)
        market_key = self.markets.marker_key(store_id, request.market)
        found = self.carts.load([marker_key, self.sessions.item_key(session_id), market_key])
        session = self._live(found, caller, store_id)
        market = self.markets.from_marker(found.get(market_key))
        if market is None:
            raise ValidationFailed.on("market", "no market with this key in this store")
        current_id = self.carts.current_id(found.get(marker_key))
        if current_id is not None:
            cart = self.carts.get(store_id, current_id)
            if cart is not None and cart.status == "active":
                return cart
            new = self._new_cart(store_id, session.owner_id, market, session_id=session.id)
            self.carts.replace_current(new, session.id, current_id)
            return new
        new = self._new_cart(store_id, session.owner_id, market, session_id=session.id)
        taken = Conflict("This session made its cart meanwhile", "CART.CONFLICT")
        try:
            self.carts.create(new, current_for=session.id, taken=taken)
        except Conflict as error:
            if error is not taken:
                raise
            return self.current(store_id, caller, request)  # the session's other call made it: read that one
        return new

    def get(self, store_id: str, caller: Principal, cart_id: str) -> Cart:
        """One BatchGetItem: the cart and the caller's session."""
        return self._reach(store_id, caller, cart_id, staff=False).cart

    # The operations below serve the shopper (`staff=False`: their session's carts) and the store's staff
    # (`staff=True`: any cart of the store); only `_reach` tells them apart.
    def update(self, store_id: str, caller: Principal, cart_id: str, changes: CartChanges, *,
               staff: bool = False) -> Cart:
        """The cart, the caller's session or membership and the products the new lines name in one read; one
        write."""
        items = merged([i.item() for i in changes.items]) if changes.items is not None else None
        forms = self._form_entries(changes.forms, changes.items or [], "items")
        reach = self._reach(store_id, caller, cart_id, staff=staff,
                            extra=[*self._line_keys(store_id, items or []), *self._form_keys(store_id, forms),
                                   *self._store_key(staff, store_id)])
        self._check_forms(store_id, forms, reach.found)
        return self._save(reach.cart, self._changed(reach.cart, changes, items, reach.found), reach.found)

    def add_item(self, store_id: str, caller: Principal, cart_id: str, request: AddItemRequest, *,
                 staff: bool = False) -> Cart:
        """A variant already in the cart gets the quantity added to its line."""
        line = request.item.item()
        forms = self._form_entries(None, [request.item], "item")
        reach = self._reach(store_id, caller, cart_id, staff=staff,
                            extra=[*self._line_keys(store_id, [line]), *self._form_keys(store_id, forms),
                                   *self._store_key(staff, store_id)])
        cart, found = reach.cart, reach.found
        self._check_forms(store_id, forms, found)
        items = merged([*cart.items, line])
        self._check_open(cart)
        self._check_lines(store_id, cart, items, found, prefix="item", only=line)
        self._check_size(store_id, items, found)
        return self._save(cart, cart.model_copy(update={"items": items}), found)

    def remove_item(self, store_id: str, caller: Principal, cart_id: str, request: RemoveItemRequest, *,
                    staff: bool = False) -> Cart:
        if request.item_id is None and (request.product_id is None or request.variant_id is None):
            raise ValidationFailed.on("item_id", "name the line by item_id, or by product_id and variant_id")
        cart = self._reach(store_id, caller, cart_id, staff=staff).cart
        self._check_open(cart)
        kept = [i for i in cart.items if not (
            i.id == request.item_id if request.item_id is not None
            else isinstance(i, CartItem) and (i.product_id, i.variant_id) == (request.product_id,
                                                                              request.variant_id))]
        if len(kept) == len(cart.items):
            raise ValidationFailed.on("item_id" if request.item_id is not None else "variant_id",
                                      "no such line in this cart")
        return self._save(cart, cart.model_copy(update={"items": kept}))

    def clear(self, store_id: str, caller: Principal, cart_id: str, *, staff: bool = False) -> Cart:
        """Empties the lines; addresses and chosen methods stay."""
        cart = self._reach(store_id, caller, cart_id, staff=staff).cart
        self._check_open(cart)
        return self._save(cart, cart.model_copy(update={"items": []}))

    def quote(self, store_id: str, caller: Principal, cart_id: str, *, staff: bool = False) -> OrderQuote:
        """Two reads: the cart with the session (or the store and membership), then its market with its products
        (one BatchGetItem)."""
        cart = self._reach(store_id, caller, cart_id, staff=staff).cart
        market, products, found = self._market_and_products(cart, self._promo_keys(cart))
        return quote(cart, market, products, bookings=self._bookings(cart.store_id, cart.items, found),
                     promo=self._promo_read(cart, found))

    def checkout(self, store_id: str, caller: Principal, cart_id: str, request: CheckoutRequest, *,
                 staff: bool = False) -> CheckoutResult:
        """Three calls: the cart with the session (or the store and membership), the market with the products, the
        store, the profile and the order counter, then the transaction (plus, for card payments, the store's
        Stripe key and the PaymentIntent). An order staff check out belongs to no session.

        The order number: TransactWriteItems cannot answer a counter's new value, so the transaction moves the
        counter from the value read to the next one, on the condition that it still holds what was read: no
        extra call, and a checkout that fails takes no number. A checkout that loses that race (another one
        of the store committed in between) takes its number with an atomic ADD instead and writes again, two
        more calls, so bursts of checkouts all go through; a number taken that way and then not used (the
        stock ran out meanwhile) leaves a gap."""
        sale, found = self._sale(self._reach(store_id, caller, cart_id, staff=staff), request.payment_method_id)
        seen = self.carts.last_number(found.get(self.carts.number_key(store_id)))
        try:
            return self._record(sale, (seen or 0) + 1, self.carts.number_claim(store_id, seen, NumberTaken()))
        except (NumberTaken, TransactionConflict):
            pass
        number = self.carts.reserve_number(store_id)
        for attempt in range(CHECKOUT_TRIES):
            try:
                return self._record(sale, number, None)
            except TransactionConflict:
                if attempt == CHECKOUT_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ staff
    def find(self, principal: Principal, store_id: str, q: CartQuery) -> tuple[list[Cart], str | None]:
        """Newest first, one Query on the profile's or the store's carts; statuses, origins and has_items
        filter the page read, so a page may hold fewer than `limit` while the cursor goes on."""
        self.guard.enter(principal, store_id, Action.MANAGE_ORDERS)
        start = cursors.decode(q.cursor, _FindPosition)
        if start is not None and start.profile_id != q.profile_id:
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        page, last = self.carts.list_page(store_id, q.profile_id, limit=q.limit, after=start.key if start else None)
        cursor = cursors.encode(_FindPosition(profile_id=q.profile_id, key=last)) if last else None
        return [c for c in page if q.matches(c)], cursor

    def staff_get(self, principal: Principal, store_id: str, cart_id: str) -> Cart:
        return self._reach(store_id, principal, cart_id, staff=True).cart

    def staff_create(self, principal: Principal, store_id: str, request: NewCart) -> Cart:
        """The store, membership, profile, market and products in one read; one write."""
        items = merged([i.item() for i in request.items or []])
        profile_key = self.profiles.item_key(request.profile_id)
        market_key = self.markets.marker_key(store_id, request.market)
        access = self.guard.enter(principal, store_id, Action.MANAGE_ORDERS,
                                  extra=[profile_key, market_key, *self._line_keys(store_id, items)])
        found = access.view.extras
        profile = self.profiles.from_item(found.get(profile_key))
        if profile is None or profile.store_id != store_id:
            raise ValidationFailed.on("profile_id", "no profile with this id in this store")
        market = self.markets.from_marker(found.get(market_key))
        if market is None:
            raise ValidationFailed.on("market", "no market with this key in this store")
        cart = self._new_cart(store_id, profile.id, market, origin="admin", created_by=principal.subject)
        cart = self._changed(cart, request, items, found)
        self.carts.create(cart)
        return cart

    def staff_quote(self, principal: Principal, store_id: str, request: QuoteRequest) -> OrderQuote:
        """Priced as a cart holding the lines would be (stock shortages answer `availability`, not a 400): the
        store, membership, market and products in one read, nothing written."""
        items = merged([i.item() for i in request.items])
        market_key = self.markets.marker_key(store_id, request.market)
        promo_key = [self.promo_codes.item_key(store_id, request.promo_code)] if request.promo_code else []
        access = self.guard.enter(principal, store_id, Action.MANAGE_ORDERS,
                                  extra=[market_key, *self._line_keys(store_id, items), *promo_key])
        found = access.view.extras
        market = self.markets.from_marker(found.get(market_key))
        if market is None:
            raise ValidationFailed.on("market", "no market with this key in this store")
        # A draft never stored, so it belongs to no profile; its lines are set after `_changed`, which would
        # refuse the ones short of stock.
        draft = self._new_cart(store_id, "", market, origin="admin", created_by=principal.subject)
        draft = self._changed(draft, request, None, found).model_copy(update={"items": items})
        return quote(draft, market, self._products(store_id, items, found),
                     bookings=self._bookings(store_id, items, found),
                     promo=self._promo_read(draft, found, access.store.timezone))

    # ------------------------------------------------------------------ helpers
    def _live(self, found: dict[Key, Item], caller: Principal, store_id: str) -> Session:
        return live_session(self.sessions.from_item(found.get(self.sessions.item_key(caller.session_id or ""))),
                            caller, store_id)

    def _reach(self, store_id: str, caller: Principal, cart_id: str, *, staff: bool,
               extra: Sequence[Key] = ()) -> _Reach:
        """The cart the caller may act on (and `extra`) in one BatchGetItem: the shopper's own session's cart, or
        for staff whose role manages the store's orders, any cart of that store. Any other cart is the 404 of
        one that does not exist."""
        if not staff:
            cart, session, found = self._own(store_id, caller, cart_id, extra)
            return _Reach(cart, session, found)
        cart_key = self.carts.item_key(store_id, cart_id)
        view = self.guard.enter(caller, store_id, Action.MANAGE_ORDERS, extra=[cart_key, *extra]).view
        found = view.extras
        if view.store is not None:  # read with the access, for `_save`'s activity
            self.retention.known(store_id, view.store.activity_retention_days)
        store_cart = self.carts.from_item(found.get(cart_key))
        if store_cart is None or store_cart.store_id != store_id:
            raise CART_NOT_FOUND
        return _Reach(store_cart, None, found)

    def _own(self, store_id: str, caller: Principal, cart_id: str,
             extra: Sequence[Key] = ()) -> tuple[Cart, Session, dict[Key, Item]]:
        """The caller's cart and live session (and `extra`) in one BatchGetItem; a cart of another session or
        store is the 404 of one that does not exist."""
        session_id = own_session_id(caller, store_id)
        cart_key = self.carts.item_key(store_id, cart_id)
        found = self.carts.load([cart_key, self.sessions.item_key(session_id), *extra])
        session = self._live(found, caller, store_id)
        cart = self.carts.from_item(found.get(cart_key))
        if cart is None or cart.store_id != store_id or cart.session_id != session.id:
            raise CART_NOT_FOUND
        return cart, session, found

    @staticmethod
    def _form_entries(cart_forms: list[dict[str, Any]] | None, lines: Sequence[Any],
                      lines_at: str) -> list[tuple[str, list[dict[str, Any]]]]:
        """The `forms` sent (where each list is, and the list): the cart's and its service lines'."""
        found = [("forms", cart_forms)] if cart_forms else []
        if lines_at == "item":
            found += [("item.forms", line.forms) for line in lines if isinstance(line, ServiceItemIn) and line.forms]
        else:
            found += [(f"{lines_at}.{n}.forms", line.forms) for n, line in enumerate(lines)
                      if isinstance(line, ServiceItemIn) and line.forms]
        return found

    def _form_keys(self, store_id: str, forms: list[tuple[str, list[dict[str, Any]]]]) -> list[Key]:
        if self.form_check is None:
            return []
        return list(dict.fromkeys(k for _, entries in forms for k in self.form_check.keys(store_id, entries)))

    def _check_forms(self, store_id: str, forms: list[tuple[str, list[dict[str, Any]]]],
                     found: Mapping[Key, Item]) -> None:
        if self.form_check is not None:
            for where, entries in forms:
                self.form_check.check(store_id, entries, found, where)

    def _line_keys(self, store_id: str, items: Sequence[CartLine]) -> list[Key]:
        """What pricing the lines reads: their products; for service lines the store (its timezone), their
        services, providers and terms, and the booked-time cells of their slots."""
        wanted = self._product_keys(store_id, items)
        services = [i for i in items if isinstance(i, CartServiceItem)]
        if services:
            wanted.append(self.stores.item_key(store_id))
        for line in services:
            wanted += [self.ledger.service_key(store_id, line.service_id),
                       self.ledger.provider_key(store_id, line.provider_id),
                       self.ledger.terms_key(store_id, line.service_id, line.provider_id)]
            # A slot longer than any booking is refused by its length; its cells are not worth reading.
            wanted += [self.ledger.cell_key(store_id, line.provider_id, cell) for slot in line.slots
                       if 0 < slot.to - slot.from_ <= MAX_BOOKING_SECONDS
                       for cell in availability.cells(slot.from_, slot.to)]
        return list(dict.fromkeys(wanted))

    def _product_keys(self, store_id: str, items: Sequence[CartLine]) -> list[Key]:
        return [self.products.item_key(store_id, pid)
                for pid in dict.fromkeys(i.product_id for i in items if isinstance(i, CartItem))]

    def _bookings(self, store_id: str, items: Sequence[CartLine], found: dict[Key, Item]) -> Bookings | None:
        """The service lines' catalog and booked time among the items read (None: the lines book nothing)."""
        services = [i for i in items if isinstance(i, CartServiceItem)]
        if not services:
            return None
        store = self.stores.from_item(found.get(self.stores.item_key(store_id)))
        if store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        ledger = self.ledger
        catalog = {line.service_id: s for line in services
                   if (s := ledger.service_from(found.get(ledger.service_key(store_id, line.service_id))))}
        providers = {line.provider_id: p for line in services
                     if (p := ledger.provider_from(found.get(ledger.provider_key(store_id, line.provider_id))))}
        terms = {(line.service_id, line.provider_id): t for line in services if (t := ledger.terms_from(
            found.get(ledger.terms_key(store_id, line.service_id, line.provider_id))))}
        return Bookings(zone=ZoneInfo(store.timezone), now=now(), services=catalog, providers=providers, terms=terms,
                        taken=ledger.taken_cells(found))

    def _products(self, store_id: str, items: Sequence[CartLine], found: dict[Key, Item]) -> dict[str, Product]:
        products: dict[str, Product] = {}
        for key in self._product_keys(store_id, items):
            product = self.products.from_item(found.get(key))
            if product is not None and product.store_id == store_id:
                products[product.id] = product
        return products

    def _market_and_products(self, cart: Cart, extra: Sequence[Key] = ()) -> tuple[Market, dict[str, Product],
                                                                                   dict[Key, Item]]:
        """The cart's market and products (and `extra`) in one BatchGetItem."""
        market_key = self.markets.marker_key(cart.store_id, cart.market)
        found = self.products.load([market_key, *self._line_keys(cart.store_id, cart.items), *extra])
        market = self.markets.from_marker(found.get(market_key))
        if market is None:
            raise Conflict(f"The cart's market '{cart.market}' no longer exists; start a new cart", "MARKET.NOT_FOUND")
        return market, self._products(cart.store_id, cart.items, found), found

    def _promo_keys(self, cart: Cart) -> list[Key]:
        """What applying the cart's code reads with its market and products: the code, the store (its timezone)
        and the profile's facts (its uses of the code)."""
        if not cart.promo_code:
            return []
        return [self.promo_codes.item_key(cart.store_id, cart.promo_code), self.stores.item_key(cart.store_id),
                *([self.promo_codes.profile_uses_key(cart.store_id, cart.profile_id)] if cart.profile_id else [])]

    def _promo_read(self, cart: Cart, found: dict[Key, Item], timezone: str | None = None) -> PromoRead | None:
        """The cart's code as read (None: the cart has none); `timezone`: the store's, when read otherwise."""
        if not cart.promo_code:
            return None
        promo = self.promo_codes.from_item(found.get(self.promo_codes.item_key(cart.store_id, cart.promo_code)))
        if promo is not None and promo.store_id != cart.store_id:
            promo = None
        store = self.stores.from_item(found.get(self.stores.item_key(cart.store_id)))
        timezone = timezone or (store.timezone if store is not None else None)
        used = (self.promo_codes.profile_uses(found.get(self.promo_codes.profile_uses_key(cart.store_id,
                                                                                        cart.profile_id)), promo.id)
                if promo is not None and cart.profile_id else 0)
        return discounts.PromoRead(promo, now(), used, ZoneInfo(timezone) if timezone else discounts.UTC_ZONE)

    def _check_lines(self, store_id: str, cart: Cart, items: Sequence[CartLine], found: dict[Key, Item], *,
                     prefix: str = "items", only: CartLine | None = None) -> None:
        """The lines the call adds or changes must be for sale in the cart's market, in stock, and book slots
        their providers offer and have free."""
        checked = [i for i in items if only is None or _same_line(i, only)]
        try:
            check_items(checked, self._products(store_id, checked, found), CartMarket(cart.market, cart.currency),
                        self._bookings(store_id, checked, found))
        except ValidationFailed as error:
            if prefix != "items":  # one line: name its fields under the request's `item`
                error.field_errors = [FieldError(f"{prefix}.{e.field.split('.', 2)[2]}", e.error)
                                      for e in error.field_errors]
            raise

    def _check_size(self, store_id: str, items: Sequence[CartLine], found: dict[Key, Item]) -> None:
        """The lines must fit in one order's transaction (a 400 naming `items`), so a cart is refused here rather
        than at checkout or when the order is released. A booked slot needs its terms' reminders counted: those of
        lines whose terms were not read with the call (adding one line reads only its own) are read too, but only
        when their count could decide."""
        ledger = self.ledger

        def reminders(known: dict[Key, Item], unread: int) -> Callable[[CartServiceItem], int]:
            """Each line's reminder count from its terms in `known`; `unread` for terms not there."""
            def of(line: CartServiceItem) -> int:
                terms = ledger.terms_from(known.get(ledger.terms_key(store_id, line.service_id, line.provider_id)))
                return len(terms.reminders) if terms is not None else unread
            return of

        at_least = line_writes(items, reminders(found, 0))
        if at_least > LINE_WRITES_ROOM:
            raise too_many_lines(at_least)
        if not any(isinstance(i, CartServiceItem) for i in items):
            return
        from storecrm.bookings.bookings import MAX_REMINDERS

        if line_writes(items, reminders(found, MAX_REMINDERS)) <= LINE_WRITES_ROOM:
            return
        wanted = [k for k in dict.fromkeys(ledger.terms_key(store_id, i.service_id, i.provider_id) for i in items
                                           if isinstance(i, CartServiceItem)) if k not in found]
        needed = line_writes(items, reminders({**found, **(ledger.load(wanted) if wanted else {})}, 0))
        if needed > LINE_WRITES_ROOM:
            raise too_many_lines(needed)

    def _changed(self, cart: Cart, changes: CartChanges, items: list[CartLine] | None,
                 found: dict[Key, Item]) -> Cart:
        self._check_open(cart)
        if changes.market is not None and changes.market != cart.market:
            raise ValidationFailed.on("market", "a cart stays in the market it was made in")
        if items is not None:
            self._check_lines(cart.store_id, cart, items, found)
            self._check_size(cart.store_id, items, found)
        values: dict[str, Any] = {}
        for name in CHANGEABLE:
            if name not in changes.model_fields_set:
                continue
            value = getattr(changes, name)
            if name == "items":
                value = items or []
            elif name in ("shipping_address", "billing_address") and value is not None:
                value = Address(**value.model_dump())
            elif name == "forms":
                value = value or []
            values[name] = value
        return cart.model_copy(update=values)

    @staticmethod
    def _check_open(cart: Cart) -> None:
        if cart.status == "converted":
            raise _converted(cart)
        if cart.status != "active":
            raise Conflict(f"This cart is {cart.status}; start a new one", "CART.CLOSED")

    def _save(self, cart: Cart, changed: Cart, found: Mapping[Key, Item] | None = None) -> Cart:
        """Saves the change; a cart that holds items again (its first item added, or added after it was emptied)
        records the profile's `cart_added` activity in the same transaction (the store's retention was read with
        the cart: `_store_key`, or the staff access)."""
        if changed == cart:
            return cart
        at = now()
        saved = changed.model_copy(update={"revision": cart.revision + 1, "updated_at": at, "last_activity_at": at})
        activities: list[Write] = []
        if open_cart_change(cart, saved) > 0:
            store = self.stores.from_item((found or {}).get(self.stores.item_key(cart.store_id)))
            if store is not None:
                self.retention.known(store.id, store.activity_retention_days)
            activities = activity_items(cart.store_id, cart.profile_id, "cart_added", {"cart_id": cart.id}, at=at,
                                        retention_days=self.retention.days(cart.store_id))
        self.carts.save(saved, cart, activities)
        return saved

    def _store_key(self, staff: bool, store_id: str) -> list[Key]:
        """The store, read with a shopper's cart for its activity retention (staff read it with their access)."""
        return [] if staff else [self.stores.item_key(store_id)]

    @staticmethod
    def _new_cart(store_id: str, profile_id: str, market: Market, *, session_id: str | None = None,
                  origin: CartOrigin = "storefront", created_by: str | None = None) -> Cart:
        at = now()
        return Cart(id=new_id(), store_id=store_id, profile_id=profile_id, session_id=session_id, origin=origin,
                    created_by_account_id=created_by, market=market.key, currency=market.currency,
                    last_activity_at=at, created_at=at, updated_at=at)

    def _sale(self, reach: _Reach, payment_method_id: str | None) -> tuple[_Sale, dict[Key, Item]]:
        """The cart priced again and checked for sale, read with its store, its profile and the order counter
        (answered with the sale); a card payment's PaymentIntent is opened here, so the transaction records it
        with the order."""
        cart, session = reach.cart, reach.session
        self._check_open(cart)
        if not cart.items:
            raise ValidationFailed.on("items", "the cart is empty")
        # The shopper's own profile is the session's; staff check out for the profile the cart was made for.
        profile_id = session.owner_id if session is not None else cart.profile_id
        store_key, profile_key = self.stores.item_key(cart.store_id), self.profiles.item_key(profile_id)
        market, products, found = self._market_and_products(
            cart, [self.carts.number_key(cart.store_id), store_key, profile_key, *self._promo_keys(cart)])
        store, profile = self.stores.from_item(found.get(store_key)), self.profiles.from_item(found.get(profile_key))
        if store is None:
            raise NotFound("Store not found", "STORE.NOT_FOUND")
        self.retention.known(store.id, store.activity_retention_days)  # for `_record`'s activity
        if profile is not None and profile.store_id != cart.store_id:
            profile = None
        addresses = [a.email for a in (cart.billing_address, cart.shipping_address) if a is not None and a.email]
        email = (profile.email if profile is not None else None) or next(iter(addresses), None)
        verified = session.verified if session is not None else profile is not None and profile.verified
        promo = self._promo_read(cart, found)
        priced = quote(cart, market, products, payment_method_id, self._bookings(cart.store_id, cart.items, found),
                       promo)
        if priced.payment_method is None:
            raise ValidationFailed.on("payment_method_id", "choose one of the market's payment methods")
        short = short_lines(priced)
        if any(".slots." in f.field for f in short):
            raise _slot_unavailable(short)
        if short:
            raise _out_of_stock(short)
        # The same for every checkout of this cart revision: a checkout retried after a timeout makes the same
        # order (only one can convert the cart) and reuses its PaymentIntent.
        order_id = derived_id(cart.id, "order", cart.id, str(cart.revision))
        payment, client_secret = priced.payment, None
        if priced.payment_method.id == "credit_card":
            provider, client_secret = self._payment_intent(cart, priced, order_id, priced.payment_method.integration_id)
            payment = payment.model_copy(update={"provider": provider})
        return _Sale(cart, session.id if session is not None else None, verified, email.lower() if email else None,
                     store.payment_hold_minutes * 60, priced, payment, client_secret, order_id, products,
                     promo.promo if promo is not None and priced.promo_code is not None else None), found

    def _record(self, sale: _Sale, number: int, number_claim: Write | None) -> CheckoutResult:
        """One transaction: the order, its number (`number_claim`, unless the number was taken already), the
        stock, the converted cart and `order.created`."""
        cart, priced, at = sale.cart, sale.quote, now()
        waiting = order_models.PendingStatus(expires_at=at + sale.hold_seconds)
        forms = {i.id: i.forms for i in cart.items if isinstance(i, CartServiceItem)}
        order = order_models.Order(
            id=sale.order_id, number=f"#{FIRST_ORDER_NUMBER - 1 + number}", store_id=cart.store_id,
            source_cart_id=cart.id, profile_id=cart.profile_id, session_id=sale.session_id, email=sale.email,
            verified=sale.verified, payment=sale.payment,
            items=[order_models.OrderItem(
                       id=line.line_id, product_id=line.product_id, variant_id=line.variant_id, quantity=line.quantity,
                       location_id=line.location_id, snapshot=line.snapshot, status=waiting)
                   if isinstance(line, QuoteLine) else
                   order_models.ServiceOrderItem(
                       id=line.line_id, service_id=line.service_id, provider_id=line.provider_id, from_=line.from_,
                       to=line.to, forms=forms.get(line.line_id.split("#")[0], []), snapshot=line.snapshot,
                       status=waiting, reminders=line.reminders)
                   for line in priced.items],
            shipping_address=cart.shipping_address, billing_address=cart.billing_address, forms=cart.forms,
            history=[order_models.HistoryEntry(action="created", timestamp=at)], created_at=at, updated_at=at)
        converted = cart.model_copy(update={
            "status": "converted", "converted_order_id": order.id, "quote_snapshot": priced.model_dump(mode="json"),
            "revision": cart.revision + 1, "updated_at": at, "last_activity_at": at})
        event = order_event("order.created", order)
        exhausted = promo_models.PROMO_CODE_EXHAUSTED
        promo_use = self.promo_codes.profile_use(sale.promo, exhausted) if sale.promo is not None else None
        # The profile's `checkout_started` (its `order_created` follows from `order.created` on the stream).
        started = activity_items(cart.store_id, cart.profile_id, "checkout_started",
                                 {"cart_id": cart.id, "order_id": order.id}, at=at,
                                 retention_days=self.retention.days(cart.store_id))
        writes = self.carts.checkout_writes(order, cart, converted, [event], promo_use, started)
        if sale.promo is not None:
            # Before the number's claim: a code used up meanwhile is the 409 to answer, not a number race.
            writes.append(self.promo_codes.used(sale.promo, exhausted))
        if number_claim is not None:
            writes.append(number_claim)
        for product_id, takes, fields in self._stock_takes(priced):
            writes.append(self.products.stock_taken(sale.products[product_id], takes, _out_of_stock(fields)))
        slot_fields = {line.line_id: line.field for line in priced.items if isinstance(line, ServiceQuoteLine)}
        writes += self.ledger.booked_writes(
            order.store_id, order.id,
            [(i.id, i.provider_id, availability.cells(i.from_, i.to)) for i in order.booked_items],
            lambda line_id: _slot_unavailable([FieldError(slot_fields[line_id], "is booked already")]))
        # A reminder whose time has passed already is never sent.
        writes += self.ledger.reminder_writes(order.store_id, order.id, [
            (i.id, offset, i.from_ - offset) for i in order.booked_items for offset in i.reminders
            if i.from_ - offset > at])
        if len(writes) > MAX_TRANSACTION_WRITES:
            raise ValidationFailed.on("items", "too many bookings and reminders for one checkout; split the cart")
        self.carts.transact(writes)
        return CheckoutResult(order, sale.client_secret)

    @staticmethod
    def _stock_takes(priced: OrderQuote) -> list[tuple[str, list[StockTake], list[FieldError]]]:
        """Per product (one update of its item), the units each line takes and the line's name for the 409."""
        grouped: dict[str, tuple[list[StockTake], list[FieldError]]] = {}
        for line in priced.items:
            if not isinstance(line, QuoteLine):
                continue
            assert line.location_id is not None
            takes, fields = grouped.setdefault(line.product_id, ([], []))
            takes.append((line.variant_id, line.location_id, line.quantity))
            fields.append(FieldError(line.field, "no longer in stock"))
        return [(product_id, takes, fields) for product_id, (takes, fields) in grouped.items()]

    def _payment_intent(self, cart: Cart, priced: OrderQuote, order_id: str,
                        integration_id: str | None) -> tuple[StripePayment, str]:
        """A PaymentIntent on the store's own Stripe account for the order total. Its idempotency key is the
        order's id (one per cart revision) with the amount: a checkout of the same cart retried after a timeout
        gets the same intent back from Stripe instead of a second one; a new price makes a new intent (Stripe
        refuses a key sent again with other parameters)."""
        account_id, secret_key = self.stripe_account(cart.store_id, integration_id)
        # The integration is in the metadata too, so the store's Stripe events about the intent are checked with
        # the signing secret of the account that took the payment.
        params = {"amount": priced.total, "currency": priced.payment.currency.lower(),
                  "automatic_payment_methods": {"enabled": True},
                  "metadata": {"store_id": cart.store_id, "order_id": order_id, "cart_id": cart.id,
                               "integration_id": account_id}}
        intent_id, client_secret = self.payments().payment_intent(
            secret_key, params, f"checkout:{order_id}:{priced.total}:{priced.payment.currency}")
        return StripePayment(payment_intent_id=intent_id, integration_id=account_id), client_secret

