"""The Lambda roles grant exactly what the code does, on exactly its resources.

Given the AWS calls the service code made during the integration tests (each
turned into the IAM requests it makes: action and resource ARN, per function:
the API handler or the scheduled retry_emails job), and the role policies
Chalice put in the packaged template from .chalice/policy-*.json, when the
recorded requests are mapped from the test names (peaceops-test-*) to the
stage's resources, then each role's grants equal its function's requests:
nothing the code needs is missing, nothing it never asks for is granted.
Besides the code's calls, a role grants only what Lambda itself does with it,
read off the function's configuration in the template: X-Ray segments when
tracing is active, the dead-letter queue's SendMessage (and its key through
SQS) when one is set, the tables' key through DynamoDB when the code uses
a table encrypted with it, and the documents bucket's key through S3 when the
code (or a browser, with a form the role presigned) writes or reads an object.
Presigned forms and links make no call: tests/infra/recorder.py records each as
the request it signs.

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

FUNCTIONS = {"api": ("APIHandler", "ApiHandlerRole"), "retry_emails": ("RetryEmails", "RetryEmailsRole"),
             "send_reminders": ("SendReminders", "SendRemindersRole"),
             "deliver_emails": ("DeliverEmails", "DeliverEmailsRole"),
             "on_ses_event": ("OnSesEvent", "OnSesEventRole"),
             "apply_retention": ("ApplyRetention", "ApplyRetentionRole")}
TEST_PREFIX = os.environ["PEACEOPS_TABLE_PREFIX"] + "-"  # tests/conftest.py: peaceops-test
TEST_SENDER_DOMAIN = os.environ["PEACEOPS_SENDER"].rsplit("@", 1)[1]
TEST_CONFIGURATION_SET = "peaceops-test-configuration-set"
TEST_BUCKET = TEST_PREFIX + "documents"  # config.Settings.bucket with no PEACEOPS_DOCUMENTS_BUCKET
DOCUMENT_KEYS = "documents/"  # domain/documents.KEY_ROOT: every key the code touches is under it
# Writing and reading an object of a bucket encrypted with a customer-managed key (SSE-KMS): S3 asks KMS with the
# caller's permissions, through S3 only. PutObject (the browser's presigned POST, signed by the role) needs a data
# key; GetObject (the first bytes, staff's presigned GET) decrypts it.
OBJECT_KEY_ACTIONS = {"s3:PutObject": "kms:GenerateDataKey", "s3:GetObject": "kms:Decrypt",
                      "s3:GetObjectVersion": "kms:Decrypt"}
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
# What Lambda's X-Ray daemon sends with the role when tracing is Active. X-Ray has no
# resource-level permissions: "*" is the only resource these actions take.
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# Reading and writing a table encrypted with a customer-managed key: DynamoDB decrypts (and,
# on writes, encrypts) the table key with the caller's permissions, through DynamoDB only.
TABLE_KEY_ACTIONS = {"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}
# Sending to an SSE-KMS queue (Lambda, with the role, putting a failed event in the DLQ).
QUEUE_KEY_ACTIONS = {"kms:Decrypt", "kms:GenerateDataKey"}
# Lambda's event source mapping reading a DynamoDB stream with the function's role.
STREAM_ACTIONS = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
SET_UP_ONLY = {("dynamodb", "CreateTable"), ("dynamodb", "UpdateTimeToLive"), ("ses", "VerifyEmailIdentity")}

Grant = tuple[str, str]  # (IAM action, resource ARN)


def _stage_names(resolve: Resolver) -> dict[str, str]:
    fn = resolve.props("APIHandler")["Environment"]["Variables"]
    return {"prefix": resolve({"Fn::FindInMap": ["Stages", {"Ref": "Stage"}, "TablePrefix"]}) + "-",
            "identity": resolve({"Ref": "SenderIdentity"}),
            "configuration_set": resolve(fn["PEACEOPS_SES_CONFIGURATION_SET"]),
            "bucket": resolve(fn["PEACEOPS_DOCUMENTS_BUCKET"]),
            "user_pool": resolve(fn["PEACEOPS_COGNITO_USER_POOL_ID"])}


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
    if kind == "object":
        bucket, key = rest
        assert bucket == TEST_BUCKET, f"an object outside the documents bucket: {bucket}"
        assert key.startswith(DOCUMENT_KEYS), f"a key outside {DOCUMENT_KEYS}: {key}"
        return f"arn:aws:s3:::{names['bucket']}/{DOCUMENT_KEYS}*"
    if kind == "bucket":  # a listing of the bucket, always under the documents' keys (the policy's s3:prefix)
        bucket, prefix = rest
        assert bucket == TEST_BUCKET, f"a listing outside the documents bucket: {bucket}"
        assert prefix.startswith(DOCUMENT_KEYS), f"a listing outside {DOCUMENT_KEYS}: {prefix!r}"
        return f"arn:aws:s3:::{names['bucket']}"
    if kind == "configuration-set":
        assert rest[0] == TEST_CONFIGURATION_SET
        return f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/{names['configuration_set']}"
    if kind == "user-pool":  # the staff pool's admin API (the one pool the functions are configured with)
        return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{names['user_pool']}"
    return "*"  # an operation recorder.iam_requests does not know: never granted


def _requested(recording: dict[str, Any], function: str, names: dict[str, str]) -> set[Grant]:
    return {(action, _arn(resource, names))
            for fn, _service, _op, requests in recording["service"] if fn == function
            for action, resource in requests}


def _statements(resolve: Resolver, role: str) -> list[dict[str, Any]]:
    policies = resolve(resolve.props(role)["Policies"])
    assert len(policies) == 1
    found = statements(policies[0]["PolicyDocument"])
    for st in found:
        assert st["Effect"] == "Allow" and not {"NotAction", "NotResource", "NotPrincipal"} & set(st)
    return found


def _granted(resolve: Resolver, role: str) -> set[Grant]:
    return {(a, r) for st in _statements(resolve, role) for a in as_list(st["Action"]) for r in as_list(st["Resource"])}


def _key_arn(resolve: Resolver, key: Any) -> str:
    """A KMS key property (Ref, GetAtt Arn or ARN) as the key's ARN."""
    if isinstance(key, dict) and "Ref" in key:
        return resolve.getatt(key["Ref"], "Arn")
    return str(resolve(key))


