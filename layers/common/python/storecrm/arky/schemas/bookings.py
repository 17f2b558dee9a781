"""Services, providers and service providers as the arky-style API answers them (the client's Service, Provider,
ServiceProvider)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from storecrm.arky.schemas.common import Out
from storecrm.bookings.bookings import Availability
from storecrm.bookings.models.bookings import (
    Provider,
    ProviderStatus,
    Service,
    ServiceDuration,
    ServiceProvider,
    ServiceStatus,
    SpecificDate,
    WorkingDay,
    ZoneLocation,
)
from storecrm.catalog.models.products import Block, Price
from storecrm.profiles.models.taxonomies import TaxonomyEntry


class ServiceOut(Out):
    id: str
    key: str
    slug: dict[str, str] = Field(description="Language id -> slug")
    store_id: str
    blocks: list[Block]
    taxonomies: list[TaxonomyEntry]
    status: ServiceStatus
    location: ZoneLocation | None = Field(description="Where it is performed (CreateServiceParams.location)")
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, service: Service) -> ServiceOut:
        return cls.model_validate(service.model_dump(exclude={"revision"}))


class TimelinePoint(Out):
    timestamp: int
    booked: int


class ProviderOut(Out):
    id: str
    key: str
    slug: dict[str, str] = Field(description="Language id -> slug")
    store_id: str
    status: ProviderStatus
    blocks: list[Block]
    taxonomies: list[TaxonomyEntry]
    timeline: list[TimelinePoint] = Field(description="Always empty here: availability answers booked time")
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, provider: Provider) -> ProviderOut:
        return cls.model_validate({**provider.model_dump(exclude={"revision"}), "timeline": []})


class ServiceProviderOut(Out):
    id: str
    service_id: str
    provider_id: str
    store_id: str
    working_days: list[WorkingDay]
    specific_dates: list[SpecificDate]
    prices: list[Price]
    durations: list[ServiceDuration]
    slot_interval: int = Field(description="Minutes")
    forms: list[dict[str, Any]]
    reminders: list[int] = Field(description="Seconds before a booking starts")
    min_advance: int = Field(description="Seconds")
    max_advance: int = Field(description="Seconds (0: no limit)")
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, link: ServiceProvider) -> ServiceProviderOut:
        return cls.model_validate(link.model_dump(exclude={"revision"}))


class SlotOut(Out):
    model_config = ConfigDict(defer_build=True, from_attributes=True, serialize_by_alias=True,
                              validate_by_name=True, validate_by_alias=True)
    from_: int = Field(alias="from")
    to: int
    spots: int


class DaySlotsOut(Out):
    date: str = Field(description="The local date in the store's timezone")
    slots: list[SlotOut]


class ProviderAvailabilityOut(Out):
    provider_id: str
    provider_key: str
    days: list[DaySlotsOut]


class AvailabilityOut(Out):
    """The client's AvailabilityResponse."""

    model_config = ConfigDict(defer_build=True, from_attributes=True, serialize_by_alias=True,
                              validate_by_name=True, validate_by_alias=True)
    from_: int = Field(alias="from")
    to: int
    providers: list[ProviderAvailabilityOut]

    @classmethod
    def of(cls, availability: Availability) -> AvailabilityOut:
        return cls.model_validate(availability.model_dump())
