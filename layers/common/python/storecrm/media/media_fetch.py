"""Files the media library fetches from URLs a store names (arky-sdk's `uploadStoreMedia` with `urls`).

The URLs are the caller's, so they go only through the outbound client that webhooks use (every resolved
address checked, the connection pinned to it, redirects checked the same way, https only where deployed),
with a size and time limit; what comes back is then checked from its bytes like an uploaded file.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote, urlsplit

from storecrm.kernel.errors import ValidationFailed

# A request's fetches together: the function answers within its 15 s timeout.
FETCH_SECONDS = 8.0
MAX_URLS = 3


class Download(Protocol):
    @property
    def data(self) -> bytes: ...

    @property
    def content_type(self) -> str | None: ...


class UrlFetcher(Protocol):
    def fetch(self, url: str, *, max_bytes: int, timeout: float, field: str = "urls") -> Download: ...


@dataclass(frozen=True)
class FetchedFile:
    name: str
    content_type: str | None
    data: bytes


def fetch_files(fetcher: UrlFetcher, urls: Sequence[str], room: int) -> list[FetchedFile]:
    """Each URL's file, in order; together at most `room` bytes and FETCH_SECONDS."""
    if len(urls) > MAX_URLS:
        raise ValidationFailed.on("urls", f"send at most {MAX_URLS} urls a request")
    deadline = time.monotonic() + FETCH_SECONDS
    fetched: list[FetchedFile] = []
    for url in urls:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ValidationFailed.on("urls", f"{url}: not fetched within {FETCH_SECONDS:g} s")
        if room <= 0:
            raise ValidationFailed.on("urls", f"{url}: the request is already at its size limit")
        got = fetcher.fetch(url, max_bytes=room, timeout=left)
        if not got.data:
            raise ValidationFailed.on("urls", f"{url}: is empty")
        room -= len(got.data)
        fetched.append(FetchedFile(file_name(url), got.content_type, got.data))
    return fetched


def file_name(url: str) -> str:
    """The last part of the URL's path, as the media's name (else `download`)."""
    last = unquote(urlsplit(url).path.rsplit("/", 1)[-1]).strip()
    cleaned = "".join(ch for ch in last if ch.isprintable() and ch not in "/\\")[:200]
    return cleaned or "download"
