"""A store's media library: files its staff upload, kept private in the stack's bucket under the store's prefix.

- Two ways in. Small files come in the request itself (multipart/form-data, up to MAX_DIRECT_BYTES a request,
  the most API Gateway passes to a function). Larger ones go straight to S3 with a presigned POST
  (`start_upload`), after which `complete` checks what actually arrived before the file joins the library.
- The type is read from the file's bytes (kernel/file_types.py), never taken from the client; only
  ALLOWED_TYPES are kept. An SVG is stored as media/svg_sanitiser.py rebuilds it (nothing that runs script or
  fetches is kept) and is served as an attachment. Images get their size in pixels from their header.
- A presigned form uploads to a pending key; completing the upload checks that object and moves it (the checked
  version only) to the media key, so using the form again afterwards cannot replace a checked file.
- The store's plan may cap the bytes of its library (limits.media_bytes). A usage item holds the bytes and
  items the store has; every write of a media item changes it in the same transaction, on the condition that
  the cap still holds, so two uploads at the same moment cannot both pass it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field

from storecrm.clock import new_id, now
from storecrm.kernel import cursors
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import Conflict, DomainError, FieldError, NotFound, ObjectChanged, ValidationFailed
from storecrm.kernel.fields import Command, SortDirection, WholeNumber
from storecrm.kernel.file_types import HEAD_BYTES, FileType, identify
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.rules import refuse_control_characters
from storecrm.media.media_fetch import UrlFetcher, fetch_files
from storecrm.media.models.media import Media, MediaUpload
from storecrm.stores.permissions import Action
from storecrm.stores.plan_limits import check_bytes_room

if TYPE_CHECKING:
    from storecrm.config import Settings
    from storecrm.identity.auth import Principal
    from storecrm.kernel.jobs import Jobs
    from storecrm.kernel.repositories.keys import Key
    from storecrm.kernel.repositories.objects import ObjectStore, StoredObject
    from storecrm.media.repositories.media import MediaRepository, MediaUsage
    from storecrm.stores.access import StoreAccess, StoreGuard

MB = 1024 * 1024
# A request's body: what API Gateway passes on to a function (Lambda takes 6 MB; the body arrives base64).
MAX_DIRECT_BYTES = 6 * MB
MAX_FILES = 10
# A presigned upload: one S3 POST.
MAX_UPLOAD_BYTES = 1024 * MB
# An SVG is read whole and rebuilt (media/svg_sanitiser.py).
MAX_SVG_BYTES = 2 * MB
SVG = "image/svg+xml"
# How an SVG is served: a browser opening its link downloads it instead of running it as a document on the
# bucket's (or the CDN's) origin; an <img> showing it ignores this and never runs script anyway.
SVG_DISPOSITION = "attachment"
# How long a presigned POST works, and how long after it was handed out the upload may be completed (a large
# file started late in the window may take a while); after that the scheduler deletes it and its object.
UPLOAD_WINDOW = 3600
COMPLETE_WITHIN = 2 * UPLOAD_WINDOW
MAX_IDS = 50
ALLOWED_TYPES = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/avif", "image/heic", "image/svg+xml",
    "application/pdf",
    "audio/mpeg", "audio/aac", "audio/mp4", "audio/wav", "audio/ogg", "audio/flac",
    "video/mp4", "video/quicktime", "video/webm", "video/x-matroska", "video/x-msvideo", "video/3gpp",
    "text/plain", "text/csv",
})
# Names clients use for the types above.
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
            "audio/mp3": "audio/mpeg", "audio/x-wav": "audio/wav", "audio/wave": "audio/wav",
            "audio/x-flac": "audio/flac", "audio/x-m4a": "audio/mp4", "video/avi": "video/x-msvideo",
            "application/x-pdf": "application/pdf"}
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp",
               "image/avif": "avif", "image/heic": "heic", "image/svg+xml": "svg", "application/pdf": "pdf",
               "audio/mpeg": "mp3", "audio/aac": "aac", "audio/mp4": "m4a", "audio/wav": "wav", "audio/ogg": "ogg",
               "audio/flac": "flac", "video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm",
               "video/x-matroska": "mkv", "video/x-msvideo": "avi", "video/3gpp": "3gp", "text/plain": "txt",
               "text/csv": "csv"}
MEDIA_NOT_FOUND = NotFound("Media not found", "MEDIA.NOT_FOUND")

FileName = Annotated[str, AfterValidator(refuse_control_characters), Field(min_length=1, max_length=255)]


class UnsupportedMedia(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "MEDIA.UNSUPPORTED_TYPE", 415)


class MediaTooLarge(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "MEDIA.TOO_LARGE", 413)


def canonical_type(mime_type: str) -> str:
    bare = mime_type.split(";", 1)[0].strip().lower()
    return _ALIASES.get(bare, bare)


def _refused_type(name: str, found: str | None) -> UnsupportedMedia:
    kind = f"a {found} file" if found else "of a type this library does not keep"
    return UnsupportedMedia(f"'{name}' is {kind}; upload images, PDF, audio, video, plain text or CSV")


def checked_file(name: str, start: bytes, declared: str | None = None) -> FileType:
    """What the file beginning with `start` is, if the library keeps it."""
    found = identify(start[:HEAD_BYTES], filename=name, declared=declared)  # the head tells the type
    if found is None or found.mime_type not in ALLOWED_TYPES:
        raise _refused_type(name, found.mime_type if found else None)
    return found


def passive_svg(name: str, data: bytes) -> bytes:
    """The SVG as it is stored: rebuilt from what cannot run script or fetch (see media/svg_sanitiser.py)."""
    from storecrm.media.svg_sanitiser import UnsafeSvg, sanitised_svg

    try:
        return sanitised_svg(data)
    except UnsafeSvg as exc:
        raise UnsupportedMedia(f"'{name}' cannot be kept as an SVG: {exc}; upload a well-formed SVG document, or "
                               "the drawing as PNG") from None


def disposition(mime_type: str) -> str | None:
    return SVG_DISPOSITION if mime_type == SVG else None


# ---------------------------------------------------------------- commands
@dataclass(frozen=True)
class IncomingFile:
    """A file part of a multipart upload."""

    name: str
    content_type: str | None
    data: bytes


class UploadRequest(Command):
    """A presigned upload of one file: what the client says it will send (the upload is held to it)."""

    filename: FileName
    mime_type: str = Field(min_length=1, max_length=255)
    size: WholeNumber = Field(ge=1, description="Bytes")


class MediaChanges(Command):
    """What staff may edit; a field sent as null is cleared, one left out is kept."""

    alt: str | None = Field(default=None, max_length=1000)
    title: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    slug: dict[Annotated[str, Field(min_length=1, max_length=35)], Annotated[str, Field(max_length=200)]] | None = \
        Field(default=None, max_length=50, description="Per language")


class MediaQuery(Command):
    """The client's GetStoreMediaParams (`ids` arrives comma-joined)."""

    ids: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(default=None, max_length=MAX_IDS)
    query: str | None = Field(default=None, max_length=200, description="Part of a file name or title")
    mime_type: str | None = Field(default=None, max_length=100, description="A type or its start: image/, video/mp4")
    sort_field: Literal["created_at"] = "created_at"
    sort_direction: SortDirection = "desc"
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None

    def matches(self, media: Media) -> bool:
        words = self.query.lower() if self.query else None
        return ((words is None or words in media.name.lower() or words in (media.title or "").lower())
                and (not self.mime_type or media.mime_type.startswith(self.mime_type.lower())))


