"""arky-sdk 0.9.1 (fe001ba) calls of issue 30 (second half) over HTTP against the local runner, with the paths
and bodies the client sends, each answer compared with the client's TypeScript type (tests/client_shapes.py)."""

from __future__ import annotations

from tests.client_shapes import OAUTH_DISCONNECTED, assert_client_shape
from tests.e2e.conftest import LatestCode
from tests.e2e.test_profile_flows import _post, _store
from tests.e2e.test_storefront_client_calls import _owner_token


def test_oauth_disconnect_answers_disconnected(runner_url: str, mailbox: LatestCode) -> None:
    store_id = _store(runner_url, mailbox, "oauth-exact-shop")
    owner = _owner_token(runner_url, mailbox, "oauth-exact-shop")
    admin = f"{runner_url}/v1/stores/{store_id}"
    made = _post(f"{admin}/integrations", {"key": "google", "provider": {
        "type": "google", "client_id": "client-1.apps.example.com", "client_secret": "google-secret-1234"}}, owner)
    assert made.status_code == 200, made.text

    # store.oauthDisconnect({store_id, provider}): post(`/v1/stores/${store_id}/oauth/disconnect`, {provider})
    gone = _post(f"{admin}/oauth/disconnect", {"provider": "google"}, owner)
    assert gone.status_code == 200, gone.text
    assert_client_shape(gone.json(), OAUTH_DISCONNECTED, "store.oauthDisconnect")
    assert gone.json()["disconnected"] is True

    refused = _post(f"{admin}/oauth/disconnect", {"provider": "myspace"}, owner)
    assert refused.status_code == 400 and refused.json()["statusCode"] == 400
    other_owner = _owner_token(runner_url, mailbox, "oauth-other-shop")
    assert _post(f"{admin}/oauth/disconnect", {"provider": "google"}, other_owner).status_code == 404
