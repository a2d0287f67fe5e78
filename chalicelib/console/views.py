"""The staff console's pages: one thin view per page, served through ``serve``.

routes.py registers them under /console/en and /console/fr and imports this module on the first
console request. A view gets a ``ConsoleVisit`` and calls one service. Who may open each page is
stated per view (``# who:``); a staff page goes through ``signed_in`` (the session, then the
Actor derived from its claims exactly as the API derives it, for the roles the page admits).
Errors come back as pages in the page's language, never as a raw 500.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from datetime import datetime, timezone
from typing import Any, Callable

from chalice import Response
from markupsafe import Markup

from ..api import origin as request_origin
from ..api.auth import actor_from_claims, verifier
from ..api.wiring import deps
from ..config import get_settings
from ..domain.access import STAFF_ROLES
from ..domain.errors import DomainError
from ..domain.localtime import clock_time
from ..domain.staff_sessions import SignInRefused, StaffSession
from ..domain.workflow import Actor
from ..domain import access, bodies, retention
from ..domain.errors import GuardRefused, NotFound, ValidationFailed
from ..domain.workflow import load_workflow
from ..services import dashboard, documents, files, holds, notes, search, work_queue, workflow
from ..services import staff_sign_in as signin
from ..web import present as web_present
from . import present
from urllib.parse import quote
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
    return serve_view(globals()[name], params)


def serve_view(view: View, params: dict[str, Any]) -> Response:
    """One console page: the visit, the https rule, the view, and its errors as pages in the page's language.
    A module of more console pages (routes.py registers each with its own table) serves through this too."""
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


def stylesheet() -> Response:
    v = ConsoleVisit.start(console.current_request, get_settings())
    css = (Path(__file__).resolve().parent / "static" / "console.css").read_text(encoding="utf-8")
    return v.finish(Response(body=css, status_code=200, headers={"Content-Type": "text/css; charset=utf-8",
                                                                 "Cache-Control": "public, max-age=3600"}))


# --- the signed-in session -----------------------------------------------------------

def _chrome(v: ConsoleVisit, nav: str = "") -> dict[str, Any]:
    """What the page shell shows of the session: the role, when it ends if idle, this page's address."""
    if v.session is None:
        return {"role": "", "session_ends": "", "here": "", "nav": nav, "reports": False}
    ends = datetime.fromtimestamp(v.session.expires_at, tz=timezone.utc)
    role = next((r for r in STAFF_ROLES if r in (v.session.claims.get("cognito:groups") or [])), "")
    return {"role": role, "session_ends": clock_time(ends, v.lang), "here": v.request.path and _here(v), "nav": nav,
            "reports": any(r in (v.session.claims.get("cognito:groups") or []) for r in dashboard.ROLES)}


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

def _refusal(lang: str, reason: str, err: Exception | None = None) -> str:
    if isinstance(err, signin.SignInLocked):  # when to try again, in the page's language and zone
        return t("refused_locked", lang, time=clock_time(datetime.fromtimestamp(err.until, tz=timezone.utc), lang))
    return t(f"refused_{reason}", lang)


# A refusal's page status: a wrong name or password 401, a lock 429, an ended sign-in 403.
_REFUSED_STATUS = {"credentials": 401, "locked": 429}


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
        return v.page("sign_in.html", _REFUSED_STATUS.get(err.reason, 403), title=t("sign_in_title", v.lang),
                      message=_refusal(v.lang, err.reason, err), **_chrome(v))
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
        if err.reason in ("expired", "no_role", "unsupported", "locked", "too_many_codes"):
            signin.forget(deps(), session)
            v.clear()
            return v.page("sign_in.html", _REFUSED_STATUS.get(err.reason, 403), title=t("sign_in_title", v.lang),
                          message=_refusal(v.lang, err.reason, err), **_chrome(v))
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

# What a console address may hold after its prefix: a URL's own printable ASCII, no space, no control character (a
# CR or LF would be a second header line, which Chalice refuses with a 500), nothing a browser would have encoded.
_ADDRESS_TAIL = re.compile(r"[A-Za-z0-9/_.~%?&=+:,;@!$'()*-]*")


