"""What carts and orders share about the shopper who calls: the session's liveness and the address shape.

Kept apart from domain.carts so the orders function does not load the cart and quote rules, nor (for its staff
routes) the profile sessions' module.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from storecrm.clock import now
from storecrm.domain.auth import Principal
from storecrm.domain.errors import Unauthorized
from storecrm.domain.fields import Command
from storecrm.domain.models.accounts import Session

Text = Annotated[str, Field(max_length=200)]


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
        """The country as an ISO code and the state as one of its subdivisions (storecrm.domain.geo), so that
        zones match addresses by the same codes."""
        from storecrm.domain import geo

        if self.country:
            self.country = geo.check_country(self.country)
            if self.state:
                self.state = geo.check_state(self.country, self.state)
        return self


def shopper_session_id(caller: Principal, store_id: str) -> str:
    """The session of a profile bearer of this store; any other token is a 401."""
    from storecrm.domain.profile_sessions import own_session_id  # only storefront calls need that module

    return own_session_id(caller, store_id)


def live_session(session: Session | None, caller: Principal, store_id: str) -> Session:
    """The caller's session, read with the cart or order it asks for: revoking it ends that access at once."""
    if (session is None or session.owner_id != caller.subject or session.store_id != store_id
            or session.refresh_expires_at <= now()):
        raise Unauthorized("The session has ended; start a new one", "GENERAL.INVALID_TOKEN")
    return session
