"""The staff console's pages: one thin view per page, served through ``serve``.

routes.py registers them under /console/en and /console/fr and imports this module on the first
console request. A view gets a ``ConsoleVisit`` and calls one service. Who may open each page is
stated per view (``# who:``); a staff page goes through ``signed_in`` (the session, then the
Actor derived from its claims exactly as the API derives it, for the roles the page admits).
Errors come back as pages in the page's language, never as a raw 500.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable

from chalice import Response

from ..api.auth import actor_from_claims, verifier
from ..api.wiring import deps
from ..config import get_settings
from ..domain.access import STAFF_ROLES
from ..domain.errors import DomainError
from ..domain.localtime import clock_time
from ..domain.staff_sessions import SignInRefused, StaffSession
from ..domain.workflow import Actor
from ..services import staff_sign_in as signin
from ..services.ports import IdentityProvider
from ..web.security import CsrfRefused
from .render import t
from .routes import console
from .visit import ConsoleVisit, serves_here

log = logging.getLogger(__name__)

View = Callable[..., Response]
EVERY_ROLE = STAFF_ROLES


def identity_provider() -> IdentityProvider:
    """The pool's sign-in (its botocore client is built once per region and endpoint; the settings are read
    each time, as the verifier's are, so a test's new pool is the one used)."""
    from ..adapters.cognito_auth import CognitoSignIn

    return CognitoSignIn(get_settings())


def _verify(id_token: str) -> Any:
    return verifier().verify(id_token)


class _Answer(Exception):
    """A page that ends the request early (not signed in, a refused role)."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def _error_page(v: ConsoleVisit, err: Exception) -> Response:
    fr = v.lang == "fr"
    if isinstance(err, CsrfRefused):
        return v.page("message.html", 403, title=t("csrf_title", v.lang), detail=t("csrf_console_text", v.lang),
                      back_url=v.url(""), back_label=t("back_to_console", v.lang), success=False, **_chrome(v))
    if isinstance(err, DomainError):
        return v.page("message.html", err.status, title=err.title_fr if fr else err.title_en,
                      detail=err.detail_fr if fr else err.detail_en, back_url=v.url("/queue") if v.session else "",
                      back_label=t("back_to_queue", v.lang), success=False, **_chrome(v))
    return v.page("message.html", 500, title=t("error_500_title", v.lang), detail=t("error_500_text", v.lang),
                  back_url="", back_label="", success=False, **_chrome(v))


def serve(name: str, params: dict[str, Any]) -> Response:
    """The page ``name`` (a view of this module that routes.PAGES names) with its path's parameters."""
    view: View = globals()[name]
    v = ConsoleVisit.start(console.current_request, get_settings())
    if not serves_here(v.settings):  # Secure cookies need https (or the loopback host of the local run)
        return v.finish(Response(body="The console is served over https only.", status_code=421,
                                 headers={"Content-Type": "text/plain; charset=utf-8"}))
    try:
        return view(v, **params)
    except _Answer as answer:
        return answer.response
    except (CsrfRefused, DomainError) as err:
        return _error_page(v, err)
    except Exception as err:  # noqa: BLE001 - a page, not a stack trace; the route (never its form) is logged
        log.exception("console page failed", extra={"route": console.current_request.path})
        return _error_page(v, err)


# --- the signed-in session -----------------------------------------------------------

def _chrome(v: ConsoleVisit, nav: str = "") -> dict[str, Any]:
    """What the page shell shows of the session: the role, when it ends if idle, this page's address."""
    if v.session is None:
        return {"role": "", "session_ends": "", "here": "", "nav": nav}
    ends = datetime.fromtimestamp(v.session.expires_at, tz=timezone.utc)
    role = next((r for r in STAFF_ROLES if r in (v.session.claims.get("cognito:groups") or [])), "")
    return {"role": role, "session_ends": clock_time(ends, v.lang), "here": v.request.path and _here(v), "nav": nav}


def _here(v: ConsoleVisit) -> str:
    return v.same_page_in(v.lang)


def _session(v: ConsoleVisit) -> StaffSession | None:
    session = signin.current(deps(), identity_provider(), _verify, v.session_id)
    if session is not None:
        v.attach(session)
    return session


def signed_in(v: ConsoleVisit, *roles: str) -> Actor:
    """The Actor of this browser's session for a page admitting ``roles``; else the sign-in page (no session)
    or a refusal page (another role)."""
    session = _session(v)
    if session is None:
        v.clear()
        raise _Answer(v.redirect(v.url("/sign-in", ended="1" if v.session_id else "")))
    return actor_from_claims(dict(session.claims), roles)  # Forbidden (403 page) for a role not admitted


# --- sign-in -------------------------------------------------------------------------

def _refusal(lang: str, reason: str) -> str:
    return t(f"refused_{reason}", lang)


def _go(v: ConsoleVisit, outcome: signin.Outcome) -> Response:
    v.grant(outcome.session_id)
    target = {"new_password": "/sign-in/new-password", "set_up_totp": "/sign-in/set-up-mfa",
              "code": "/sign-in/code"}.get(outcome.step, "/queue")
    return v.redirect(v.url(target))


def home(v: ConsoleVisit) -> Response:  # who: anyone; signed in: the work queue, else the sign-in page
    return v.redirect(v.url("/queue" if _session(v) else "/sign-in"))


def sign_in_page(v: ConsoleVisit) -> Response:  # who: public
    message = t("session_ended", v.lang) if v.query("ended") else ""
    return v.page("sign_in.html", title=t("sign_in_title", v.lang), message=message, **_chrome(v))


