"""An address as callers give it (carts, orders, locations, accounts): apart from the stored Address, which nearly every
function defines at cold start through the account model, while only these routes take one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from storecrm.kernel.fields import Command

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
