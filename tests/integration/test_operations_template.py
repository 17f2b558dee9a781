"""template.yaml's operations resources: alarms, the alarm topic, the dashboard, access logs,
stage throttling and log retention (issue 17, sections 3 and 4), metrics' service names and the
tracing switch (sections 1 and 2)."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
from localrunner.template import Provisioned, function_environment, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]
FUNCTIONS = sorted(lid for lid, res in RESOURCES.items() if res["Type"] == "AWS::Serverless::Function")

# What CloudWatch Logs accepts as a retention (PutRetentionPolicy).
CLOUDWATCH_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]
BUSINESS_METRICS = [
    "ColdStart", "LoginCodesSent", "LoginCodesRejected", "SessionsCreated", "SessionsRevoked",
    "ProfilesCreated", "ProfilesMerged", "ProfilesDeleted", "AudienceSubscriptions",
    "WebhookDeliveries", "StripeEvents", "ScheduledJobFailures", "ParkedJobs", "MigrationItems", "MigrationsPending",
    "StoreMails",
]


def _of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {lid: res for lid, res in RESOURCES.items() if res["Type"] == kind}


def _alarms() -> dict[str, dict[str, Any]]:
    return {lid: res["Properties"] for lid, res in _of_type("AWS::CloudWatch::Alarm").items()}


def _metrics_of(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads, as {Namespace, MetricName, Dimensions}, direct or inside metric math."""
    if "MetricName" in alarm:
        return [{key: alarm.get(key) for key in ("Namespace", "MetricName", "Dimensions")}]
    return [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query]


def _alarms_reading(namespace: str, metric: str, dimension: str, value: Any) -> list[dict[str, Any]]:
    found = []
    for alarm in _alarms().values():
        for read in _metrics_of(alarm):
            dimensions = {d["Name"]: d["Value"] for d in read.get("Dimensions") or []}
            if read["Namespace"] == namespace and read["MetricName"] == metric and dimensions.get(dimension) == value:
                found.append(alarm)
    return found


def _the_topic() -> str:
    (topic,) = _of_type("AWS::SNS::Topic")
    return topic


# ---------------------------------------------------------------------------- topic and alarms


def test_alarms_go_to_one_topic_with_an_optional_email_subscription() -> None:
    topic = _the_topic()
    assert PARAMETERS["AlarmEmail"]["Default"] == ""
    (subscription,) = _of_type("AWS::SNS::Subscription").values()
    condition = subscription["Condition"]
    # The subscription exists only when an address is given.
    assert TEMPLATE["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": topic},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }


def test_every_alarm_says_what_it_means_and_notifies_both_ways() -> None:
    alarms = _alarms()
    assert alarms
    topic = {"Ref": _the_topic()}
    for logical_id, alarm in alarms.items():
        assert alarm["AlarmActions"] == [topic], logical_id
        assert alarm["OKActions"] == [topic], logical_id
        assert alarm["TreatMissingData"] in {"notBreaching", "ignore", "breaching", "missing"}, logical_id
        assert 40 < len(str(alarm["AlarmDescription"])) <= 1024, logical_id


def test_every_function_has_an_errors_alarm_and_its_throttles_in_a_group_alarm() -> None:
    assert len(FUNCTIONS) >= 16
    for function in FUNCTIONS:
        for metric in ("Errors", "Throttles"):
            found = _alarms_reading("AWS/Lambda", metric, "FunctionName", {"Ref": function})
            assert len(found) == 1, (function, metric)
            (alarm,) = found
            if metric == "Errors":
                assert alarm["Statistic"] == "Sum"
            else:  # a group's alarm: the sum of its functions' throttles
                reads = alarm["Metrics"]
                assert len(reads) <= 10
                assert [r["Expression"] for r in reads if r.get("ReturnData")] == ["SUM(METRICS())"]
                assert {r["MetricStat"]["Stat"] for r in reads if "MetricStat" in r} == {"Sum"}
            assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
            # No invocations means no errors: an idle function is healthy.
            assert alarm["TreatMissingData"] == "notBreaching"


