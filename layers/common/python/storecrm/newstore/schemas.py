"""The NewStore dialect's consumer profile answers, in the seed's field names: string ids, ISO-8601 timestamps,
`{items, pagination_info}` lists. Request bodies are the domain's commands (storecrm.crm.consumer_profiles),
whose fields already carry the seed's names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from storecrm.crm.consumer_profiles import AddressView, Consumer, ConsumerPage
from storecrm.kernel.base_model import Model
from storecrm.profiles.models.profiles import ExtendedAttribute, Profile

if TYPE_CHECKING:
    # Only the orders route renders these: the commerce models are defined by its first call, not at import.
    from storecrm.commerce.models.orders import Order, OrderItem, ServiceOrderItem
    from storecrm.kernel.models.addresses import Address
    from storecrm.stores.models.stores import Store


def iso(at: int) -> str:
    """The dialect's timestamps, as the seed's samples write them: ISO-8601 in UTC with milliseconds."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _text(value: object) -> str:
    return "" if value is None else str(value)


class AddressOut(Model):
    type: str
    company: str
    first_name: str
    last_name: str
    address_1: str
    address_2: str
    zip_code: str
    city: str
    state: str
    country_code: str
    contact_phone: str
    id: str
    created_at: str
    updated_at: str

    @classmethod
    def fields_of(cls, address: dict[str, Any]) -> dict[str, Any]:
        names = set(AddressOut.model_fields) - {"created_at", "updated_at"}
        return {**{name: _text(address.get(name)) for name in names},
                "created_at": iso(int(address["created_at"])), "updated_at": iso(int(address["updated_at"]))}


class ProfileAddressOut(AddressOut):
    """An address inside a profile: the profile's revision beside it, as the seed's list sample shows."""

    revision: int


class AddressAnswer(AddressOut):
    profile_revision: int

    @classmethod
    def of(cls, view: AddressView) -> AddressAnswer:
        return cls(**cls.fields_of(view.address), profile_revision=view.profile.revision)


class AddressDeleted(Model):
    profile_revision: int


class ConsumerOut(Model):
    id: str
    email: str | None
    first_name: str
    last_name: str
    phone_number: str
    country_code: str
    addresses: list[ProfileAddressOut]
    extended_attributes: list[ExtendedAttribute]
    created_by: str
    # The associate's name: API clients create profiles here, and the token does not carry one.
    created_by_name: str
    store_id: str
    store_name: str
    created_at: str
    updated_at: str
    revision: int
    display_id: str | None

    @classmethod
    def of(cls, p: Profile, store: Store) -> ConsumerOut:
        return cls(id=p.id, email=p.email, first_name=_text(p.first_name), last_name=_text(p.last_name),
                   phone_number=_text(p.phone), country_code=_text(p.country_code),
                   addresses=[ProfileAddressOut(**AddressOut.fields_of(a), revision=p.revision) for a in p.addresses],
                   extended_attributes=p.extended_attributes, created_by=_text(p.created_by), created_by_name="",
                   store_id=p.store_id, store_name=store.key, created_at=iso(p.created_at),
                   updated_at=iso(p.updated_at), revision=p.revision, display_id=p.display_id)

    @classmethod
    def of_consumer(cls, consumer: Consumer) -> ConsumerOut:
        return cls.of(consumer.profile, consumer.store)


class SimplifiedConsumerOut(Model):
    email: str | None
    id: str
    first_name: str
    last_name: str
    phone_number: str
    country_code: str
    created_by_name: str
    store_name: str
    created_at: str
    display_id: str | None

    @classmethod
    def of(cls, p: Profile, store: Store) -> SimplifiedConsumerOut:
        return cls(email=p.email, id=p.id, first_name=_text(p.first_name), last_name=_text(p.last_name),
                   phone_number=_text(p.phone), country_code=_text(p.country_code), created_by_name="",
                   store_name=store.key, created_at=iso(p.created_at), display_id=p.display_id)


class PaginationInfo(Model):
    count: int
    total: int
    offset: int

    @classmethod
    def of(cls, page: ConsumerPage, offset: int) -> PaginationInfo:
        return cls(count=len(page.items), total=page.total, offset=offset)


