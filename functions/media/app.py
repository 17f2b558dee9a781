"""A store's media library: /v1/stores/{storeId}/media, its presigned uploads and each file."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import File, Form, Query, UploadFile

from storecrm.arky.schemas.common import Deleted, Page
from storecrm.arky.schemas.media import MediaOut, UploadFormOut
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ, errors
from storecrm.media.media import MAX_DIRECT_BYTES, IncomingFile, MediaChanges, MediaQuery, UploadRequest
from storecrm.services import media_library

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)

TAG = "Media"
MEDIA = "/v1/stores/<storeId>/media"
UPLOAD_RESOURCE = "/v1/stores/{storeId}/media"  # as API Gateway names it, which the body checks compare
# An upload may also answer 413 (too large) and 415 (a type the library does not keep).
STAFF_UPLOAD = errors(401, 402, 403, 404, 409, 413, 415)

IdsParam = Annotated[str | None, Query(max_length=4000, description="Comma-joined media ids")]
LimitParam = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=2048)]
QueryParam = Annotated[str | None, Query(max_length=200, description="Part of a file name or title")]
TypeParam = Annotated[str | None, Query(max_length=100, description="A media type or its start, such as image/")]
SortFieldParam = Annotated[Literal["created_at"], Query()]
SortDirectionParam = Annotated[Literal["asc", "desc"], Query()]


@app.get(MEDIA, summary="List a store's media", tags=[TAG], responses=STAFF_READ)
def list_media(storeId: str, limit: LimitParam = 20, cursor: CursorParam = None,  # noqa: N803
               ids: IdsParam = None, query: QueryParam = None, mime_type: TypeParam = None,
               sort_field: SortFieldParam = "created_at",
               sort_direction: SortDirectionParam = "desc") -> Page[MediaOut]:
    wanted = [i.strip() for i in ids.split(",") if i.strip()] if ids else None
    q = MediaQuery(ids=wanted, query=query or None, mime_type=mime_type or None, sort_field=sort_field,
                   sort_direction=sort_direction, limit=limit, cursor=cursor)
    library = media_library()
    found, next_cursor = library.find(principal(app), storeId, q)
    return Page[MediaOut](items=[MediaOut.of(m, library.link(m)) for m in found], cursor=next_cursor)


@app.post(MEDIA, summary="Upload files (multipart/form-data, parts named files; at most 6 MB a request)",
          tags=[TAG], responses=STAFF_UPLOAD)
def upload_media(storeId: str,  # noqa: N803
                 files: Annotated[list[UploadFile] | UploadFile | None, File(description="The files")] = None,
                 urls: Annotated[list[str] | str | None, Form(description=(
                     "Up to 3 URLs of files to fetch and store like uploaded ones (https; public addresses only; "
                     "at most 6 MB in all with the files, within 8 s)"))] = None,
                 ) -> list[MediaOut]:
    # Powertools gives one part as itself, several as a list.
    parts = files if isinstance(files, list) else [files] if files is not None else []
    incoming = [IncomingFile(name=f.filename or "upload", content_type=f.content_type, data=f.content) for f in parts]
    library = media_library()
    made = library.upload(principal(app), storeId, incoming, [urls] if isinstance(urls, str) else urls or [])
    return [MediaOut.of(m, library.link(m)) for m in made]


@app.post(f"{MEDIA}/uploads", summary="Start a presigned upload of one larger file straight to storage",
          tags=[TAG], responses=STAFF_UPLOAD)
def start_upload(storeId: str, body: UploadRequest) -> UploadFormOut:  # noqa: N803
    form = media_library().start_upload(principal(app), storeId, body)
    return UploadFormOut(url=form.url, fields=form.fields, media_id=form.media_id)


@app.post(f"{MEDIA}/<mediaId>/complete", summary="Complete a presigned upload: the file is checked and listed",
          tags=[TAG], responses=STAFF_UPLOAD)
def complete_upload(storeId: str, mediaId: str) -> MediaOut:  # noqa: N803
    library = media_library()
    return MediaOut.of(media := library.complete(principal(app), storeId, mediaId), library.link(media))


@app.get(f"{MEDIA}/<mediaId>", summary="Get a media file", tags=[TAG], responses=STAFF_READ)
def get_media(storeId: str, mediaId: str) -> MediaOut:  # noqa: N803
    library = media_library()
    return MediaOut.of(media := library.get(principal(app), storeId, mediaId), library.link(media))


@app.put(f"{MEDIA}/<mediaId>", summary="Edit a media file's alt text, title, description or slug", tags=[TAG],
         responses=STAFF_CHANGE)
def update_media(storeId: str, mediaId: str, body: MediaChanges) -> MediaOut:  # noqa: N803
    library = media_library()
    return MediaOut.of(media := library.update(principal(app), storeId, mediaId, body), library.link(media))


@app.delete(f"{MEDIA}/<mediaId>", summary="Delete a media file and its stored object", tags=[TAG],
            responses=STAFF_CHANGE)
def delete_media(storeId: str, mediaId: str) -> Deleted:  # noqa: N803
    media_library().delete(principal(app), storeId, mediaId)
    return Deleted(deleted=True)


# The multipart body carries the files and their framing: what API Gateway passes on to a function.
lambda_handler = lambda_entry(app, uploads={("POST", UPLOAD_RESOURCE): MAX_DIRECT_BYTES})
