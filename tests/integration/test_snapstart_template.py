"""EnableSnapStart: every API function is invoked through a published alias, and SnapStart is on for
its versions exactly when the parameter says so (the prod profile), checked on the template that
the SAM transform hands to CloudFormation."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from typing import Any

import boto3
import pytest
from localrunner.cfn import Provisioned, template_parameters
from localrunner.template import REPO_ROOT
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from tests.support import FUNCTIONS, TEMPLATE

API_FUNCTIONS = sorted(name for name, spec in FUNCTIONS.items() if spec.events_of("Api"))
OTHER_FUNCTIONS = sorted(set(FUNCTIONS) - set(API_FUNCTIONS))
ALIAS = "live"


@cache
def transformed(enable_snapstart: str) -> dict[str, Any]:
    """The stack CloudFormation would create, with the code packaged the way `sam deploy` does."""
    fragment = json.loads(json.dumps(TEMPLATE))
    for logical_id, resource in fragment["Resources"].items():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = f"s3://artifacts/{logical_id}.zip"
    parameters = template_parameters(TEMPLATE, {"EnableSnapStart": enable_snapstart})
    # The template names no managed policies (SAM's own come as ARNs): the policy map stays empty.
    translator = Translator({}, Parser(), boto_session=boto3.session.Session(region_name="us-east-1"))
    return translator.translate(fragment, parameter_values=parameters)


def stack(enable_snapstart: str) -> Provisioned:
    """Resolves the transformed template's conditions as CloudFormation would with this value."""
    return Provisioned(template=transformed(enable_snapstart),
                       parameters=template_parameters(TEMPLATE, {"EnableSnapStart": enable_snapstart}))


def test_functions_without_api_events_publish_no_versions() -> None:
    """Stream, queue and schedule consumers are not waited on by a person: no versions to keep, no snapshots to pay."""
    for name in OTHER_FUNCTIONS:
        properties = TEMPLATE["Resources"][name]["Properties"]
        assert not {"AutoPublishAlias", "SnapStart", "VersionDescription"} & set(properties), name


@pytest.mark.parametrize("enable_snapstart, applied", [("true", "PublishedVersions"), ("false", "None")])
def test_snapstart_applies_to_published_versions_only_when_enabled(enable_snapstart: str, applied: str) -> None:
    resolved = stack(enable_snapstart)
    assert API_FUNCTIONS, "no function with Api events in template.yaml"
    for name in API_FUNCTIONS:
        function = resolved.template["Resources"][name]
        assert resolved.resolve(function["Properties"]["SnapStart"]) == {"ApplyOn": applied}, name


@pytest.mark.parametrize("enable_snapstart", ["true", "false"])
def test_api_gateway_invokes_the_alias(enable_snapstart: str) -> None:
    resources = transformed(enable_snapstart)["Resources"]
    paths = resources["Api"]["Properties"]["Body"]["paths"]
    # arn:...:lambda:path/2015-03-31/functions/${<target>}/invocations
    invoked = {operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"].split("/functions/${")[1].split("}")[0]
               for methods in paths.values() for method, operation in methods.items() if method != "options"}
    assert invoked == {f"{name}Alias{ALIAS}" for name in API_FUNCTIONS}
    allowed = {resource["Properties"]["FunctionName"]["Ref"] for resource in resources.values()
               if resource["Type"] == "AWS::Lambda::Permission"
               and resource["Properties"]["Principal"] == "apigateway.amazonaws.com"}
    assert allowed == invoked


def test_switching_publishes_a_new_version_without_a_code_change() -> None:
    """SAM names a version after the code, environment and memory, with the !If unresolved, so the name
    stays; a version's description cannot change in place, so a new description publishes a new one."""
    enabled, disabled = stack("true"), stack("false")
    for name in API_FUNCTIONS:
        versions = {lid for lid, resource in enabled.template["Resources"].items()
                    if resource["Type"] == "AWS::Lambda::Version" and lid.startswith(f"{name}Version")}
        assert len(versions) == 1 and versions <= set(disabled.template["Resources"]), name
        version = versions.pop()
        described = {resolved.resolve(resolved.template["Resources"][version]["Properties"]["Description"])
                     for resolved in (enabled, disabled)}
        assert len(described) == 2, name


def test_prod_turns_snapstart_on_and_dev_leaves_it_off() -> None:
    config = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())

    def overrides(profile: str) -> dict[str, str]:
        pairs = config[profile]["deploy"]["parameters"]["parameter_overrides"].split()
        return dict(pair.split("=", 1) for pair in pairs)

    assert overrides("prod")["EnableSnapStart"] == "true"
    assert overrides("default")["EnableSnapStart"] == "false"
    assert TEMPLATE["Parameters"]["EnableSnapStart"]["Default"] == "false"
