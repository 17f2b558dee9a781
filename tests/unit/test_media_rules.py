"""Media library rules without AWS: which files are kept, type names clients use, the byte quota."""

from __future__ import annotations

import json

import pytest

from storecrm.kernel.errors import PaymentRequired
from storecrm.media.media import ALLOWED_TYPES, UnsupportedMedia, canonical_type, checked_file, passive_svg
from storecrm.stores.models.stores import Store


@pytest.mark.parametrize("given, canonical", [
    ("image/jpg", "image/jpeg"), ("IMAGE/PNG; charset=binary", "image/png"), ("audio/mp3", "audio/mpeg"),
    ("text/csv", "text/csv"), ("application/x-msdownload", "application/x-msdownload"),
])
def test_type_names_clients_use_are_made_canonical(given: str, canonical: str) -> None:
    assert canonical_type(given) == canonical


def test_every_allowed_type_names_the_extension_of_its_presigned_object() -> None:
    from storecrm.media import media

    assert set(media._EXTENSIONS) == ALLOWED_TYPES


def test_an_svg_is_kept_as_it_is_rebuilt_and_refused_when_it_cannot_be_read() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="1"/></svg>'
    assert checked_file("a.svg", svg).mime_type == "image/svg+xml"
    assert passive_svg("a.svg", svg).endswith(b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="1" /></svg>')
    with pytest.raises(UnsupportedMedia) as refused:
        passive_svg("a.svg", svg[:-3])  # cut short: not well-formed
    assert "'a.svg'" in refused.value.message


def test_refusals_name_the_file_and_what_it_is() -> None:
    with pytest.raises(UnsupportedMedia) as refused:
        checked_file("setup.exe", b"MZ\x90\x00")
    assert refused.value.status == 415 and "'setup.exe'" in refused.value.message


def _store(monkeypatch: pytest.MonkeyPatch, media_bytes: int | None) -> Store:
    from storecrm import config

    plan = {"id": "plan_free", "name": "Free", "tier": 0, "amount": 0, "currency": "USD", "interval": "month",
            "interval_count": 1, "limits": {"media_bytes": media_bytes}}
    monkeypatch.setenv("BILLING_PLANS", json.dumps([plan]))
    config.settings.cache_clear()
    return Store.model_validate({"id": "s", "key": "shop", "timezone": "UTC", "created_at": 0, "updated_at": 0})


def test_the_byte_quota_counts_what_is_used_and_what_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    from storecrm import config
    from storecrm.stores.plan_limits import check_bytes_room

    try:
        store = _store(monkeypatch, 1000)
        assert check_bytes_room(store, 600, 400) == 1000
        with pytest.raises(PaymentRequired) as refused:
            check_bytes_room(store, 600, 401)
        assert refused.value.code == "BILLING.LIMIT_REACHED" and "limits.media_bytes" in refused.value.message
        assert check_bytes_room(_store(monkeypatch, None), 10**12, 10**12) is None
    finally:
        config.settings.cache_clear()
