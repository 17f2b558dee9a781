"""X-Ray traces through Powertools Tracer, when the stack turns tracing on (EnableTracing).

Powertools' Tracer imports the X-Ray SDK as soon as one is made, even a disabled one. So none is
made unless tracing is on: with it off, and in the local runner and the tests (no X-Ray daemon),
the SDK stays out of the cold start.

A traced function records its AWS calls (botocore) and outbound HTTP as subsegments: http.client
(webhooks, OAuth) and, in the functions that bundle the Stripe library, requests, which it uses.
Neither the handler's response nor its exception goes into the trace: both can carry personal data.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

Handler = TypeVar("Handler", bound=Callable[..., Any])

_TRUE = {"1", "true", "yes", "on", "y", "t"}


def tracing_enabled() -> bool:
    """On Lambda (where the X-Ray daemon listens) unless POWERTOOLS_TRACE_DISABLED says otherwise,
    the rule Powertools applies itself."""
    if not os.getenv("LAMBDA_TASK_ROOT") or os.getenv("AWS_SAM_LOCAL"):
        return False
    return os.getenv("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() not in _TRUE


def traced(handler: Handler) -> Handler:
    if not tracing_enabled():
        return handler
    from aws_lambda_powertools import Tracer

    # Named rather than Powertools' patch-all, which imports every library it could patch.
    patched = ["botocore", "httplib", *(["requests"] if importlib.util.find_spec("requests") else [])]
    tracer = Tracer(patch_modules=patched)
    return cast(Handler, tracer.capture_lambda_handler(handler, capture_response=False, capture_error=False))
