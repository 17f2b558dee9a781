"""Forms and their submissions as the arky-style API answers them (arky-sdk's Form, FormSubmission)."""

from __future__ import annotations

from pydantic import Field

from storecrm.arky.schemas.common import Out
from storecrm.crm.models.forms import Form, FormField, FormSchemaField, FormStatus, FormSubmission


class FormOut(Out):
    id: str
    key: str
    store_id: str
    # "schema" would shadow pydantic's BaseModel.schema: the wire name is the alias.
    schema_fields: list[FormSchemaField] = Field(alias="schema")
    status: FormStatus
    created_at: int
    updated_at: int

    model_config = {"from_attributes": True, "validate_by_name": True, "validate_by_alias": True,
                    "serialize_by_alias": True}

    @classmethod
    def of(cls, form: Form) -> FormOut:
        return cls.model_validate(form.model_dump(exclude={"revision"}))


class FormSubmissionOut(Out):
    id: str
    form_id: str
    store_id: str
    profile_id: str
    fields: list[FormField]
    created_at: int
    updated_at: int = Field(description="Beyond the client's type: when staff last corrected it")

    @classmethod
    def of(cls, submission: FormSubmission) -> FormSubmissionOut:
        return cls.model_validate(submission.model_dump(exclude={"revision"}))
