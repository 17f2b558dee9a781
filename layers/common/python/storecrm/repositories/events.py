"""Outbox events as the DynamoDB stream carries them."""

from __future__ import annotations

from typing import Any

from storecrm.domain.models.events import OutboxEvent
from storecrm.repositories.table import deserialize


def event_from_stream_image(image: dict[str, Any]) -> OutboxEvent:
    """The outbox item in a stream record's NewImage (DynamoDB JSON) as the event it stores."""
    return OutboxEvent.model_validate(deserialize(image))
