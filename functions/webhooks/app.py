"""Webhooks: /v1/stores/{storeId}/webhooks, the test call, the delivery log and redelivery."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.arky.schemas.common import Deleted, Page
from storecrm.arky.schemas.webhooks import DeliveryOut, WebhookOut
from storecrm.http.app import cors_config, lambda_entry, use_arky_errors
from storecrm.http.auth import principal
from storecrm.http.openapi import STAFF_CHANGE, STAFF_READ, errors
from storecrm.integrations.webhooks import DeliveryQuery, NewWebhook, TestRequest, TestResult, WebhookChanges
from storecrm.services import webhook_service

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_arky_errors(app)


@app.get("/v1/stores/<storeId>/webhooks", summary="List a store's webhooks", tags=["Webhooks"], responses=STAFF_READ)
def list_webhooks(storeId: str) -> list[WebhookOut]:  # noqa: N803 - path parameter name from the template
    return [WebhookOut.of(w) for w in webhook_service().all_in_store(principal(app), storeId)]


@app.post("/v1/stores/<storeId>/webhooks", summary="Create a webhook (the only answer with the secret in clear)",
          tags=["Webhooks"], responses=STAFF_CHANGE)
def create_webhook(storeId: str, body: NewWebhook) -> WebhookOut:  # noqa: N803
    webhook, secret = webhook_service().create(principal(app), storeId, body)
    return WebhookOut.of(webhook, secret=secret)


@app.post("/v1/stores/<storeId>/webhooks/test", summary="Send a signed test event to a configuration",
          tags=["Webhooks"], responses=STAFF_READ)
def test_webhook(storeId: str, body: TestRequest) -> TestResult:  # noqa: N803
    return webhook_service().test(principal(app), storeId, body.webhook)


@app.put("/v1/stores/<storeId>/webhooks/<webhookId>", summary="Update a webhook", tags=["Webhooks"],
         responses=STAFF_CHANGE)
def update_webhook(storeId: str, webhookId: str, body: WebhookChanges) -> WebhookOut:  # noqa: N803
    return WebhookOut.of(webhook_service().update(principal(app), storeId, webhookId, body))


@app.delete("/v1/stores/<storeId>/webhooks/<webhookId>", summary="Delete a webhook", tags=["Webhooks"],
            responses=STAFF_CHANGE)
def delete_webhook(storeId: str, webhookId: str) -> Deleted:  # noqa: N803
    webhook_service().delete(principal(app), storeId, webhookId)
    return Deleted(deleted=True)


@app.get("/v1/stores/<storeId>/webhooks/<webhookId>/deliveries", summary="A webhook's delivery log, newest first",
         tags=["Webhooks"], responses=STAFF_READ)
def list_deliveries(storeId: str, webhookId: str,  # noqa: N803
                    limit: Annotated[int, Query(ge=1, le=100)] = 50,
                    cursor: Annotated[str | None, Query(max_length=2048)] = None) -> Page[DeliveryOut]:
    items, next_cursor = webhook_service().deliveries(principal(app), storeId, webhookId,
                                                      DeliveryQuery(limit=limit, cursor=cursor))
    return Page[DeliveryOut](items=[DeliveryOut.of(d) for d in items], cursor=next_cursor)


@app.post("/v1/stores/<storeId>/webhooks/<webhookId>/deliveries/<deliveryId>/redeliver",
          summary="Queue one logged delivery again (409 when its profile was erased)", tags=["Webhooks"],
          responses=errors(401, 403, 404, 409))
def redeliver(storeId: str, webhookId: str, deliveryId: str) -> DeliveryOut:  # noqa: N803
    return DeliveryOut.of(webhook_service().redeliver(principal(app), storeId, webhookId, deliveryId))


lambda_handler = lambda_entry(app)
