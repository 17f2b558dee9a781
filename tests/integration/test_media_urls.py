"""arky-sdk's uploadStoreMedia with `urls`: the library fetches the files through the outbound client webhooks
use. The tests allow loopback (as the local runner does) so a fake file server on 127.0.0.1 can answer; every
private, link-local or reserved address stays refused, directly, through DNS, and behind a redirect."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from storecrm.kernel.errors import ValidationFailed
from tests.arky_types import assert_client_shape
from tests.integration.conftest import login
from tests.integration.test_media import assert_error, form, list_media, objects, png
from tests.support import Api, Reply

PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00"


class FileServer:
    """Serves `files` by path: (status, headers, body); records every request's path."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requested: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requested.append(self.path)
                status, headers, body = server.files.get(self.path, (404, {}, b""))
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.server.shutdown()
    server.server.server_close()


def from_urls(api: Api, token: str, store_id: str, *urls: str, files: tuple[tuple[str, bytes], ...] = ()) -> Reply:
    """uploadStoreMedia({files, urls}): a multipart form with `files` parts and one `urls` part per URL."""
    extra = b"".join(b'--BOUNDARY\r\nContent-Disposition: form-data; name="urls"\r\n\r\n' + url.encode() + b"\r\n"
                     for url in urls)
    body, content_type = form(*files, extra=extra)
    return api.call("POST", f"/v1/stores/{store_id}/media", raw_body=body, token=token,
                    headers={"Content-Type": content_type})


def test_a_file_named_by_url_is_fetched_and_stored(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                   file_server: FileServer, provisioned: Any,
                                                   local_webhooks: None) -> None:
    token = owner["access_token"]
    logo = png(12, 8)
    file_server.files["/brand/logo%20v2.png"] = (200, {"Content-Type": "application/octet-stream"}, logo)
    file_server.files["/old%20logo.png"] = (302, {"Location": "/brand/logo%20v2.png"}, b"")
    made = from_urls(api, token, store["id"], f"{file_server.base}/old%20logo.png", files=(("a.png", png(4, 4)),))
    assert made.status == 200, made.body
    for media in made.body:
        assert_client_shape(media, "Media")
    fetched = made.body[1]
    # The type comes from the bytes, the name from the last path part of the URL the caller named.
    assert fetched["mime_type"] == "image/png" and fetched["name"] == "old logo.png"
    assert file_server.requested == ["/old%20logo.png", "/brand/logo%20v2.png"]
    assert logo in objects(provisioned).values()
    assert len(list_media(api, token, store["id"]).body["items"]) == 2


@pytest.mark.parametrize("url", [
    "http://10.0.0.5/a.png", "https://192.168.1.10/a.png", "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:10.0.0.1]/a.png", "http://[fd00::1]/a.png", "http://100.64.0.1/a.png", "http://0.0.0.0/a.png",
    "ftp://example.com/a.png", "http://user:pw@127.0.0.1/a.png", "not a url",
])
def test_private_and_malformed_urls_are_refused(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                provisioned: Any, local_webhooks: None, url: str) -> None:
    reply = from_urls(api, owner["access_token"], store["id"], url)
    assert_error(reply, 400, "urls")
    assert objects(provisioned) == {}


def test_a_redirect_or_a_name_into_a_private_range_is_refused(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                              file_server: FileServer, provisioned: Any,
                                                              local_webhooks: None) -> None:
    token = owner["access_token"]
    file_server.files["/to-metadata"] = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    file_server.files["/to-lan"] = (307, {"Location": "https://10.1.2.3/a.png"}, b"")
    for path in ("/to-metadata", "/to-lan"):
        reply = from_urls(api, token, store["id"], f"{file_server.base}{path}")
        assert_error(reply, 400, "urls")
        assert "private or reserved" in reply.body["message"] or "link-local" in reply.body["message"]
    assert file_server.requested == ["/to-metadata", "/to-lan"]  # the hop's target was never asked

    # A name is judged by every address it resolves to (the fake DNS of tests/integration/conftest.py): one
    # private address among public ones is enough.
    for host in ("internal.example.com", "mixed.example.com", "metadata.example.com"):
        assert_error(from_urls(api, token, store["id"], f"https://{host}/a.png"), 400, "urls")
    assert objects(provisioned) == {}


def test_what_comes_back_is_checked_like_an_upload(api: Api, owner: dict[str, Any], store: dict[str, Any],
                                                   file_server: FileServer, provisioned: Any,
                                                   local_webhooks: None) -> None:
    token = owner["access_token"]
    file_server.files["/page.png"] = (200, {"Content-Type": "image/png"}, PROGRAM)  # declared a PNG, is a program
    file_server.files["/huge.png"] = (200, {}, png(10, 10) + b"\x00" * (6 * 1024 * 1024))
    file_server.files["/gone.png"] = (404, {}, b"")
    file_server.files["/empty.png"] = (200, {}, b"")
    assert_error(from_urls(api, token, store["id"], f"{file_server.base}/page.png"), 415)
    for path, words in [("/huge.png", "larger than"), ("/gone.png", "HTTP 404"), ("/empty.png", "empty")]:
        reply = from_urls(api, token, store["id"], f"{file_server.base}{path}")
        assert_error(reply, 400, "urls")
        assert words in reply.body["message"], reply.body
    four = [f"{file_server.base}/page.png"] * 4
    assert_error(from_urls(api, token, store["id"], *four), 400, "urls")
    assert objects(provisioned) == {}


def test_another_store_cannot_make_the_library_fetch(api: Api, store: dict[str, Any], file_server: FileServer,
                                                     local_webhooks: None) -> None:
    file_server.files["/a.png"] = (200, {}, png(4, 4))
    rival = login(api, "rival@example.com")["access_token"]
    reply = from_urls(api, rival, store["id"], f"{file_server.base}/a.png")
    assert reply.status == 404 and reply.error == "STORE.NOT_FOUND"
    assert from_urls(api, "", store["id"], f"{file_server.base}/a.png").status == 401
    assert file_server.requested == []  # the access check comes before any fetch


def test_only_https_where_loopback_is_not_allowed(file_server: FileServer) -> None:
    from storecrm.kernel.gateways.outbound import Outbound

    file_server.files["/a.png"] = (200, {}, png(4, 4))
    with pytest.raises(ValidationFailed) as refused:
        Outbound(allow_loopback=False).fetch(f"{file_server.base}/a.png", max_bytes=1024, timeout=2)
    assert "https" in refused.value.message
    assert file_server.requested == []
    got = Outbound(allow_loopback=True).fetch(f"{file_server.base}/a.png", max_bytes=1024, timeout=2)
    assert got.data == png(4, 4)
