"""Bookable services, the providers who perform them, and each provider's terms for a service (the arky client's
Service, Provider and ServiceProvider, src/types/index.ts)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from storecrm.catalog.models.products import Block, Price
from storecrm.kernel.base_model import Model
from storecrm.kernel.models.base import Entity
from storecrm.profiles.models.taxonomies import TaxonomyEntry

ServiceStatus = Literal["active", "draft", "archived"]
ProviderStatus = Literal["active", "draft", "archived"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class WorkingHour(Model):
    """Minutes after the local midnight of the day (store timezone): `from` inclusive, `to` exclusive."""

    # `from` is a Python keyword: the field is `from_`, read and written as `from`.
    model_config = ConfigDict(defer_build=True, serialize_by_alias=True, validate_by_name=True,
                              validate_by_alias=True)
    from_: int = Field(alias="from")
    to: int


class WorkingDay(Model):
    day: Weekday
    working_hours: list[WorkingHour] = Field(default_factory=list)


class SpecificDate(Model):
    """A day whose hours replace its weekday's (none: closed); `date` is any Unix second of that local day."""

    date: int
    working_hours: list[WorkingHour] = Field(default_factory=list)


class ServiceDuration(Model):
    """A part of a booking, in minutes; the parts together are its length."""

    duration: int
    is_pause: bool = False


class CatalogEntry(Entity):
    """What services and providers share."""

    id: str
    key: str
    slug: dict[str, str] = Field(default_factory=dict)
    store_id: str
    blocks: list[Block] = Field(default_factory=list)
    taxonomies: list[TaxonomyEntry] = Field(default_factory=list)
    status: str = "draft"
    revision: int = 1
    created_at: int
    updated_at: int


class ZoneLocation(Model):
    """Where a service is performed (the client's ZoneLocation); every part optional."""

    country: str | None = None
    state: str | None = None
    city: str | None = None
    postal_code: str | None = None


class Service(CatalogEntry):
    status: ServiceStatus = "draft"
    location: ZoneLocation | None = None


class Provider(CatalogEntry):
    status: ProviderStatus = "draft"


class ServiceProvider(Entity):
    """A provider's terms for one service: when it works, what a booking costs and lasts, and its reminders."""

    id: str
    service_id: str
    provider_id: str
    store_id: str
    working_days: list[WorkingDay] = Field(default_factory=list)
    specific_dates: list[SpecificDate] = Field(default_factory=list)
    prices: list[Price] = Field(default_factory=list)
    durations: list[ServiceDuration] = Field(default_factory=list)
    slot_interval: int = Field(description="Minutes between the starts of offered slots")
    forms: list[dict[str, object]] = Field(default_factory=list)
    reminders: list[int] = Field(default_factory=list, description="Seconds before a booking starts")
    min_advance: int = Field(default=0, description="Seconds: the earliest a slot may start after booking")
    max_advance: int = Field(default=0, description="Seconds: the latest a slot may start after booking (0: none)")
    revision: int = 1
    created_at: int
    updated_at: int

    @property
    def length_minutes(self) -> int:
        return sum(d.duration for d in self.durations)
