"""A postal address, as carts, orders, locations, accounts and stores carry it; apart from the commerce models so that
what only needs an address does not define every cart and order class at import (the address as callers give it:
address_input.py)."""

from __future__ import annotations

from storecrm.kernel.base_model import Model


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
