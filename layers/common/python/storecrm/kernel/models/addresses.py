"""A postal address, as carts, orders, locations and stores carry it and as callers give it; apart from the commerce
models so that what only needs an address does not define every cart and order class at import."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from storecrm.kernel.base_model import Model
from storecrm.kernel.fields import Command


class Address(Model):
    name: str | None = None
    company: str | None = None
    street1: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    email: str | None = None


Text = Annotated[str, Field(max_length=200)]


# An address as callers give it: every part optional, each within its length.
class AddressIn(Command):

    name: Text | None = None
    company: Text | None = None
    street1: Text | None = None
    street2: Text | None = None
    city: Text | None = None
    state: Text | None = None
    postal_code: Annotated[str, Field(max_length=32)] | None = None
    country: Annotated[str, Field(max_length=64)] | None = None
    phone: Annotated[str, Field(max_length=64)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None

    @model_validator(mode="after")
    def _iso_codes(self) -> AddressIn:
        """The country as an ISO code and the state as one of its subdivisions (storecrm.kernel.geo), so that
        zones match addresses by the same codes."""
        from storecrm.kernel import geo

        if self.country:
            self.country = geo.check_country(self.country)
            if self.state:
                self.state = geo.check_state(self.country, self.state)
        return self
