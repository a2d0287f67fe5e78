"""Just enough CloudFormation to read the packaged template as it would deploy.

``Resolver`` evaluates the intrinsic functions the template uses (Ref, GetAtt,
Sub, FindInMap, Select, Split, Join, If with its Equals/Not conditions and
AWS::NoValue) for given parameter values (else their defaults), in a made-up
account, so tests can compare physical names and ARNs. A physical id that only
exists after deployment resolves to ``<LogicalId>``.
"""
from __future__ import annotations

import re
from typing import Any, Callable

REGION = "ca-central-1"
ACCOUNT = "123456789012"
PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws",
          "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "peaceops"}
NO_VALUE = object()  # AWS::NoValue: the property is left out


class Resolver:
    def __init__(self, template: dict[str, Any], parameters: dict[str, str]) -> None:
        self.t = template
        self.params = parameters
        self.resources: dict[str, Any] = template["Resources"]

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [r for r in (self(n) for n in node) if r is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            function = self._functions().get(key)
            if function is not None:
                return function(value)
        resolved = {k: self(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self.ref,
            "Fn::GetAtt": lambda v: self.getatt(*(v if isinstance(v, list) else v.split(".", 1))),
            "Fn::Sub": self.sub,
            "Fn::FindInMap": lambda v: self.t["Mappings"][self(v[0])][self(v[1])][self(v[2])],
            "Fn::Select": lambda v: self(v[1])[int(self(v[0]))],
            "Fn::Split": lambda v: str(self(v[1])).split(v[0]),
            "Fn::Join": lambda v: v[0].join(str(i) for i in self(v[1])),
            "Fn::If": lambda v: self(v[1] if self.condition(v[0]) else v[2]),
            "Fn::Equals": lambda v: self(v[0]) == self(v[1]),
            "Fn::Not": lambda v: not self(v[0]),
        }

    def condition(self, name: str) -> bool:
        return bool(self(self.t["Conditions"][name]))

    def props(self, name: str) -> dict[str, Any]:
        return dict(self.resources[name].get("Properties", {}))

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.params:
            return self.params[name]
        if name in self.t.get("Parameters", {}):
            return self.t["Parameters"][name].get("Default", "")
        kind = self.resources[name]["Type"]
        named_by = {"AWS::DynamoDB::Table": "TableName", "AWS::SES::EmailIdentity": "EmailIdentity",
                    "AWS::SES::ConfigurationSet": "Name", "AWS::Logs::LogGroup": "LogGroupName",
                    "AWS::S3::Bucket": "BucketName"}
        if kind in named_by and named_by[kind] in self.props(name):
            return self(self.props(name)[named_by[kind]])
        if kind == "AWS::Cognito::UserPool":  # its id is made at creation: a made-up one, in Cognito's form
            return f"{REGION}_{name}"
        return f"<{name}>"

    def getatt(self, name: str, attr: str) -> str:
        kind = self.resources[name]["Type"]
        if (kind, attr) == ("AWS::DynamoDB::Table", "Arn"):
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{self.ref(name)}"
        if (kind, attr) == ("AWS::DynamoDB::Table", "StreamArn"):  # the label is the stream's creation time
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{self.ref(name)}/stream/2026-01-01T00:00:00.000"
        if (kind, attr) == ("AWS::Logs::LogGroup", "Arn"):
            return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{self.ref(name)}:*"
        if (kind, attr) == ("AWS::S3::Bucket", "Arn"):
            return f"arn:aws:s3:::{self.ref(name)}"
        if (kind, attr) == ("AWS::Cognito::UserPool", "Arn"):
            return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{self.ref(name)}"
        if (kind, attr) == ("AWS::KMS::Key", "Arn"):
            return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{name}"  # a made-up key id: the logical id
        if (kind, attr) == ("AWS::SQS::Queue", "QueueName"):
            return str(self(self.props(name).get("QueueName", name)))
        if (kind, attr) == ("AWS::SQS::Queue", "Arn"):
            return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{self.getatt(name, 'QueueName')}"
        return f"<{name}.{attr}>"

    def sub(self, value: Any) -> str:
        text, variables = (value[0], self(value[1])) if isinstance(value, list) else (value, {})

        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in variables:
                return str(variables[key])
            if "." in key and key.split(".", 1)[0] in self.resources:
                return self.getatt(*key.split(".", 1))
            return str(self.ref(key))

        return re.sub(r"\$\{([^}!][^}]*)\}", one, text)


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    found = policy["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
