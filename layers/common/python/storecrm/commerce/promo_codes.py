"""Promo codes (arky-sdk 0.9.1 `promoCode.*`): staff create, change, delete, get (by id or by code) and find
them; carts apply them (storecrm.commerce.discounts), checkout counts their uses.

A code is unique per store, compared case-insensitively; it keeps the spelling it was given. DECISIONS: a code
is made `active` unless the body says otherwise; codes are managed with the store's offers right (like the
Pelcro dialect's coupons); `promo_code.created|updated|deleted` events are written in the change's
transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator

from storecrm.clock import new_id, now
from storecrm.commerce.models.promo_codes import (
    PROMO_CODE_NOT_FOUND,
    Condition,
    Discount,
    PromoCode,
    PromoCodeStatus,
)
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import ValidationFailed
from storecrm.kernel.fields import Command
from storecrm.kernel.models.events import OutboxEvent
from storecrm.stores.permissions import Action

if TYPE_CHECKING:
    from storecrm.commerce.models.orders import Order
    from storecrm.commerce.repositories.promo_codes import PromoCodeRepository
    from storecrm.identity.auth import Principal
    from storecrm.kernel.repositories.table import Write
    from storecrm.stores.access import StoreGuard

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                            description="Letters, digits, - and _; unique per store, case-insensitive")]
Discounts = Annotated[list[Discount], Field(min_length=1, max_length=20)]
Conditions = Annotated[list[Condition], Field(max_length=6)]
Id = Annotated[str, Field(min_length=1, max_length=64)]


def _one_of_each(conditions: list[Condition] | None) -> list[Condition] | None:
    if conditions is not None:
        kinds = [c.type for c in conditions]
        twice = sorted({k for k in kinds if kinds.count(k) > 1})
        if twice:
            raise ValueError(f"each condition kind at most once ({', '.join(twice)} given twice)")
    return conditions


class NewPromoCode(Command):
    """The client's CreatePromoCodeParams."""

    store_id: str | None = Field(default=None, max_length=64)
    code: Code
    discounts: Discounts
    conditions: Conditions = Field(default_factory=list)
    status: PromoCodeStatus = "active"

    _conditions = field_validator("conditions")(_one_of_each)


class PromoCodeChanges(Command):
    """The client's UpdatePromoCodeParams: the fields sent replace the code's."""

    id: Id | None = Field(default=None, description="May repeat the path's id")
    store_id: str | None = Field(default=None, max_length=64)
    code: Code | None = None
    discounts: Discounts | None = None
    conditions: Conditions | None = None
    status: PromoCodeStatus | None = None

    _conditions = field_validator("conditions")(_one_of_each)


class PromoCodeQuery(Command):
    """The client's GetPromoCodesParams; `query` matches the start of a code, case-insensitively. The filters
    thin the page read (a page may hold fewer than `limit` while the cursor goes on)."""

    ids: list[Id] | None = Field(default=None, max_length=100)
    query: Annotated[str, Field(max_length=64)] | None = None
    status: PromoCodeStatus | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None
    sort_field: Literal["created_at"] = "created_at"
    sort_direction: Literal["asc", "desc"] = "desc"
    created_at_from: int | None = Field(default=None, ge=0)
    created_at_to: int | None = Field(default=None, ge=0)

    def matches(self, promo: PromoCode) -> bool:
        return ((not self.ids or promo.id in self.ids)
                and (not self.query or promo.code.upper().startswith(self.query.strip().upper()))
                and (self.status is None or promo.status == self.status)
                and (self.created_at_from is None or promo.created_at >= self.created_at_from)
                and (self.created_at_to is None or promo.created_at <= self.created_at_to))


class _FindPosition(Model):
    model_config = {"extra": "forbid"}
    direction: str
    key: dict[str, str]


def promo_code_event(type_: str, promo: PromoCode) -> OutboxEvent:
    return OutboxEvent.new(type_, promo.store_id, {"promo_code": promo.model_dump(mode="json",
                                                                                  exclude={"revision"})})


# The order history's entry of a use given back: an order gives its use back once.
RETURNED = "promo_code_returned"


def owes_return(before: Order, after: Order) -> bool:
    """Whether the change gives the order's use of its code back: it is cancelled, or its payment is refunded in
    full, now, and it has not given it back already."""
    if not after.payment.promo_code or any(h.action == RETURNED for h in before.history):
        return False
    return after.status == "cancelled" or 0 < after.payment.total <= after.refunded


