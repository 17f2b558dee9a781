"""After a SnapStart restore, an instance fetches the token signing keys again (they are cached for
minutes, and a snapshot can be days old)."""

from __future__ import annotations

from typing import Any

from storecrm import snapstart
from tests.support import Api, counting_calls


def test_a_restored_instance_fetches_the_signing_keys_again(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    with counting_calls() as warm:
        assert api.call("GET", "/v1/stores", token=token).status == 200
    assert _key_fetches(warm.calls) == 0  # cached since the login

    snapstart.refresh_after_restore()  # what the runtime calls in a restored instance

    with counting_calls() as restored:
        assert api.call("GET", "/v1/stores", token=token).status == 200
    assert _key_fetches(restored.calls) == 1


def _key_fetches(calls: list[str]) -> int:
    return sum(call.endswith(".GetSecretValue") for call in calls)
