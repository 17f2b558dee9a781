"""Which URLs the platform will POST to on a store's behalf (webhooks, tests).

A store chooses these URLs, so they must not reach into the network the functions run in:
addresses are checked after DNS resolution, and the connection is then made to the checked
address (a second lookup could answer differently).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from storecrm.kernel.errors import ValidationFailed

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def check_url(url: str, *, allow_loopback: bool, field: str = "url") -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL: https, or http too where loopback is allowed (local only)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationFailed.on(field, "is not a valid URL") from None
    allowed = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in allowed:
        raise ValidationFailed.on(field, "must be an https URL")
    if not parts.hostname:
        raise ValidationFailed.on(field, "must name a host")
    if parts.username or parts.password:
        raise ValidationFailed.on(field, "must not carry credentials; use headers instead")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def refusal(address: IpAddress, *, allow_loopback: bool) -> str | None:
    """Why an address may not be called, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "resolves to a loopback address"
    if address.is_link_local:
        return "resolves to a link-local address"
    # is_global is False for private, shared (100.64/10), reserved and documentation ranges alike.
    if not address.is_global or address.is_multicast:
        return "resolves to a private or reserved address"
    return None


def check_addresses(addresses: list[IpAddress], *, allow_loopback: bool, field: str = "url") -> None:
    if not addresses:
        raise ValidationFailed.on(field, "does not resolve to any address")
    for address in addresses:
        reason = refusal(address, allow_loopback=allow_loopback)
        if reason:
            raise ValidationFailed.on(field, reason)