class PromoReturns:
    """A cancelled or fully refunded order's use of its code given back, in the order's own transaction: on the
    profile's facts, and on the code when it is still the one the order used (read first, one GetItem; a code
    deleted or renamed since has no use of this order to give back)."""

    def __init__(self, promo_codes: PromoCodeRepository) -> None:
        self.promo_codes = promo_codes

    def __call__(self, before: Order, after: Order, at: int) -> tuple[Order, list[Write]]:
        """`after` with the return in its history, and the writes that give the use back (none: nothing owed)."""
        if not owes_return(before, after):
            return after, []
        from storecrm.commerce.models.orders import HistoryEntry

        used = after.payment.promo_code or {}
        promo_id, code = str(used.get("id")), str(used.get("code"))
        writes = [self.promo_codes.profile_use_returned(after.store_id, after.profile_id, promo_id)]
        promo = self.promo_codes.by_code(after.store_id, code)
        if promo is not None and promo.id == promo_id and promo.uses > 0:
            writes.append(self.promo_codes.given_back(after.store_id, promo_id, code))
        entry = HistoryEntry(action=RETURNED, reason=code, timestamp=at)
        return after.model_copy(update={"history": [*after.history, entry]}), writes


class PromoCodeService:
    def __init__(self, promo_codes: PromoCodeRepository, guard: StoreGuard) -> None:
        self.promo_codes = promo_codes
        self.guard = guard

    def create(self, principal: Principal, store_id: str, request: NewPromoCode) -> PromoCode:
        """The access check, then one transaction (the code's key is its uniqueness)."""
        self.guard.enter(principal, store_id, Action.MANAGE_OFFERS)
        at = now()
        promo = PromoCode(id=new_id(), store_id=store_id, code=request.code, discounts=request.discounts,
                          conditions=request.conditions, status=request.status, created_at=at, updated_at=at)
        self.promo_codes.create(promo, [promo_code_event("promo_code.created", promo)])
        return promo

    def get(self, principal: Principal, store_id: str, id_or_code: str) -> PromoCode:
        """By code: one BatchGetItem with the access check; by id: one Query more."""
        code_key = self.promo_codes.item_key(store_id, id_or_code)
        found = self.guard.enter(principal, store_id, Action.MANAGE_OFFERS, extra=[code_key]).view.extras
        promo = self.promo_codes.from_item(found.get(code_key))
        if promo is None or promo.store_id != store_id:
            promo = self.promo_codes.by_id(store_id, id_or_code)
        if promo is None or promo.store_id != store_id:
            raise PROMO_CODE_NOT_FOUND
        return promo

    def update(self, principal: Principal, store_id: str, promo_code_id: str, changes: PromoCodeChanges) -> PromoCode:
        """Three calls: the access check, the code by id, one transaction (on the revision and uses read)."""
        if changes.id is not None and changes.id != promo_code_id:
            raise ValidationFailed.on("id", "does not match the path")
        promo = self.get(principal, store_id, promo_code_id)
        values: dict[str, Any] = {name: getattr(changes, name) for name in ("code", "discounts", "conditions", "status")
                  if name in changes.model_fields_set and getattr(changes, name) is not None}
        changed = promo.model_copy(update=values)
        if changed == promo:
            return promo
        saved = changed.model_copy(update={"revision": promo.revision + 1, "updated_at": now()})
        self.promo_codes.save(saved, promo, [promo_code_event("promo_code.updated", saved)])
        return saved

    def delete(self, principal: Principal, store_id: str, promo_code_id: str) -> None:
        """Orders keep the code they used (their payment's `promo_code`); a deleted code is no longer applied."""
        promo = self.get(principal, store_id, promo_code_id)
        self.promo_codes.delete(promo, [promo_code_event("promo_code.deleted", promo)])

    def find(self, principal: Principal, store_id: str, q: PromoCodeQuery) -> tuple[list[PromoCode], str | None]:
        """The access check, then one Query of the store's codes by id (creation order)."""
        self.guard.enter(principal, store_id, Action.MANAGE_OFFERS)
        start = cursors.decode(q.cursor, _FindPosition)
        if start is not None and start.direction != q.sort_direction:
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        page, last = self.promo_codes.list_page(store_id, forward=q.sort_direction == "asc", limit=q.limit,
                                                after=start.key if start else None)
        cursor = cursors.encode(_FindPosition(direction=q.sort_direction, key=last)) if last else None
        return [p for p in page if q.matches(p)], cursor
