"""A store's media library: uploaded files, and uploads still on their way (presigned POSTs)."""

from __future__ import annotations

from pydantic import Field

from storecrm.kernel.models.base import Entity


class Media(Entity):
    id: str
    store_id: str
    key: str  # the object's key in the stack's bucket
    name: str  # the file's name as uploaded
    mime_type: str  # read from the file's bytes, never taken from the client
    size: int
    width: int | None = None
    height: int | None = None
    alt: str | None = None
    title: str | None = None
    description: str | None = None
    slug: dict[str, str] = Field(default_factory=dict)  # per language, as the arky client edits it
    created_at: int
    updated_at: int


class MediaUpload(Entity):
    """A presigned upload handed out; completing it makes the Media of the same id. It is kept, completed, until
    `complete_by`, when the scheduler deletes it and whatever its form put at its pending key since."""

    id: str
    store_id: str
    key: str  # where its form uploads to (the pending key); a completed upload's object moves to the media key
    name: str
    mime_type: str  # what the client said it will send; the completed object must be that
    size: int  # likewise, in bytes
    created_at: int
    # Not `expires_at`, the table's TTL attribute: the scheduler, not TTL, forgets it, so that its object goes too.
    complete_by: int
    completed_at: int | None = None
