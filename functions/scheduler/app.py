"""Scheduled work (EventBridge rule, every minute): finishes store purges that were cut short, releases the stock of
unpaid card orders whose payment hold ended, deletes presigned media uploads nobody completed, erases the profiles
whose deletion was requested, and works through the due minutes (order reminders, abandoned carts) within the
run's time budget."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storecrm.metrics import flushed_per_invocation
from storecrm.services import due_scheduler, media_library, order_service, profile_erasure, store_service
from storecrm.tracing import traced

logger = Logger()
# Time kept back from the run's budget for the page in hand and the answer.
RESERVE_SECONDS = 30


@traced
@flushed_per_invocation
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    purged = store_service().purge_due()
    if purged:
        logger.info("Finished store purges", count=purged)
    released = order_service().release_due_holds()
    if released:
        logger.info("Released the stock of unpaid card orders", count=released)
    expired = media_library().expire_uploads()
    if expired:
        logger.info("Deleted media uploads that were never completed", count=expired)
    erased = profile_erasure().erase_due()
    if erased:
        logger.info("Erased profiles whose deletion was requested", count=erased)
    due = due_scheduler().run(max(context.get_remaining_time_in_millis() / 1000 - RESERVE_SECONDS, 1))
    if due.done or due.out_of_time:
        logger.info("Worked through due minutes", done=due.done, finished_through=due.finished_through,
                    out_of_time=due.out_of_time)
    return {"purged_stores": purged, "released_holds": released, "expired_uploads": expired,
            "erased_profiles": erased, "reminders_sent": due.done.get("REMINDER", 0),
            "carts_recovered": due.done.get("CART", 0)}
