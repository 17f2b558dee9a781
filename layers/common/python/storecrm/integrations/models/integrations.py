"""A store's connections to other services."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from storecrm.kernel.models.base import Entity

# Provider types spelled differently before this platform followed arky-sdk 0.9.1; still read and accepted.
FORMER_PROVIDER_TYPES = {"github": "git_hub", "hubspot": "hub_spot"}


def current_provider_type(name: str) -> str:
    return FORMER_PROVIDER_TYPES.get(name, name)


class Integration(Entity):
    """A store's connection to another service. Secret fields live only in `sealed_secrets`."""

    id: str
    store_id: str
    key: str
    type: Annotated[str, AfterValidator(current_provider_type)]
    category: str
    settings: dict[str, Any] = Field(default_factory=dict)
    sealed_secrets: str | None = None
    secret_hints: dict[str, str] = Field(default_factory=dict)
    active: bool = False
    created_at: int
    updated_at: int

    def secret_context(self) -> dict[str, str]:
        """What the sealed secrets are bound to: they open only for this store's integration."""
        return {"store_id": self.store_id, "integration_id": self.id}
