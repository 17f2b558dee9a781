"""The SQS queue between the event fan-out and the webhook dispatcher."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm import aws
from storecrm.config import settings
from storecrm.integrations.delivery import DeliveryJob
from storecrm.kernel.errors import Unavailable

MAX_VISIBILITY_SECONDS = 12 * 3600


class SqsWebhookQueue:
    """The WebhookQueue (storecrm.integrations.delivery) on SQS."""

    def send(self, jobs: Sequence[DeliveryJob]) -> None:
        """All or an error: a partly sent batch is retried whole (the dispatcher ignores repeats)."""
        client = aws.client("sqs")
        for start in range(0, len(jobs), 10):
            entries = [{"Id": str(i), "MessageBody": job.model_dump_json()}
                       for i, job in enumerate(jobs[start:start + 10])]
            failed = client.send_message_batch(QueueUrl=settings().webhook_queue_url, Entries=entries).get("Failed")
            if failed:
                raise Unavailable(f"{len(failed)} webhook deliveries could not be queued")

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        aws.client("sqs").change_message_visibility(QueueUrl=settings().webhook_queue_url,
                                                    ReceiptHandle=receipt_handle,
                                                    VisibilityTimeout=min(seconds, MAX_VISIBILITY_SECONDS))
