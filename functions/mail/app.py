"""DynamoDB stream -> SES: each store mail the outbox holds (a confirmation, a cart recovery, an order reminder),
sent once (storecrm.messaging.mail_delivery).

The template's filter lets only inserted mail items through. A mail SES may take later fails its record, and
Lambda retries from it (records before it are done); one SES refuses for good is logged and dropped. Powertools
idempotency, keyed on the mail id, makes a record delivered again after its mail went out a no-op.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from storecrm.messaging.repositories.mail_outbox import mail_item_from_stream_image
from storecrm.metrics import flushed_per_invocation
from storecrm.services import mail_idempotency, mail_once
from storecrm.tracing import traced

logger = Logger()
# Report failures item by item even when all fail, so Lambda retries from the first failed record.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def send(record: DynamoDBRecord) -> None:
    mail = mail_item_from_stream_image(record.raw_event["dynamodb"]["NewImage"])
    # Ids and the kind only: never the address or the mail.
    logger.append_keys(store_id=mail.get("store_id"))
    outcome = mail_once()(mail=mail)
    logger.info("Store mail handled", mail_id=mail.get("id"), mail_kind=mail.get("kind"), **outcome)


@traced
@flushed_per_invocation
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    mail_idempotency().register_lambda_context(context)
    return process_partial_response(event=event, record_handler=send, processor=processor, context=context)
