"""Email templates (arky-sdk 0.9.1 `emailTemplate`): /v1/stores/{storeId}/email-templates,
/v1/stores/{storeId}/email-templates/{templateId} (an id or `{storeId}:{key}`) and .../{templateId}/preview."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas.common import Deleted, Page
from storecrm.arky.schemas.email_templates import EmailTemplateOut, EmailTemplatePreviewOut
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ
from storecrm.http.query import json_param, json_shape
from storecrm.kernel.keyed_find import SortDirection, SortField
from storecrm.messaging.email_templates import (
    EmailTemplateChanges,
    EmailTemplateQuery,
    NewEmailTemplate,
    PreviewRequest,
    TemplateKey,
)
from storecrm.messaging.models.email_templates import EmailTemplateStatus
from storecrm.services import email_template_service

IDS = json_shape(list[str])

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.post("/v1/stores/<storeId>/email-templates", summary="Create an email template", tags=["Email templates"],
          responses=STAFF_CHANGE)
def create_template(storeId: str, body: NewEmailTemplate) -> EmailTemplateOut:  # noqa: N803 - path parameter name
    return EmailTemplateOut.of(email_template_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/email-templates", summary="Find email templates", tags=["Email templates"],
         responses=STAFF_READ)
def find_templates(
    storeId: str,  # noqa: N803
    ids: Annotated[str | None, Query(max_length=4000, description="JSON array of template ids")] = None,
    key: Annotated[TemplateKey | None, Query()] = None,
    query: Annotated[str | None, Query(max_length=255, description="Prefix of template keys")] = None,
    status: Annotated[EmailTemplateStatus | None, Query()] = None,
    sort_field: Annotated[SortField | None, Query(description="Default created_at (key with a query)")] = None,
    sort_direction: Annotated[SortDirection | None, Query(description="Default desc (asc in key order)")] = None,
    created_at_from: Annotated[int | None, Query(ge=0)] = None,
    created_at_to: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[EmailTemplateOut]:
    q = EmailTemplateQuery(ids=json_param(ids, IDS, "ids"), key=key, query=query, status=status,
                           sort_field=sort_field, sort_direction=sort_direction, created_at_from=created_at_from,
                           created_at_to=created_at_to, limit=limit, cursor=cursor)
    items, next_cursor = email_template_service().find(principal(app), storeId, q)
    return Page[EmailTemplateOut](items=[EmailTemplateOut.of(t) for t in items], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/email-templates/<templateId>", summary="Get an email template by id or storeId:key",
         tags=["Email templates"], responses=STAFF_READ)
def get_template(storeId: str, templateId: str) -> EmailTemplateOut:  # noqa: N803
    # One AWS call by id; a key costs a second read (the key marker names the id).
    return EmailTemplateOut.of(email_template_service().get(principal(app), storeId, templateId))


@app.put("/v1/stores/<storeId>/email-templates/<templateId>", summary="Update an email template",
         tags=["Email templates"], responses=STAFF_CHANGE)
def update_template(storeId: str, templateId: str, body: EmailTemplateChanges) -> EmailTemplateOut:  # noqa: N803
    return EmailTemplateOut.of(email_template_service().update(principal(app), storeId, templateId, body))


@app.delete("/v1/stores/<storeId>/email-templates/<templateId>",
            summary="Delete an email template (audiences using it fall back to single opt-in)",
            tags=["Email templates"], responses=STAFF_CHANGE)
def delete_template(storeId: str, templateId: str) -> Deleted:  # noqa: N803
    # Three AWS calls (budget 1-2): the audiences that use the template are found with a Query.
    email_template_service().delete(principal(app), storeId, templateId)
    return Deleted(deleted=True)


@app.post("/v1/stores/<storeId>/email-templates/<templateId>/preview",
          summary="Render an email template (or the parts given instead) with vars; nothing is sent",
          tags=["Email templates"], responses=STAFF_READ)
def preview_template(storeId: str, templateId: str, body: PreviewRequest) -> EmailTemplatePreviewOut:  # noqa: N803
    mail, warnings = email_template_service().preview(principal(app), storeId, templateId, body)
    return EmailTemplatePreviewOut.of(mail, warnings)


lambda_handler = lambda_entry(app)
