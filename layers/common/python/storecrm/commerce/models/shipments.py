"""Shipments of an order and the shipping calls' shapes (arky-sdk 0.9.1 `shipping.getRates`/`ship`, src/types:
Shipment, ShipmentLine, ShippingRate, Parcel, ShipResult), apart from the order models so that only the functions
that ship define them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from storecrm.kernel.base_model import Model
from storecrm.kernel.fields import Command, CountryCode, Number, WholeNumber
from storecrm.kernel.models.addresses import Address

# The client's ShippingStatus.
ShippingStatus = Literal["pending", "label_created", "in_transit", "out_for_delivery", "delivered", "failed",
                         "returned"]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=200)]
# A parcel's sides and weight: above zero, below what any parcel carrier takes in any unit.
Measure = Annotated[Number, Field(gt=0, le=10_000)]


class ShipmentLine(Model):
    order_item_id: str
    quantity: int


class Shipment(Model):
    id: str
    location_id: str
    lines: list[ShipmentLine]
    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    label_url: str | None = None
    status: ShippingStatus
    created_at: int
    updated_at: int


class ShippingRate(Model):
    id: str
    provider: str
    carrier: str
    service: str
    display_name: str
    amount: int
    currency: str
    estimated_days: int | None = None


class ShipResult(Model):
    """The client types `tracking_number` and `label_url` as strings: empty for a shipment without a label."""

    shipment_id: str
    tracking_number: str
    tracking_url: str | None
    label_url: str


class Label(Model):
    """A label bought from a provider."""

    tracking_number: str
    tracking_url: str | None
    label_url: str


# ---------------------------------------------------------------- commands
class ShippingAddressIn(Command):
    """A parcel's address: a carrier needs the street, city and country (ISO 3166-1 alpha-2)."""

    name: Text | None = None
    company: Text | None = None
    street1: Text
    street2: Text | None = None
    city: Text
    state: Text | None = None
    postal_code: Annotated[str, Field(max_length=32)] | None = None
    country: CountryCode
    phone: Annotated[str, Field(max_length=64)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None

    def address(self) -> Address:
        return Address(**self.model_dump())


class ParcelIn(Command):
    length: Measure
    width: Measure
    height: Measure
    weight: Measure
    distance_unit: Literal["in", "cm"]
    mass_unit: Literal["oz", "lb", "g", "kg"]


class RatesRequest(Command):
    """The client's GetShippingRatesParams (without `order_id`, which is in the path). DECISION:
    `shipping_provider_id` is the id of the store's shippo integration, or `manual` for the methods of the zone
    the destination lies in (the order's market)."""

    shipping_provider_id: Id
    from_address: ShippingAddressIn
    to_address: ShippingAddressIn
    parcel: ParcelIn
    customs_declaration: dict[str, object] | None = Field(default=None, description="Passed to the provider as is")


class ShipLineIn(Command):
    order_item_id: Id
    quantity: WholeNumber = Field(ge=1, le=10_000)


class ShipRequest(Command):
    """The client's ShipParams (without `order_id`). A `rate_id` of a shippo rate buys its label; `manual:...`
    rates, cash-on-delivery orders and pickup locations ship without one."""

    rate_id: Annotated[str, Field(max_length=200)] = ""
    carrier: Text = ""
    service: Text = ""
    location_id: Id
    lines: list[ShipLineIn] = Field(min_length=1, max_length=100)


class ShipmentChange(Command):
    """A shipment's new status (the carrier's news: in transit, delivered, returned, ...)."""

    status: ShippingStatus
    tracking_number: Text | None = None
    tracking_url: Annotated[str, Field(max_length=2000)] | None = None