def _tables_by_arn(resolve: Resolver) -> dict[str, str]:
    """Every table's ARN, and the ARN of the customer-managed key it is encrypted with ("" if none)."""
    found = {}
    for rid, r in resolve.resources.items():
        if r["Type"] == "AWS::DynamoDB::Table":
            sse = r["Properties"].get("SSESpecification", {})
            key = sse.get("KMSMasterKeyId")
            found[resolve.getatt(rid, "Arn")] = _key_arn(resolve, key) if sse.get("SSEEnabled") and key else ""
    return found


def _buckets_by_arn(resolve: Resolver) -> dict[str, str]:
    """Every bucket's ARN, and the ARN of the customer-managed key it encrypts objects with by default ("" if none)."""
    found = {}
    for rid, r in resolve.resources.items():
        if r["Type"] == "AWS::S3::Bucket":
            rules = (r["Properties"].get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration", [])
            keys = [rule["ServerSideEncryptionByDefault"].get("KMSMasterKeyID") for rule in rules
                    if rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"]
            found[resolve.getatt(rid, "Arn")] = _key_arn(resolve, keys[0]) if keys and keys[0] else ""
    return found


def _object_key_grants(resolve: Resolver, requested: set[Grant]) -> set[Grant]:
    """What S3 asks KMS with the role when the code's object requests meet a bucket encrypted with a key."""
    buckets = _buckets_by_arn(resolve)
    return {(OBJECT_KEY_ACTIONS[action], buckets[resource.split("/", 1)[0]]) for action, resource in requested
            if action in OBJECT_KEY_ACTIONS and buckets.get(resource.split("/", 1)[0])}


def _lambda_grants(resolve: Resolver, lambda_name: str, requested: set[Grant]) -> dict[str, set[Grant]]:
    """What Lambda and DynamoDB do with the role on the function's behalf, by the service they go through.

    "xray" and "sqs" (the dead-letter queue) follow from the function's configuration; "dynamodb"
    and "sqs" KMS grants from the keys of the tables the code uses and of the queue.
    """
    props = resolve.props(lambda_name)
    found: dict[str, set[Grant]] = {}
    if props.get("Tracing") == "Active":
        found["xray"] = {(a, "*") for a in XRAY_ACTIONS}
    tables = _tables_by_arn(resolve)
    keys = {tables[r.split("/index/")[0]] for a, r in requested if a.startswith("dynamodb:")} - {""}
    if keys:
        found["kms via dynamodb"] = {(a, k) for a in TABLE_KEY_ACTIONS for k in keys}
    object_keys = _object_key_grants(resolve, requested)
    if object_keys:
        found["kms via s3"] = object_keys
    queues = []
    if "DeadLetterQueue" in props:
        dlq = props["DeadLetterQueue"]
        assert dlq["Type"] == "SQS", dlq
        queues.append(dlq["TargetArn"]["Fn::GetAtt"][0])
    # A stream event source: Lambda reads the stream with the role, and sends a batch that keeps failing
    # to the mapping's on-failure destination with it.
    for event in (props.get("Events") or {}).values():
        if event.get("Type") != "DynamoDB":
            continue
        stream = event["Properties"]["Stream"]
        found.setdefault("dynamodb stream", set()).update(
            (a, resolve.getatt(*stream["Fn::GetAtt"])) for a in STREAM_ACTIONS)
        destination = (event["Properties"].get("DestinationConfig") or {}).get("OnFailure")
        if destination:
            queues.append(destination["Destination"]["Fn::GetAtt"][0])
    for queue_id in queues:
        found.setdefault("sqs", set()).add(("sqs:SendMessage", resolve.getatt(queue_id, "Arn")))
        key = resolve.props(queue_id).get("KmsMasterKeyId")
        if key:
            found.setdefault("kms via sqs", set()).update((a, _key_arn(resolve, key)) for a in QUEUE_KEY_ACTIONS)
    return found


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


def test_every_packaged_function_and_its_role_is_checked_here(template: dict[str, Any]) -> None:
    """A new function (a new @app.schedule job...) fails here until FUNCTIONS, and recorder.py, know it."""
    packaged = {rid: r["Properties"]["Role"]["Fn::GetAtt"][0]
                for rid, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert packaged == dict(FUNCTIONS.values())


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_role_grants_exactly_what_its_function_was_recorded_doing(
        function: str, recording: dict[str, Any], configuration_set_call: list[Any], resolve: Resolver) -> None:
    names = _stage_names(resolve)
    requested = _requested(_with_configuration_set(recording, configuration_set_call), function, names)
    lambda_name, role = FUNCTIONS[function]
    granted = _granted(resolve, role)
    for_lambda = set().union(*_lambda_grants(resolve, lambda_name, requested).values())
    code_grants = {g for g in granted if g[0] not in LOG_ACTIONS} - for_lambda
    assert for_lambda <= granted, f"Lambda needs, the policy lacks: {sorted(for_lambda - granted)}"
    assert not requested - code_grants, f"the code needs, the policy lacks: {sorted(requested - code_grants)}"
    assert not code_grants - requested, f"granted, never used: {sorted(code_grants - requested)}"


def _via_service(statement: dict[str, Any]) -> Any:
    return statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService")


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_role_uses_keys_only_through_the_service_that_needs_them(
        function: str, recording: dict[str, Any], configuration_set_call: list[Any], resolve: Resolver) -> None:
    """A role's KMS grants name the key and the one service (DynamoDB, SQS) that may use it for the role."""
    lambda_name, role = FUNCTIONS[function]
    names = _stage_names(resolve)
    requested = _requested(_with_configuration_set(recording, configuration_set_call), function, names)
    expected = {service.split(" via ")[1]: grants
                for service, grants in _lambda_grants(resolve, lambda_name, requested).items() if " via " in service}
    found: dict[str, set[Grant]] = {}
    for st in _statements(resolve, role):
        actions = as_list(st["Action"])
        if any(a.startswith("kms:") for a in actions):
            assert all(a.startswith("kms:") for a in actions), st
            via = _via_service(st)
            assert isinstance(via, str) and via.endswith(f".{REGION}.amazonaws.com"), st
            found.setdefault(via.split(".")[0], set()).update((a, r) for a in actions for r in as_list(st["Resource"]))
    assert found == expected


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
    # The documents' objects: each key is made per upload (domain/documents.py), so the file prefix's parent is
    # the narrowest resource naming them, and only object actions may take it.
    documents = f"arn:aws:s3:::{_stage_names(resolve)['bucket']}/{DOCUMENT_KEYS}*"
    for action, resource in _granted(resolve, role):
        assert "*" not in action and "<" not in resource, (action, resource)
        if action in XRAY_ACTIONS:
            assert resource == "*"  # X-Ray takes no other resource
            continue
        # The only other wildcards: a log group's streams (CloudWatch Logs' ARN form for them), the documents.
        assert "*" not in resource or (action in LOG_ACTIONS and resource.endswith(":*")) or (
            action.startswith("s3:") and resource == documents), resource
    setup_actions = {f"{svc}:{op}" for svc, op in SET_UP_ONLY}
    assert not setup_actions & {a for a, _ in _granted(resolve, role)}


# The functions that send email; the API (requests write outbox rows) and OnSesEvent (it records) never do.
SENDERS = {"retry_emails", "send_reminders", "deliver_emails"}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_email_may_only_be_sent_from_the_stage_sender(function: str, resolve: Resolver,
                                                        chalice_config: dict[str, Any]) -> None:
    policy = resolve(resolve.props(FUNCTIONS[function][1])["Policies"][0]["PolicyDocument"])
    ses = [st for st in statements(policy) if any(a.startswith("ses:") for a in as_list(st["Action"]))]
    if function not in SENDERS:
        assert ses == [], function
        return
    sender = chalice_config["stages"]["prod"]["environment_variables"]["PEACEOPS_SENDER"]
    assert ses and all(st["Condition"] == {"StringEquals": {"ses:FromAddress": sender}} for st in ses)
