"""Opaque pagination cursors: base64url JSON, checked against a model before use.

A cursor that does not decode, or that names another list (another store's partition, another
sort), is a client mistake and answers 400, never 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from storecrm.kernel.errors import ValidationFailed

C = TypeVar("C", bound=BaseModel)

BAD_CURSOR = "The cursor is not valid for this list; start again without it"


def encode(position: BaseModel) -> str:
    raw = json.dumps(position.model_dump(mode="json"), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, model: type[C]) -> C | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return model.model_validate_json(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, ValidationError):
        raise ValidationFailed.on("cursor", BAD_CURSOR) from None
