"""A store's promo codes: one item per code, keyed by the code upper-cased (so a code is unique per store without a
marker, and a cart's code is read by key with the cart's other items), listed by id on GSI1. Its `uses` are
counted on it by checkouts (ADD, on the condition that the code is still active and not used up) and given back
by cancellations, in the order's transaction; staff changes write on the revision and the uses read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storecrm.commerce.models.promo_codes import PROMO_CODE_CHANGED, PROMO_CODE_NOT_FOUND, PromoCode
from storecrm.commerce.repositories.profile_facts import PromoUse, facts_change
from storecrm.kernel.errors import Conflict, DomainError
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, outbox_write, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put, update

if TYPE_CHECKING:
    from collections.abc import Sequence

    from storecrm.kernel.models.events import OutboxEvent

Position = dict[str, str]


def code_taken(code: str) -> Conflict:
    return Conflict(f"A promo code '{code}' already exists in this store", "PROMO_CODE.CODE_TAKEN")


def _item(promo: PromoCode) -> Item:
    return to_item(promo, keys.promo_code(promo.store_id, promo.code), "PROMOCODE",
                   **keys.promo_code_index_keys(promo.store_id, promo.id))


class PromoCodeRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(store_id: str, code: str) -> keys.Key:
        return keys.promo_code(store_id, code)

    @staticmethod
    def from_item(item: Item | None) -> PromoCode | None:
        return from_item(PromoCode, item)

    @staticmethod
    def profile_uses_key(store_id: str, profile_id: str) -> keys.Key:
        """A profile's uses of each code are counted on its commerce facts item."""
        return keys.profile_commerce(store_id, profile_id)

    @staticmethod
    def profile_uses(facts: Item | None, promo_code_id: str) -> int:
        return int((facts or {}).get(keys.promo_uses_attribute(promo_code_id), 0))

    @staticmethod
    def profile_use(promo: PromoCode, exhausted: DomainError) -> PromoUse:
        """The checkout's use counted on the profile's facts (in the facts write the checkout makes anyway), on
        the condition that `max_uses_per_user` still holds; else `exhausted`."""
        return PromoUse(promo.id, 1, promo.limit("max_uses_per_user"), exhausted)

    @staticmethod
    def profile_use_returned(store_id: str, profile_id: str, promo_code_id: str) -> Write:
        return facts_change(store_id, profile_id, promo=PromoUse(promo_code_id, -1))

    # ------------------------------------------------------------------ reads
    def by_code(self, store_id: str, code: str) -> PromoCode | None:
        return self.from_item(self.table.get(self.item_key(store_id, code)))

    def by_id(self, store_id: str, promo_code_id: str) -> PromoCode | None:
        """One Query of the store's id index."""
        page = self.table.query(keys.promo_codes_of(store_id), index="GSI1", sk_between=(promo_code_id, promo_code_id),
                                limit=1)
        return next((p for item in page.items if (p := self.from_item(item)) is not None), None)

    def list_page(self, store_id: str, *, forward: bool, limit: int,
                  after: Position | None) -> tuple[list[PromoCode], Position | None]:
        """One Query of the store's id index (UUIDv7 ids: creation order)."""
        partition = keys.promo_codes_of(store_id)
        check_cursor(after, partition, "GSI1")
        page = self.table.query(partition, index="GSI1", limit=limit, start_key=after, forward=forward)
        found = [p for item in page.items if (p := self.from_item(item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return found, last

    # ------------------------------------------------------------------ staff writes
    def create(self, promo: PromoCode, events: Sequence[OutboxEvent]) -> None:
        self.table.transact([put(_item(promo), unless_exists=code_taken(promo.code)),
                             *[outbox_write(e) for e in events]])

    def save(self, promo: PromoCode, previous: PromoCode, events: Sequence[OutboxEvent]) -> None:
        """Writes the change if nobody changed the code and no checkout used it since `previous` was read; a new
        code moves the item (its old key goes, the new one must be free)."""
        seen = {":seen": previous.revision, ":uses": previous.uses, ":id": previous.id}
        unchanged = "id = :id AND revision = :seen AND uses = :uses"
        if keys.promo_code(promo.store_id, promo.code) == keys.promo_code(previous.store_id, previous.code):
            writes = [put(_item(promo), condition=unchanged, values=seen, error=PROMO_CODE_CHANGED)]
        else:
            writes = [delete(self.item_key(previous.store_id, previous.code), condition=unchanged, values=seen,
                             error=PROMO_CODE_CHANGED),
                      put(_item(promo), unless_exists=code_taken(promo.code))]
        self.table.transact([*writes, *[outbox_write(e) for e in events]])

    def delete(self, promo: PromoCode, events: Sequence[OutboxEvent]) -> None:
        self.table.transact([delete(self.item_key(promo.store_id, promo.code), condition="id = :id",
                                    values={":id": promo.id}, error=PROMO_CODE_NOT_FOUND),
                             *[outbox_write(e) for e in events]])

    # ------------------------------------------------------------------ checkout and give-back writes
    def used(self, promo: PromoCode, exhausted: DomainError) -> Write:
        """One more use, in the order's transaction: only while the code is the one read, still active and (with
        `max_uses`) not used up; else `exhausted` and nothing of the order is written."""
        condition = "id = :id AND #status = :active"
        values: Item = {":id": promo.id, ":active": "active", ":one": 1}
        most = promo.limit("max_uses")
        if most is not None:
            condition += " AND uses < :most"
            values[":most"] = most
        return update(self.item_key(promo.store_id, promo.code), "ADD uses :one", condition=condition,
                      names={"#status": "status"}, values=values, error=exhausted)

    def given_back(self, store_id: str, promo_code_id: str, code: str) -> Write:
        """One use less (a cancelled or fully refunded order's), if the code is still the one the order used."""
        return update(self.item_key(store_id, code), "ADD uses :minus", condition="id = :id AND uses > :zero",
                      values={":id": promo_code_id, ":minus": -1, ":zero": 0}, error=PROMO_CODE_CHANGED)
