"""DynamoDB stream -> webhook queue: each new outbox item becomes one message per matching webhook, and an event
about a profile becomes an activity on its timeline (storecrm/crm/activities.py: EventActivities).

The template's filter lets only outbox inserts through. A record that fails is reported, and
Lambda retries from it; records before it are not sent twice.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from storecrm.kernel.repositories.events import event_from_stream_image
from storecrm.metrics import flushed_per_invocation
from storecrm.services import event_activities, event_fanout
from storecrm.tracing import traced

logger = Logger()
# Report failures item by item even when all fail, so Lambda retries from the first failed record.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def publish(record: DynamoDBRecord) -> None:
    event = event_from_stream_image(record.raw_event["dynamodb"]["NewImage"])
    # The activity first: both are idempotent (the activity's id is the event's), and a failure of either retries
    # the record.
    recorded = event_activities().record(event)
    queued = event_fanout().publish(event)
    logger.info("Event fanned out", event_id=event.id, event_type=event.type, store_id=event.store_id,
                deliveries=queued, activity=recorded.type if recorded else None)


@traced
@flushed_per_invocation
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=publish, processor=processor, context=context)
