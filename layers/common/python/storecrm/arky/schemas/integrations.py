"""Integrations as the arky-style API answers them (secrets never, hints only)."""

from __future__ import annotations

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.integrations.models.integrations import Integration


class IntegrationOut(Out):
    id: str
    store_id: str
    key: str
    provider: dict[str, object] = Field(description="{type, ...settings}; secret fields masked")
    category: str
    active: bool
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, integration: Integration) -> IntegrationOut:
        return cls.model_validate({
            **integration.model_dump(include={"id", "store_id", "key", "category", "active", "created_at",
                                              "updated_at"}),
            "provider": {"type": integration.type, **integration.settings, **integration.secret_hints}})
