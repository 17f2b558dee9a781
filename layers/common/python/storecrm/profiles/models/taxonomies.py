"""Taxonomies: the typed, indexed values that profiles and products carry and that searches and segments
filter on. Apart from the profile, so that a product (or a cart of them) does not define the profile's models."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from storecrm.kernel.base_model import Model
from storecrm.kernel.fields import Number

# Taxonomy ids and field keys become parts of index keys, so they may not contain "#".
SAFE_KEY = r"^[A-Za-z0-9_.:-]+$"
TaxonomyFieldType = Literal["text", "number", "boolean", "geo_location"]


class GeoPoint(Model):
    lat: Number = Field(ge=-90, le=90)
    lon: Number = Field(ge=-180, le=180)


class TaxonomyField(Model):
    id: str | None = Field(default=None, max_length=64)
    key: str = Field(min_length=1, max_length=64, pattern=SAFE_KEY)
    type: TaxonomyFieldType
    value: bool | float | str | GeoPoint

    @model_validator(mode="after")
    def _value_matches_type(self) -> TaxonomyField:
        expected: dict[str, tuple[type, ...]] = {"text": (str,), "number": (int, float), "boolean": (bool,),
                                                  "geo_location": (GeoPoint,)}
        value = self.value
        if (isinstance(value, bool) and self.type == "number") or not isinstance(value, expected[self.type]):
            raise ValueError(f"value of '{self.key}' must be a {self.type}")
        if isinstance(value, str) and len(value) > 500:
            raise ValueError(f"value of '{self.key}' is longer than 500 characters")
        return self


class TaxonomyEntry(Model):
    taxonomy_id: str = Field(min_length=1, max_length=64, pattern=SAFE_KEY)
    fields: list[TaxonomyField] = Field(default_factory=list, max_length=20)
