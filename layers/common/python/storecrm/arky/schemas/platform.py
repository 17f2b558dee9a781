"""The platform's catalogue: event names and integration services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from storecrm.arky.schemas.common import Out

if TYPE_CHECKING:
    from storecrm.integrations.integration_types import ServiceDescription


class EventNames(Out):
    data: list[str] = Field(description="Every event name a webhook may subscribe to")


class ServiceFieldOut(Out):
    name: str
    type: Literal["string", "number", "boolean", "string[]"]
    required: bool
    secret: bool = Field(description="Sealed at rest and answered masked")


class IntegrationServiceOut(Out):
    """arky-sdk 0.9.1's IntegrationService (camelCase as its type has it), plus the provider's fields."""

    id: str = Field(description="The provider type, as integrations send it")
    name: str
    description: str
    icon: str
    color: str
    category: str
    configurationRequired: bool  # noqa: N815 - the client's spelling
    website: str
    urlPatterns: list[str]  # noqa: N815
    resources: list[dict[str, object]] = Field(default_factory=list,
                                               description="Operations; none are offered here yet")
    fields: list[ServiceFieldOut]

    @classmethod
    def of(cls, service: ServiceDescription) -> IntegrationServiceOut:
        return cls(id=service.id, name=service.name, description=service.description, icon=service.icon,
                   color=service.color, category=service.category,
                   configurationRequired=service.configuration_required, website=service.website,
                   urlPatterns=list(service.url_patterns),
                   fields=[ServiceFieldOut.model_validate(f) for f in service.fields])