def _safe_next(v: ConsoleVisit, target: str) -> str:
    """A console address of this site only (never another host, never a scheme, never a control character); any
    other ``next`` is the queue."""
    prefix = f"{v.root}/console/"
    tail = target[len(prefix):] if target.startswith(prefix) else None
    if tail is None or "//" in target or not _ADDRESS_TAIL.fullmatch(tail):
        return v.url("/queue")
    return target


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


def sign_out_everywhere_post(v: ConsoleVisit) -> Response:  # who: any staff role, signed in
    signed_in(v, *EVERY_ROLE)
    v.form()
    signin.sign_out_everywhere(deps(), identity_provider(), v.session)  # type: ignore[arg-type]
    v.clear()
    return v.redirect(v.url("/signed-out", everywhere="1"))


def signed_out_page(v: ConsoleVisit) -> Response:  # who: public
    detail = t("signed_out_everywhere_console" if v.query("everywhere") else "signed_out_console", v.lang)
    return v.page("message.html", title=t("signed_out_title", v.lang), detail=detail,
                  back_url=v.url("/sign-in"), back_label=t("sign_in_again", v.lang), success=True, **_chrome(v))


# --- work ----------------------------------------------------------------------------------

MOVERS = ("service_coordinator", "irss", "health")  # the API's rule for moves (app.py admin_move)


def _missions(lang: str) -> dict[str, str]:
    return present.mission_names(deps().store.catalogue.missions(), lang)


def queue_page(v: ConsoleVisit) -> Response:  # who: every staff role; the files waiting on this role's moves
    actor = signed_in(v, *EVERY_ROLE)
    q = work_queue.work_queue(deps(), actor)
    return v.page("queue.html", title=t("queue_title", v.lang), q=q, missions=_missions(v.lang), p=present,
                  movers=actor.role in MOVERS, **_chrome(v, "queue"))


FILTERS = ("mission", "stage", "service", "flag", "from", "to", "cursor")


def files_page(v: ConsoleVisit) -> Response:  # who: every staff role (a coordinator: their service's files)
    actor = signed_in(v, *EVERY_ROLE)
    params = {k: v.query(k) for k in FILTERS if v.query(k)}
    if actor.role == "service_coordinator":
        params.pop("service", None)
    listing = files.list_files(deps(), actor, params)
    wf = load_workflow()
    moves = {(row["stage"], to) for row in listing["items"]
             for to in wf.pathway_for(_kind(row)).next_stages(row["stage"], actor.role)}
    targets = sorted({to for _, to in moves}, key=list(wf.stages).index)
    # The reasons a closing move takes, per target, from the stages the listed files are at (the workflow checks
    # each file's own: a reason its stage does not allow is refused for that file, in its result).
    reasons = {to: list({code: label for stage, t_ in sorted(moves) if t_ == to
                         for code, label in present.reasons_for(actor, to, stage)}.items()) for to in targets}
    reasons = {to: codes for to, codes in reasons.items() if codes}
    closing = [to for to in targets if wf.is_terminal(to)]
    next_url = v.url("/files", **{**params, "cursor": listing["next_cursor"]}) if listing["next_cursor"] else ""
    return v.page("files.html", title=t("files_title", v.lang), listing=listing, params=params, targets=targets,
                  reasons=reasons, closing=closing,
                  missions=_missions(v.lang), stages=present.shown_stages(actor), p=present, next_url=next_url,
                  movers=actor.role in MOVERS, coordinator=actor.role == "service_coordinator",
                  export_url=v.url("/export.csv", **{k: val for k, val in params.items() if k != "cursor"})
                  if actor.role in REPORTERS else "", **_chrome(v, "files"))


def _kind(row: dict[str, Any]) -> str:
    m = deps().store.catalogue.mission(row["mission_id"])
    return m.kind if m else "operation"


def _origin(v: ConsoleVisit) -> Any:
    return request_origin.of(v.request, "console")  # from where, for the read log (services/reads.py)


