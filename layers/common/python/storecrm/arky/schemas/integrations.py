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


class OAuthDisconnected(IntegrationOut):
    """arky-sdk 0.9.1 `oauthDisconnect` reads `{disconnected: boolean}`; the integration's fields stay beside it."""

    disconnected: bool = Field(description="True: the provider's tokens are forgotten (also when none were kept)")

    @classmethod
    def of_disconnected(cls, integration: Integration) -> OAuthDisconnected:
        return cls.model_validate({**IntegrationOut.of(integration).model_dump(), "disconnected": True})
