"""Entities as the domain sees them. Wire shapes live with each dialect; storage shapes with
the repositories."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from storecrm.clock import new_id, now
from storecrm.domain.permissions import Role


class Entity(BaseModel):
    model_config = {"validate_assignment": False}


class Account(Entity):
    id: str
    email: str
    created_at: int
    updated_at: int


class Session(Entity):
    """A login: one refresh-token chain. Refresh tokens are stored only as hashes."""

    id: str
    owner_kind: Literal["account", "profile"]
    owner_id: str
    store_id: str | None = None
    verified: bool = True
    refresh_hash: str
    # Hashes this chain has already rotated away from; presenting one means the token leaked.
    rotated_hashes: list[str] = Field(default_factory=list)
    created_at: int
    refresh_expires_at: int


class AuthCode(Entity):
    scope: str
    email: str
    code_hash: str
    kid: str
    attempts: int = 0
    created_at: int
    expires_at: int


class Language(BaseModel):
    id: str


class StoreEmails(BaseModel):
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


class Zone(BaseModel):
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


class OutboxEvent(Entity):
    """A change other systems may care about, written in the same transaction as the change."""

    id: str
    type: str
    store_id: str
    created_at: int
    data: dict[str, Any]

    @classmethod
    def new(cls, type_: str, store_id: str, data: dict[str, Any]) -> OutboxEvent:
        return cls(id=new_id(), type=type_, store_id=store_id, created_at=now(), data=data)