def _file_context(v: ConsoleVisit, actor: Actor, application_id: str) -> dict[str, Any]:
    view = files.file_view(deps(), actor, application_id, _origin(v))
    wf = load_workflow()
    missions = _missions(v.lang)
    moves = [{"to": to, "label": present.stage_label(to, v.lang), "confirm": present.needs_confirmation(to)}
             for to in view["next_stages"]] if actor.role in MOVERS else []
    entered = next((r["at"] for r in reversed(view["audit"]) if r.get("to_stage")), view["submitted_at"])
    fr = view["family_readiness"]
    return {"f": view, "moves": moves, "missions": missions, "p": present, "actor": actor,
            "entered": entered, "stage_label": present.stage_label(view["stage"], v.lang),
            "form": present.form_rows("application", view["application_form"], v.lang, missions),
            "family": present.form_rows("family-readiness", fr["form"], v.lang) if fr.get("form") else [],
            "findings": web_present.findings(view, v.lang), "timeline": present.timeline(view["audit"], v.lang),
            "notes": [r for r in present.timeline(view["audit"], v.lang) if r["kind"] == "note"],
            "emails": present.emails(view["emails"], v.lang), "note_max": bodies.max_length("NoteRequest", "note"),
            "can_record_medical": actor.role == "health" and view["stage"] == wf.medical_stage,
            "can_record_module": actor.role == "irss" and view["mission"].get("body") == "un"
            and not wf.is_terminal(view["stage"]),
            "outcomes": wf.medical_outcomes, "un_modules": wf.un_modules, "done": v.query("done"),
            "reads": present.reads(view.get("reads"), v.lang),
            "hold_roles": actor.role in retention.HOLD_ROLES, "reason_max": bodies.max_length("LegalHoldRequest", "reason"),
            **_documents_context(v, actor, application_id)}


def _documents_context(v: ConsoleVisit, actor: Actor, application_id: str) -> dict[str, Any]:
    """The file's documents the role reads (None: a role that reads none, the section is left out)."""
    lang = v.lang
    if actor.role not in access.DOCUMENT_ROLES:
        return {"documents": None, "documents_needed": ""}
    listed = documents.staff_list(deps(), actor, application_id, _origin(v))
    return {"documents": listed, "documents_needed": ", ".join(documents.label_of(k, lang) for k in listed["needed"])}


def file_page(v: ConsoleVisit, application_id: str, status: int = 200,
              message: str = "") -> Response:  # who: every staff role that may see the file (404 otherwise)
    actor = signed_in(v, *EVERY_ROLE)
    context = _file_context(v, actor, application_id)
    return v.page("file.html", status, title=f"{context['f']['given_name']} {context['f']['family_name']}",
                  message=message, **context, **_chrome(v, "files"))


def _refused(v: ConsoleVisit, application_id: str, err: DomainError) -> Response:
    """The file page again, saying why (a guard's refusal in its own words, a stale file, a field)."""
    detail = err.detail_fr if v.lang == "fr" else err.detail_en
    if isinstance(err, ValidationFailed):
        detail = " ".join(e.message_fr if v.lang == "fr" else e.message_en for e in err.errors)
    if isinstance(err, NotFound):
        raise err
    return file_page(v, application_id, err.status, message=detail)


def _file_url(v: ConsoleVisit, application_id: str, done: str = "") -> str:
    return v.url(f"/files/{quote(application_id, safe='')}", done=done)


def confirm_page(v: ConsoleVisit, application_id: str) -> Response:  # who: the roles that move files
    actor = signed_in(v, *MOVERS)
    view = files.file_view(deps(), actor, application_id, _origin(v))
    to = v.query("to")
    if to not in view["next_stages"]:
        return _refused(v, application_id, GuardRefused(
            "This move is not one your role can make from this stage.",
            "Ce changement n'est pas l'un de ceux que votre rôle peut faire à cette étape.", guard="transition"))
    return v.page("confirm.html", title=t("confirm_title", v.lang, stage=present.stage_label(to, v.lang)), f=view,
                  to=to, reasons=present.reasons_for(actor, to, view["stage"]), p=present,
                  note_max=bodies.max_length("MoveRequest", "note"), file_url=_file_url(v, application_id),
                  terminal=load_workflow().is_terminal(to), **_chrome(v, "files"))


