"""Records every AWS call a function makes and how its policy in template.yaml judges it (the IAM conformance
test; see localrunner/iam_policy.py for what is judged and how).

Off unless STORECRM_IAM_RECORD_DIR names a folder: the test session sets it, so the in-process functions of
the integration tests and the e2e runner subprocess both record. Each process appends JSON lines to its own
file there (`<pid>.jsonl`, each distinct record once); tests/conftest.py reads them all when the session ends.

A call belongs to the function whose invocation is running in that thread or context (`invocation`, entered
by localrunner.invoker.FunctionHost.invoke); calls made outside any invocation (test set-up, the runner's own
plumbing) are not recorded. Calls are seen through botocore event hooks on storecrm.aws's session, so every
client made from it is covered, the presigning ones included.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from localrunner.iam_policy import Policy, UnsupportedPolicy, function_policy, required

ENV = "STORECRM_IAM_RECORD_DIR"

_function: ContextVar[str | None] = ContextVar("storecrm_iam_function", default=None)
_lock = threading.Lock()
_installed = False
_provisioned: Any = None
_policies: dict[str, Policy] = {}
_replacements: list[tuple[str, str]] = []
_written: set[str] = set()
_PENDING = "storecrm_iam_pending"
# Ids in keys and encryption contexts (UUIDs, hex) read as {id}: one record per kind of call, not per id.
_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{24,}")


def enabled() -> bool:
    return bool(os.environ.get(ENV))


@contextmanager
def invocation(function: str) -> Iterator[None]:
    """Calls made inside belong to `function` (its logical id in template.yaml)."""
    if not enabled():
        yield
        return
    _install()
    token = _function.set(function)
    try:
        yield
    finally:
        _function.reset(token)


def provisioned(prov: Any) -> None:
    """The resources the functions' calls go to (a localrunner.cfn.Provisioned): policies resolve against it."""
    global _provisioned
    if not enabled():
        return
    with _lock:
        _provisioned = prov
        _policies.clear()
        values = {**{lid: v for lid, v in prov.refs.items()},
                  **{f"{lid}.{attr}": v for (lid, attr), v in prov.attrs.items()}}
        # Longest first, so an ARN is named before the name inside it; short values would match by chance.
        _replacements[:] = sorted(((str(v), "${" + k + "}") for k, v in values.items()
                                   if isinstance(v, str) and len(v) >= 8), key=lambda p: -len(p[0]))
    for logical_id, resource in (prov.template.get("Resources") or {}).items():
        if resource.get("Type") == "AWS::Serverless::Function":
            try:
                grants = [[i, a, display(r)] for i, a, r in _policy(logical_id).grant_ids()]
            except (UnsupportedPolicy, KeyError, ValueError) as exc:
                _write({"kind": "error", "function": logical_id, "error": str(exc)})
                continue
            _write({"kind": "policy", "function": logical_id, "grants": grants})


def display(text: str) -> str:
    """The ARN with the stack's physical names as ${LogicalId} / ${LogicalId.Attribute}, ids as {id}."""
    for value, token in _replacements:
        text = text.replace(value, token)
    return _ID.sub("{id}", text)


def _policy(function: str) -> Policy:
    found = _policies.get(function)
    if found is None:
        found = _policies[function] = function_policy(_provisioned.template, _provisioned, function)
    return found


def _write(record: dict[str, Any]) -> None:
    line = json.dumps(record, sort_keys=True)
    with _lock:
        if line in _written:
            return
        _written.add(line)
        folder = Path(os.environ[ENV])
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def record(function: str, service: str, operation: str, params: Mapping[str, Any],
           response: Mapping[str, Any] | None) -> None:
    """Judge one call of `function` and keep the verdict."""
    call = f"{service}.{operation}"
    if _provisioned is None:
        _write({"kind": "error", "function": function, "call": call,
                "error": "no provisioned template registered (localrunner.provisioning.provision)"})
        return
    prov = _provisioned
    try:
        requests = required(service, operation, params, response, prov.region, prov.account_id)
        policy = _policy(function)
    except (UnsupportedPolicy, KeyError, ValueError) as exc:
        _write({"kind": "error", "function": function, "call": call, "error": repr(exc)})
        return
    for request in requests:
        if request.resource.endswith("/unknown"):
            continue  # a failed call whose resource only the answer would have named
        verdict = policy.judge(request)
        _write({"kind": "call", "function": function, "call": call, "action": request.action,
                "resource": display(request.resource),
                "context": {k: display(v) if isinstance(v, str) else v for k, v in request.context.items()},
                "allowed": verdict.allowed, "denied_by": verdict.denied_by,
                "grants": [[i, a, display(r)] for i, a, r in verdict.grants]})


# ---------------------------------------------------------------------------- botocore hooks
def _install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    from storecrm import aws

    aws.session_hooks.append(_hook_session)
    aws.reset()  # a session made before this has no hooks


def _hook_session(session: Any) -> None:
    session.events.register("before-parameter-build", _before_parameter_build)
    session.events.register("after-call", _after_call)
    session.events.register("creating-client-class.s3", _record_presigned_posts)


def _before_parameter_build(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    function = _function.get()
    if function is None:
        return
    service, operation = model.service_model.service_name, model.name
    if context.get("is_presign_request"):
        # A presigned URL is used later with this function's credentials. A presigned POST shows up here as
        # a CreateBucket without its key: _record_presigned_posts records it.
        if operation != "CreateBucket":
            record(function, service, operation, params, None)
        return
    context[_PENDING] = (function, service, operation, dict(params))


def _after_call(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    pending = context.pop(_PENDING, None)
    if pending is not None:
        function, service, operation, params = pending
        record(function, service, operation, params, parsed)


def _record_presigned_posts(class_attributes: dict[str, Any], **_: Any) -> None:
    original = class_attributes.get("generate_presigned_post")
    if original is None:
        return

    def generate_presigned_post(self: Any, Bucket: str, Key: str, *args: Any, **kwargs: Any) -> Any:  # noqa: N803
        function = _function.get()
        if function is not None:
            record(function, "s3", "PutObject", {"Bucket": Bucket, "Key": Key}, None)
        return original(self, Bucket, Key, *args, **kwargs)

    class_attributes["generate_presigned_post"] = generate_presigned_post
