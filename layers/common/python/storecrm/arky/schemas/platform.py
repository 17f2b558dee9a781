"""The platform's catalogue: event names and integration services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from storecrm.arky.schemas.common import Out

if TYPE_CHECKING:
    from storecrm.integrations.integration_types import ServiceDescription
    from storecrm.kernel.geo import Country


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


class StateOut(Out):
    code: str = Field(description="The ISO 3166-2 code after the country's: 'IL' for US-IL")
    name: str


class CountryOut(Out):
    """arky-sdk 0.9.1's LocationCountry."""

    code: str = Field(description="ISO 3166-1 alpha-2")
    name: str
    states: list[StateOut]

    @classmethod
    def of(cls, country: Country) -> CountryOut:
        return cls(code=country.code, name=country.name,
                   states=[StateOut(code=s.code, name=s.name) for s in country.states])


class CountriesOut(Out):
    items: list[CountryOut]
    cursor: str | None = Field(default=None, description="Always null: one page holds every country")
