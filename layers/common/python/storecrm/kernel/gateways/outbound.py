"""POSTs (and the media library's GETs) to addresses chosen by stores, pinned to the address that passed the checks.

Plain http.client keeps the cold start small. The connection goes to the vetted IP while TLS
still verifies the certificate against the host name (SNI), which closes DNS rebinding.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from storecrm.kernel.errors import ValidationFailed
from storecrm.kernel.targets import IpAddress, check_addresses, check_url

RESPONSE_EXCERPT = 500
# A fetched file is read in pieces of this size, each within what is left of the fetch's time.
READ_CHUNK = 64 * 1024
MAX_REDIRECTS = 3


def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address the name resolves to (tests replace this to avoid real DNS)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))


@dataclass
class PostResult:
    status: int | None
    error: str | None = None
    body: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str | None


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class Outbound:
    def __init__(self, allow_loopback: bool) -> None:
        self.allow_loopback = allow_loopback

    def vet(self, url: str, field: str = "url") -> IpAddress:
        """The address to call, or a ValidationFailed naming `field`."""
        return self._target(url, field)[2]

    def _target(self, url: str, field: str) -> tuple[str, int, IpAddress]:
        """(host, port, the checked address to connect to)."""
        _, host, port = check_url(url, allow_loopback=self.allow_loopback, field=field)
        addresses = resolve(host, port)
        check_addresses(addresses, allow_loopback=self.allow_loopback, field=field)
        return host, port, addresses[0]

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
        """Never raises for the far side's failures: they come back as the result's error."""
        try:
            host, port, address = self._target(url, "url")
        except ValidationFailed as refused:
            return PostResult(None, f"refused: {refused.message}")
        parts = urlsplit(url)
        connection_type = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = connection_type(host, port, str(address), timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            excerpt = response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
            return PostResult(response.status, None if 200 <= response.status < 300 else f"HTTP {response.status}",
                              excerpt)
        except TimeoutError:
            return PostResult(None, f"no answer within {timeout:g} s")
        except (OSError, http.client.HTTPException) as exc:
            return PostResult(None, f"{type(exc).__name__}: {exc}"[:RESPONSE_EXCERPT])
        finally:
            connection.close()

    def fetch(self, url: str, *, max_bytes: int, timeout: float, field: str = "urls") -> Fetched:
        """GETs a file: every address of every hop checked (a redirect is followed only to an acceptable URL,
        at most MAX_REDIRECTS times), at most `max_bytes`, all within `timeout` seconds. Any failure is a
        ValidationFailed naming `field` and the URL."""
        deadline = time.monotonic() + timeout
        for _ in range(MAX_REDIRECTS + 1):
            try:
                host, port, address = self._target(url, field)
            except ValidationFailed as refused:
                raise ValidationFailed.on(field, f"{url}: {refused.message}") from None
            parts = urlsplit(url)
            connection_type = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
            connection = connection_type(host, port, str(address), max(deadline - time.monotonic(), 0.001))
            try:
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                connection.request("GET", path, headers={"Accept": "*/*", "User-Agent": "storecrm-media/1"})
                response = connection.getresponse()
                if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                    url = urljoin(url, response.getheader("Location", ""))
                    continue
                if response.status != 200:
                    raise ValidationFailed.on(field, f"{url}: answered HTTP {response.status}")
                declared = response.getheader("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise ValidationFailed.on(field, f"{url}: is larger than {max_bytes} bytes")
                data = _read_at_most(response, connection, max_bytes, deadline, url, field)
                return Fetched(data, response.getheader("Content-Type"))
            except TimeoutError:
                raise ValidationFailed.on(field, f"{url}: no answer within {timeout:g} s") from None
            except (OSError, http.client.HTTPException) as exc:
                raise ValidationFailed.on(field, f"{url}: {type(exc).__name__}") from None
            finally:
                connection.close()
        raise ValidationFailed.on(field, f"{url}: more than {MAX_REDIRECTS} redirects")


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _read_at_most(response: http.client.HTTPResponse, connection: http.client.HTTPConnection, max_bytes: int,
                  deadline: float, url: str, field: str) -> bytes:
    """The body, piece by piece, each read within the time left; more than `max_bytes` is refused."""
    pieces: list[bytes] = []
    size = 0
    while True:
        if connection.sock is not None:
            connection.sock.settimeout(_left(deadline))
        piece = response.read(READ_CHUNK)
        if not piece:
            return b"".join(pieces)
        size += len(piece)
        if size > max_bytes:
            raise ValidationFailed.on(field, f"{url}: is larger than {max_bytes} bytes")
        pieces.append(piece)
