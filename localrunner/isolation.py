"""State that Lambda keeps per process (so per container) but this one process shares between the invocations
it runs at once, made per invocation.

Each container imports its own copy of the function's module (localrunner.invoker), but the libraries it uses
are imported once for all of them. Two pieces of their state belong to a request:
- Powertools' event handler keeps the request being resolved on its BaseRouter class (`current_event`,
  `lambda_context`), so one process wide: two invocations at once, of any two functions, would each read the
  other's request (its path, its bearer token) when it comes last. Here each resolver, so each container,
  keeps its own.
- Powertools' log formatter keeps the keys of every Logger of a service name (`append_keys`: the correlation
  id, the store, the caller): concurrent invocations would stamp each other's keys on their lines, and a line
  formatted while another request changes the keys can fail. Here every invocation (its own contextvars
  context) gets its own copy of those keys.
storecrm's own counters (storecrm.metrics) are per invocation on their own.
"""

from __future__ import annotations

import contextvars
import functools
from typing import Any

_installed = False

# Within an invocation: each formatter's keys for it (by the formatter's id); None outside invocations.
_keys: contextvars.ContextVar[dict[int, dict[str, Any]] | None] = contextvars.ContextVar("localrunner_log_keys",
                                                                                         default=None)


class PerInvocationLogKeys:
    """A data descriptor for LambdaPowertoolsFormatter.log_format: inside an invocation, reads and writes go to
    that invocation's copy (made from the process-wide keys on first use); outside, to the process-wide dict."""

    def __get__(self, formatter: Any, owner: type | None = None) -> Any:
        if formatter is None:
            return self
        shared = formatter.__dict__.setdefault("log_format", {})
        mine = _keys.get()
        if mine is None:
            return shared
        found = mine.get(id(formatter))
        if found is None:
            found = mine[id(formatter)] = dict(shared)
        return found

    def __set__(self, formatter: Any, value: dict[str, Any]) -> None:
        mine = _keys.get()
        if mine is None:
            formatter.__dict__["log_format"] = value
        else:
            mine[id(formatter)] = value


def _own_request(resolve: Any) -> Any:
    """ApiGatewayResolver.resolve, keeping the request on the resolver itself (an instance attribute, which
    its reads find before the class's) as well as on the class, where Powertools puts it."""

    @functools.wraps(resolve)
    def resolve_own(self: Any, event: Any, context: Any) -> Any:
        self.current_event = self._to_proxy_event(event.raw_event if hasattr(event, "raw_event") else event)
        self.lambda_context = context
        return resolve(self, event, context)

    return resolve_own


def install() -> None:
    """Idempotent."""
    global _installed
    if _installed:
        return
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    LambdaPowertoolsFormatter.log_format = PerInvocationLogKeys()  # type: ignore[assignment]
    ApiGatewayResolver.resolve = _own_request(ApiGatewayResolver.resolve)  # type: ignore[method-assign]
    _installed = True


def begin_invocation() -> None:
    """Called first thing in an invocation's own context."""
    _keys.set({})
