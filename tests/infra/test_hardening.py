"""Issue 16: what a federal deployment needs of the functions, the API and the key, for every function.

Given the packaged template (prod), every AWS::Serverless::Function Chalice writes, today's and
any added later (a new ``@app.schedule`` job), is classified by what invokes it: the API's
handler (named in the REST API's integrations) or an event (``Events``: a schedule, a rule...).
Then: every function traces (X-Ray) and encrypts its environment with the stack's key; every
event-driven function has reserved concurrency; every asynchronously invoked one has an
encrypted dead-letter queue with an alarm; the API traces and writes access logs to an
encrypted group; and no statement of the key policy lets in an unnamed principal.

These checks say what checkov (tests/infra/test_checkov.py) would only flag, in this
project's own terms: which key, which queue, which alarm.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra.cfn import Resolver, statements

ROOT = Path(__file__).resolve().parents[2]
DEPLOYABLE = ("dev", "prod")
# Event sources for which Lambda invokes the function asynchronously (its own queue, two retries,
# then the dead-letter queue). Polled sources (SQS, Kinesis, DynamoDB streams) handle failures on
# the event source mapping instead.
ASYNC_EVENTS = {"Schedule", "ScheduleV2", "CloudWatchEvent", "EventBridgeRule", "SNS", "S3", "CloudWatchLogs",
                "IoTRule", "Cognito"}


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rid: r["Properties"] for rid, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def _api_functions(template: dict[str, Any]) -> set[str]:
    """The functions API Gateway invokes: named in an integration URI of the REST API's definition."""
    text = json.dumps(template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"])
    return {rid for rid in _functions(template) if f"${{{rid}.Arn}}" in text}


def _event_functions(template: dict[str, Any]) -> set[str]:
    return {rid for rid, props in _functions(template).items() if props.get("Events")}


def _async_functions(template: dict[str, Any]) -> set[str]:
    return {rid for rid, props in _functions(template).items()
            if any(e["Type"] in ASYNC_EVENTS for e in props.get("Events", {}).values())}


def test_every_function_is_either_the_api_s_or_event_driven(template: dict[str, Any]) -> None:
    functions = set(_functions(template))
    assert _api_functions(template) == {"APIHandler"}
    assert {"RetryEmails", "SendReminders"} <= _async_functions(template)
    assert _api_functions(template) | _event_functions(template) == functions
    assert not _api_functions(template) & _event_functions(template)


# --- tracing ---------------------------------------------------------------------

def test_every_function_and_the_api_trace_with_x_ray(template: dict[str, Any],
                                                      chalice_config: dict[str, Any]) -> None:
    for rid, props in _functions(template).items():
        assert props["Tracing"] == "Active", rid
    assert template["Resources"]["RestAPI"]["Properties"]["TracingEnabled"] is True
    for stage in DEPLOYABLE:  # Chalice's "xray" writes Tracing: Active on every function of the stage
        assert chalice_config["stages"][stage]["xray"] is True, stage


# --- the functions' environment -------------------------------------------------------

def test_every_function_s_environment_is_encrypted_with_the_stack_s_key(template: dict[str, Any]) -> None:
    """The environment carries PEACEOPS_TOKEN_SECRET (resolved at deploy time): never under Lambda's own key."""
    for rid, props in _functions(template).items():
        assert props["KmsKeyArn"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, rid


# --- the key policy ------------------------------------------------------------------

def test_no_statement_of_the_key_policy_lets_in_an_unnamed_principal(template: dict[str, Any],
                                                                      resolve: Resolver) -> None:
    """Each Allow names its principal: the account (IAM decides, test_policy.py checks the roles) or a service."""
    policy = resolve(template["Resources"]["DataKey"]["Properties"]["KeyPolicy"])
    principals = set()
    for st in statements(policy):
        assert st["Effect"] == "Allow" and "NotPrincipal" not in st, st
        principal = st["Principal"]
        assert principal != "*" and set(principal) <= {"AWS", "Service"}, st
        for value in principal.values():
            for name in value if isinstance(value, list) else [value]:
                assert "*" not in name, st
                principals.add(name)
        if "Service" in principal:
            assert st.get("Condition") or principal["Service"] == "dynamodb.amazonaws.com", st
    assert "arn:aws:iam::123456789012:root" in principals  # the account keeps its key (lockout check)


# --- event-driven functions: a concurrency of their own, failures kept and alarmed ---------

def test_every_event_driven_function_has_reserved_concurrency_and_the_api_none(template: dict[str, Any]) -> None:
    """A runaway job cannot take the account's concurrency from the API, and its pace is set.

    The API is left to the account's pool: reserving for it would cap it; the stage's throttling
    (50 requests/s, bursts of 100) bounds it instead.
    """
    functions = _functions(template)
    for rid in _event_functions(template):
        reserved = functions[rid].get("ReservedConcurrentExecutions")
        assert isinstance(reserved, int) and 1 <= reserved <= 5, rid
    for rid in _api_functions(template):
        assert "ReservedConcurrentExecutions" not in functions[rid], rid
    assert functions["RetryEmails"]["ReservedConcurrentExecutions"] == 1  # one run at a time
    assert functions["SendReminders"]["ReservedConcurrentExecutions"] == 1


def _alarms_on(template: dict[str, Any], namespace: str, metric: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"
            and r["Properties"].get("Namespace") == namespace and r["Properties"].get("MetricName") == metric]


@pytest.fixture(scope="module")
def dead_letter_queues(template: dict[str, Any]) -> dict[str, str]:
    """{function: its dead-letter queue's logical id}, for every asynchronously invoked function."""
    found = {}
    for rid in sorted(_async_functions(template)):
        dlq = _functions(template)[rid].get("DeadLetterQueue")
        assert dlq, f"{rid} is invoked asynchronously and has no dead-letter queue"
        assert dlq["Type"] == "SQS", rid
        queue, attr = dlq["TargetArn"]["Fn::GetAtt"]
        assert attr == "Arn" and template["Resources"][queue]["Type"] == "AWS::SQS::Queue", rid
        found[rid] = queue
    return found


def test_every_asynchronously_invoked_function_has_its_own_encrypted_dead_letter_queue(
        template: dict[str, Any], dead_letter_queues: dict[str, str]) -> None:
    assert {"RetryEmails", "SendReminders"} <= set(dead_letter_queues)
    assert len(set(dead_letter_queues.values())) == len(dead_letter_queues), "a queue shared by two functions"
    for queue in dead_letter_queues.values():
        props = template["Resources"][queue]["Properties"]
        assert props["KmsMasterKeyId"] == {"Ref": "DataKey"}, queue
        assert props["MessageRetentionPeriod"] == 14 * 24 * 3600, queue


def test_every_dead_letter_queue_has_an_alarm_on_its_first_message(
        template: dict[str, Any], dead_letter_queues: dict[str, str]) -> None:
    alarms = _alarms_on(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    for rid, queue in dead_letter_queues.items():
        mine = [a for a in alarms
                if a["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]]
        assert len(mine) == 1, f"{rid}: no alarm on {queue}"
        (alarm,) = mine
        assert alarm["Statistic"] == "Maximum" and alarm["Threshold"] == 1, rid
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold", rid
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], rid
