"""Taxonomies as the arky-style API answers them (arky-sdk's Taxonomy)."""

from __future__ import annotations

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.profiles.models.taxonomies import Taxonomy, TaxonomySchemaField, TaxonomyStatus


class TaxonomyOut(Out):
    id: str
    key: str
    store_id: str
    parent_id: str | None
    # "schema" would shadow pydantic's BaseModel.schema: the wire name is the alias.
    schema_fields: list[TaxonomySchemaField] = Field(alias="schema")
    status: TaxonomyStatus
    created_at: int
    updated_at: int

    model_config = {"from_attributes": True, "validate_by_name": True, "validate_by_alias": True,
                    "serialize_by_alias": True}

    @classmethod
    def of(cls, taxonomy: Taxonomy) -> TaxonomyOut:
        return cls.model_validate(taxonomy.model_dump(exclude={"revision"}))
