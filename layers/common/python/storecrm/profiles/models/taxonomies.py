"""Taxonomies: the typed, indexed values that profiles and products carry and that searches and segments
filter on. Apart from the profile, so that a product (or a cart of them) does not define the profile's models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from storecrm.kernel.base_model import Model
from storecrm.kernel.fields import Number
from storecrm.kernel.models.base import Entity

# Taxonomy ids and field keys become parts of index keys, so they may not contain "#".
SAFE_KEY = r"^[A-Za-z0-9_.:-]+$"
TaxonomyFieldType = Literal["text", "number", "boolean", "geo_location"]


class GeoPoint(Model):
    lat: Number = Field(ge=-90, le=90)
    lon: Number = Field(ge=-180, le=180)


class KeyedValue(Model):
    """A value a client sends by key (a taxonomy field, a form field). The arky client types its `id` as a string:
    a value sent without one (or with `null`) is known by its key, so answers never carry `id: null`."""

    id: str = Field(default="", max_length=64, description="The value's id; its key when it was sent without one")

    @model_validator(mode="before")
    @classmethod
    def _null_id_is_unset(cls, data: Any) -> Any:
        if isinstance(data, dict) and "id" in data and data["id"] is None:
            return {name: value for name, value in data.items() if name != "id"}
        return data

    @model_validator(mode="after")
    def _id_defaults_to_key(self) -> KeyedValue:
        if not self.id:
            self.id = getattr(self, "key", "")
        return self


class TaxonomyField(KeyedValue):
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


TaxonomyStatus = Literal["active", "draft", "archived"]


class TaxonomySchemaField(Model):
    """One field a taxonomy defines (arky-sdk's TaxonomySchema): the values that profiles, products and services
    carry under this taxonomy are checked against it. `value` lists the allowed texts (none: any text); `min` and
    `max` bound a number, or a text's length. `required` is this platform's addition (the client omits it)."""

    id: str = Field(default="", max_length=64)
    key: str = Field(min_length=1, max_length=64, pattern=SAFE_KEY)
    type: TaxonomyFieldType
    value: list[str] | None = Field(default=None, max_length=200)
    min: float | None = None
    max: float | None = None
    required: bool = False


class Taxonomy(Entity):
    """A store's taxonomy (arky-sdk's Taxonomy): a key unique per store, an optional parent (no cycles) and the
    schema of its fields."""

    id: str
    store_id: str
    key: str
    parent_id: str | None = None
    # "schema" would shadow pydantic's BaseModel.schema: the field keeps the wire name as its alias.
    schema_fields: list[TaxonomySchemaField] = Field(default_factory=list, alias="schema")
    status: TaxonomyStatus = "active"
    revision: int = 1
    created_at: int
    updated_at: int

    model_config = {"validate_assignment": False, "validate_by_name": True, "validate_by_alias": True,
                    "serialize_by_alias": True}
