"""Business metrics, as CloudWatch embedded metric format (EMF) lines through Powertools Metrics.

Every name is here, and the dashboard in template.yaml reads the same names. The namespace is the
stack's (POWERTOOLS_METRICS_NAMESPACE) and each function's name is the `service` dimension
(POWERTOOLS_SERVICE_NAME). A store id is never a dimension: every value would be a metric billed
on its own.

The code that decides an outcome counts it (`count`); the function's entry publishes the counts
once, when the invocation ends (`flushed_per_invocation`). Counting is a plain in-memory tally,
so domain code and unit tests never need a namespace or print anything.

Each invocation counts into a tally of its own (a context variable, which threads the invocation starts
with its context share), and each function module publishes through a Metrics of its own: the local
runner runs several invocations, of one function or many, in one process at a time.
"""

from __future__ import annotations

import contextvars
import functools
import threading
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

# Powertools' own name for the metric `capture_cold_start_metric` adds.
COLD_START = "ColdStart"
LOGIN_CODES_SENT = "LoginCodesSent"
LOGIN_CODES_REJECTED = "LoginCodesRejected"  # a wrong, expired or used-up code presented
SESSIONS_CREATED = "SessionsCreated"
SESSIONS_REVOKED = "SessionsRevoked"  # logout, revoke one or all, refresh-token reuse, merged away
PROFILES_CREATED = "ProfilesCreated"
PROFILES_MERGED = "ProfilesMerged"
PROFILES_DELETED = "ProfilesDeleted"
# These have an `outcome` dimension, with the values listed below.
AUDIENCE_SUBSCRIPTIONS = "AudienceSubscriptions"
WEBHOOK_DELIVERIES = "WebhookDeliveries"
STRIPE_EVENTS = "StripeEvents"
SCHEDULED_JOB_FAILURES = "ScheduledJobFailures"  # a scheduler job that raised: moved later or parked
MIGRATION_ITEMS = "MigrationItems"  # items a data migration's pages read, by whether it changed them
# Published by every scheduler run while above zero: the jobs parked now, the data migrations not finished yet.
PARKED_JOBS = "ParkedJobs"
MIGRATIONS_PENDING = "MigrationsPending"
# Store mails (storecrm.messaging.store_mail): `queued` with their decision, or stopped there (`over_quota`,
# `recipient_limited`); then `sent` or `rejected` (SES refused it for good) by the mail function.
STORE_MAILS = "StoreMails"

SubscriptionOutcome = Literal["subscribed", "confirmation_sent", "checkout_started", "already_subscribed",
                              "confirmed", "unsubscribed"]
DeliveryOutcome = Literal["delivered", "skipped", "retried", "dead_lettered"]
# What StripeEvents.receive returned, or `rejected` (bad signature, not configured, wrong store).
StripeOutcome = Literal["applied", "unchanged", "ignored", "stale", "rejected"]
JobFailureOutcome = Literal["retried", "parked"]
MigrationOutcome = Literal["changed", "unchanged"]
StoreMailOutcome = Literal["queued", "over_quota", "recipient_limited", "sent", "rejected"]

BUSINESS_METRICS = (COLD_START, LOGIN_CODES_SENT, LOGIN_CODES_REJECTED, SESSIONS_CREATED, SESSIONS_REVOKED,
                    PROFILES_CREATED, PROFILES_MERGED, PROFILES_DELETED, AUDIENCE_SUBSCRIPTIONS,
                    WEBHOOK_DELIVERIES, STRIPE_EVENTS, SCHEDULED_JOB_FAILURES, PARKED_JOBS, MIGRATION_ITEMS,
                    MIGRATIONS_PENDING, STORE_MAILS)

# Most calls (every read) count nothing: normal here, so not worth the warning Powertools prints for it.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning,
                        module="aws_lambda_powertools")

Tally = Counter[tuple[str, str | None]]  # (metric name, outcome or None) -> count, since the last publish

# Outside an invocation (domain code called by tests), counts go to one tally for the process.
_outside: Tally = Counter()
_tally: contextvars.ContextVar[Tally] = contextvars.ContextVar("storecrm_metric_tally")
# An invocation's worker threads (the webhook dispatcher's) count into its tally at once.
_counting = threading.Lock()

Handler = TypeVar("Handler", bound=Callable[..., Any])


def count(name: str, value: int = 1, *, outcome: str | None = None) -> None:
    if value:
        with _counting:
            _tally.get(_outside)[(name, outcome)] += value


def discard_counts() -> None:
    """Forgets what was counted and not published (tests start from nothing)."""
    _tally.get(_outside).clear()


def _publish(metrics: Metrics, tally: Tally) -> None:
    """Plain counts join the invocation's document; an EMF document has one set of dimensions, so
    each outcome gets one of its own."""
    by_outcome: dict[str, dict[str, int]] = defaultdict(dict)
    with _counting:
        totals = dict(tally)
        tally.clear()
    for (name, outcome), value in totals.items():
        if outcome is None:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        else:
            by_outcome[outcome][name] = value
    for outcome, counted in by_outcome.items():
        document = AmazonCloudWatchEMFProvider(namespace=metrics.namespace, service=metrics.service)
        document.add_dimension(name="outcome", value=outcome)
        for name, value in counted.items():
            document.add_metric(name=name, unit=MetricUnit.Count, value=value)
        document.flush_metrics()


def flushed_per_invocation(handler: Handler) -> Handler:
    """The function's counts published once, when each invocation ends, and ColdStart on the first.

    The Metrics instance is made here, when the function's module loads, so it reads the
    function's namespace and service name. Its metric set is its own: Powertools' default one is shared
    by every Metrics in the process.
    """
    metrics = Metrics(provider=AmazonCloudWatchEMFProvider(metric_set={}, dimension_set={}, metadata_set={},
                                                           default_dimensions={}))

    @functools.wraps(handler)
    def invocation(event: Any, context: Any) -> Any:
        tally: Tally = Counter()
        token = _tally.set(tally)
        try:
            return handler(event, context)
        finally:
            _tally.reset(token)
            _publish(metrics, tally)

    return cast(Handler, metrics.log_metrics(invocation, capture_cold_start_metric=True))
