"""The staff user pool through Cognito's admin API (services/ports.py StaffDirectory).

These calls are IAM-authorized against the pool (``cognito-idp:Admin*``, ``ListUsers``, ``ListUsersInGroup``):
the API function's policy grants exactly these, on the pool's ARN (.chalice/policy-api.json).

An account's role is the one console group it is in; its language is the standard ``locale`` attribute ("en" or
"fr"), its service ``custom:police_service``. Cognito's own invitation is suppressed (``MessageAction=SUPPRESS``):
our bilingual email carries the temporary password (services/staff_accounts.py). Never logged: a password.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from ..config import Settings
from ..domain.access import STAFF_ROLES
from ..domain.errors import NotFound
from ..domain.staff_accounts import AccountExists, StaffAccount

SERVICE = "custom:police_service"
_CONFIG = Config(retries={"total_max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=10)


@lru_cache(maxsize=None)
def _client(region: str, endpoint: str | None) -> Any:
    return boto3.client("cognito-idp", region_name=region, endpoint_url=endpoint, config=_CONFIG)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value or "")


def _not_found() -> NotFound:
    return NotFound("No such staff account.", "Compte du personnel introuvable.")


class CognitoStaffDirectory:
    def __init__(self, settings: Settings) -> None:
        self._pool = settings.cognito_user_pool_id
        self._idp = _client(settings.cognito_region, settings.cognito_endpoint)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = getattr(self._idp, operation)(UserPoolId=self._pool, **params)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "UserNotFoundException":
                raise _not_found() from None
            if code in ("UsernameExistsException", "AliasExistsException"):
                raise AccountExists("An account already has this address.", "Un compte a déjà cette adresse.") from None
            raise
        return answer

    def _account(self, user: dict[str, Any], role: str | None) -> StaffAccount:
        attrs = {a["Name"]: a["Value"] for a in user.get("Attributes") or user.get("UserAttributes") or []}
        return StaffAccount(username=str(user["Username"]), name=attrs.get("name", ""), email=attrs.get("email", ""),
                            role=role, police_service=attrs.get(SERVICE) or None, enabled=bool(user.get("Enabled")),
                            status=str(user.get("UserStatus", "")),
                            created_at=_iso(user.get("UserCreateDate")),
                            language="fr" if attrs.get("locale") == "fr" else "en", sub=attrs.get("sub", ""))

    def _role_of(self, username: str) -> str | None:
        groups = [g["GroupName"] for g in self._call("admin_list_groups_for_user", Username=username)["Groups"]]
        return next((r for r in STAFF_ROLES if r in groups), None)

    def invite(self, username: str, name: str, email: str, role: str, police_service: str | None, language: str,
               temporary_password: str) -> StaffAccount:
        attrs = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                 {"Name": "name", "Value": name}, {"Name": "locale", "Value": language}]
        if police_service:
            attrs.append({"Name": SERVICE, "Value": police_service})
        user = self._call("admin_create_user", Username=username, UserAttributes=attrs,
                          TemporaryPassword=temporary_password, MessageAction="SUPPRESS",
                          DesiredDeliveryMediums=["EMAIL"])["User"]
        self._call("admin_add_user_to_group", Username=username, GroupName=role)
        return self._account(user, role)

    def get(self, username: str) -> StaffAccount | None:
        try:
            user = self._call("admin_get_user", Username=username)
        except NotFound:
            return None
        except ParamValidationError:  # a name the pool could never hold (its pattern): no account
            return None
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "InvalidParameterException":
                return None
            raise
        return self._account(user, self._role_of(username))

    def _users(self, **params: Any) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            page = self._call("list_users", **params, **({"PaginationToken": token} if token else {}))
            yield from page.get("Users") or []
            token = page.get("PaginationToken")
            if not token:
                return

    def find_by_email(self, email: str) -> StaffAccount | None:
        if '"' in email or "\\" in email:  # never part of a filter's quoted value
            return None
        wanted = email.lower()
        for user in self._users(Filter=f'email = "{email}"'):
            account = self._account(user, None)
            if account.email.lower() == wanted:
                return self.get(account.username)
        return None

    def _members(self, role: str) -> set[str]:
        out: set[str] = set()
        token: str | None = None
        while True:
            page = self._call("list_users_in_group", GroupName=role, **({"NextToken": token} if token else {}))
            out |= {str(u["Username"]) for u in page.get("Users") or []}
            token = page.get("NextToken")
            if not token:
                return out

    def list_accounts(self) -> list[StaffAccount]:
        members = {role: self._members(role) for role in STAFF_ROLES}
        accounts = [self._account(u, next((r for r in STAFF_ROLES if u["Username"] in members[r]), None))
                    for u in self._users()]
        return sorted(accounts, key=lambda a: a.username)

    def set_role(self, username: str, role: str, police_service: str | None) -> None:
        current = {g["GroupName"] for g in self._call("admin_list_groups_for_user", Username=username)["Groups"]}
        if role not in current:
            self._call("admin_add_user_to_group", Username=username, GroupName=role)
        for other in current & set(STAFF_ROLES) - {role}:
            self._call("admin_remove_user_from_group", Username=username, GroupName=other)
        if police_service:
            self._call("admin_update_user_attributes", Username=username,
                       UserAttributes=[{"Name": SERVICE, "Value": police_service}])
        else:
            self._call("admin_delete_user_attributes", Username=username, UserAttributeNames=[SERVICE])

    def set_enabled(self, username: str, enabled: bool) -> None:
        self._call("admin_enable_user" if enabled else "admin_disable_user", Username=username)

    def reset_temporary_password(self, username: str, temporary_password: str) -> None:
        self._call("admin_set_user_password", Username=username, Password=temporary_password, Permanent=False)

    def sign_out_everywhere(self, username: str) -> None:
        self._call("admin_user_global_sign_out", Username=username)
