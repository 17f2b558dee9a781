"""Clienteling consent: whether a profile agreed to be served by a store location's associates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from storecrm.kernel.base_model import Model
from storecrm.kernel.models.base import Entity

ClientelingState = Literal["waiting", "accepted", "rejected"]


class Consent(Model):
    state: ClientelingState
    # When the state last became `accepted`; None while it is not.
    opt_in_date: int | None = None
    created_at: int
    updated_at: int


class ProfileOptIns(Entity):
    """A profile's consent at every location it has a state at (location id -> consent): the record of
    truth, and what opting out everywhere at once reads. Each location's list holds a copy
    (ClientelingOptIn), written in the same transaction."""

    store_id: str
    profile_id: str
    locations: dict[str, Consent] = Field(default_factory=dict)
    revision: int = 0


class ClientelingOptIn(Consent):
    """One entry of a location's consumer list."""

    store_id: str
    location_id: str
    profile_id: str
