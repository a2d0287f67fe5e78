"""The staff user pool's sign-in, through Cognito's user-facing API (services/ports.py IdentityProvider).

The console signs in with ``USER_PASSWORD_AUTH`` and answers Cognito's challenges
itself (a new password, TOTP set-up, a TOTP code): no hosted UI. These operations
are Cognito's public ones, authorized by the app client id, the challenge session or
the user's own access token; Cognito evaluates no IAM policy for them, so the API
role is granted nothing for them (tests/infra/recorder.py knows them).

Never logged: a password, a code, a token or a challenge session. A refusal becomes
``SignInRefused`` with a reason and nothing of the request.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..config import Settings
from ..domain.staff_sessions import AuthStep, SignInRefused, Tokens

# One attempt, a short wait: a person is waiting on the page.
_CONFIG = Config(retries={"total_max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=10)

_REASONS = {
    "NotAuthorizedException": "credentials",
    "UserNotFoundException": "credentials",
    "PasswordResetRequiredException": "credentials",
    "UserNotConfirmedException": "credentials",
    "CodeMismatchException": "code",
    "EnableSoftwareTokenMFAException": "code",
    "InvalidPasswordException": "password",
    "ExpiredCodeException": "expired",
    "ResourceNotFoundException": "expired",  # moto: a challenge session it no longer has
}


@lru_cache(maxsize=None)
def _client(region: str, endpoint: str | None) -> Any:
    return boto3.client("cognito-idp", region_name=region, endpoint_url=endpoint, config=_CONFIG)


def _step(answer: dict[str, Any], refresh_token: str | None = None) -> AuthStep:
    result = answer.get("AuthenticationResult")
    if result:
        return AuthStep(tokens=Tokens(id_token=result["IdToken"], access_token=result["AccessToken"],
                                      refresh_token=result.get("RefreshToken") or refresh_token))
    return AuthStep(challenge=answer.get("ChallengeName"), session=answer.get("Session"))


class CognitoSignIn:
    def __init__(self, settings: Settings) -> None:
        self._client_id = settings.cognito_client_id
        self._idp = _client(settings.cognito_region, settings.cognito_endpoint)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = getattr(self._idp, operation)(**params)
        except ClientError as exc:
            raise SignInRefused(_REASONS.get(exc.response["Error"]["Code"], "unavailable")) from None
        except BotoCoreError:
            raise SignInRefused("unavailable") from None
        return answer

    def _respond(self, name: str, session: str, answers: dict[str, str]) -> AuthStep:
        return _step(self._call("respond_to_auth_challenge", ClientId=self._client_id, ChallengeName=name,
                                Session=session, ChallengeResponses=answers))

    def start(self, username: str, password: str) -> AuthStep:
        return _step(self._call("initiate_auth", ClientId=self._client_id, AuthFlow="USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": username, "PASSWORD": password}))

    def new_password(self, username: str, session: str, password: str) -> AuthStep:
        return self._respond("NEW_PASSWORD_REQUIRED", session, {"USERNAME": username, "NEW_PASSWORD": password})

    def answer_totp(self, username: str, session: str, code: str) -> AuthStep:
        return self._respond("SOFTWARE_TOKEN_MFA", session, {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code})

    def associate_totp(self, session: str | None = None, access_token: str | None = None) -> tuple[str, str | None]:
        params = {"Session": session} if session else {"AccessToken": str(access_token)}
        answer = self._call("associate_software_token", **params)
        return str(answer["SecretCode"]), answer.get("Session")

    def verify_totp(self, code: str, session: str | None = None, access_token: str | None = None) -> str | None:
        params = {"Session": session} if session else {"AccessToken": str(access_token)}
        answer = self._call("verify_software_token", UserCode=code, FriendlyDeviceName="peaceops console", **params)
        if answer.get("Status") != "SUCCESS":
            raise SignInRefused("code")
        return answer.get("Session")

    def finish_setup(self, username: str, session: str) -> AuthStep:
        return self._respond("MFA_SETUP", session, {"USERNAME": username})

    def prefer_totp(self, access_token: str) -> None:
        self._call("set_user_mfa_preference", AccessToken=access_token,
                   SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    def refresh(self, refresh_token: str) -> AuthStep:
        return _step(self._call("initiate_auth", ClientId=self._client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                AuthParameters={"REFRESH_TOKEN": refresh_token}), refresh_token)

    def sign_out(self, access_token: str) -> None:
        self._call("global_sign_out", AccessToken=access_token)
