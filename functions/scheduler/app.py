"""Scheduled work (EventBridge rule, every minute): finishes store purges that were cut short, releases the stock of
unpaid card orders whose payment hold ended, deletes presigned media uploads nobody completed, erases the profiles
whose deletion was requested, works through the due minutes (order reminders, abandoned carts) and runs the data
migrations a deploy brought, within the run's time budget. Each step and each job on its own (storecrm/kernel/jobs.py):
a failing job is retried later and parked after its last try; a failing step fails the invocation at the end, after
the other steps ran.

An operator invokes it by hand with {"action": "list_parked"}, {"action": "retry_parked"} (optionally with "jobs": a
list of [PK, SK] keys from the list) or {"action": "drop_parked", "jobs": [...]} (README, *Operating it*)."""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.typing import LambdaContext

from storecrm.metrics import flushed_per_invocation
from storecrm.services import scheduler
from storecrm.tracing import traced

logger = Logger()
# The shared package logs through the standard library (storecrm.kernel.jobs, migrations, reminders ...): its lines
# come out as this function's JSON lines, with the same keys.
logging.getLogger("storecrm")
copy_config_to_registered_loggers(source_logger=logger, include={"storecrm"})
# Time kept back from the run's budget for the page in hand and the answer.
RESERVE_SECONDS = 30


class SchedulerStepsFailed(Exception):
    """Steps failed outside any one job (their listing, the minute walk, a migration page): the invocation fails
    after every other step ran, so the function's errors alarm fires."""


@traced
@flushed_per_invocation
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event.get("action")
    if action is not None:
        return _operator_action(str(action), event.get("jobs"))
    run = scheduler().run(max(context.get_remaining_time_in_millis() / 1000 - RESERVE_SECONDS, 1))
    summary = {"purged_stores": run.done("store_purges"), "released_holds": run.done("payment_holds"),
               "expired_uploads": run.done("media_uploads"), "erased_profiles": run.done("profile_erasures"),
               "reminders_sent": run.due.done.get("REMINDER", 0) if run.due else 0,
               "carts_recovered": run.due.done.get("CART", 0) if run.due else 0}
    if any(summary.values()) or run.parked:
        logger.info("Scheduled work done", extra={**summary, "parked_jobs": run.parked})
    if run.failed_steps:
        raise SchedulerStepsFailed(", ".join(run.failed_steps))
    return summary


def _operator_action(action: str, jobs: Any) -> dict[str, Any]:
    wanted = [(str(pk), str(sk)) for pk, sk in jobs] if isinstance(jobs, list) else None
    if action == "list_parked":
        return {"parked": [{"job": list(j.key), "queue": j.queue, "work": j.work, "attempts": j.attempts,
                            "parked_at": j.parked_at, "error": j.error} for j in scheduler().parked()]}
    if action == "retry_parked":
        return {"retried": scheduler().retry_parked(wanted)}
    if action == "drop_parked" and wanted:
        return {"dropped": scheduler().drop_parked(wanted)}
    raise ValueError(f"unknown action {action!r}: list_parked, retry_parked or drop_parked (with jobs)")