def test_any_message_in_a_dead_letter_queue_alarms() -> None:
    for queue in ("WebhookDeadLetterQueue", "EventsDeadLetterQueue", "MailDeadLetterQueue"):
        found = _alarms_reading(
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", {"Fn::GetAtt": [queue, "QueueName"]}
        )
        assert len(found) == 1, queue
        (alarm,) = found
        assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
            "Maximum", "GreaterThanThreshold", 0,
        )
        # SQS stops reporting a queue nobody calls for six hours, messages or not: a gap in the
        # data must keep the alarm as it is, never clear it.
        assert alarm["TreatMissingData"] == "ignore", queue


def test_api_5xx_rate_alarm_divides_errors_by_requests_over_five_minutes() -> None:
    api_name = RESOURCES["Api"]["Properties"]["Name"]
    (alarm,) = _alarms_reading("AWS/ApiGateway", "5XXError", "ApiName", api_name)
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    metric_ids = {query["MetricStat"]["Metric"]["MetricName"]: query_id
                  for query_id, query in queries.items() if "MetricStat" in query}
    assert set(metric_ids) == {"5XXError", "Count"}
    for query_id in metric_ids.values():
        stat = queries[query_id]["MetricStat"]
        assert (stat["Stat"], stat["Period"], queries[query_id]["ReturnData"]) == ("Sum", 300, False)
        dimensions = {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]}
        assert dimensions == {"ApiName": api_name, "Stage": {"Ref": "Stage"}}
    (expression,) = [query for query in queries.values() if "Expression" in query]
    assert expression["ReturnData"] is True
    assert f"100 * {metric_ids['5XXError']} / {metric_ids['Count']}" in expression["Expression"]
    assert alarm["Threshold"] == {"Ref": "ApiErrorRateThresholdPercent"}
    assert PARAMETERS["ApiErrorRateThresholdPercent"]["Default"] == 5
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_the_api_is_named_so_its_metrics_can_be_found() -> None:
    # API Gateway's REST metrics carry the API's name, not its id.
    assert RESOURCES["Api"]["Properties"]["Name"] == {"Ref": "AWS::StackName"}


def test_table_throttling_alarms() -> None:
    found = [
        alarm
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents", "ThrottledRequests")
        for alarm in _alarms_reading("AWS/DynamoDB", metric, "TableName", {"Ref": "Table"})
    ]
    assert found
    (alarm,) = {id(alarm): alarm for alarm in found}.values()
    read = {m["MetricName"] for m in _metrics_of(alarm)}
    assert {"ReadThrottleEvents", "WriteThrottleEvents"} <= read
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_stream_iterator_age_alarm() -> None:
    (alarm,) = _alarms_reading("AWS/Lambda", "IteratorAge", "FunctionName", {"Ref": "EventsFunction"})
    assert alarm["Threshold"] == {"Ref": "StreamIteratorAgeThresholdSeconds"}
    (expression,) = [query for query in alarm["Metrics"] if "Expression" in query]
    assert "/ 1000" in expression["Expression"]  # IteratorAge is in milliseconds, the parameter in seconds
    assert PARAMETERS["StreamIteratorAgeThresholdSeconds"]["Default"] > 0


# ---------------------------------------------------------------------------- logs


