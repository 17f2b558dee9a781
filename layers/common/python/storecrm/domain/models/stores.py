"""Stores, their team memberships and markets."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from storecrm.domain.base_model import Model
from storecrm.domain.models.base import Entity
from storecrm.domain.permissions import Role


class Language(Model):
    id: str


class StoreEmails(Model):
    billing: str | None = None
    support: str | None = None


StoreStatus = Literal["DRAFT", "ACTIVE", "ARCHIVED"]


class Store(Entity):
    id: str
    key: str
    timezone: str
    languages: list[Language] = Field(default_factory=list)
    emails: StoreEmails = Field(default_factory=StoreEmails)
    status: StoreStatus = "ACTIVE"
    is_network: bool = False
    subscription: dict[str, Any] | None = None
    # Kept on the store so "never remove the last owner" holds under concurrent removals.
    owner_count: int = 0
    created_at: int
    updated_at: int


class Membership(Entity):
    store_id: str
    account_id: str
    email: str
    role: Role
    created_at: int
    updated_at: int


TaxMode = Literal["exclusive", "inclusive"]


class Zone(Model):
    name: str | None = None
    countries: list[str] = Field(default_factory=list)


class Market(Entity):
    id: str
    store_id: str
    key: str
    currency: str
    tax_mode: TaxMode
    payment_methods: list[str] = Field(default_factory=list)
    zones: list[Zone] = Field(default_factory=list)
    created_at: int
    updated_at: int
