"""Issue 13, limits on abuse per client: a web ACL in front of the API stage, with a rate-based rule whose
limit is a parameter, answering in the app's problem format, and logging with tokens and cookies left out."""
from __future__ import annotations

import json
from typing import Any


def _resources(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_a_rate_based_rule_per_client_guards_the_api_stage_with_its_limit_as_a_parameter(template):
    [(name, acl)] = _resources(template, "AWS::WAFv2::WebACL").items()
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL" and props["DefaultAction"] == {"Allow": {}}
    [rate] = [r for r in props["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert rate["Statement"]["RateBasedStatement"] == {"Limit": {"Ref": "ClientRequestsPer5Minutes"},
                                                       "AggregateKeyType": "IP"}
    assert template["Parameters"]["ClientRequestsPer5Minutes"]["Type"] == "Number"
    # It answers 429 with the app's problem body, in both languages
    response = rate["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = json.loads(props["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert (body["status"], body["code"]) == (429, "too-many-requests") and " / " in body["detail"]
    # and it is attached to the API's own stage
    [association] = _resources(template, "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [name, "Arn"]}
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("::/restapis/${RestAPI}/stages/${RestAPI.Stage}")


def test_the_firewall_logs_to_an_encrypted_group_without_query_strings_tokens_or_cookies(template):
    [logging] = _resources(template, "AWS::WAFv2::LoggingConfiguration").values()
    redacted = logging["Properties"]["RedactedFields"]
    assert {"QueryString": {}} in redacted
    assert {h["SingleHeader"]["Name"] for h in redacted if "SingleHeader" in h} == {"authorization", "cookie"}
    [destination] = logging["Properties"]["LogDestinationConfigs"]
    group = template["Resources"][destination["Fn::GetAtt"][0]]["Properties"]
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]} and group["RetentionInDays"] >= 365
    assert group["LogGroupName"]["Fn::Sub"].startswith("aws-waf-logs-")
