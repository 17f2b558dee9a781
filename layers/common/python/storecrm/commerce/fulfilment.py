"""Fulfilment (arky-sdk 0.9.1 `shipping.getRates` and `shipping.ship`): shipping rates for an order's parcel, shipments
of some or all of its product lines, and the staff's updates of a shipment's status.

Rates come from the shipping provider asked for: `manual` (the methods of the zone the destination lies in, in the
order's market; no label) or the store's `shippo` integration (through commerce.gateways.shippo). A rate's id says
where it came from (`manual:<method id>`, `shippo:<integration id>:<Shippo rate id>`), so `ship` buys the label of a
shippo rate with that same integration. Cash-on-delivery orders and pickup locations ship without a label.

`ship` writes everything in one transaction, on the condition of the order's revision read: the shipment on the
order, the lines' and the order's `fulfillment_status`, the history entry, the units leaving `reserved` at the
location (never more than the line still holds), `order.updated` (reason `shipped`) and `order.shipped`, and the
shopper's tracking mail in the store-mail outbox (the store's `order-shipped` template when it has an active one,
else a default). The label is bought before the transaction, once every rule has been checked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from storecrm.catalog.tax import zone_for
from storecrm.clock import new_id, now
from storecrm.commerce.models.orders import CancelledStatus, FulfillmentStatus, HistoryEntry, Order, OrderItem
from storecrm.commerce.models.shipments import (
    Label,
    Shipment,
    ShipmentChange,
    ShipmentLine,
    ShippingRate,
    ShipRequest,
    ShipResult,
)
from storecrm.commerce.order_events import order_data, order_event
from storecrm.commerce.quotes import shipping_amount
from storecrm.kernel.errors import Conflict, NotFound, ValidationFailed
from storecrm.kernel.models.events import OutboxEvent
from storecrm.messaging.template_rendering import MailContent
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.catalog.models.products import Product
    from storecrm.catalog.repositories.products import ProductRepository, StockTake
    from storecrm.commerce.gateways.shippo import ShippoGateway
    from storecrm.commerce.models.shipments import ParcelIn, RatesRequest
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.identity.auth import Principal
    from storecrm.integrations.models.integrations import Integration
    from storecrm.integrations.repositories.integrations import IntegrationRepository
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.table import Item, Write
    from storecrm.messaging.models.email_templates import EmailTemplate
    from storecrm.messaging.models.mail import OutboxMail
    from storecrm.messaging.store_mail import MailDecision, StoreMail
    from storecrm.stores.access import StoreGuard
    from storecrm.stores.models.locations import Location
    from storecrm.stores.models.stores import Store
    from storecrm.stores.repositories.locations import LocationRepository
    from storecrm.stores.repositories.markets import MarketRepository

ORDER_NOT_FOUND = NotFound("Order not found", "ORDER.NOT_FOUND")
STOCK_CHANGED = Conflict("The stock held for the order changed meanwhile; try again", "ORDER.STOCK_CHANGED")
MANUAL = "manual"
TEMPLATE_KEY = "order-shipped"
DEFAULT_MAIL = MailContent(
    subject={"en": "Your order {{order_number}} has shipped"},
    body="<p>Your order {{order_number}} is on its way ({{carrier}} {{service}}).</p>"
         "<p>Tracking number: {{tracking_number}}<br><a href=\"{{tracking_url}}\">Track your parcel</a></p>",
    preheader=None)
# A shipment without a label (a manual rate, cash on delivery, a pickup location) has nothing to track yet.
DEFAULT_MAIL_UNTRACKED = MailContent(
    subject={"en": "Your order {{order_number}} has shipped"},
    body="<p>Your order {{order_number}} is on its way.</p>", preheader=None)
# A shipment's status as the client's webhook events name it (the statuses that have one).
STATUS_EVENTS = {"in_transit": "order.shipment_in_transit", "out_for_delivery": "order.shipment_out_for_delivery",
                 "delivered": "order.shipment_delivered", "failed": "order.shipment_failed",
                 "returned": "order.shipment_returned"}
_GRAMS = {"g": 1.0, "kg": 1000.0, "oz": 28.349523125, "lb": 453.59237}


def parcel_grams(parcel: ParcelIn) -> int:
    return round(parcel.weight * _GRAMS[parcel.mass_unit])


def fulfillment_of(order: Order) -> Order:
    """The lines' and the order's `fulfillment_status` from the units shipped (cancelled lines count for
    nothing; an order without a live product line stays as it is)."""
    shipped = order.shipped()
    items = []
    statuses: list[FulfillmentStatus] = []
    for item in order.items:
        if isinstance(item, OrderItem):
            sent = shipped.get(item.id, 0)
            status: FulfillmentStatus = ("shipped" if sent >= item.quantity else
                                         "partially_shipped" if sent else "unfulfilled")
            item = item.model_copy(update={"fulfillment_status": status})
            if not isinstance(item.status, CancelledStatus) or sent:
                statuses.append(status)
        items.append(item)
    overall: FulfillmentStatus = order.fulfillment_status
    if statuses:
        overall = ("shipped" if all(s == "shipped" for s in statuses) else
                   "unfulfilled" if all(s == "unfulfilled" for s in statuses) else "partially_shipped")
    return order.model_copy(update={"items": items, "fulfillment_status": overall})


def shipped_lines(order: Order, request: ShipRequest) -> list[tuple[OrderItem, int]]:
    """The product lines the request ships with their quantities; a line of no product, cancelled, asked twice,
    held at another location, or asked for more units than are ordered and not yet shipped is a 400 naming it."""
    if order.status == "cancelled":
        raise Conflict("A cancelled order cannot ship", "ORDER.CANCELLED")
    if order.hold_until is not None:
        raise Conflict("The order's card payment is still awaited; it can ship once paid", "ORDER.NOT_PAID")
    lines = {i.id: i for i in order.product_items}
    shipped = order.shipped()
    seen: set[str] = set()
    chosen = []
    for n, asked in enumerate(request.lines):
        where = f"lines.{n}"
        item = lines.get(asked.order_item_id)
        if item is None:
            raise ValidationFailed.on(f"{where}.order_item_id", "no product line with this id in this order")
        if asked.order_item_id in seen:
            raise ValidationFailed.on(f"{where}.order_item_id", "a line is named twice")
        seen.add(asked.order_item_id)
        if isinstance(item.status, CancelledStatus):
            raise ValidationFailed.on(f"{where}.order_item_id", "the line is cancelled")
        if item.location_id is not None and item.location_id != request.location_id:
            raise ValidationFailed.on(f"{where}.order_item_id", f"its units are held at location {item.location_id}")
        left = item.quantity - shipped.get(item.id, 0)
        if asked.quantity > left:
            raise ValidationFailed.on(f"{where}.quantity", f"only {left} of the line's {item.quantity} units are "
                                                           "left to ship")
        chosen.append((item, asked.quantity))
    return chosen


class Fulfilment:
    def __init__(self, orders: OrderRepository, products: ProductRepository, locations: LocationRepository,
                 markets: MarketRepository, integrations: IntegrationRepository, guard: StoreGuard, mail: StoreMail,
                 secrets_of: Callable[[Integration], dict[str, str]], shippo: Callable[[], ShippoGateway],
                 stock_shipped: Callable[[Product, Sequence[StockTake], Conflict], Write]) -> None:
        self.orders = orders
        self.products = products
        self.locations = locations
        self.markets = markets
        self.integrations = integrations
        self.guard = guard
        self.mail = mail
        self.secrets_of = secrets_of
        self.shippo = shippo
        self.stock_shipped = stock_shipped

    # ------------------------------------------------------------------ rates
    def rates(self, principal: Principal, store_id: str, order_id: str, request: RatesRequest) -> list[ShippingRate]:
        """manual: one BatchGetItem (store, membership, order) and the market's read. shippo: one BatchGetItem
        (with the integration), its token opened (KMS) and one Shippo call."""
        manual = request.shipping_provider_id == MANUAL
        order_key = self.orders.item_key(store_id, order_id)
        integration_key = self.integrations.item_key(store_id, request.shipping_provider_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_ORDERS,
                                  extra=[order_key] if manual else [order_key, integration_key])
        order = self._order(access.view.extras.get(order_key), store_id)
        if manual:
            return self._manual_rates(order, request)
        integration = self.integrations.from_item(access.view.extras.get(integration_key))
        if integration is None or integration.type != "shippo":
            raise ValidationFailed.on("shipping_provider_id", "is neither `manual` nor a shippo integration of this "
                                                              "store")
        token = self.secrets_of(integration).get("api_token", "")
        rates = self.shippo().rates(token, request.from_address.address(), request.to_address.address(),
                                    request.parcel)
        return [r.model_copy(update={"id": f"shippo:{integration.id}:{r.id}"}) for r in rates]

    def _manual_rates(self, order: Order, request: RatesRequest) -> list[ShippingRate]:
        marker_key = self.markets.marker_key(order.store_id, order.payment.market)
        market = self.markets.from_marker(self.orders.load([marker_key]).get(marker_key))
        if market is None:
            raise Conflict(f"The order's market '{order.payment.market}' no longer exists", "MARKET.NOT_FOUND")
        to = request.to_address
        zone = zone_for(market, to.country, to.state, to.postal_code)
        if zone is None:
            raise ValidationFailed.on("to_address.country", f"is in none of the '{market.key}' market's zones")
        grams = parcel_grams(request.parcel)
        return [ShippingRate(id=f"{MANUAL}:{m.id}", provider=MANUAL, carrier=MANUAL, service=m.id,
                             display_name=m.eta_text or m.id, currency=market.currency,
                             amount=shipping_amount(m, order.payment.subtotal, grams))
                for m in zone.shipping_methods]

    # ------------------------------------------------------------------ ship
    def ship(self, principal: Principal, store_id: str, order_id: str, request: ShipRequest) -> ShipResult:
        """One BatchGetItem (store, membership, order, location, the rate's integration, the mail template's
        marker), the lines' products in a second, the template when there is one, then the label (KMS and Shippo,
        for a shippo rate) and one transaction."""
        order_key = self.orders.item_key(store_id, order_id)
        location_key = self.locations.item_key(store_id, request.location_id)
        template_key = self.mail.templates.marker_key(store_id, TEMPLATE_KEY)
        provider, integration_id, provider_rate = _rate_parts(request.rate_id)
        wanted: list[Key] = [order_key, location_key, template_key]
        if integration_id:
            wanted.append(self.integrations.item_key(store_id, integration_id))
        access = self.guard.enter(principal, store_id, Action.MANAGE_ORDERS, extra=wanted)
        found = access.view.extras
        order = self._order(found.get(order_key), store_id)
        location = self.locations.from_item(found.get(location_key))
        if location is None or location.store_id != store_id:
            raise ValidationFailed.on("location_id", "is not a location of this store")
        lines = shipped_lines(order, request)
        products = self._products(order, lines)
        label_needed = provider == "shippo" and not location.is_pickup_location \
            and order.payment.method_type != "cash"
        integration = None
        if label_needed:
            integration = self.integrations.from_item(found.get(self.integrations.item_key(store_id,
                                                                                          str(integration_id))))
            if integration is None or integration.type != "shippo":
                raise ValidationFailed.on("rate_id", "its shippo integration no longer exists; ask for rates again")
        template_id = self.mail.templates.id_from_marker(found.get(template_key))
        template = self.mail.templates.get(store_id, template_id) if template_id and order.email else None
        label = None
        if integration is not None:
            label = self.shippo().buy_label(self.secrets_of(integration).get("api_token", ""), provider_rate)
        at = now()
        shipment = _shipment(request, location, label, at)
        saved = fulfillment_of(order.model_copy(update={"shipments": [*order.shipments,
                                                                      shipment.model_dump(mode="json")]}))
        saved = saved.model_copy(update={
            "history": [*order.history, HistoryEntry(action="shipped", reason=shipment.id, timestamp=at)],
            "revision": order.revision + 1, "updated_at": at})
        events = [order_event("order.updated", saved, "shipped"),
                  OutboxEvent.new("order.shipped", store_id, {"order": order_data(saved),
                                                              "shipment": shipment.model_dump(mode="json")})]
        writes = [*self.orders.save_writes(saved, order, events), *self._stock_writes(lines, products)]
        mail = self._mail(access.store, saved, shipment, template)

        def commit(decision: MailDecision | None) -> None:
            self.orders.transact([*writes, *(decision.writes if decision else [])])

        if mail is None:
            commit(None)
        else:
            self.mail.queue(access.store, mail, commit)
        return ShipResult(shipment_id=shipment.id, tracking_number=shipment.tracking_number or "",
                          tracking_url=shipment.tracking_url, label_url=shipment.label_url or "")

    def _products(self, order: Order, lines: Sequence[tuple[OrderItem, int]]) -> dict[str, Product]:
        wanted = list(dict.fromkeys(self.products.item_key(order.store_id, item.product_id) for item, _ in lines
                                    if item.location_id is not None))
        found: dict[Key, Item] = self.products.load(wanted) if wanted else {}
        return {p.id: p for item in found.values() if (p := self.products.from_item(item)) is not None
                and p.store_id == order.store_id}

    def _stock_writes(self, lines: Sequence[tuple[OrderItem, int]], products: dict[str, Product]) -> list[Write]:
        """Per product, one update taking the shipped units out of `reserved` at their location. A product,
        variant or location removed since has no stock to move; staff may have corrected a count since the
        checkout, so no more than the location still holds leaves (the update's condition checks it again)."""
        held = {(p.id, v.id, s.location_id): s.reserved for p in products.values() for v in p.variants
                for s in v.inventory}
        moves: dict[str, list[StockTake]] = defaultdict(list)
        for item, quantity in lines:
            where = (item.product_id, item.variant_id, item.location_id)
            units = min(held.get(where, 0), quantity)  # type: ignore[arg-type]
            if item.location_id is None or units <= 0:
                continue
            held[where] -= units  # type: ignore[index]
            moves[item.product_id].append((item.variant_id, item.location_id, units))
        return [self.stock_shipped(products[pid], takes, STOCK_CHANGED) for pid, takes in moves.items()]

    def _mail(self, store: Store, order: Order, shipment: Shipment,
              template: EmailTemplate | None) -> OutboxMail | None:
        if not order.email:
            return None
        chosen = template if template is not None and template.status == "active" else None
        default = DEFAULT_MAIL if shipment.tracking_number else DEFAULT_MAIL_UNTRACKED
        return self.mail.compose(store, "order_shipped", order.email, chosen, default, {
            "order_number": order.number, "carrier": shipment.carrier or "", "service": shipment.service or "",
            "tracking_number": shipment.tracking_number or "", "tracking_url": shipment.tracking_url or "",
            "email": order.email, "store_name": store.key}, shipment.created_at, profile_id=order.profile_id)

    # ------------------------------------------------------------------ a shipment's news
    def update_shipment(self, principal: Principal, store_id: str, order_id: str, shipment_id: str,
                        change: ShipmentChange) -> Order:
        """One BatchGetItem, then one transaction: the shipment's status (and tracking, when sent), the history,
        `order.updated` (reason `shipment_<status>`) and the client's `order.shipment_<status>` event.
        Returned units do not go back on sale by themselves: staff count them back with the product."""
        key = self.orders.item_key(store_id, order_id)
        access = self.guard.enter(principal, store_id, Action.MANAGE_ORDERS, extra=[key])
        order = self._order(access.view.extras.get(key), store_id)
        shipments = [Shipment.model_validate(s) for s in order.shipments]
        found = next((s for s in shipments if s.id == shipment_id), None)
        if found is None:
            raise NotFound("Shipment not found", "SHIPMENT.NOT_FOUND")
        at = now()
        values = {"status": change.status, "updated_at": at}
        values.update({name: getattr(change, name) for name in ("tracking_number", "tracking_url")
                       if getattr(change, name) is not None})
        updated = found.model_copy(update=values)
        if updated.model_copy(update={"updated_at": found.updated_at}) == found:
            return order
        saved = order.model_copy(update={
            "shipments": [(updated if s.id == shipment_id else s).model_dump(mode="json") for s in shipments],
            "history": [*order.history, HistoryEntry(action=f"shipment_{change.status}", reason=shipment_id,
                                                     timestamp=at)],
            "revision": order.revision + 1, "updated_at": at})
        event_type = STATUS_EVENTS.get(change.status, "order.shipment_status_changed")
        events = [order_event("order.updated", saved, f"shipment_{change.status}"),
                  OutboxEvent.new(event_type, store_id, {"order": order_data(saved),
                                                         "shipment": updated.model_dump(mode="json")})]
        self.orders.transact(self.orders.save_writes(saved, order, events))
        return saved

    # ------------------------------------------------------------------ helpers
    def _order(self, item: Item | None, store_id: str) -> Order:
        order = self.orders.from_item(item)
        if order is None or order.store_id != store_id:
            raise ORDER_NOT_FOUND
        return order


def _rate_parts(rate_id: str) -> tuple[str, str | None, str]:
    """(provider, integration id, the provider's own rate id) of a rate id `rates` handed out; anything else
    ships as a manual shipment."""
    if rate_id.startswith("shippo:"):
        parts = rate_id.split(":", 2)
        if len(parts) == 3 and parts[1] and parts[2]:
            return "shippo", parts[1], parts[2]
        raise ValidationFailed.on("rate_id", "is not a rate id this API handed out")
    return MANUAL, None, rate_id.removeprefix(f"{MANUAL}:")


def _shipment(request: ShipRequest, location: Location, label: Label | None, at: int) -> Shipment:
    return Shipment(id=new_id(), location_id=location.id,
                    lines=[ShipmentLine(order_item_id=line.order_item_id, quantity=line.quantity)
                           for line in request.lines],
                    carrier=request.carrier or None, service=request.service or None,
                    tracking_number=label.tracking_number if label else None,
                    tracking_url=label.tracking_url if label else None, label_url=label.label_url if label else None,
                    status="label_created" if label else "pending", created_at=at, updated_at=at)
