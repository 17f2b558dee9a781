"""Email templates: /v1/stores/{storeId}/email-templates and /v1/stores/{storeId}/email-templates/{templateId}."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas import Deleted, EmailTemplateOut, Page
from storecrm.domain.email_templates import EmailTemplateChanges, NewEmailTemplate
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.services import email_template_service

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.post("/v1/stores/<storeId>/email-templates", summary="Create an email template", tags=["Email templates"])
def create_template(storeId: str, body: NewEmailTemplate) -> EmailTemplateOut:  # noqa: N803 - path parameter name
    return EmailTemplateOut.of(email_template_service().create(principal(app), storeId, body))


@app.get("/v1/stores/<storeId>/email-templates", summary="List email templates", tags=["Email templates"])
def list_templates(
    storeId: str,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[EmailTemplateOut]:
    items, next_cursor = email_template_service().list(principal(app), storeId, limit, cursor)
    return Page[EmailTemplateOut](items=[EmailTemplateOut.of(t) for t in items], cursor=next_cursor)


@app.get("/v1/stores/<storeId>/email-templates/<templateId>", summary="Get an email template",
         tags=["Email templates"])
def get_template(storeId: str, templateId: str) -> EmailTemplateOut:  # noqa: N803
    return EmailTemplateOut.of(email_template_service().get(principal(app), storeId, templateId))


@app.put("/v1/stores/<storeId>/email-templates/<templateId>", summary="Update an email template",
         tags=["Email templates"])
def update_template(storeId: str, templateId: str, body: EmailTemplateChanges) -> EmailTemplateOut:  # noqa: N803
    return EmailTemplateOut.of(email_template_service().update(principal(app), storeId, templateId, body))


@app.delete("/v1/stores/<storeId>/email-templates/<templateId>",
            summary="Delete an email template (audiences using it fall back to single opt-in)",
            tags=["Email templates"])
def delete_template(storeId: str, templateId: str) -> Deleted:  # noqa: N803
    # Three AWS calls (budget 1-2): the audiences that use the template are found with a Query.
    email_template_service().delete(principal(app), storeId, templateId)
    return Deleted(deleted=True)


lambda_handler = lambda_entry(app)
