"""Customers' profile pictures in the stack's bucket, under their store's prefix."""

from __future__ import annotations

from storecrm.clock import new_id
from storecrm.kernel.repositories.objects import ObjectStore, store_prefix


class ProfilePhotoRepository:
    def __init__(self, bucket: str | None = None) -> None:
        self.objects = ObjectStore(bucket)

    @staticmethod
    def new_key(store_id: str, profile_id: str, extension: str) -> str:
        """A new name for every upload, so a link handed out for an earlier picture never shows a later one."""
        return f"{store_prefix(store_id)}profiles/{profile_id}/photo-{new_id()}.{extension}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects.put(key, data, content_type)

    def delete(self, key: str) -> None:
        self.objects.delete(key)

    def link(self, key: str, lifetime: int) -> str:
        """A presigned GET for the picture, working for `lifetime` seconds (signed here; no call is made)."""
        return self.objects.link(key, lifetime)
