"""Clienteling opt-ins: one item per profile naming its consent at each location (the record of truth), a copy
per profile and location (a location's list, in profile id order), and a consumer counter per location; all
in the store partition, so they are purged with the store."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.crm.models.clienteling import ClientelingOptIn, ProfileOptIns
from storecrm.kernel.errors import Conflict, DomainError
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import default_table, from_item, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, check, delete, put, update

OPT_INS_CHANGED = Conflict("The profile's clienteling consent changed meanwhile; try again", "CLIENTELING.CONFLICT")


class _AlreadyForgotten(Conflict):
    def __init__(self) -> None:
        super().__init__("A gone profile's opt-ins were removed meanwhile")


def _count_change(store_id: str, location_id: str, delta: int) -> Write:
    return update(keys.clienteling_count(store_id, location_id), "ADD consumers :delta", values={":delta": delta})


class ClientelingRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def profile_key(store_id: str, profile_id: str) -> keys.Key:
        return keys.clienteling_of_profile(store_id, profile_id)

    @staticmethod
    def count_key(store_id: str, location_id: str) -> keys.Key:
        return keys.clienteling_count(store_id, location_id)

    @staticmethod
    def opt_ins_from(item: Item | None, store_id: str, profile_id: str) -> ProfileOptIns:
        return from_item(ProfileOptIns, item) or ProfileOptIns(store_id=store_id, profile_id=profile_id)

    @staticmethod
    def count_from(item: Item | None) -> int:
        return max(int(str(item.get("consumers", 0))), 0) if item else 0

    def load(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, Item]:
        return self.table.get_many(wanted)

    def save(self, opt_ins: ProfileOptIns, previous: ProfileOptIns, changed: Sequence[str],
             must_exist: Sequence[tuple[keys.Key, DomainError]]) -> None:
        """The profile's consents and the list entries of the `changed` locations in one transaction, unless
        someone changed them since `previous` was read or an item of `must_exist` is gone; a location the
        profile had no state at counts one more consumer."""
        writes: list[Write] = [check(key, "attribute_exists(PK)", error=error) for key, error in must_exist]
        key = self.profile_key(opt_ins.store_id, opt_ins.profile_id)
        item = to_item(opt_ins, key, "CLIENTELINGPROFILE")
        writes.append(put(item, condition="revision = :seen", values={":seen": previous.revision},
                          error=OPT_INS_CHANGED) if previous.revision
                      else put(item, unless_exists=OPT_INS_CHANGED))
        for location_id in changed:
            entry = ClientelingOptIn(**opt_ins.locations[location_id].model_dump(), store_id=opt_ins.store_id,
                                     location_id=location_id, profile_id=opt_ins.profile_id)
            writes.append(put(to_item(entry, keys.clienteling(opt_ins.store_id, location_id, opt_ins.profile_id),
                                      "CLIENTELING")))
            if location_id not in previous.locations:
                writes.append(_count_change(opt_ins.store_id, location_id, 1))
        self.table.transact(writes)

    def window(self, store_id: str, location_id: str, *, offset: int, count: int) -> list[ClientelingOptIn]:
        """Entries offset .. offset + count of a location's list, in profile id order: reads offset + count
        entries at most (in Query pages of up to 1 MB)."""
        found: list[Item] = []
        start = None
        while len(found) < offset + count:
            page = self.table.query(keys.store_partition(store_id), sk_prefix=keys.clienteling_prefix(location_id),
                                    limit=offset + count - len(found), start_key=start)
            found += page.items
            if not page.last_key:
                break
            start = page.last_key
        return [o for item in found[offset:] if (o := from_item(ClientelingOptIn, item)) is not None]

    def forget(self, store_id: str, profile_id: str) -> bool:
        """Removes a gone profile's opt-ins everywhere, and each location's count of it, in one transaction.
        False when there were none, or a concurrent call removed them first."""
        key = self.profile_key(store_id, profile_id)
        opt_ins = self.opt_ins_from(self.table.get(key, consistent=True), store_id, profile_id)
        if not opt_ins.revision:
            return False
        writes: list[Write] = [delete(key, condition="revision = :seen", values={":seen": opt_ins.revision},
                                      error=_AlreadyForgotten())]
        for location_id in opt_ins.locations:
            writes += [delete(keys.clienteling(store_id, location_id, profile_id)),
                       _count_change(store_id, location_id, -1)]
        try:
            self.table.transact(writes)
        except _AlreadyForgotten:
            return False
        return True