def test_every_function_logs_to_its_own_group_with_the_retention_parameter() -> None:
    parameter = PARAMETERS["LogRetentionDays"]
    assert parameter["AllowedValues"] == CLOUDWATCH_RETENTION_DAYS
    assert parameter["Default"] in CLOUDWATCH_RETENTION_DAYS
    groups = set()
    for function in FUNCTIONS:
        logging_config = RESOURCES[function]["Properties"]["LoggingConfig"]
        group = logging_config["LogGroup"]["Ref"]
        groups.add(group)
        resource = RESOURCES[group]
        assert resource["Type"] == "AWS::Logs::LogGroup"
        assert resource["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert len(groups) == len(FUNCTIONS)


def _access_log_setting() -> dict[str, Any]:
    return dict(RESOURCES["Api"]["Properties"]["AccessLogSetting"])


def test_access_logs_go_to_a_retained_log_group() -> None:
    destination = _access_log_setting()["DestinationArn"]["Fn::Sub"]
    match = re.fullmatch(r"arn:\$\{AWS::Partition\}:logs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:log-group:\$\{(\w+)\}",
                         destination)
    assert match, destination  # an ARN without CloudFormation's trailing ":*"
    group = RESOURCES[match.group(1)]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # A retained group with a fixed name would stop the stack from being created again.
    assert "LogGroupName" not in group["Properties"]


def test_access_log_format_is_json_with_the_request_and_no_headers() -> None:
    text = _access_log_setting()["Format"]
    record = json.loads(text)
    values = set(record.values())
    for variable in (
        "$context.requestId", "$context.status", "$context.responseLatency", "$context.integrationLatency",
        "$context.identity.sourceIp", "$context.resourcePath", "$context.httpMethod",
        "$context.identity.userAgent", "$context.protocol", "$context.requestTime",
    ):
        assert variable in values, variable
    # Values stay quoted: API Gateway writes "-" for an empty one, which would break bare numbers.
    assert all(isinstance(value, str) for value in record.values())
    lowered = text.lower()
    for forbidden in ("$context.authorizer", "header", "authorization", "$input", "apikey", "$context.path"):
        assert forbidden not in lowered, forbidden


def test_api_gateway_never_logs_request_bodies() -> None:
    (settings,) = RESOURCES["Api"]["Properties"]["MethodSettings"]
    assert settings["DataTraceEnabled"] is False


# ---------------------------------------------------------------------------- throttling


def test_stage_throttling_comes_from_the_parameters() -> None:
    (settings,) = RESOURCES["Api"]["Properties"]["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    rate, burst = PARAMETERS["ApiThrottlingRateLimit"], PARAMETERS["ApiThrottlingBurstLimit"]
    assert rate["Type"] == burst["Type"] == "Number"
    assert 0 < rate["Default"] <= burst["Default"]


def test_a_throttled_caller_gets_the_arky_error_shape_with_429() -> None:
    response = RESOURCES["Api"]["Properties"]["GatewayResponses"]["THROTTLED"]
    body = response["ResponseTemplates"]["application/json"]
    # $context.error.messageString is already a quoted JSON string.
    document = json.loads(body.replace("$context.error.messageString", '"Too Many Requests"'))
    assert document == {
        "message": "Too Many Requests", "error": "GENERAL.RATE_LIMITED", "statusCode": 429, "validationErrors": [],
    }
    assert str(response["StatusCode"]) == "429"


def test_api_gateway_account_role_is_optional_retained_and_in_place_before_the_stage() -> None:
    assert PARAMETERS["CreateApiGatewayAccountRole"]["Default"] == "true"
    ((account_id, account),) = _of_type("AWS::ApiGateway::Account").items()
    condition = account["Condition"]
    assert TEMPLATE["Conditions"][condition] == {"Fn::Equals": [{"Ref": "CreateApiGatewayAccountRole"}, "true"]}
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = RESOURCES[role_id]
    assert role["Condition"] == condition
    # The role is the account's, not the stack's: deleting the stack must not break other APIs' logs.
    assert (role["DeletionPolicy"], role["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert role["Properties"]["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}
    ]
    # Without the role in place, creating a stage with access logging fails. DependsOn cannot name
    # a resource that may not exist, so the API waits on a handle that refers to it when it does.
    depends = RESOURCES["Api"]["DependsOn"]
    handle = RESOURCES[depends if isinstance(depends, str) else depends[0]]
    assert handle["Type"] == "AWS::CloudFormation::WaitConditionHandle"
    assert {"Fn::If": [condition, {"Ref": account_id}, ""]} in handle["Metadata"].values()


# ---------------------------------------------------------------------------- dashboard and namespace


def _namespace_source() -> Any:
    return TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]


def test_the_metrics_namespace_is_defined_once_in_a_mapping() -> None:
    source = _namespace_source()
    mapping, _, key = source["Fn::FindInMap"]
    assert source == {"Fn::FindInMap": [mapping, {"Ref": "Stage"}, key]}
    for stage in PARAMETERS["Stage"]["AllowedValues"]:
        assert TEMPLATE["Mappings"][mapping][stage][key] == f"storecrm-{stage}"


def test_dashboard_body_is_json_and_shows_every_part(provisioned: Provisioned) -> None:
    (dashboard,) = _of_type("AWS::CloudWatch::Dashboard").values()
    text, variables = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    assert variables["MetricsNamespace"] == _namespace_source()  # the same entry, not a copy
    body = json.loads(provisioned.resolve({"Fn::Sub": [text, variables]}))
    rendered = json.dumps(body)

    namespace = function_environment(TEMPLATE, provisioned, "AccountsFunction")["POWERTOOLS_METRICS_NAMESPACE"]
    assert namespace == "storecrm-dev"
    searches = [
        entry["expression"]
        for widget in body["widgets"] if widget["type"] == "metric"
        for line in widget["properties"]["metrics"]
        for entry in line if isinstance(entry, dict) and "expression" in entry
    ]
    for metric in BUSINESS_METRICS:
        assert any(f'Namespace="{namespace}"' in s and f'MetricName="{metric}"' in s for s in searches), metric
    function_widgets = [widget for widget in body["widgets"]
                        if widget["properties"].get("title", "").startswith("Function ")]
    lambda_metrics = {line[1] for widget in function_widgets for line in widget["properties"]["metrics"]
                      if line[0] == "AWS/Lambda"}
    assert lambda_metrics == {"Invocations", "Errors", "Throttles", "Duration"}
    for widget in function_widgets:
        shown = json.dumps(widget)
        for function in FUNCTIONS:
            assert f'"{provisioned.refs[function]}"' in shown, (widget["properties"]["title"], function)
    for queue in ("WebhookQueue", "WebhookDeadLetterQueue", "EventsDeadLetterQueue"):
        assert f'"{provisioned.attrs[(queue, "QueueName")]}"' in rendered, queue
    assert f'"{provisioned.refs["Table"]}"' in rendered
    for api_metric in ("Count", "4XXError", "5XXError", "Latency"):
        assert f'"{api_metric}"' in rendered, api_metric
    for table_metric in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits", "ReadThrottleEvents"):
        assert f'"{table_metric}"' in rendered, table_metric
    for queue_metric in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
        assert f'"{queue_metric}"' in rendered, queue_metric


def test_provisioning_skips_what_moto_need_not_create(provisioned: Provisioned) -> None:
    topic = _the_topic()
    assert provisioned.refs[topic].startswith("arn:aws:sns:us-east-1:123456789012:")
    for group in _of_type("AWS::Logs::LogGroup"):
        assert provisioned.attrs[(group, "Arn")].startswith("arn:aws:logs:us-east-1:123456789012:log-group:")
    for alarm in _alarms():
        assert provisioned.attrs[(alarm, "Arn")].startswith("arn:aws:cloudwatch:us-east-1:123456789012:alarm:")


# ---------------------------------------------------------------------------- metrics dimension and tracing


def test_every_function_names_its_own_service() -> None:
    # The `service` dimension of its metrics and key of its log lines (storecrm/metrics.py).
    names = {function: RESOURCES[function]["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
             for function in FUNCTIONS}
    assert len(set(names.values())) == len(FUNCTIONS), names


@pytest.mark.parametrize(("enabled", "mode", "api_tracing", "disabled_in_code"),
                         [("true", "Active", True, "false"), ("false", "PassThrough", False, "true")])
def test_one_parameter_turns_tracing_on_or_off_everywhere(provisioned: Provisioned, enabled: str, mode: str,
                                                          api_tracing: bool, disabled_in_code: str) -> None:
    assert PARAMETERS["EnableTracing"]["Default"] == "true"
    stack = dataclasses.replace(provisioned, parameters={**provisioned.parameters, "EnableTracing": enabled})
    assert stack.resolve(TEMPLATE["Globals"]["Function"]["Tracing"]) == mode
    assert stack.resolve(RESOURCES["Api"]["Properties"]["TracingEnabled"]) is api_tracing
    for function in FUNCTIONS:
        assert "Tracing" not in RESOURCES[function]["Properties"], function  # the Globals' value holds
        assert function_environment(TEMPLATE, stack, function)["POWERTOOLS_TRACE_DISABLED"] == disabled_in_code
