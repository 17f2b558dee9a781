"""Store media as the arky-style API answers it.

The arky client's Media type reads the file's link at `resolutions.original.url`; the issue's flat fields
(`key`, `url`, `size`, `width`, `height`, `name`) are there too. One resolution: files are kept as uploaded.
"""

from __future__ import annotations

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.media.models.media import Media


class MediaResolutionOut(Out):
    id: str
    size: str = Field(description="Which resolution: `original`")
    url: str


class MediaOut(Out):
    id: str
    store_id: str
    key: str = Field(description="The object's key in the stack's bucket")
    name: str = Field(description="The file name as uploaded")
    url: str = Field(description="A presigned link that works for a while, or the operator's public URL")
    mime_type: str
    size: int = Field(description="Bytes")
    width: int | None = None
    height: int | None = None
    alt: str | None = None
    title: str | None = None
    description: str | None = None
    slug: dict[str, str] = Field(description="Language id -> slug")
    resolutions: dict[str, MediaResolutionOut]
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, media: Media, url: str) -> MediaOut:
        original = MediaResolutionOut(id=media.id, size="original", url=url)
        return cls.model_validate({**media.model_dump(), "url": url, "resolutions": {"original": original}})


class UploadFormOut(Out):
    url: str = Field(description="POST the form here: the fields first, then the file as the part named file")
    fields: dict[str, str]
    media_id: str = Field(description="Complete the upload with POST .../media/{media_id}/complete")
