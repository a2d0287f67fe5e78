"""Create the coordinators' user pool, its groups and one demo user per role,
against moto (in-process for tests, moto's server for the local run)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3

ROLES = ("service_coordinator", "irss", "health", "admin")
PASSWORD = "Peaceops-Local-2026!"

DEMO_USERS = {
    # username: (groups, police service)
    "coordinator.spvm": (["service_coordinator"], "spvm"),
    "coordinator.opp": (["service_coordinator"], "opp"),
    "irss": (["irss"], None),
    "health": (["health"], None),
    "admin": (["admin"], None),
}


@dataclass(frozen=True)
class Pool:
    user_pool_id: str
    client_id: str
    region: str
    endpoint: str | None

    def client(self) -> Any:
        return _client(self.region, self.endpoint)

    def id_token(self, username: str) -> str:
        auth = self.client().admin_initiate_auth(
            UserPoolId=self.user_pool_id, ClientId=self.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
        if auth.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":  # set up in the console: answer with a code
            auth = self.client().admin_respond_to_auth_challenge(
                UserPoolId=self.user_pool_id, ClientId=self.client_id, ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=auth["Session"], ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": fresh_totp_code()})
        return str(auth["AuthenticationResult"]["IdToken"])


def totp_secret() -> str:
    """The TOTP secret moto gives every user it sets TOTP up for (AssociateSoftwareToken): moto has one for all.
    In AWS each user's secret is their own, shown once at set-up and kept only in their authenticator app."""
    from moto.cognitoidp.models import COGNITO_TOTP_MFA_SECRET

    return str(COGNITO_TOTP_MFA_SECRET)


def totp_code(secret: str | None = None, at: float | None = None) -> str:
    """The current code for a TOTP secret (moto's by default), as an authenticator app computes it (RFC 6238:
    SHA-1, 6 digits, 30 s), with cryptography's TOTP. (pyotp refuses moto's secret: 60 bits, under its 112.)"""
    import base64
    import time

    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    secret = secret or totp_secret()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    return TOTP(key, 6, SHA1(), 30, enforce_key_length=False).generate(int(time.time() if at is None else at)).decode()


_given: dict[str, tuple[str, float]] = {}  # user -> the last code handed out for them, and when


def fresh_totp_code(secret: str | None = None, margin: float = 2.0, user: str | None = None) -> str:
    """A code with at least ``margin`` seconds of its 30-second window left: moto checks a code against its own
    clock's window only (no window either side, as Cognito allows), so a code made at a window's very end could
    reach it in the next. Waits at most ``margin`` seconds, and only then.

    With ``user``: never the code last handed out for that user within 90 s, as an authenticator's next sign-in
    would not be (the console refuses a code a user already used in its window: a replay); waits for the next
    window when it would be, at most 30 s."""
    import time

    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.05)
    code = totp_code(secret)
    if user is not None:
        last = _given.get(user)
        if last is not None and last[0] == code and time.time() - last[1] < 90:
            time.sleep(30 - time.time() % 30 + 0.05)
            code = totp_code(secret)
        _given[user] = (code, time.time())
    return code


@lru_cache(maxsize=None)
def _client(region: str, endpoint: str | None) -> Any:
    # Creating a botocore client costs ~0.1 s; tests make pools often.
    return boto3.client("cognito-idp", region_name=region, endpoint_url=endpoint)


def create_pool(region: str, endpoint: str | None = None, name: str = "peaceops-coordinators") -> Pool:
    idp = _client(region, endpoint)
    pool_id = idp.create_user_pool(
        PoolName=name,
        Schema=[{"Name": "police_service", "AttributeDataType": "String", "Mutable": True}],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="peaceops-console",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    # As infra/template.yaml: TOTP required (moto asks for a code once a user has set TOTP up).
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                 MfaConfiguration="ON")
    for role in ROLES:
        idp.create_group(GroupName=role, UserPoolId=pool_id)
    pool = Pool(pool_id, client_id, region, endpoint)
    for username, (groups, service) in DEMO_USERS.items():
        add_user(pool, username, groups, service)
    return pool


def add_user(pool: Pool, username: str, groups: list[str], service: str | None) -> None:
    idp = pool.client()
    attrs = [{"Name": "email", "Value": f"{username}@peaceops.example.ca"}]
    if service:
        attrs.append({"Name": "custom:police_service", "Value": service})
    idp.admin_create_user(UserPoolId=pool.user_pool_id, Username=username, UserAttributes=attrs,
                          MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool.user_pool_id, Username=username, Password=PASSWORD, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool.user_pool_id, Username=username, GroupName=group)


def in_process_jwks(url: str) -> Any:
    """The pool's keys from moto's in-process mock (``mock_aws``), which intercepts ``requests``
    but not the urllib that PyJWT's PyJWKClient fetches with: set as ``chalicelib.api.auth.JWKS_FETCH``."""
    import requests

    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return response.json()
