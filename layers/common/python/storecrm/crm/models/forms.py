"""A store's forms and what storefronts submit to them (arky-sdk's Form, FormSubmission)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from storecrm.kernel.base_model import Model
from storecrm.kernel.models.base import Entity
from storecrm.profiles.models.taxonomies import SAFE_KEY, KeyedValue

FormStatus = Literal["active", "draft", "archived"]
# The client's types, and `file` (this platform's): a field that takes the id of a media file of the store. A form
# takes files only where its schema has a file field.
FormFieldType = Literal["text", "number", "boolean", "date", "geo_location", "select", "file"]
# "schema" would shadow pydantic's BaseModel.schema: models keep the wire name as the alias.
BY_ALIAS: Any = {"validate_assignment": False, "validate_by_name": True, "validate_by_alias": True,
                 "serialize_by_alias": True}


class FormSchemaField(Model):
    """One field of a form (arky-sdk's FormSchema): `min`/`max` bound a number, or a text's length; `options` are
    a select's choices (or a text's allowed values)."""

    id: str = Field(default="", max_length=64)
    key: str = Field(min_length=1, max_length=64, pattern=SAFE_KEY)
    type: FormFieldType
    required: bool = False
    min: float | None = None
    max: float | None = None
    options: list[str] | None = Field(default=None, max_length=200)


class Form(Entity):
    id: str
    store_id: str
    key: str
    schema_fields: list[FormSchemaField] = Field(default_factory=list, alias="schema")
    status: FormStatus = "active"
    revision: int = 1
    created_at: int
    updated_at: int

    model_config = BY_ALIAS


class FormField(KeyedValue):
    """One submitted value (arky-sdk's FormField)."""

    key: str = Field(min_length=1, max_length=64, pattern=SAFE_KEY)
    type: FormFieldType
    value: Any = None


class FormSubmission(Entity):
    id: str
    form_id: str
    store_id: str
    profile_id: str
    fields: list[FormField] = Field(default_factory=list)
    revision: int = 1
    created_at: int
    updated_at: int
