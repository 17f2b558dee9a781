"""Webhook queue -> receivers: one signed POST per message, retried with growing delays.

The messages of a batch are delivered at once, each POST with its own timeout, so one slow receiver
holds up nobody else's: the batch takes as long as its slowest delivery, not their sum. A failed
message is put back with a longer visibility timeout (the retry delay) and reported as a batch item
failure; after the last attempt the queue's redrive policy moves it to the DLQ. Powertools
idempotency makes a repeated message (same webhook, event and redelivery) a no-op once it was
delivered, and keeps two copies from being sent at the same time.
"""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from storecrm.integrations.delivery import DeliveryFailed
from storecrm.metrics import flushed_per_invocation
from storecrm.services import delivery_idempotency, delivery_once, webhook_queue
from storecrm.tracing import traced

logger = Logger()
# Report failures item by item even when all fail: each message already carries its own retry delay.
processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# One thread per message of the largest batch (the event source's BatchSize: 10), so none waits for another.
BATCH_SIZE = 10
deliveries = ThreadPoolExecutor(max_workers=BATCH_SIZE, thread_name_prefix="delivery")


def deliver(record: SQSRecord) -> None:
    job = record.json_body
    # Per delivery, not per container: the batch's deliveries log at the same time.
    logger.thread_safe_append_keys(store_id=job.get("event", {}).get("store_id"))
    try:
        outcome = delivery_once()(job=job, attempt=int(record.attributes.approximate_receive_count))
    except DeliveryFailed as failed:
        webhook_queue().retry_later(record.receipt_handle, failed.retry_in)
        logger.warning("Delivery failed", webhook_id=job.get("webhook_id"), event_id=job.get("event", {}).get("id"),
                       reason=str(failed), retry_in=failed.retry_in)
        raise
    logger.info("Delivery done", webhook_id=job.get("webhook_id"), event_id=job.get("event", {}).get("id"), **outcome)


async def deliver_in_a_thread(record: SQSRecord) -> None:
    # Each delivery runs with a copy of the invocation's context: its log keys stay its own, and the
    # invocation's metrics tally counts it.
    context = contextvars.copy_context()
    await asyncio.get_running_loop().run_in_executor(deliveries, context.run, deliver, record)


@traced
@flushed_per_invocation
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    delivery_idempotency().register_lambda_context(context)
    return async_process_partial_response(event=event, record_handler=deliver_in_a_thread, processor=processor,
                                          context=context)