def move_post(v: ConsoleVisit, application_id: str) -> Response:  # who: the roles that move files
    actor = signed_in(v, *MOVERS)
    data = v.form()
    to, expected = _field(data, "to_stage"), _field(data, "expected_stage")
    if to and present.needs_confirmation(to) and _field(data, "confirmed") != "yes":
        return v.redirect(v.url(f"/files/{quote(application_id, safe='')}/confirm", to=to))
    body: dict[str, Any] = {"to_stage": to, "expected_stage": expected}
    if _field(data, "reason_code"):
        body["reason_code"] = _field(data, "reason_code")
    if _field(data, "note").strip():
        body["note"] = _field(data, "note").strip()
    try:
        files.move_one(deps(), actor, application_id, body)
    except DomainError as err:
        return _refused(v, application_id, err)
    return v.redirect(_file_url(v, application_id, "moved"))


def note_post(v: ConsoleVisit, application_id: str) -> Response:  # who: every staff role that may see the file
    actor = signed_in(v, *EVERY_ROLE)
    data = v.form()
    try:
        notes.add_note(deps(), actor, application_id, {"note": _field(data, "note")})
    except DomainError as err:
        return _refused(v, application_id, err)
    return v.redirect(_file_url(v, application_id, "note"))


def hold_post(v: ConsoleVisit, application_id: str) -> Response:  # who: irss, admin (the API's rule: HOLD_ROLES)
    return _hold_change(v, application_id, holds.place, "hold")


def hold_lift_post(v: ConsoleVisit, application_id: str) -> Response:  # who: irss, admin (the API's rule)
    return _hold_change(v, application_id, holds.lift, "hold_lifted")


def _hold_change(v: ConsoleVisit, application_id: str, change: Callable[..., Any], done: str) -> Response:
    actor = signed_in(v, *retention.HOLD_ROLES)
    data = v.form()
    try:
        change(deps(), actor, application_id, {"reason": _field(data, "reason")})
    except DomainError as err:
        return _refused(v, application_id, err)
    return v.redirect(_file_url(v, application_id, done))


def medical_post(v: ConsoleVisit, application_id: str) -> Response:  # who: health (the API's rule)
    actor = signed_in(v, "health")
    data = v.form()
    try:
        workflow.record_medical_outcome(deps(), application_id, actor, {"outcome": _field(data, "outcome")})
    except DomainError as err:
        return _refused(v, application_id, err)
    return v.redirect(_file_url(v, application_id, "medical"))


def module_post(v: ConsoleVisit, application_id: str) -> Response:  # who: irss (the API's rule)
    actor = signed_in(v, "irss")
    data = v.form()
    score = _field(data, "score").strip()
    try:
        workflow.record_module(deps(), application_id, actor, {"module": _field(data, "module"),
                                                               "score": int(score) if score.isdigit() else score})
    except DomainError as err:
        return _refused(v, application_id, err)
    return v.redirect(_file_url(v, application_id, "module"))


def document_page(v: ConsoleVisit, application_id: str, document_id: str) -> Response:  # who: the API's rule
    # 303 to a link valid for minutes, once the scan passed it; the opening is audited first (services/documents.py).
    actor = signed_in(v, *access.DOCUMENT_ROLES)
    try:
        opened = documents.staff_open(deps(), actor, application_id, document_id, _origin(v))
    except documents.DocumentUnavailable as err:
        return _refused(v, application_id, err)
    return v.redirect(opened["url"])