def _field(data: dict[str, list[str]], name: str) -> str:
    return (data.get(name) or [""])[0]


def sign_in_post(v: ConsoleVisit) -> Response:  # who: public (the pool decides)
    data = v.form()
    try:
        outcome = signin.sign_in(deps(), identity_provider(), _verify, _field(data, "username"),
                                 _field(data, "password"))
    except SignInRefused as err:
        return v.page("sign_in.html", 401 if err.reason == "credentials" else 403, title=t("sign_in_title", v.lang),
                      message=_refusal(v.lang, err.reason), **_chrome(v))
    return _go(v, outcome)


def _pending(v: ConsoleVisit, challenge: tuple[str, ...]) -> StaffSession:
    session = signin.pending(deps(), v.session_id)
    if session is None or session.challenge not in challenge:
        raise _Answer(v.redirect(v.url("/sign-in", ended="1")))
    return session


def _challenge_post(v: ConsoleVisit, challenge: tuple[str, ...], template: str, title: str,
                    step: Callable[..., signin.Outcome], field: str, **context: Any) -> Response:
    data = v.form()
    session = _pending(v, challenge)
    try:
        outcome = step(deps(), identity_provider(), _verify, str(v.session_id), session, _field(data, field))
    except SignInRefused as err:
        if err.reason in ("expired", "no_role", "unsupported"):
            signin.forget(deps(), session)
            v.clear()
            return v.page("sign_in.html", 403, title=t("sign_in_title", v.lang),
                          message=_refusal(v.lang, err.reason), **_chrome(v))
        return v.page(template, 422, title=title, message=_refusal(v.lang, err.reason),
                      **context, **_chrome(v))
    return _go(v, outcome)


def new_password_page(v: ConsoleVisit) -> Response:  # who: a sign-in in progress (a temporary password)
    _pending(v, ("NEW_PASSWORD_REQUIRED",))
    return v.page("new_password.html", title=t("new_password_title", v.lang), message="", **_chrome(v))


def new_password_post(v: ConsoleVisit) -> Response:  # who: a sign-in in progress (a temporary password)
    return _challenge_post(v, ("NEW_PASSWORD_REQUIRED",), "new_password.html", t("new_password_title", v.lang),
                           signin.set_new_password, "password")


def _set_up_context(v: ConsoleVisit, session: StaffSession) -> dict[str, Any]:
    secret, uri = signin.totp_secret(deps(), session)
    return {"secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), "uri": uri}


def set_up_page(v: ConsoleVisit) -> Response:  # who: a sign-in in progress (TOTP not set up yet)
    session = _pending(v, ("MFA_SETUP", signin.TOTP_SETUP))
    return v.page("set_up.html", title=t("set_up_title", v.lang), message="", **_set_up_context(v, session),
                  **_chrome(v))


def set_up_post(v: ConsoleVisit) -> Response:  # who: a sign-in in progress (TOTP not set up yet)
    session = _pending(v, ("MFA_SETUP", signin.TOTP_SETUP))
    return _challenge_post(v, ("MFA_SETUP", signin.TOTP_SETUP), "set_up.html", t("set_up_title", v.lang),
                           signin.confirm_totp, "code", **_set_up_context(v, session))


def code_page(v: ConsoleVisit) -> Response:  # who: a sign-in in progress (TOTP set up)
    _pending(v, ("SOFTWARE_TOKEN_MFA",))
    return v.page("code.html", title=t("code_title", v.lang), message="", **_chrome(v))


def code_post(v: ConsoleVisit) -> Response:  # who: a sign-in in progress (TOTP set up)
    return _challenge_post(v, ("SOFTWARE_TOKEN_MFA",), "code.html", t("code_title", v.lang), signin.answer_code,
                           "code")


# --- the session -----------------------------------------------------------------------

def _safe_next(v: ConsoleVisit, target: str) -> str:
    """A console address of this site only (never another host, never a scheme)."""
    prefix = f"{v.root}/console/"
    return target if target.startswith(prefix) and "//" not in target and "\\" not in target else v.url("/queue")


def stay_post(v: ConsoleVisit) -> Response:  # who: any staff role, signed in
    signed_in(v, *EVERY_ROLE)
    data = v.form()
    signin.stay(deps(), v.session)  # type: ignore[arg-type]
    return v.redirect(_safe_next(v, _field(data, "next")))


def sign_out_post(v: ConsoleVisit) -> Response:  # who: any staff role, signed in
    signed_in(v, *EVERY_ROLE)
    v.form()
    signin.sign_out(deps(), identity_provider(), v.session)  # type: ignore[arg-type]
    v.clear()
    return v.redirect(v.url("/signed-out"))


def signed_out_page(v: ConsoleVisit) -> Response:  # who: public
    return v.page("message.html", title=t("signed_out_title", v.lang), detail=t("signed_out_console", v.lang),
                  back_url=v.url("/sign-in"), back_label=t("sign_in_again", v.lang), success=True, **_chrome(v))


# --- work ----------------------------------------------------------------------------------

def queue_page(v: ConsoleVisit) -> Response:  # who: every staff role; the files waiting on this role's moves
    actor = signed_in(v, *EVERY_ROLE)
    return v.page("message.html", title=t("queue_title", v.lang), detail=actor.role, back_url="", back_label="",
                  success=False, **_chrome(v, "queue"))
