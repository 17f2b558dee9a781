"""Access tokens are EdDSA: the issuing functions sign and publish the public keys, the others verify with those
alone; a store's sealed secrets open only naming that store."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest

from tests.integration.conftest import login
from tests.support import Api


def _secret(prov: Any, logical_id: str) -> dict[str, Any]:
    from storecrm import aws

    document: dict[str, Any] = json.loads(
        aws.client("secretsmanager").get_secret_value(SecretId=prov.refs[logical_id])["SecretString"])
    return document


def test_the_first_token_publishes_its_public_key_and_others_verify_with_it(api: Api, provisioned: Any) -> None:
    assert _secret(provisioned, "AccessTokenPublicKeys") == {}
    token = login(api, "owner@example.com")["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    from storecrm.identity.gateways.signing_keys import public_key_text, token_signing_keys

    published = _secret(provisioned, "AccessTokenPublicKeys")
    assert published == {"e1": public_key_text(token_signing_keys().keys["e1"])}
    assert api.call("GET", "/v1/stores", token=token).status == 200  # StoresFunction holds the public keys only


def test_rotation_by_key_id_keeps_earlier_tokens_working(api: Api, provisioned: Any) -> None:
    from storecrm import aws
    from storecrm.kernel.gateways import secrets

    before = login(api, "owner@example.com")["access_token"]
    private = _secret(provisioned, "AccessTokenSigningSecret")
    aws.client("secretsmanager").put_secret_value(
        SecretId=provisioned.refs["AccessTokenSigningSecret"],
        SecretString=json.dumps({**private, "e2": "a-newer-random-text" * 3, "current_kid": "e2"}))
    secrets.reset()  # the cache's five minutes have passed
    after = login(api, "owner@example.com")["access_token"]
    assert jwt.get_unverified_header(after)["kid"] == "e2"
    assert set(_secret(provisioned, "AccessTokenPublicKeys")) == {"e1", "e2"}
    for token in (before, after):
        assert api.call("GET", "/v1/stores", token=token).status == 200


def test_a_token_of_the_hs256_era_is_refused(api: Api, provisioned: Any) -> None:
    """What the functions issued before the switch: HS256 under the old secret's key k1."""
    old_keys = _secret(provisioned, "JwtSigningSecret")
    login(api, "owner@example.com")
    token = login(api, "owner@example.com")["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, old_keys["k1"], algorithm="HS256", headers={"kid": "k1"})
    reply = api.call("GET", "/v1/stores", token=forged)
    assert reply.status == 401 and reply.error == "GENERAL.INVALID_TOKEN"


def test_a_stores_sealed_secret_does_not_open_naming_another_store(provisioned: Any) -> None:
    from storecrm.integrations.gateways.secret_box import KmsSecretBox
    from storecrm.kernel.errors import Unavailable

    box = KmsSecretBox()
    sealed = box.seal({"secret": "whsec_1"}, {"store_id": "store-a", "webhook_id": "w1"})
    assert box.open(sealed, {"store_id": "store-a", "webhook_id": "w1"}) == {"secret": "whsec_1"}
    with pytest.raises(Unavailable):
        box.open(sealed, {"store_id": "store-b", "webhook_id": "w1"})
