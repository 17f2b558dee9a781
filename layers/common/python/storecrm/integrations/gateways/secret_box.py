"""Secrets at rest: sealed with the stack's KMS key, bound to the store and record they belong to.

The encryption context names the store and the record, so a sealed value copied onto another
store's record does not open. Opened values are cached per container: a warm dispatcher does
not pay a KMS call per delivery.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Protocol

from botocore.exceptions import ClientError

from storecrm import aws
from storecrm.config import settings
from storecrm.kernel.errors import Unavailable


class SecretBox(Protocol):
    def seal(self, values: dict[str, str], context: dict[str, str]) -> str: ...

    def open(self, sealed: str, context: dict[str, str]) -> dict[str, str]: ...


class KmsSecretBox:
    def seal(self, values: dict[str, str], context: dict[str, str]) -> str:
        try:
            blob = aws.client("kms").encrypt(KeyId=settings().integrations_key_id,
                                              Plaintext=json.dumps(values).encode(), EncryptionContext=context)
        except ClientError as exc:
            raise Unavailable("Secrets cannot be stored right now; try again shortly") from exc
        return base64.b64encode(blob["CiphertextBlob"]).decode()

    def open(self, sealed: str, context: dict[str, str]) -> dict[str, str]:
        return dict(_open(sealed, tuple(sorted(context.items()))))


@lru_cache(maxsize=256)
def _open(sealed: str, context: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    try:
        plain = aws.client("kms").decrypt(CiphertextBlob=base64.b64decode(sealed), EncryptionContext=dict(context))
    except ClientError as exc:
        raise Unavailable("A stored secret could not be opened") from exc
    return tuple(json.loads(plain["Plaintext"]).items())


def reset() -> None:
    _open.cache_clear()
