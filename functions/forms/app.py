"""Forms (arky-sdk 0.9.1 `form` and the storefront's `form`): staff /v1/stores/{storeId}/forms, .../{formId} (an
id or `{storeId}:{key}`), .../forms/submissions and .../{formId}/submissions/{submissionId}; a profile session
submits with POST .../{formId}/submissions (under /v1/stores or /v1/storefront); storefronts read active forms."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas.common import Deleted, Page
from storecrm.arky.schemas.forms import FormOut, FormSubmissionOut
from storecrm.crm.forms import (
    FormChanges,
    FormKey,
    FormQuery,
    NewForm,
    SubmissionChanges,
    SubmissionQuery,
    SubmitRequest,
)
from storecrm.crm.models.forms import FormStatus
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import PUBLIC_STORE, STAFF_CHANGE, STAFF_READ, errors
from storecrm.http.query import json_param, json_shape
from storecrm.kernel.keyed_find import SortDirection, SortField
from storecrm.services import form_service, storefront_forms

IDS = json_shape(list[str])
# A profile session's submit: a 403 for a session of another kind, a 404 for an unknown or inactive form.
SUBMIT = errors(401, 403, 404, 409)

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.post("/v1/stores/<storeId>/forms", summary="Create a form", tags=["Forms"], responses=STAFF_CHANGE)
def create_form(storeId: str, body: NewForm) -> FormOut:  # noqa: N803 - path parameter name
    return FormOut.of(form_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/forms", summary="Find forms", tags=["Forms"], responses=STAFF_READ)
def find_forms(
    storeId: str,  # noqa: N803
    ids: Annotated[str | None, Query(max_length=4000, description="JSON array of form ids")] = None,
    key: Annotated[FormKey | None, Query()] = None,
    query: Annotated[str | None, Query(max_length=255, description="Prefix of form keys")] = None,
    status: Annotated[FormStatus | None, Query()] = None,
    sort_field: Annotated[SortField | None, Query(description="Default created_at (key with a query)")] = None,
    sort_direction: Annotated[SortDirection | None, Query(description="Default desc (asc in key order)")] = None,
    created_at_from: Annotated[int | None, Query(ge=0)] = None,
    created_at_to: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[FormOut]:
    q = FormQuery(ids=json_param(ids, IDS, "ids"), key=key, query=query, status=status, sort_field=sort_field,
                  sort_direction=sort_direction, created_at_from=created_at_from, created_at_to=created_at_to,
                  limit=limit, cursor=cursor)
    items, next_cursor = form_service().find(principal(app), storeId, q)
    return Page[FormOut](items=[FormOut.of(f) for f in items], cursor=next_cursor)


# Before /forms/<formId>: "submissions" is not a form.
@app.get("/v1/stores/<storeId>/forms/submissions", summary="Find form submissions (newest first)", tags=["Forms"],
         responses=STAFF_READ)
def find_submissions(
    storeId: str,  # noqa: N803
    form_ids: Annotated[str | None, Query(max_length=2000, description="JSON array of form ids")] = None,
    profile_id: Annotated[str | None, Query(max_length=64)] = None,
    sort_direction: Annotated[Literal["asc", "desc"], Query()] = "desc",
    created_at_from: Annotated[int | None, Query(ge=0)] = None,
    created_at_to: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[FormSubmissionOut]:
    q = SubmissionQuery(form_ids=json_param(form_ids, IDS, "form_ids"), profile_id=profile_id,
                        sort_direction=sort_direction, created_at_from=created_at_from,
                        created_at_to=created_at_to, limit=limit, cursor=cursor)
    items, next_cursor = form_service().submissions(principal(app), storeId, q)
    return Page[FormSubmissionOut](items=[FormSubmissionOut.of(s) for s in items], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/forms/<formId>", summary="Get a form by id or storeId:key", tags=["Forms"],
         responses=STAFF_READ)
def get_form(storeId: str, formId: str) -> FormOut:  # noqa: N803
    # One AWS call by id; a key costs a second read (the key marker names the id).
    return FormOut.of(form_service().get(principal(app), storeId, formId))


@app.put("/v1/stores/<storeId>/forms/<formId>", summary="Update a form", tags=["Forms"], responses=STAFF_CHANGE)
def update_form(storeId: str, formId: str, body: FormChanges) -> FormOut:  # noqa: N803
    return FormOut.of(form_service().update(principal(app), storeId, formId, body))


@app.delete("/v1/stores/<storeId>/forms/<formId>", summary="Delete a form (its submissions stay)", tags=["Forms"],
            responses=STAFF_CHANGE)
def delete_form(storeId: str, formId: str) -> Deleted:  # noqa: N803
    form_service().delete(principal(app), storeId, formId)
    return Deleted(deleted=True)


@app.post("/v1/stores/<storeId>/forms/<formId>/submissions", summary="Submit a form (a profile session)",
          tags=["Forms"], responses=SUBMIT)
def submit_form(storeId: str, formId: str, body: SubmitRequest) -> FormSubmissionOut:  # noqa: N803
    return FormSubmissionOut.of(storefront_forms().submit(principal(app), storeId, formId, body))


@app.get("/v1/stores/<storeId>/forms/<formId>/submissions/<submissionId>", summary="Get a form submission",
         tags=["Forms"], responses=STAFF_READ)
def get_submission(storeId: str, formId: str, submissionId: str) -> FormSubmissionOut:  # noqa: N803
    return FormSubmissionOut.of(form_service().submission(principal(app), storeId, formId, submissionId))


@app.put("/v1/stores/<storeId>/forms/<formId>/submissions/<submissionId>",
         summary="Correct a form submission's fields (checked against the form's schema)", tags=["Forms"],
         responses=STAFF_CHANGE)
def update_submission(storeId: str, formId: str, submissionId: str,  # noqa: N803
                      body: SubmissionChanges) -> FormSubmissionOut:
    return FormSubmissionOut.of(form_service().update_submission(principal(app), storeId, formId, submissionId,
                                                                 body))


@app.get("/v1/storefront/<storeId>/forms/<formId>", summary="An active form, by id or storeId:key",
         tags=["Forms"], responses=PUBLIC_STORE)
def storefront_form(storeId: str, formId: str) -> FormOut:  # noqa: N803
    return FormOut.of(storefront_forms().get(storeId, formId))


@app.post("/v1/storefront/<storeId>/forms/<formId>/submissions", summary="Submit a form (a profile session)",
          tags=["Forms"], responses=SUBMIT)
def storefront_submit(storeId: str, formId: str, body: SubmitRequest) -> FormSubmissionOut:  # noqa: N803
    return FormSubmissionOut.of(storefront_forms().submit(principal(app), storeId, formId, body))


lambda_handler = lambda_entry(app)
