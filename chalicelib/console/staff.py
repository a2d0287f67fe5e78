"""The console's staff accounts pages (administrators only): who has which role, invite a person, change a role,
disable or enable an account, send an invitation again (services/staff_accounts.py; README "Staff accounts").

An account is named by its user name in the query (``?username=``) or in the form, never in the path: the address
stays out of every route template. Each POST answers 303 to the account's page saying what was done, or the page
again with the error next to its field, in the page's language.
"""
from __future__ import annotations

from typing import Any

from chalice import Response

from ..api.wiring import deps, staff_directory
from ..domain import staff_accounts as sa
from ..domain.errors import DomainError, ValidationFailed
from ..domain.missions import police_services
from ..services import staff_accounts as accounts
from ..services.ports import StaffDirectory
from . import present, views
from .render import t
from .visit import ConsoleVisit

ADMIN = ("admin",)  # every page here; its table is routes.STAFF_PAGES
INVITE_FIELDS = ("name", "email", "role", "police_service", "language")


def serve(name: str, params: dict[str, Any]) -> Response:
    return views.serve_view(globals()[name], params)


def directory() -> StaffDirectory:
    return staff_directory()


def _chrome(v: ConsoleVisit) -> dict[str, Any]:
    return views._chrome(v, "staff")


def _services(lang: str) -> list[tuple[str, str]]:
    return sorted(((code, s.name.get(lang) or s.name["en"]) for code, s in police_services().items()),
                  key=lambda pair: pair[1])


def _common(v: ConsoleVisit) -> dict[str, Any]:
    return {"roles": sa.ROLES, "services": _services(v.lang), "service_names": dict(_services(v.lang)),
            "p_keys": present.catalogue_keys}


def _field_errors(v: ConsoleVisit, err: DomainError, field: str = "") -> dict[str, str]:
    """Each field's message in the page's language (a refusal that is no field's goes next to ``field``)."""
    fr = v.lang == "fr"
    if isinstance(err, ValidationFailed):
        return {e.pointer.lstrip("/"): e.message_fr if fr else e.message_en for e in err.errors}
    return {field or "_": err.detail_fr if fr else err.detail_en}


def staff_page(v: ConsoleVisit) -> Response:  # who: admin
    views.signed_in(v, *ADMIN)
    role = v.query("role")
    listed = accounts.list_accounts(directory(), role if role in (*sa.ROLES, "none") else None)
    return v.page("staff.html", title=t("staff_title", v.lang), listed=listed, filter_role=role, done=v.query("done"),
                  **_common(v), **_chrome(v))


def _invite_form(v: ConsoleVisit, status: int = 200, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None) -> Response:
    values = values or {"language": v.lang}
    errors = errors or {}
    return v.page("staff_invite.html", status, title=t("staff_invite_title", v.lang), values=values, errors=errors,
                  problems=[{"anchor": k, "message": m} for k, m in errors.items()], **_common(v), **_chrome(v))


def invite_page(v: ConsoleVisit) -> Response:  # who: admin
    views.signed_in(v, *ADMIN)
    return _invite_form(v)


def _field(data: dict[str, list[str]], name: str) -> str:
    return (data.get(name) or [""])[0]


def invite_post(v: ConsoleVisit) -> Response:  # who: admin
    actor = views.signed_in(v, *ADMIN)
    data = v.form()
    values = {k: _field(data, k) for k in INVITE_FIELDS}
    try:
        made = accounts.invite(deps(), directory(), actor, values)
    except sa.AccountExists as err:
        return _invite_form(v, 409, values, _field_errors(v, err, "email"))
    except ValidationFailed as err:
        return _invite_form(v, 422, values, _field_errors(v, err))
    return v.redirect(v.url("/staff/account", username=made["username"], done="invited"))


def _account_page(v: ConsoleVisit, username: str, status: int = 200, errors: dict[str, str] | None = None,
                  message: str = "") -> Response:
    actor = views.signed_in(v, *ADMIN)
    account = accounts.get_account(directory(), username)
    trail = [{"at": e.at, "kind": e.kind, "role": e.actor_role, "details": dict(e.details or {})}
             for e in reversed(accounts.trail(deps(), account.username))]
    errors = errors or {}
    return v.page("staff_account.html", status, title=account.name or account.username, a=accounts.view(account),
                  own=sa.is_own(actor.actor_id, actor.username, account), trail=trail, errors=errors,
                  message=message, done=v.query("done"),
                  problems=[{"anchor": k, "message": m} for k, m in errors.items()], **_common(v), **_chrome(v))


def account_page(v: ConsoleVisit) -> Response:  # who: admin
    return _account_page(v, v.query("username"))


def _act(v: ConsoleVisit, done: str, change: Any) -> Response:
    actor = views.signed_in(v, *ADMIN)
    data = v.form()
    username = _field(data, "username")
    try:
        change(actor, username, data)
    except ValidationFailed as err:
        return _account_page(v, username, 422, _field_errors(v, err))
    except (sa.SelfChangeRefused, sa.Unchanged) as err:
        return _account_page(v, username, err.status, message=err.detail_fr if v.lang == "fr" else err.detail_en)
    return v.redirect(v.url("/staff/account", username=sa.username_for(username), done=done))


def role_post(v: ConsoleVisit) -> Response:  # who: admin
    return _act(v, "role", lambda actor, username, data: accounts.change_role(
        deps(), directory(), actor, username, {"role": _field(data, "role"),
                                               "police_service": _field(data, "police_service")}))


def disable_post(v: ConsoleVisit) -> Response:  # who: admin
    return _act(v, "disabled", lambda actor, username, data: accounts.disable(deps(), directory(), actor, username))


def enable_post(v: ConsoleVisit) -> Response:  # who: admin
    return _act(v, "enabled", lambda actor, username, data: accounts.enable(deps(), directory(), actor, username))


def resend_post(v: ConsoleVisit) -> Response:  # who: admin
    return _act(v, "resent", lambda actor, username, data: accounts.resend_invitation(deps(), directory(), actor,
                                                                                      username))
