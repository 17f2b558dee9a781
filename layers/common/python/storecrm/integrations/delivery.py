"""From outbox event to signed POST: fan-out to matching webhooks, then one delivery attempt at a time.

At least once: the fan-out may repeat on a retried stream batch and SQS may hand a message out
twice, so the dispatcher runs behind an idempotency record keyed on (webhook, event, redelivery)
and a receiver sees a repeat only when a delivery failed on our side of the wire.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from storecrm import metrics
from storecrm.clock import now
from storecrm.config import Settings
from storecrm.integrations.models.webhooks import DeliveryStatus
from storecrm.kernel import events
from storecrm.kernel.base_model import Model
from storecrm.kernel.models.events import OutboxEvent

if TYPE_CHECKING:
    from storecrm.integrations.gateways.secret_box import SecretBox
    from storecrm.integrations.repositories.webhooks import WebhookRepository
    from storecrm.kernel.gateways.outbound import Outbound


# A delivery that failed its last try goes to the dead-letter queue (the queue's redrive policy).
DELIVERY_OUTCOMES: dict[DeliveryStatus, metrics.DeliveryOutcome] = {
    "delivered": "delivered", "retrying": "retried", "failed": "dead_lettered", "skipped": "skipped"}


class DeliveryJob(Model):
    """One queued message: deliver this event to this webhook. `redelivery` marks a staff-requested resend."""

    webhook_id: str
    event: OutboxEvent
    redelivery: str | None = None


class WebhookQueue(Protocol):
    """Where fanned-out deliveries wait for the dispatcher (storecrm.integrations.gateways.webhook_queue on SQS)."""

    def send(self, jobs: Sequence[DeliveryJob]) -> None: ...

    def retry_later(self, receipt_handle: str, seconds: int) -> None: ...


class DeliveryFailed(Exception):
    """The receiver did not take the event; the message returns to the queue after `retry_in` seconds."""

    def __init__(self, reason: str, retry_in: int) -> None:
        super().__init__(reason)
        self.retry_in = retry_in


class EventFanout:
    def __init__(self, webhooks: WebhookRepository, queue: WebhookQueue) -> None:
        self.webhooks = webhooks
        self.queue = queue

    def publish(self, event: OutboxEvent) -> int:
        """Queues one message per enabled webhook of the event's store that subscribed to its type."""
        jobs = [DeliveryJob(webhook_id=w.id, event=event)
                for w in self.webhooks.all_in_store(event.store_id) if w.wants(event)]
        self.queue.send(jobs)
        return len(jobs)


class Dispatcher:
    def __init__(self, webhooks: WebhookRepository, box: SecretBox, outbound: Outbound, config: Settings) -> None:
        self.webhooks = webhooks
        self.box = box
        self.outbound = outbound
        self.config = config

    def deliver(self, job: DeliveryJob, attempt: int) -> DeliveryStatus | None:
        """One attempt (1-based, as the queue counts receives). Raises DeliveryFailed to be retried.

        Returns None when the webhook no longer exists: there is nobody left to deliver to.
        """
        event = job.event
        webhook, erased = self.webhooks.get_for_delivery(event.store_id, job.webhook_id, event.subject_profile_id)
        if webhook is None:
            return None
        if erased:  # its profile was erased since it was queued: its data is not sent again, nor logged
            metrics.count(metrics.WEBHOOK_DELIVERIES, outcome="skipped")
            return "skipped"
        at = now()
        if not webhook.wants(event):  # disabled or unsubscribed since the event was queued
            self.webhooks.record_attempt(webhook, event, "skipped", at=at, response_code=None, error=None)
            metrics.count(metrics.WEBHOOK_DELIVERIES, outcome="skipped")
            return "skipped"
        secret = self.box.open(webhook.sealed_secret, webhook.secret_context())
        body = events.wire_body(event)
        headers = events.signed_headers(event, body, secret["secret"], at, webhook.headers)
        result = self.outbound.post(webhook.url, body, headers, self.config.webhook_timeout)
        last_try = attempt >= self.config.webhook_max_attempts
        status: DeliveryStatus = "delivered" if result.ok else "failed" if last_try else "retrying"
        self.webhooks.record_attempt(webhook, event, status, at=at, response_code=result.status, error=result.error)
        metrics.count(metrics.WEBHOOK_DELIVERIES, outcome=DELIVERY_OUTCOMES[status])
        if not result.ok:
            # After the last try the message goes straight back, and the queue's redrive policy
            # moves it to the dead-letter queue on its next receive.
            delay = 0 if last_try else events.retry_delay(attempt, self.config.webhook_retry_base,
                                                          self.config.webhook_retry_cap)
            raise DeliveryFailed(result.error or "not delivered", retry_in=delay)
        return status
