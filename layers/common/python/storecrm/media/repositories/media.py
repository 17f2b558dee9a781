"""A store's media items, its pending presigned uploads and its media usage, all in the store partition (purged
with it). Every write of an item changes the usage in the same transaction; see media/media.py."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.kernel.base_model import Model
from storecrm.kernel.cursors import BAD_CURSOR
from storecrm.kernel.errors import Conflict, NotFound, PaymentRequired, ValidationFailed
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, outbox_write, to_item
from storecrm.kernel.repositories.objects import store_prefix
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put, update
from storecrm.media.models.media import Media, MediaUpload

MEDIA_GONE = NotFound("Media not found", "MEDIA.NOT_FOUND")
UPLOAD_GONE = NotFound("No upload is waiting for this media id", "MEDIA.UPLOAD_NOT_FOUND")
OVER_QUOTA = PaymentRequired("The store's plan has no room for these bytes of media (limits.media_bytes); another "
                             "upload took it meanwhile", "BILLING.LIMIT_REACHED")

Position = dict[str, str]


class MediaUsage(Model):
    bytes: int = 0
    items: int = 0


def _usage_change(store_id: str, size: int, items: int, cap: int | None) -> Write:
    """Adds `size` bytes and `items` items to the usage (negative to take away); an addition must leave the
    usage within `cap`."""
    values: Item = {":bytes": size, ":items": items}
    condition = None
    if cap is not None and size > 0:
        condition = "attribute_not_exists(#bytes) OR #bytes <= :room"
        values[":room"] = cap - size
    return update(keys.media_usage(store_id), "ADD #bytes :bytes, #items :items", condition=condition,
                  names={"#bytes": "bytes", "#items": "items"}, values=values, error=OVER_QUOTA)


class MediaRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def object_key(store_id: str, media_id: str, extension: str) -> str:
        return f"{store_prefix(store_id)}media/{media_id}.{extension}"

    @staticmethod
    def pending_object_key(store_id: str, media_id: str, extension: str) -> str:
        """Where a presigned form uploads to: apart from the library's objects, so a form used again after its
        upload was completed cannot replace a checked file."""
        return f"{store_prefix(store_id)}uploads/{media_id}.{extension}"

    @staticmethod
    def item_key(store_id: str, media_id: str) -> keys.Key:
        return keys.media(store_id, media_id)

    @staticmethod
    def upload_key(store_id: str, media_id: str) -> keys.Key:
        return keys.media_upload(store_id, media_id)

    @staticmethod
    def usage_key(store_id: str) -> keys.Key:
        return keys.media_usage(store_id)

    @staticmethod
    def from_item(item: Item | None) -> Media | None:
        return from_item(Media, item)

    @staticmethod
    def upload_from_item(item: Item | None) -> MediaUpload | None:
        return from_item(MediaUpload, item)

    @staticmethod
    def usage_from_item(item: Item | None) -> MediaUsage:
        return from_item(MediaUsage, item) or MediaUsage()

    def list_page(self, store_id: str, *, forward: bool, limit: int,
                  after: Position | None) -> tuple[list[Media], Position | None]:
        """One Query of the store partition's media items, in upload order (UUIDv7 ids)."""
        partition = keys.store_partition(store_id)
        check_cursor(after, partition)
        if after is not None and not after["SK"].startswith(keys.MEDIA_PREFIX):
            raise ValidationFailed.on("cursor", BAD_CURSOR)
        page = self.table.query(partition, sk_prefix=keys.MEDIA_PREFIX, limit=limit, start_key=after, forward=forward)
        media = [m for item in page.items if (m := self.from_item(item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return media, last

    def create(self, made: Sequence[Media], cap: int | None, events: Sequence[OutboxEvent]) -> None:
        self.table.transact([
            *[put(to_item(m, self.item_key(m.store_id, m.id), "MEDIA"), unless_exists=Conflict("Media id collision"))
              for m in made],
            _usage_change(made[0].store_id, sum(m.size for m in made), len(made), cap),
            *[outbox_write(e) for e in events],
        ])

    def start_upload(self, pending: MediaUpload) -> None:
        self.table.write(put(to_item(pending, self.upload_key(pending.store_id, pending.id), "MEDIAUPLOAD",
                                     **keys.media_upload_due(pending.store_id, pending.id, pending.complete_by)),
                             unless_exists=Conflict("Media id collision")))

    def due_uploads(self, now: int, limit: int = 50) -> list[MediaUpload]:
        """Uploads whose `complete_by` passed (completed or not), oldest first: one Query of the sparse DueIndex
        (keys only), then one BatchGetItem for their pending keys."""
        page = self.table.query(keys.MEDIA_UPLOADS_DUE, index="DueIndex", limit=limit,
                                sk_between=("0", f"{now:010d}~"))
        found = self.table.get_many([(str(i["PK"]), str(i["SK"])) for i in page.items]) if page.items else {}
        return [u for item in found.values() if (u := self.upload_from_item(item)) is not None]

    def forget_upload(self, pending: MediaUpload) -> bool:
        """Deletes the upload as it was read: not completed, on the condition that it still is not (a completion
        that got there first wins; then False); completed, on the condition that it exists."""
        condition = "attribute_exists(PK)"
        if pending.completed_at is None:
            condition += " AND (attribute_not_exists(completed_at) OR attribute_type(completed_at, :null))"
        try:
            self.table.write(delete(self.upload_key(pending.store_id, pending.id), condition=condition,
                                    values={":null": "NULL"} if pending.completed_at is None else None,
                                    error=UPLOAD_GONE))
        except NotFound:
            return False
        return True

    def complete(self, media: Media, cap: int | None, event: OutboxEvent) -> None:
        """The media item is made, and the upload marked completed (kept for the scheduler, which deletes whatever
        its form uploaded since): a second complete at the same moment finds it completed."""
        self.table.transact([
            update(self.upload_key(media.store_id, media.id), "SET completed_at = :at",
                   condition="attribute_exists(PK) AND (attribute_not_exists(completed_at) "
                             "OR attribute_type(completed_at, :null))",
                   values={":at": media.created_at, ":null": "NULL"}, error=UPLOAD_GONE),
            put(to_item(media, self.item_key(media.store_id, media.id), "MEDIA"), unless_exists=UPLOAD_GONE),
            _usage_change(media.store_id, media.size, 1, cap),
            outbox_write(event),
        ])

    def update(self, media: Media) -> None:
        self.table.write(put(to_item(media, self.item_key(media.store_id, media.id), "MEDIA"),
                             condition="attribute_exists(PK)", error=MEDIA_GONE))

    def delete(self, media: Media, event: OutboxEvent) -> None:
        self.table.transact([
            delete(self.item_key(media.store_id, media.id), condition="attribute_exists(PK)", error=MEDIA_GONE),
            _usage_change(media.store_id, -media.size, -1, None),
            outbox_write(event),
        ])
