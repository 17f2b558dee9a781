"""template.yaml as the single source of truth for the local runner and the tests.

Cheap to import (no moto, no boto3 at import time) and usable inside moto's `mock_aws()`:

    with mock_aws():
        prov = provision(boto3.session.Session(region_name="us-east-1"))
        table_name = prov.refs["Table"]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localrunner.cfn import (
    ACCOUNT_ID,
    DEFAULT_TEMPLATE,
    REPO_ROOT,
    Provisioned,
    Template,
    load_template,
    template_parameters,
)
from localrunner.provisioning import NAME_PREFIX, generate_secret_string, provision
from localrunner.routes import Route, Routes, match

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_TEMPLATE",
    "NAME_PREFIX",
    "REPO_ROOT",
    "FunctionSpec",
    "Provisioned",
    "Route",
    "Routes",
    "Template",
    "api_routes",
    "function_environment",
    "functions",
    "generate_secret_string",
    "load_template",
    "match",
    "provision",
    "template_parameters",
]

log = logging.getLogger("localrunner.template")

SERVERLESS_FUNCTION = "AWS::Serverless::Function"


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path  # absolute
    handler: str  # relative to code_uri: "app.lambda_handler" or "docs/app.lambda_handler"
    memory_size: int = 128
    timeout: int = 3
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (Type, Properties)
    event_names: list[str] = field(default_factory=list)  # same order as events

    @property
    def module_file(self) -> Path:
        """The handler's source file: "docs/app.lambda_handler" -> code_uri/docs/app.py."""
        module = self.handler.rsplit(".", 1)[0]
        return self.code_uri / (module.replace(".", "/") + ".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    def events_of(self, event_type: str) -> list[tuple[str, dict[str, Any]]]:
        """(event name, properties) for every event of one type, e.g. "Schedule"."""
        return [
            (name, props)
            for name, (kind, props) in zip(self.event_names, self.events, strict=True)
            if kind == event_type
        ]


def _function_properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    resource = (template.get("Resources") or {}).get(logical_id)
    if not resource or resource.get("Type") != SERVERLESS_FUNCTION:
        raise KeyError(f"{logical_id} is not an {SERVERLESS_FUNCTION} in the template")
    globals_ = dict(((template.get("Globals") or {}).get("Function")) or {})
    own = resource.get("Properties") or {}
    # SAM Globals: the function's own scalars win; Environment.Variables are merged key by key.
    merged = {**globals_, **own}
    merged["Environment"] = {
        "Variables": {
            **((globals_.get("Environment") or {}).get("Variables") or {}),
            **((own.get("Environment") or {}).get("Variables") or {}),
        }
    }
    return merged


def functions(template: dict[str, Any], base_dir: Path | None = None) -> dict[str, FunctionSpec]:
    """Every AWS::Serverless::Function of the template, by logical id."""
    if base_dir is None:
        base_dir = template.path.parent if isinstance(template, Template) else REPO_ROOT
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != SERVERLESS_FUNCTION:
            continue
        props = _function_properties(template, logical_id)
        events = props.get("Events") or {}
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_uri=(base_dir / str(props["CodeUri"])).resolve(),
            handler=str(props["Handler"]),
            memory_size=int(props.get("MemorySize", 128)),
            timeout=int(props.get("Timeout", 3)),
            events=[(str(ev.get("Type")), dict(ev.get("Properties") or {})) for ev in events.values()],
            event_names=list(events),
        )
    return specs


def function_environment(template: dict[str, Any], provisioned: Provisioned, logical_id: str) -> dict[str, str]:
    """Globals.Function.Environment.Variables merged with the function's own, resolved to strings."""
    variables = _function_properties(template, logical_id)["Environment"]["Variables"]
    return {name: provisioned.resolve_str(value) for name, value in variables.items()}


def api_routes(template: dict[str, Any]) -> Routes:
    """Every Api event of every function, most specific path first."""
    routes: list[Route] = []
    for logical_id, spec in functions(template).items():
        for name, props in spec.events_of("Api"):
            routes.append(Route(str(props["Method"]).upper(), str(props["Path"]), logical_id, name))
    routes.sort(key=lambda route: (route.specificity(), route.method), reverse=True)
    return Routes(routes)


def binary_media_types(template: dict[str, Any]) -> list[str]:
    """The API's BinaryMediaTypes as media types (the template writes "/" as "~1", as API Gateway does)."""
    types: list[str] = []
    for resource in (template.get("Resources") or {}).values():
        if resource.get("Type") == "AWS::Serverless::Api":
            listed = (resource.get("Properties") or {}).get("BinaryMediaTypes") or []
            types += [str(t).replace("~1", "/") for t in listed]
    return types
