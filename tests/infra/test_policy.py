"""The Lambda roles grant exactly what the code does, on exactly its resources.

Given the AWS calls the service code made during the integration tests (each
turned into the IAM requests it makes: action and resource ARN, per function:
the API handler or the scheduled retry_emails job), and the role policies
Chalice put in the packaged template from .chalice/policy-*.json, when the
recorded requests are mapped from the test names (peaceops-test-*) to the
stage's resources, then each role's grants equal its function's requests:
nothing the code needs is missing, nothing it never asks for is granted.

This module runs last (tests/infra/conftest.py), after the integration tests
it learns from.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any

import pytest

from tests.infra import recorder
from tests.infra.cfn import ACCOUNT, REGION, Resolver, as_list, statements

FUNCTIONS = {"api": ("APIHandler", "ApiHandlerRole"), "retry_emails": ("RetryEmails", "RetryEmailsRole")}
TEST_PREFIX = os.environ["PEACEOPS_TABLE_PREFIX"] + "-"  # tests/conftest.py: peaceops-test
TEST_SENDER_DOMAIN = os.environ["PEACEOPS_SENDER"].rsplit("@", 1)[1]
TEST_CONFIGURATION_SET = "peaceops-test-configuration-set"
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
SET_UP_ONLY = {("dynamodb", "CreateTable"), ("dynamodb", "UpdateTimeToLive"), ("ses", "VerifyEmailIdentity")}

Grant = tuple[str, str]  # (IAM action, resource ARN)


def _stage_names(resolve: Resolver) -> dict[str, str]:
    fn = resolve.props("APIHandler")["Environment"]["Variables"]
    return {"prefix": resolve({"Fn::FindInMap": ["Stages", {"Ref": "Stage"}, "TablePrefix"]}) + "-",
            "identity": resolve({"Ref": "SenderIdentity"}),
            "configuration_set": resolve(fn["PEACEOPS_SES_CONFIGURATION_SET"])}


def _arn(resource: list[str] | tuple[str, ...], names: dict[str, str]) -> str:
    """A recorded resource, renamed from the test run's names to the stage's, as an ARN."""
    kind, *rest = resource
    if kind in ("table", "index"):
        table = rest[0]
        assert table.startswith(TEST_PREFIX), f"a table outside the configured prefix: {table}"
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{names['prefix']}{table[len(TEST_PREFIX):]}"
        return arn if kind == "table" else f"{arn}/index/{rest[1]}"
    if kind == "identity":
        assert rest[0] == TEST_SENDER_DOMAIN, f"sent from an identity other than the sender's: {rest[0]}"
        return f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{names['identity']}"
    if kind == "configuration-set":
        assert rest[0] == TEST_CONFIGURATION_SET
        return f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/{names['configuration_set']}"
    return "*"  # an operation recorder.iam_requests does not know: never granted


def _requested(recording: dict[str, Any], function: str, names: dict[str, str]) -> set[Grant]:
    return {(action, _arn(resource, names))
            for fn, _service, _op, requests in recording["service"] if fn == function
            for action, resource in requests}


def _granted(resolve: Resolver, role: str) -> set[Grant]:
    policies = resolve(resolve.props(role)["Policies"])
    assert len(policies) == 1
    grants = set()
    for st in statements(policies[0]["PolicyDocument"]):
        assert st["Effect"] == "Allow" and not {"NotAction", "NotResource", "NotPrincipal"} & set(st)
        grants |= {(a, r) for a in as_list(st["Action"]) for r in as_list(st["Resource"])}
    return grants


@pytest.fixture(scope="module")
def configuration_set_call() -> list[Any]:
    """The IAM requests of one send made as deployed: with a configuration set.

    The suite runs without PEACEOPS_SES_CONFIGURATION_SET; the template sets it
    for both functions. Send one email through chalicelib's mailer with it set.
    """
    import boto3
    from moto import mock_aws

    from chalicelib.adapters.mailer import Email, SesMailer
    from chalicelib.config import get_settings

    before = set(recorder.service_calls)
    settings = dataclasses.replace(get_settings(), ses_configuration_set=TEST_CONFIGURATION_SET,
                                   ses_endpoint=None)
    with mock_aws():
        ses = boto3.client("ses", region_name=REGION)
        ses.verify_domain_identity(Domain=TEST_SENDER_DOMAIN)
        ses.create_configuration_set(ConfigurationSet={"Name": TEST_CONFIGURATION_SET})
        with recorder.exercising():
            SesMailer(settings).send(Email(to="someone@example.ca", subject="s", text="t", html="<p>t</p>"))
    new = recorder.service_calls - before
    recorder.service_calls.difference_update(new)  # not part of the suite's recording
    assert [(svc, op) for _fn, svc, op, _r in new] == [("ses", "SendEmail")], new
    return [[a, list(r)] for a, r in next(iter(new))[3]]


def _with_configuration_set(recording: dict[str, Any], mail_requests: list[Any]) -> dict[str, Any]:
    """Every recorded send, as the deployed functions make it (with the configuration set)."""
    service = []
    for fn, svc, op, requests in recording["service"]:
        if (svc, op) == ("ses", "SendEmail"):
            requests = [*requests, *[r for r in mail_requests if r[1][0] == "configuration-set"]]
        service.append([fn, svc, op, requests])
    return {**recording, "service": service}


def test_the_mailer_sends_within_the_configuration_set_when_one_is_configured(configuration_set_call: list[Any],
                                                                               resolve: Resolver) -> None:
    assert sorted(configuration_set_call) == [
        ["ses:SendEmail", ["configuration-set", TEST_CONFIGURATION_SET]],
        ["ses:SendEmail", ["identity", TEST_SENDER_DOMAIN]],
    ]
    for function, _role in FUNCTIONS.values():
        env = resolve.props(function)["Environment"]["Variables"]
        assert resolve(env["PEACEOPS_SES_CONFIGURATION_SET"]) == resolve({"Ref": "EmailConfigurationSet"})


def test_the_recording_saw_both_functions_and_left_set_up_out(recording: dict[str, Any]) -> None:
    functions = {fn for fn, *_ in recording["service"]}
    assert functions == set(FUNCTIONS), functions
    setup = {tuple(call) for call in recording["setup"]}
    # Set-up really ran these through botocore, and they were kept out of the service's calls.
    assert SET_UP_ONLY <= setup, setup
    assert not SET_UP_ONLY & {(svc, op) for _fn, svc, op, _r in recording["service"]}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_role_grants_exactly_what_its_function_was_recorded_doing(
        function: str, recording: dict[str, Any], configuration_set_call: list[Any], resolve: Resolver) -> None:
    names = _stage_names(resolve)
    requested = _requested(_with_configuration_set(recording, configuration_set_call), function, names)
    granted = _granted(resolve, FUNCTIONS[function][1])
    code_grants = {g for g in granted if g[0] not in LOG_ACTIONS}
    assert not requested - code_grants, f"the code needs, the policy lacks: {sorted(requested - code_grants)}"
    assert not code_grants - requested, f"granted, never used: {sorted(code_grants - requested)}"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_role_writes_only_its_own_log_group(function: str, resolve: Resolver) -> None:
    lambda_name, role = FUNCTIONS[function]
    own_group = resolve.props(lambda_name)["LoggingConfig"]["LogGroup"]["Ref"]
    arn = resolve.getatt(own_group, "Arn")
    assert {g for g in _granted(resolve, role) if g[0] in LOG_ACTIONS} == {(a, arn) for a in LOG_ACTIONS}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_the_policies_name_exact_actions_and_resources(function: str, resolve: Resolver,
                                                         recording: dict[str, Any]) -> None:
    role = FUNCTIONS[function][1]
    for action, resource in _granted(resolve, role):
        assert "*" not in action and "<" not in resource, (action, resource)
        # The only wildcard: a log group's streams (CloudWatch Logs' ARN form for them).
        assert "*" not in resource or (action in LOG_ACTIONS and resource.endswith(":*")), resource
    setup_actions = {f"{svc}:{op}" for svc, op in SET_UP_ONLY}
    assert not setup_actions & {a for a, _ in _granted(resolve, role)}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_email_may_only_be_sent_from_the_stage_sender(function: str, resolve: Resolver,
                                                        chalice_config: dict[str, Any]) -> None:
    policy = resolve(resolve.props(FUNCTIONS[function][1])["Policies"][0]["PolicyDocument"])
    ses = [st for st in statements(policy) if any(a.startswith("ses:") for a in as_list(st["Action"]))]
    sender = chalice_config["stages"]["prod"]["environment_variables"]["PEACEOPS_SENDER"]
    assert ses and all(st["Condition"] == {"StringEquals": {"ses:FromAddress": sender}} for st in ses)