@dataclass(frozen=True)
class UploadForm:
    url: str
    fields: dict[str, str]
    media_id: str


class _ListPosition(Model):
    model_config = {"extra": "forbid"}
    direction: str
    key: dict[str, str]


# ---------------------------------------------------------------- service
class MediaLibrary:
    def __init__(self, media: MediaRepository, objects: ObjectStore, guard: StoreGuard, config: Settings,
                 fetcher: Callable[[], UrlFetcher] | None = None) -> None:
        self.media = media
        self.objects = objects
        self.guard = guard
        self.config = config
        self.fetcher = fetcher  # made on first use: its TLS imports stay out of the cold start

    def link(self, media: Media) -> str:
        """The operator's public base URL and the key (the object's own headers apply), or else a presigned GET
        with a bounded lifetime (which also asks S3 to serve an SVG as an attachment, whenever it was stored)."""
        if self.config.media_public_base_url:
            return f"{self.config.media_public_base_url.rstrip('/')}/{media.key}"
        return self.objects.link(media.key, self.config.media_link_ttl, media.mime_type, disposition(media.mime_type))

    # ------------------------------------------------------------------ uploads
    def upload(self, principal: Principal, store_id: str, files: Sequence[IncomingFile],
               urls: Sequence[str] = ()) -> list[Media]:
        """Files sent in the request: checked, stored, then recorded with the usage in one transaction (calls:
        the store access, one PutObject a file, the transaction). Files named by `urls` are fetched once the
        store access passed (media/media_fetch.py), then checked and stored like the others."""
        entered = None
        if urls:
            if self.fetcher is None:
                raise ValidationFailed.on("urls", "uploading from a URL is not available here; send the file itself")
            entered = self._enter(principal, store_id, Action.MANAGE_MEDIA)  # nobody else makes it fetch
            room = MAX_DIRECT_BYTES - sum(len(f.data) for f in files)
            files = [*files, *[IncomingFile(f.name, f.content_type, f.data)
                               for f in fetch_files(self.fetcher(), urls, room)]]
        if not files:
            raise ValidationFailed.on("files", "send at least one file part named files")
        if len(files) > MAX_FILES:
            raise ValidationFailed.on("files", f"send at most {MAX_FILES} files a request")
        for file in files:
            if not file.data:
                raise ValidationFailed.on("files", f"'{file.name}' is empty")
        found = [checked_file(f.name, f.data, declared=f.content_type) for f in files]
        files = [IncomingFile(f.name, f.content_type, passive_svg(f.name, f.data)) if kind.mime_type == SVG else f
                 for f, kind in zip(files, found, strict=True)]
        access, usage = entered or self._enter(principal, store_id, Action.MANAGE_MEDIA)
        adding = sum(len(f.data) for f in files)
        cap = check_bytes_room(access.store, usage.bytes, adding)
        at = now()
        made = []
        for file, kind in zip(files, found, strict=True):
            media_id = new_id()
            key = self.media.object_key(store_id, media_id, kind.extension)
            made.append(Media(id=media_id, store_id=store_id, key=key, name=file.name, mime_type=kind.mime_type,
                              size=len(file.data), width=kind.width, height=kind.height, created_at=at, updated_at=at))
        stored: list[str] = []
        try:
            for media, file in zip(made, files, strict=True):
                self.objects.put(media.key, file.data, media.mime_type, disposition(media.mime_type))
                stored.append(media.key)
            self.media.create(made, cap, [_created(m) for m in made])
        except Exception:
            for key in stored:  # recorded nowhere: nothing may point at them or count them
                self.objects.delete(key)
            raise
        return made

    def start_upload(self, principal: Principal, store_id: str, request: UploadRequest) -> UploadForm:
        """A presigned POST for one file of the size and type given, and the pending upload `complete` finds
        (calls: the store access, one PutItem; the POST is signed here)."""
        mime_type = canonical_type(request.mime_type)
        if mime_type not in ALLOWED_TYPES:
            raise UnsupportedMedia(f"{request.mime_type} is not a type this library keeps; upload images, PDF, "
                                   "audio, video, plain text or CSV")
        limit = MAX_SVG_BYTES if mime_type == SVG else MAX_UPLOAD_BYTES
        if request.size > limit:
            raise MediaTooLarge(f"'{request.filename}' is {request.size} bytes; files of this type may have at "
                                f"most {limit}")
        access, usage = self._enter(principal, store_id, Action.MANAGE_MEDIA)
        check_bytes_room(access.store, usage.bytes, request.size)
        at, media_id = now(), new_id()
        pending = MediaUpload(id=media_id, store_id=store_id, name=request.filename, mime_type=mime_type,
                              size=request.size, created_at=at, complete_by=at + COMPLETE_WITHIN,
                              key=self.media.pending_object_key(store_id, media_id, _EXTENSIONS[mime_type]))
        self.media.start_upload(pending)
        url, fields = self.objects.upload_form(pending.key, mime_type, pending.size, UPLOAD_WINDOW)
        return UploadForm(url=url, fields=fields, media_id=media_id)

    def complete(self, principal: Principal, store_id: str, media_id: str) -> Media:
        """The uploaded object joins the library if it is what was announced: its size from S3, its type from
        its first bytes; then the version checked is moved to the media key with its type (an SVG: the rebuilt
        bytes are written there instead) and the pending object deleted (calls: store access with the upload,
        HeadObject, a ranged GetObject, CopyObject or PutObject, the transaction, DeleteObject). An object that is
        not what was announced is deleted; the form works again until it expires. Once completed, whatever the
        form uploads is never moved: the scheduler deletes it with the upload at `complete_by`."""
        upload_key = self.media.upload_key(store_id, media_id)
        media_key = self.media.item_key(store_id, media_id)
        access, usage = self._enter(principal, store_id, Action.MANAGE_MEDIA, extra=[upload_key, media_key])
        done = self.media.from_item(access.view.extras.get(media_key))
        if done is not None:
            return done  # completed before: a retry gets the same answer
        pending = self.media.upload_from_item(access.view.extras.get(upload_key))
        if pending is None or pending.completed_at is not None or pending.complete_by <= now():
            raise NotFound("No upload is waiting for this media id (or it expired); start one with "
                           "POST /v1/stores/{storeId}/media/uploads", "MEDIA.UPLOAD_NOT_FOUND")
        stored = self.objects.head(pending.key)
        if stored is None:
            raise Conflict("Nothing was uploaded for this media yet; POST the file to the upload url with its "
                           "fields first", "MEDIA.NOT_UPLOADED")
        try:
            kind, rebuilt = self._check_arrival(pending, stored)
        except ObjectChanged:
            raise  # another upload replaced it meanwhile: that one is checked by the next complete
        except DomainError:
            self.objects.delete(pending.key)
            raise
        size = len(rebuilt) if rebuilt is not None else stored.size
        cap = check_bytes_room(access.store, usage.bytes, size)
        at = now()
        media = Media(id=media_id, store_id=store_id, key=self.media.object_key(store_id, media_id, kind.extension),
                      name=pending.name, mime_type=kind.mime_type, size=size, width=kind.width, height=kind.height,
                      created_at=at, updated_at=at)
        moved = media.key != pending.key  # an upload started before pending keys existed went to its media key
        if rebuilt is not None:
            self.objects.put(media.key, rebuilt, media.mime_type, disposition(media.mime_type))
        elif moved:
            self.objects.copy(pending.key, media.key, version=stored.etag, content_type=media.mime_type)
        try:
            self.media.complete(media, cap, _created(media))
        except Exception:
            if moved or rebuilt is not None:
                self.objects.delete(media.key)  # recorded nowhere: nothing may point at it or count it
            raise
        if moved:
            self.objects.delete(pending.key)
        return media

    def _check_arrival(self, pending: MediaUpload, stored: StoredObject) -> tuple[FileType, bytes | None]:
        """The file's type, and for an SVG the bytes to store instead (read whole, rebuilt); only the version of the
        object that HeadObject saw is read."""
        if stored.size != pending.size:
            raise ValidationFailed(
                f"The uploaded object is {stored.size} bytes, not the {pending.size} announced; it was deleted",
                [FieldError("size", f"is {stored.size} bytes, {pending.size} were announced")])
        whole = stored.size <= HEAD_BYTES or pending.mime_type == SVG
        start = self.objects.read_start(pending.key, stored.size if whole else HEAD_BYTES, stored.etag or None)
        kind = checked_file(pending.name, start, declared=pending.mime_type)
        if kind.mime_type != pending.mime_type or canonical_type(stored.content_type) != pending.mime_type:
            raise UnsupportedMedia(f"The uploaded object is {kind.mime_type} sent as "
                                   f"{stored.content_type or 'no type'}, not the {pending.mime_type} announced; "
                                   "it was deleted")
        return kind, passive_svg(pending.name, start) if kind.mime_type == SVG else None

    def expire_uploads(self) -> Jobs:
        """Forgets presigned uploads whose `complete_by` passed, and deletes whatever is at their pending key (run by
        the scheduler, a job each: see storecrm.kernel.jobs): an abandoned upload's object, or what a completed
        upload's form put there again. The upload goes first: a completion that got there before keeps its object,
        and one coming after finds no upload."""
        for pending in self.media.due_uploads(now()):
            yield self.media.upload_key(pending.store_id, pending.id)
            if self.media.forget_upload(pending):
                # An upload started before pending keys existed went to its media key: kept once completed.
                media_key = self.media.object_key(pending.store_id, pending.id, _EXTENSIONS[pending.mime_type])
                if pending.completed_at is None or pending.key != media_key:
                    self.objects.delete(pending.key)

    # ------------------------------------------------------------------ reads
    def get(self, principal: Principal, store_id: str, media_id: str) -> Media:
        return self._load(principal, store_id, media_id, Action.MANAGE_MEDIA)

    def find(self, principal: Principal, store_id: str, q: MediaQuery) -> tuple[list[Media], str | None]:
        """By `ids`: one BatchGetItem with the store access, no cursor. Else two calls: the store access, then
        one Query of the store partition's media in upload order. `query` and `mime_type` have no index: they
        thin the page read, so a page may hold fewer than `limit` while the cursor goes on."""
        if q.ids:
            wanted = [self.media.item_key(store_id, i) for i in dict.fromkeys(q.ids)]
            access, _ = self._enter(principal, store_id, Action.MANAGE_MEDIA, extra=wanted)
            listed = [m for k in wanted if (m := self.media.from_item(access.view.extras.get(k))) is not None]
            listed.sort(key=lambda m: m.id, reverse=q.sort_direction == "desc")
            return [m for m in listed if q.matches(m)], None
        start = cursors.decode(q.cursor, _ListPosition)
        if start is not None and start.direction != q.sort_direction:
            raise ValidationFailed.on("cursor", cursors.BAD_CURSOR)
        self.guard.enter(principal, store_id, Action.MANAGE_MEDIA)
        page, last = self.media.list_page(store_id, forward=q.sort_direction == "asc", limit=q.limit,
                                          after=start.key if start else None)
        cursor = cursors.encode(_ListPosition(direction=q.sort_direction, key=last)) if last else None
        return [m for m in page if q.matches(m)], cursor

    # ------------------------------------------------------------------ changes
    def update(self, principal: Principal, store_id: str, media_id: str, changes: MediaChanges) -> Media:
        media = self._load(principal, store_id, media_id, Action.MANAGE_MEDIA)
        given = changes.model_dump(include=changes.model_fields_set)
        if "slug" in given and given["slug"] is None:
            given["slug"] = {}
        updated = media.model_copy(update={**given, "updated_at": now()})
        self.media.update(updated)
        return updated

    def delete(self, principal: Principal, store_id: str, media_id: str) -> None:
        """The item and its bytes leave the usage in one transaction, then the object goes. An object left by a
        crash in between is counted nowhere and goes with the store."""
        media = self._load(principal, store_id, media_id, Action.MANAGE_MEDIA)
        self.media.delete(media, OutboxEvent.new("media.deleted", store_id, {"id": media.id, "store_id": store_id}))
        self.objects.delete(media.key)

    # ------------------------------------------------------------------ helpers
    def _enter(self, principal: Principal, store_id: str, action: Action,
               extra: Sequence[Key] = ()) -> tuple[StoreAccess, MediaUsage]:
        """The store access, the store's media usage and `extra`, in one BatchGetItem."""
        usage_key = self.media.usage_key(store_id)
        access = self.guard.enter(principal, store_id, action, extra=[usage_key, *extra])
        return access, self.media.usage_from_item(access.view.extras.get(usage_key))

    def _load(self, principal: Principal, store_id: str, media_id: str, action: Action) -> Media:
        key = self.media.item_key(store_id, media_id)
        access = self.guard.enter(principal, store_id, action, extra=[key])
        media = self.media.from_item(access.view.extras.get(key))
        if media is None:
            raise MEDIA_NOT_FOUND
        return media


def _created(media: Media) -> OutboxEvent:
    return OutboxEvent.new("media.created", media.store_id, media.model_dump(exclude={"key"}))
