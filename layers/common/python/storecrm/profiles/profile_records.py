"""What other contexts keep about a profile and must follow it: moved to the target of a merge, removed with its
erasure. The profiles context calls them through this protocol; the composition root (services.py) hands it the
repositories that keep such records (the activity timeline's, in the crm context), so no lower context imports
a higher one."""

from __future__ import annotations

from typing import Protocol


class ProfileRecords(Protocol):
    def move(self, store_id: str, source_id: str, target_id: str) -> int:
        """Re-files the source's records under the target (idempotent: run again, it finishes); how many moved."""
        ...

    def erase(self, store_id: str, profile_id: str) -> int:
        """Deletes the profile's records; how many went."""
        ...
