"""The packaged template (Chalice's output merged with infra/template.yaml).

Given `chalice package --stage prod --merge-template infra/template.yaml`, run
once for the session offline, then: cfn-lint finds nothing; the stage mapping
agrees with .chalice/config.json; both functions get the resources the
template creates (user pool, app client, configuration set, token secret) and
nothing local; the user pool has the app's roles as groups and a client that
cannot let a coordinator change their police service; API Gateway's own
errors are problem+json; every alarm watches something the template makes,
and the log metric filters match the line the code really logs.
"""
from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.infra import package as packaging
from tests.infra.cfn import Resolver

ROOT = Path(__file__).resolve().parents[2]
CFN_LINT = Path(sys.executable).parent / "cfn-lint"
# cfn-lint warnings left on purpose, by rule id, with the reason. None today.
ACCEPTED_WARNINGS: dict[str, str] = {}
FUNCTIONS = ("APIHandler", "RetryEmails", "SendReminders", "DeliverEmails")


def _lint(path: Path) -> list[dict[str, Any]]:
    result = subprocess.run([str(CFN_LINT), "--format", "json", "--", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 2, 4, 6, 8, 10, 12, 14), result.stderr  # bit flags: 2 error, 4 warning, 8 info
    found: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    return found


def _rule(match: dict[str, Any]) -> str:
    return str(match["Rule"]["Id"])


def test_cfn_lint_finds_no_errors_and_no_unexplained_warnings() -> None:
    matches = _lint(packaging.template_path("prod"))
    errors = [f"{_rule(m)} {m['Message']} (line {m['Location']['Start']['LineNumber']})"
              for m in matches if m["Level"] == "Error"]
    warnings = [f"{_rule(m)} {m['Message']}" for m in matches
                if m["Level"] == "Warning" and _rule(m) not in ACCEPTED_WARNINGS]
    assert errors == []
    assert warnings == []


def test_cfn_lint_does_report_a_broken_template(tmp_path: Path) -> None:
    """The lint above can fail: the same template with one misspelt property does not pass."""
    broken = tmp_path / "sam.yaml"
    text = packaging.template_path("prod").read_text()
    broken.write_text(text.replace("PointInTimeRecoveryEnabled", "PointInTimeRecoveryEnable", 1))
    assert "E3002" in {_rule(m) for m in _lint(broken) if m["Level"] == "Error"}


def test_the_packaged_template_fits_cloudformation_s_limits(template: dict[str, Any]) -> None:
    """1 MB through S3 (51,200 bytes inline, hence --s3-bucket in the README), 500 resources after SAM's transform."""
    size = packaging.template_path("prod").stat().st_size
    assert size < 1_000_000, size
    readme = (ROOT / "README.md").read_text().split("## Deploying", 1)[1]
    deploy = readme[readme.index("aws cloudformation deploy"):].split("```", 1)[0]
    assert size <= 51_200 or "--s3-bucket" in deploy, "over 51,200 bytes: deploy must go through S3"
    # SAM expands a function into itself, its permissions, rules and event config (at most 4 here),
    # the API into the API, its deployment and stage.
    kinds = [r["Type"] for r in template["Resources"].values()]
    expanded = sum(4 if k == "AWS::Serverless::Function" else 3 if k == "AWS::Serverless::Api" else 1 for k in kinds)
    assert expanded <= 400, expanded  # headroom under 500


# --- stages -----------------------------------------------------------------

def test_each_deployable_stage_agrees_with_chalice_config(template: dict[str, Any],
                                                           chalice_config: dict[str, Any]) -> None:
    stages = template["Parameters"]["Stage"]["AllowedValues"]
    assert stages == ["dev", "prod"]
    for stage in stages:
        conf = chalice_config["stages"][stage]
        env = {**chalice_config.get("environment_variables", {}), **conf["environment_variables"]}
        mapping = template["Mappings"]["Stages"][stage]
        assert env["PEACEOPS_STAGE"] == stage
        assert mapping == {"TablePrefix": env["PEACEOPS_TABLE_PREFIX"], "Sender": env["PEACEOPS_SENDER"]}
        assert conf["autogen_policy"] is False
        assert conf["iam_policy_file"] == "policy-api.json"
        assert conf["lambda_functions"]["retry_emails"]["iam_policy_file"] == "policy-retry-emails.json"
        assert conf["lambda_functions"]["send_reminders"]["iam_policy_file"] == "policy-send-reminders.json"
        assert conf["api_gateway_stage"] == "api"  # the 5xx alarm's Stage dimension
    for name in ("policy-api.json", "policy-retry-emails.json", "policy-send-reminders.json"):
        assert (ROOT / ".chalice" / name).is_file()


def test_the_package_carries_the_timeouts_email_delivery_relies_on(template: dict[str, Any],
                                                                   chalice_config: dict[str, Any]) -> None:
    # tests/unit/test_delivery_bounds.py checks the figures in .chalice/config.json; this checks they reach AWS.
    conf = chalice_config["stages"]["prod"]
    assert template["Resources"]["APIHandler"]["Properties"]["Timeout"] == conf["lambda_timeout"] == 30
    retry = conf["lambda_functions"]["retry_emails"]["lambda_timeout"]
    assert template["Resources"]["RetryEmails"]["Properties"]["Timeout"] == retry == 300
    reminders = conf["lambda_functions"]["send_reminders"]["lambda_timeout"]
    assert template["Resources"]["SendReminders"]["Properties"]["Timeout"] == reminders == 600


def test_the_package_holds_each_function_s_own_policy(template: dict[str, Any]) -> None:
    for role, name in (("ApiHandlerRole", "policy-api.json"), ("RetryEmailsRole", "policy-retry-emails.json"),
                       ("SendRemindersRole", "policy-send-reminders.json")):
        policy = json.loads((ROOT / ".chalice" / name).read_text())
        assert template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"] == policy
    assert template["Resources"]["APIHandler"]["Properties"]["Role"] == {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}
    assert template["Resources"]["RetryEmails"]["Properties"]["Role"] == {"Fn::GetAtt": ["RetryEmailsRole", "Arn"]}
    assert template["Resources"]["SendReminders"]["Properties"]["Role"] == {"Fn::GetAtt": ["SendRemindersRole", "Arn"]}


# --- the functions' environment ---------------------------------------------------

def _settings_read() -> set[str]:
    source = (ROOT / "chalicelib" / "config.py").read_text()
    return set(re.findall(r'_env\("(PEACEOPS_[A-Z_]+)"', source))


LOCAL_ONLY = {"PEACEOPS_DYNAMODB_ENDPOINT", "PEACEOPS_SES_ENDPOINT", "PEACEOPS_COGNITO_ENDPOINT", "PEACEOPS_S3_ENDPOINT"}
# Settings only the API function uses (the documents' bucket: only its role may touch it).
API_ONLY = {"PEACEOPS_DOCUMENTS_BUCKET"}
# Read with a sound default when absent (region of the function; config.json's shared values; the SES pace,
# which only DeliverEmails keeps and its stage sets; the stream's ARN, which Chalice's decorator reads at
# import and the template replaces in the event source; the SES events topic's, likewise for the subscription).
DEFAULTED = {"PEACEOPS_COGNITO_REGION", "PEACEOPS_SES_RATE", "PEACEOPS_OUTBOX_STREAM_ARN", "PEACEOPS_SES_EVENTS_TOPIC"}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_gets_every_setting_from_the_stage_or_the_template(
        function: str, template: dict[str, Any], resolve: Resolver) -> None:
    env = template["Resources"][function]["Properties"]["Environment"]["Variables"]
    needed = _settings_read() - LOCAL_ONLY - DEFAULTED - (set() if function == "APIHandler" else API_ONLY)
    assert needed <= set(env), sorted(needed - set(env))
    assert function == "APIHandler" or not API_ONLY & set(env), function
    assert not LOCAL_ONLY & set(env)
    assert env["PEACEOPS_COGNITO_USER_POOL_ID"] == {"Ref": "CoordinatorPool"}
    assert env["PEACEOPS_COGNITO_CLIENT_ID"] == {"Ref": "CoordinatorClient"}
    assert env["PEACEOPS_SES_CONFIGURATION_SET"] == {"Ref": "EmailConfigurationSet"}
    # The token secret is never in the template or the package: resolved from Secrets Manager at deploy.
    assert env["PEACEOPS_TOKEN_SECRET"] == {"Fn::Sub": "{{resolve:secretsmanager:${TokenSecret}:SecretString}}"}
    assert template["Resources"]["TokenSecret"]["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert resolve(env["PEACEOPS_TABLE_PREFIX"]) == resolve({"Fn::FindInMap": ["Stages", {"Ref": "Stage"}, "TablePrefix"]})


def test_the_schedule_is_chalice_s_five_minute_rule(template: dict[str, Any]) -> None:
    events = template["Resources"]["RetryEmails"]["Properties"]["Events"]
    assert events == {"RetryEmailsEvent": {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}}


def test_the_outbox_stream_feeds_deliver_emails_with_partial_batch_failures(template: dict[str, Any]) -> None:
    """Chalice's placeholder ARN is replaced by the table's own stream; failures are reported per record."""
    assert template["Resources"]["OutboxTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    (event,) = template["Resources"]["DeliverEmails"]["Properties"]["Events"].values()
    props = event["Properties"]
    assert event["Type"] == "DynamoDB" and props["Stream"] == {"Fn::GetAtt": ["OutboxTable", "StreamArn"]}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["DeliverEmailsFailedBatchesQueue", "Arn"]}
    assert 0 < props["MaximumRetryAttempts"] <= 10 and props["StartingPosition"] == "TRIM_HORIZON"
    fn = template["Resources"]["DeliverEmails"]["Properties"]
    assert fn["ReservedConcurrentExecutions"] == 1 and "PEACEOPS_SES_RATE" in fn["Environment"]["Variables"]


def test_the_reminders_run_once_a_day_before_ottawa_s_working_day(template: dict[str, Any]) -> None:
    events = template["Resources"]["SendReminders"]["Properties"]["Events"]
    assert events == {"SendRemindersEvent": {"Type": "Schedule", "Properties": {"Schedule": "cron(0 11 * * ? *)"}}}


# --- coordinators' user pool ------------------------------------------------------

def test_the_user_pool_has_one_group_per_role_and_a_safe_client(template: dict[str, Any]) -> None:
    from chalicelib.api.auth import ROLES, SERVICE_ATTRIBUTE

    res = template["Resources"]
    groups = {r["Properties"]["GroupName"] for r in res.values() if r["Type"] == "AWS::Cognito::UserPoolGroup"}
    assert groups == set(ROLES)
    pool = res["CoordinatorPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "ON" and pool["DeletionProtection"] == "ACTIVE"
    assert {f"custom:{a['Name']}" for a in pool["Schema"]} == {SERVICE_ATTRIBUTE}
    clients = [r["Properties"] for r in res.values() if r["Type"] == "AWS::Cognito::UserPoolClient"]
    assert clients and all(c["UserPoolId"] == {"Ref": "CoordinatorPool"} for c in clients)
    for client in clients:
        assert SERVICE_ATTRIBUTE in client["ReadAttributes"]  # the ID token must carry it
        # Left out, a client may write every attribute: a coordinator could move to another service.
        assert "WriteAttributes" in client and SERVICE_ATTRIBUTE not in client["WriteAttributes"]


# --- API Gateway's own errors ---------------------------------------------------------

SAMPLE_CONTEXT = {"$context.error.messageString": '"Missing Authentication Token"', "$context.requestId": "r-1"}


def _render(template_text: str) -> dict[str, Any]:
    for variable, value in SAMPLE_CONTEXT.items():
        template_text = template_text.replace(variable, value)
    assert "$" not in template_text, template_text
    body: dict[str, Any] = json.loads(template_text)
    return body


def test_api_gateway_s_own_errors_are_problem_json(template: dict[str, Any]) -> None:
    from chalicelib.api.problems import _CHALICE_CODES

    app_codes = {status: code for status, code, *_ in _CHALICE_CODES.values()}
    responses = template["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "REQUEST_TOO_LARGE",
            "THROTTLED"} <= set(responses)
    for kind, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Content-Type"] == "'application/problem+json'", kind
        assert headers["Cache-Control"] == "'no-store'", kind
        body = _render(response["ResponseTemplates"]["application/json"])
        assert body["type"] == f"/problems/{body['code']}" and body["title"] and body["detail"], kind
        if "StatusCode" in response:
            status = int(response["StatusCode"])
            assert body["status"] == status, kind
            assert body["code"] == app_codes.get(status, body["code"]), f"{kind}: the app calls {status} otherwise"
        else:
            assert "status" not in body, kind  # DEFAULT_*: the status is API Gateway's own


# --- alarms and the metrics they watch -------------------------------------------------

def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rid: r["Properties"] for rid, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def _dimension_refs(alarm: dict[str, Any]) -> list[Any]:
    dims = list(alarm.get("Dimensions", []))
    for metric in alarm.get("Metrics", []):
        dims += metric.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
    return [d["Value"] for d in dims]


def test_every_alarm_notifies_the_topic(template: dict[str, Any]) -> None:
    for rid, alarm in _alarms(template).items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], rid
        assert alarm["TreatMissingData"] == "notBreaching", rid


def test_alarms_watch_the_api_the_job_every_table_and_the_emails(template: dict[str, Any],
                                                                   resolve: Resolver) -> None:
    alarms = _alarms(template)
    api = resolve(template["Resources"]["RestAPI"]["Properties"])
    five_xx = next(a for a in alarms.values() if a.get("MetricName") == "5XXError")
    assert resolve(five_xx["Dimensions"]) == [{"Name": "ApiName", "Value": api["Name"]},
                                              {"Name": "Stage", "Value": api["StageName"]}]
    assert api["DefinitionBody"]["info"]["title"] == api["Name"]  # the name API Gateway reports metrics under

    refs = [v["Ref"] for a in alarms.values() for v in _dimension_refs(a) if isinstance(v, dict) and "Ref" in v]
    tables = {rid for rid, r in template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"}
    assert tables <= set(refs), "a table without a throttling alarm"
    assert {"RetryEmails", "SendReminders", "APIHandler"} <= set(refs)
    # SAM names a schedule event's rule <function id><event id>.
    for job in ("RetryEmails", "SendReminders"):
        (event,) = template["Resources"][job]["Properties"]["Events"]
        assert f"{job}{event}" in refs

    ses = {a["MetricName"]: resolve(a["Dimensions"]) for a in alarms.values() if a.get("Namespace") == "AWS/SES"}
    destination = resolve(template["Resources"]["EmailEventsToCloudWatch"]["Properties"])["EventDestination"]
    (dimension,) = destination["CloudWatchDestination"]["DimensionConfigurations"]
    assert dimension["DefaultDimensionValue"] == resolve({"Ref": "EmailConfigurationSet"})
    assert ses == {m: [{"Name": dimension["DimensionName"], "Value": dimension["DefaultDimensionValue"]}]
                   for m in ("Bounce", "Reject")}
    assert {"bounce", "reject"} <= set(destination["MatchingEventTypes"])


def _filters(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Logs::MetricFilter"]


def test_each_log_metric_is_filtered_from_both_functions_and_alarmed(template: dict[str, Any],
                                                                      resolve: Resolver) -> None:
    groups = {resolve(template["Resources"][f]["Properties"]["LoggingConfig"]["LogGroup"]) for f in FUNCTIONS}
    metrics: dict[tuple[str, str], set[str]] = {}
    for f in _filters(template):
        (t,) = resolve(f["MetricTransformations"])
        metrics.setdefault((t["MetricNamespace"], t["MetricName"]), set()).add(resolve(f["LogGroupName"]))
    assert metrics and all(g == groups for g in metrics.values())
    alarmed = {(resolve(a["Namespace"]), a["MetricName"]) for a in _alarms(template).values() if "Namespace" in a}
    assert set(metrics) <= alarmed


def _matches(pattern: str, event: dict[str, Any]) -> bool:
    """CloudWatch Logs JSON filter patterns of the forms used here: equality and IS TRUE, joined by &&."""
    body = pattern.strip()
    assert body.startswith("{") and body.endswith("}"), pattern
    terms = [t.strip().strip("()").strip() for t in body[1:-1].split("&&")]
    for term in terms:
        if m := re.fullmatch(r'\$\.(\w+) = "([^"]*)"', term):
            ok = event.get(m.group(1)) == m.group(2)
        elif m := re.fullmatch(r"\$\.(\w+) IS TRUE", term):
            ok = event.get(m.group(1)) is True
        else:
            raise AssertionError(f"filter term not understood: {term}")
        if not ok:
            return False
    return True


def _logged_failure(caplog: pytest.LogCaptureFixture, attempts: int, permanent: bool,
                    age: timedelta = timedelta(0)) -> dict[str, Any]:
    """The JSON line chalicelib logs when an email attempt fails, as CloudWatch receives it."""
    from chalicelib.adapters.memory import MemoryStorage
    from chalicelib.api.logs import JsonFormatter
    from chalicelib.domain.records import OutboxMessage
    from chalicelib.config import get_settings
    from chalicelib.services import notifications
    from chalicelib.services.deps import Deps

    class Mailer:
        def send(self, email: Any) -> str:
            from chalicelib.adapters.mailer import MailerError

            raise MailerError("Throttling", permanent=permanent)

    store = MemoryStorage()
    deps = Deps(settings=get_settings(), store=store, mailer=Mailer(),
                clock=lambda: datetime(2026, 1, 5, tzinfo=timezone.utc) + age)
    row = OutboxMessage("po-1:2:applicant", application_id="po-1", template="service_review", recipient="applicant",
                        to_address="a@example.ca", language="en", params={"mission_id": "m", "stage": "service_review"},
                        status="pending", attempts=attempts - 1, created_at="2026-01-05T00:00:00Z")
    store.outbox.add_once(row)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=notifications.__name__):
        assert notifications.attempt(deps, row, attempts) is False
    (record,) = [r for r in caplog.records if r.name == notifications.__name__]
    assert store.outbox.get(row.message_id).last_error == "Throttling"  # type: ignore[union-attr]
    line: dict[str, Any] = json.loads(JsonFormatter().format(record))
    return line


def test_the_email_metric_filters_match_the_line_the_code_logs(template: dict[str, Any],
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    from chalicelib.services.notifications import GIVE_UP_AFTER

    by_metric = {f["MetricTransformations"][0]["MetricName"]: f["FilterPattern"] for f in _filters(template)}
    retried = _logged_failure(caplog, attempts=1, permanent=False)
    final = _logged_failure(caplog, attempts=40, permanent=False, age=GIVE_UP_AFTER)
    rejected = _logged_failure(caplog, attempts=1, permanent=True)
    assert _matches(by_metric["EmailAttemptsFailed"], retried)
    assert _matches(by_metric["EmailAttemptsFailed"], final)
    assert not _matches(by_metric["EmailsUndeliverable"], retried)
    assert _matches(by_metric["EmailsUndeliverable"], final)
    assert _matches(by_metric["EmailsUndeliverable"], rejected)