def bulk_move_post(v: ConsoleVisit) -> Response:  # who: the roles that move files (each file by the API's rules)
    actor = signed_in(v, *MOVERS)
    data = v.form()
    to = _field(data, "to_stage")
    picked = [p.split("|", 1) for p in data.get("pick", []) if "|" in p]
    if not picked or not to:
        return v.page("message.html", 422, title=t("bulk_title", v.lang), detail=t("bulk_nothing", v.lang),
                      back_url=v.url("/files"), back_label=t("back_to_files", v.lang), success=False,
                      **_chrome(v, "files"))
    if to not in load_workflow().stages:  # a stage the list never offers: say so, never a 500
        return v.page("message.html", 422, title=t("bulk_title", v.lang), detail=t("bulk_unknown_stage", v.lang),
                      back_url=v.url("/files"), back_label=t("back_to_files", v.lang), success=False,
                      **_chrome(v, "files"))
    if load_workflow().is_terminal(to) and _field(data, "confirm_close") != "yes":
        return v.page("message.html", 422, title=t("bulk_title", v.lang), detail=t("bulk_confirm_needed", v.lang),
                      back_url=v.url("/files"), back_label=t("back_to_files", v.lang), success=False,
                      **_chrome(v, "files"))
    reason = _field(data, "reason_code")
    moves = [{"application_id": app_id, "to_stage": to, "expected_stage": stage, **({"reason_code": reason}
              if reason and present.needs_confirmation(to) else {})} for app_id, stage in picked]
    try:
        result = files.bulk_move(deps(), actor, {"moves": moves, "confirm": True})
    except ValidationFailed as err:
        detail = " ".join(e.message_fr if v.lang == "fr" else e.message_en for e in err.errors)
        return v.page("message.html", 422, title=t("bulk_title", v.lang), detail=detail, back_url=v.url("/files"),
                      back_label=t("back_to_files", v.lang), success=False, **_chrome(v, "files"))
    names = {f["application_id"]: f for f in (files_summary(app_id, actor) for app_id, _ in picked) if f}
    return v.page("bulk.html", title=t("bulk_title", v.lang), result=result, names=names, to=to, p=present,
                  **_chrome(v, "files"))


def files_summary(application_id: str, actor: Actor) -> dict[str, Any] | None:
    f = deps().store.files.get(application_id)
    if f is None or not access.can_see_file(actor, f.police_service):
        return None  # a file outside the actor's scope is reported as its result says (not found), unnamed
    return files.summary(f, actor)


# --- search, dashboard, export (services/search.py, services/dashboard.py, files.export_csv) -----------------

REPORTERS = dashboard.ROLES  # the pipeline report's and the export's roles (app.py)


def search_page(v: ConsoleVisit) -> Response:  # who: every staff role (a coordinator finds their service's only)
    actor = signed_in(v, *EVERY_ROLE)
    q = v.query("q").strip()
    found, message, status = None, "", 200
    if q:
        try:
            found = search.search(deps(), actor, {k: v.query(k) for k in ("q", "cursor") if v.query(k)})
        except DomainError as err:
            message, status = _detail(v, err), err.status
    next_url = v.url("/search", q=q, cursor=found["next_cursor"]) if found and found["next_cursor"] else ""
    return v.page("search.html", status, title=t("search_title", v.lang), q=q, found=found, message=message,
                  missions=_missions(v.lang), p=present, next_url=next_url, **_chrome(v, "search"))


def _detail(v: ConsoleVisit, err: DomainError) -> str:
    errors = getattr(err, "errors", None)
    if errors:
        return " ".join(e.message_fr if v.lang == "fr" else e.message_en for e in errors)
    return err.detail_fr if v.lang == "fr" else err.detail_en


def dashboard_page(v: ConsoleVisit) -> Response:  # who: service_coordinator (own service), irss, admin
    actor = signed_in(v, *REPORTERS)
    data = dashboard.dashboard(deps(), actor, v.lang)
    svg = {c["id"]: Markup(c["svg"]) for c in [*data["funnels"], data["seats"]]}  # drawn and escaped by charts.py
    return v.page("dashboard.html", title=t("dashboard_title", v.lang), data=data, svg=svg,
                  **_chrome(v, "dashboard"))


def export_csv(v: ConsoleVisit) -> Response:  # who: service_coordinator (own service), irss, admin
    actor = signed_in(v, *REPORTERS)
    params = {k: v.query(k) for k in FILTERS if v.query(k) and k != "cursor"}
    body, truncated = files.export_csv(deps(), actor, {**params, "lang": v.lang}, _origin(v))
    name = "peaceops-dossiers.csv" if v.lang == "fr" else "peaceops-applications.csv"
    return v.finish(Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"',
        "X-Export-Truncated": "true" if truncated else "false"}))