class ConsumerList(Model):
    items: list[ConsumerOut]
    pagination_info: PaginationInfo

    @classmethod
    def of(cls, page: ConsumerPage, offset: int) -> ConsumerList:
        return cls(items=[ConsumerOut.of(p, page.store) for p in page.items],
                   pagination_info=PaginationInfo.of(page, offset))


class SimplifiedConsumerList(Model):
    items: list[SimplifiedConsumerOut]
    pagination_info: PaginationInfo

    @classmethod
    def of(cls, page: ConsumerPage, offset: int) -> SimplifiedConsumerList:
        return cls(items=[SimplifiedConsumerOut.of(p, page.store) for p in page.items],
                   pagination_info=PaginationInfo.of(page, offset))


# ---------------------------------------------------------------------------- orders
# Amounts are the commerce core's integer minor units (cents), as every dialect shows them.
class OrderAddressOut(Model):
    first_name: str
    last_name: str
    address_line_1: str
    address_line_2: str
    state: str
    zip_code: str
    city: str
    country_code: str
    phone: str
    email: str

    @classmethod
    def of(cls, a: Address | None) -> OrderAddressOut | None:
        if a is None:
            return None
        first, _, last = (a.name or "").partition(" ")
        return cls(first_name=first, last_name=last, address_line_1=_text(a.street1), address_line_2=_text(a.street2),
                   state=_text(a.state), zip_code=_text(a.postal_code), city=_text(a.city),
                   country_code=_text(a.country), phone=_text(a.phone), email=_text(a.email))


class PaymentOut(Model):
    uuid: str
    currency: str
    method: str
    status_label: str


class TotalsOut(Model):
    merchandise_total: int
    shipping_total: int
    taxes: int
    order_total: int
    grand_total: int
    currency: str


class PriceOut(Model):
    gross: int
    currency: str


class OrderedProductOut(Model):
    id: str
    name: str
    quantity: int
    price: PriceOut
    product_sku: str

    @classmethod
    def of(cls, item: OrderItem | ServiceOrderItem, currency: str) -> OrderedProductOut:
        if item.type == "service":
            # A booked service is one unit of the service, named as the order shows it; it has no SKU.
            return cls(id=item.service_id, name=f"{item.snapshot.service_key} ({item.snapshot.provider_key})",
                       quantity=1, price=PriceOut(gross=item.snapshot.price.amount, currency=currency),
                       product_sku="")
        return cls(id=item.product_id, name=item.snapshot.product_key, quantity=item.quantity,
                   price=PriceOut(gross=item.snapshot.price.amount, currency=currency),
                   product_sku=_text(item.snapshot.variant_sku))


class OrderSummaryOut(Model):
    order_uuid: str
    order_id: str
    external_order_id: str
    customer_uuid: str
    external_customer_id: str
    created_at: str
    status_label: str
    shipping_address: OrderAddressOut | None
    billing_address: OrderAddressOut | None
    payments: list[PaymentOut]
    totals: TotalsOut
    ordered_products: list[OrderedProductOut]

    @classmethod
    def of(cls, order: Order) -> OrderSummaryOut:
        pay = order.payment
        tax = pay.tax.amount if pay.tax else 0
        return cls(order_uuid=order.id, order_id=order.number, external_order_id="", customer_uuid=order.profile_id,
                   external_customer_id="", created_at=iso(order.created_at), status_label=order.status,
                   shipping_address=OrderAddressOut.of(order.shipping_address),
                   billing_address=OrderAddressOut.of(order.billing_address),
                   payments=[PaymentOut(uuid=order.id, currency=pay.currency, method=pay.method_type,
                                        status_label="paid" if pay.paid >= pay.total else "pending")],
                   totals=TotalsOut(merchandise_total=pay.subtotal, shipping_total=pay.shipping, taxes=tax,
                                    order_total=pay.total, grand_total=pay.total, currency=pay.currency),
                   ordered_products=[OrderedProductOut.of(i, pay.currency) for i in order.items])


class OrderList(Model):
    count: int
    total: int
    offset: int
    items: list[OrderSummaryOut]
