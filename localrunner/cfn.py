"""CloudFormation plumbing: the YAML loader for short tags and the intrinsic-function resolver."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
STACK_NAME = "storecrm-local"


class Template(dict[str, Any]):
    """The parsed template; remembers its file so CodeUri paths can be made absolute."""

    path: Path = DEFAULT_TEMPLATE


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short tags (!Ref, !Sub, ...) into their long form."""


# CloudFormation keeps unquoted dates (e.g. a policy Version) as strings; PyYAML would make dates.
CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_FN_TAGS = (
    "Sub",
    "Join",
    "If",
    "Equals",
    "Select",
    "Split",
    "GetAZs",
    "ImportValue",
    "FindInMap",
    "Base64",
    "Not",
    "And",
    "Or",
    "Cidr",
    "Transform",
    "ToJsonString",
    "Length",
)


def _construct_plain(loader: CfnLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.MappingNode)
    return loader.construct_mapping(node, deep=True)


def _fn_constructor(name: str) -> Any:
    def construct(loader: CfnLoader, node: yaml.Node) -> dict[str, Any]:
        return {name: _construct_plain(loader, node)}

    return construct


def _construct_getatt(loader: CfnLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct_plain(loader, node)
    if isinstance(value, str):
        # "Table.StreamArn" -> ["Table", "StreamArn"]; attributes may themselves contain dots.
        logical_id, _, attribute = value.partition(".")
        value = [logical_id, attribute]
    return {"Fn::GetAtt": value}


CfnLoader.add_constructor("!Ref", _fn_constructor("Ref"))
CfnLoader.add_constructor("!Condition", _fn_constructor("Condition"))
CfnLoader.add_constructor("!GetAtt", _construct_getatt)
for _tag in _FN_TAGS:
    CfnLoader.add_constructor(f"!{_tag}", _fn_constructor(f"Fn::{_tag}"))


def load_template(path: Path | None = None) -> Template:
    """Parse template.yaml (short tags become {"Ref": ...}, {"Fn::GetAtt": [...]}, ...)."""
    path = Path(path) if path is not None else DEFAULT_TEMPLATE
    with path.open(encoding="utf-8") as stream:
        data = yaml.load(stream, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a CloudFormation template")
    template = Template(data)
    template.path = path.resolve()
    return template


def template_parameters(template: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """Parameter defaults merged with overrides, checked against AllowedValues."""
    declared: dict[str, Any] = template.get("Parameters") or {}
    overrides = overrides or {}
    unknown = set(overrides) - set(declared)
    if unknown:
        raise ValueError(f"unknown template parameters: {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            value: Any = overrides[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise ValueError(f"template parameter {name} has no default and no override")
        value = _scalar_str(value)
        allowed = [_scalar_str(v) for v in spec.get("AllowedValues", [])]
        if allowed and value not in allowed:
            raise ValueError(f"parameter {name}={value!r} is not one of {allowed}")
        if spec.get("Type") == "CommaDelimitedList":
            values[name] = [part.strip() for part in value.split(",")] if value else []
        else:
            values[name] = value
    return values


def _scalar_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _NoValue:
    """Marker for AWS::NoValue: the enclosing key or list item disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()
_SUB_PATTERN = re.compile(r"\$\{([^}]*)\}")


@dataclass
class Provisioned:
    """What the template's intrinsics resolve against: parameters and created resources."""

    template: dict[str, Any]
    parameters: dict[str, Any]
    region: str = "us-east-1"
    account_id: str = ACCOUNT_ID
    refs: dict[str, Any] = field(default_factory=dict)
    attrs: dict[tuple[str, str], Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ pseudo parameters
    def _pseudo(self, name: str) -> Any:
        pseudo: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": PARTITION,
            "AWS::StackName": STACK_NAME,
            "AWS::StackId": (
                f"arn:{PARTITION}:cloudformation:{self.region}:{self.account_id}:stack/{STACK_NAME}/local"
            ),
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name not in pseudo:
            raise KeyError(f"unknown pseudo parameter {name}")
        return pseudo[name]

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self._pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise KeyError(f"!Ref {name}: no such parameter, or the resource was not provisioned")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        try:
            return self.attrs[(logical_id, attribute)]
        except KeyError:
            raise KeyError(f"!GetAtt {logical_id}.{attribute} is not known locally") from None

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise KeyError(f"unknown condition {name}")
        return bool(self.resolve(conditions[name]))

    # ------------------------------------------------------------------ resolution
    def resolve(self, value: Any) -> Any:
        """Evaluate Ref / Fn::* anywhere inside value; AWS::NoValue entries are dropped."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" or key == "Condition" or key.startswith("Fn::"):
                return self._intrinsic(key, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def resolve_str(self, value: Any) -> str:
        """Resolve and render like CloudFormation does in string positions (true, not True)."""
        resolved = self.resolve(value)
        if isinstance(resolved, dict | list):
            return json.dumps(resolved)
        return _scalar_str(resolved)

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(self.resolve(arg))
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                arg = arg.split(".", 1)
            logical_id, attribute = (self.resolve(part) for part in arg)
            return self.get_att(logical_id, attribute)
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::Join":
            delimiter, items = arg
            return str(delimiter).join(_scalar_str(item) for item in self.resolve(items))
        if key == "Fn::Select":
            index, items = self.resolve(arg)
            return items[int(index)]
        if key == "Fn::Split":
            delimiter, text = self.resolve(arg)
            return str(text).split(delimiter)
        if key == "Fn::If":
            name, when_true, when_false = arg
            return self.resolve(when_true if self.condition(name) else when_false)
        if key == "Fn::Equals":
            left, right = (self.resolve(part) for part in arg)
            return _scalar_str(left) == _scalar_str(right)
        if key == "Fn::Not":
            return not self.resolve(arg[0])
        if key == "Fn::And":
            return all(self.resolve(part) for part in arg)
        if key == "Fn::Or":
            return any(self.resolve(part) for part in arg)
        if key == "Fn::FindInMap":
            name, first, second = (self.resolve(part) for part in arg)
            return self.resolve(self.template["Mappings"][name][first][second])
        if key == "Fn::Base64":
            return base64.b64encode(self.resolve_str(arg).encode()).decode()
        if key == "Fn::GetAZs":
            region = self.resolve(arg) or self.region
            return [f"{region}{zone}" for zone in "abc"]
        if key == "Fn::ToJsonString":
            return json.dumps(self.resolve(arg), separators=(",", ":"))
        if key == "Fn::Length":
            return len(self.resolve(arg))
        raise ValueError(f"{key} cannot be evaluated by the local runner")

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], self.resolve(arg[1])
        else:
            text, variables = arg, {}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is an escaped, literal ${Literal}
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                return _scalar_str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return _scalar_str(self.get_att(logical_id, attribute))
            return _scalar_str(self.ref(name))

        return _SUB_PATTERN.sub(substitute, str(text))


def references(value: Any) -> set[str]:
    """Logical ids (and parameter names) a value refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item.split(".", 1)[0] if isinstance(item, str) else str(item[0]))
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                for name in _SUB_PATTERN.findall(str(text)):
                    if not name.startswith("!"):
                        found.add(name.strip().split(".", 1)[0])
                found |= references(item[1] if isinstance(item, list) else None)
            else:
                found |= references(item)
    return found
