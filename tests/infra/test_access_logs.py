"""Issue 10, finding 13: API Gateway access logs, when turned on, never log a query string.

Emailed links carry a file's token in the query (``?token=``): an access log format that
names the full request (``$context.path`` with its query, ``$context.requestOverride.*``,
``$input.params()``, ``$method.request.querystring``) would write tokens to CloudWatch.
Every access-log format anywhere in the packaged template may use only the ``$context``
variables below, which describe the route template and the answer, not what was asked for.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

SAFE_VARIABLES = frozenset({
    "$context.requestId", "$context.extendedRequestId", "$context.requestTime", "$context.requestTimeEpoch",
    "$context.httpMethod", "$context.resourcePath", "$context.resourceId", "$context.stage", "$context.protocol",
    "$context.status", "$context.responseLength", "$context.responseLatency", "$context.integrationLatency",
    "$context.integrationStatus", "$context.error.responseType", "$context.wafResponseCode",
})
_VARIABLE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_.]*(?:\([^)]*\))?")


def unsafe_variables(log_format: str) -> list[str]:
    """The variables of an access-log format not known to leave the query string out."""
    return sorted({v for v in _VARIABLE.findall(log_format) if v not in SAFE_VARIABLES})


def _access_log_settings(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every AccessLogSetting(s) in the template, through Fn::If branches, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("AccessLogSetting", "AccessLogSettings"):
                yield f"{where}/{key}", value
            yield from _access_log_settings(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _access_log_settings(value, f"{where}/{i}")


def _formats(setting: Any) -> Iterator[Any]:
    if isinstance(setting, dict):
        if "Format" in setting:
            yield setting["Format"]
        for value in setting.values():
            yield from _formats(value)
    elif isinstance(setting, list):
        for value in setting:
            yield from _formats(value)


def test_every_access_log_format_leaves_the_query_string_out(template: dict[str, Any]) -> None:
    settings = list(_access_log_settings(template["Resources"], "Resources"))
    assert settings, "the API's access-log setting is gone from the packaged template"
    for where, setting in settings:
        formats = list(_formats(setting))
        assert formats, f"{where}: an access log without an explicit Format logs API Gateway's default"
        for log_format in formats:
            assert isinstance(log_format, str), f"{where}: the format must be written out, not computed"
            assert unsafe_variables(log_format) == [], where
            assert "$context.resourcePath" in log_format, where


def test_access_logs_are_always_on_to_an_encrypted_group_kept_a_year(template: dict[str, Any]) -> None:
    """Issue 16 (checkov CKV_AWS_76): no parameter turns them off any more."""
    assert "ApiAccessLogs" not in template["Parameters"]
    setting = template["Resources"]["RestAPI"]["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    group = template["Resources"]["ApiAccessLogGroup"]
    assert "Condition" not in group
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert group["Properties"]["RetentionInDays"] == 365


@pytest.mark.parametrize("bad", [
    '{"path":"$context.path"}',
    '{"t":"$context.requestOverride.querystring.token"}',
    '{"q":"$input.params(\'token\')"}',
    '{"q":"$method.request.querystring.token"}',
    '$context.requestId $context.domainName$context.path',
])
def test_the_check_refuses_formats_that_could_carry_a_query(bad: str) -> None:
    assert unsafe_variables(bad)
