"""The data migrations that know profiles and orders (the framework that runs them: storecrm.kernel.migrations)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storecrm.commerce.repositories.orders import OrderRepository
    from storecrm.kernel.repositories.table import Item
    from storecrm.profiles.repositories.profiles import ProfileRepository


class ProfileEntries:
    """0001: what a profile or an order written before the NewStore dialect (or its deep-offset entries) lacks
    beside it. A profile: its share of the store's profile count, its `q`/filter entries (contact terms, creator,
    extended attributes) and its list-order entries, with every other index item a fresh write makes
    (ProfileRepository.backfill_entries). An order: every list index key a fresh write gives it
    (OrderRepository.backfill_index_keys)."""

    version = "0001-profile-entries"
    entities: tuple[str, ...] = ("PROFILE", "ORDER")

    def __init__(self, profiles: ProfileRepository, orders: OrderRepository) -> None:
        self.profiles = profiles
        self.orders = orders

    def migrate(self, items: Sequence[Item]) -> int:
        changed = self.profiles.backfill_page([i for i in items if i.get("entity") == "PROFILE"])
        return changed + sum(self.orders.backfill_index_keys(i) for i in items if i.get("entity") == "ORDER")
