"""Scheduled work (EventBridge rule): finishes store purges that were cut short, releases the stock of unpaid
card orders whose payment hold ended, deletes presigned media uploads nobody completed, and erases the profiles
whose deletion was requested."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from storecrm.metrics import flushed_per_invocation
from storecrm.services import media_library, order_service, profile_erasure, store_service
from storecrm.tracing import traced

logger = Logger()


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
    return {"purged_stores": purged, "released_holds": released, "expired_uploads": expired,
            "erased_profiles": erased}
