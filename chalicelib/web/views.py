"""The applicant's web pages: one thin view per page, served through ``serve``.

routes.py registers them (under /en and /fr) and imports this module on the first
page request, so an API request's cold start never loads the pages, their forms,
templates or Jinja2. Views get a ``Visit`` and call one service; errors come back
as HTML pages in the page's language, never as a raw 500.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from chalice import Response

from ..api.wiring import deps
from ..config import get_settings
from ..domain.emails import reference as emails_reference
from ..domain.errors import DomainError, LinkExpired, ValidationFailed
from ..domain.i18n import pick
from ..domain.workflow import load_workflow
from ..domain import documents as document_rules
from ..domain import reintegration
from ..services import applicant, bulletins, catalogue, documents, email_change, guide_requests, privacy, reads
from . import access, present
from .form_pages import (access_form, email_form, family_document, family_form, form_page, guide_form,
                         withdrawal_confirmation, withdrawal_confirmed, withdrawal_form, withdrawal_request)
from .pages import Visit
from .render import render
from .routes import web
from .security import CsrfRefused
from .text import t

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"

View = Callable[..., Response]


def _error_page(v: Visit, err: Exception) -> Response:
    fr = v.lang == "fr"
    if isinstance(err, CsrfRefused):
        return v.page("error.html", 403, title=t("csrf_title", v.lang), detail=t("csrf_text", v.lang),
                      back_url=v.same_page_in(v.lang), back_label=t("csrf_back", v.lang))
    if isinstance(err, LinkExpired):  # a real link, past its 90 days: the page offers a new one
        return v.page("no_access.html", err.status, title=err.title_fr if fr else err.title_en)
    if isinstance(err, DomainError):
        return v.page("error.html", err.status, title=err.title_fr if fr else err.title_en,
                      detail=err.detail_fr if fr else err.detail_en, back_url="", back_label="")
    return v.page("error.html", 500, title=t("error_500_title", v.lang), detail=t("error_500_text", v.lang),
                  back_url="", back_label="")


def _serve(view: View, params: dict[str, Any]) -> Response:
    v = Visit.start(web.current_request, get_settings())
    try:
        return view(v, **params)
    except _Answer as answer:
        return answer.response
    except (CsrfRefused, DomainError) as err:
        return _error_page(v, err)
    except Exception as err:  # noqa: BLE001 - a page, not a stack trace; the route (never its query) is logged
        log.exception("web page failed", extra={"route": web.current_request.path})
        return _error_page(v, err)



# --- public pages --------------------------------------------------------------

def serve(name: str, params: dict[str, Any]) -> Response:
    """The page ``name`` (a view of this module that routes.PAGES names) with its path's parameters."""
    view: View = globals()[name]
    return _serve(view, params)


def splash(v: Visit) -> Response:  # who: public
    return v.page("splash.html", title="")


def static(name: str, content_type: str) -> Response:
    # Chalice serves no files: the two assets are read from chalicelib/web/static.
    v = Visit.start(web.current_request, get_settings())
    return v.finish(Response(body=(STATIC / name).read_text(encoding="utf-8"), status_code=200,
                             headers={"Content-Type": content_type, "Cache-Control": "public, max-age=3600"}))



def missions_page(v: Visit) -> Response:  # who: public; ?kind=&language=&open=yes filter (a GET form, no script)
    missions = catalogue.list_missions(deps())
    chosen = present.mission_filter({name: v.query(name) for name in ("kind", "language", "open")})
    shown = present.filtered(missions, chosen)
    return v.page("missions.html", title=t("missions_title", v.lang), groups=present.by_kind(shown, v.lang),
                  facts=lambda m: present.facts(m, v.lang), state=lambda m: present.status_text(m, v.lang),
                  calls=bulletins.list_open(deps()), chosen=chosen, shown=len(shown), total=len(missions),
                  kinds=[(kind, t(f"kind_{kind}", v.lang)) for kind in present.kinds()],
                  languages=[(code, present.language_name(code, v.lang)) for code in present.FILTER_LANGUAGES])


def mission_page(v: Visit, mission_id: str) -> Response:  # who: public
    m = catalogue.get_mission(deps(), mission_id)
    open_call = m.get("open_bulletin")  # the call's own contact and criteria, where it has one
    call = bulletins.call_of(deps(), open_call["bulletin_id"]) if open_call else None
    contact = dict(call.contact) if call else None
    return v.page("mission.html", title=pick(m["name"], v.lang), m=m, facts=present.facts(m, v.lang),
                  needs=present.asks_for(m, v.lang, call), call=present.call_text(m, v.lang),
                  state=present.status_text(m, v.lang), contact=contact)


def privacy_page(v: Visit) -> Response:  # who: public
    return v.page("privacy.html", title=t("privacy_title", v.lang),
                  commissioner_url=present.PRIVACY_COMMISSIONER[v.lang])


def contact_page(v: Visit) -> Response:  # who: public
    return v.page("contact.html", title=t("contact_title", v.lang), program=present.PROGRAM_CONTACT,
                  calls=bulletins.list_open(deps()))


def terms_page(v: Visit) -> Response:  # who: public
    return v.page("terms.html", title=t("terms_title", v.lang))


def access_page(v: Visit) -> Response:  # who: public
    return form_page(v, access_form(v))


def access_post(v: Visit) -> Response:  # who: public; the same answer whether or not the address has files
    data = v.form()
    address = (data.get("email") or [""])[0].strip()
    try:
        applicant.request_links_for(deps(), {"email": address})
    except ValidationFailed as err:
        return form_page(v, access_form(v, data=data, errors=err.errors), 422)
    return v.page("access_sent.html", title=t("access_sent_title", v.lang), address=address)


def guide_page(v: Visit) -> Response:  # who: public
    return form_page(v, guide_form(v))


def guide_post(v: Visit) -> Response:  # who: public; the guide goes to the address typed, at most n a day each
    data = v.form()
    address = (data.get("email") or [""])[0].strip()
    try:
        sent = guide_requests.request_guide(deps(), {"email": address}, v.lang)
    except ValidationFailed as err:
        return form_page(v, guide_form(v, data=data, errors=err.errors), 422)
    if not sent:
        return v.page("error.html", 429, title=t("guide_limit_title", v.lang),
                      detail=t("guide_limit_text", v.lang, limit=get_settings().max_guide_requests_per_day),
                      back_url=v.url("/missions"), back_label=t("back_to_missions", v.lang))
    return v.page("guide_sent.html", title=t("guide_sent_title", v.lang), address=address)


# --- the applicant's own file (token in the emailed link, then a cookie) ------------

class _Answer(Exception):
    """A page that ends the request early (no access, a closed file)."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def _own_file(v: Visit, application_id: str, editable: bool = False) -> Any:
    """The file this browser's cookie opens; with ``editable``, only while it is open."""
    file = access.open_file(deps(), application_id, access.candidates(v.cookies, application_id, v.secure))
    if file is None:
        raise _Answer(_no_access(v))
    if editable and load_workflow().is_terminal(file.stage):
        raise _Answer(v.page("error.html", 409, title=t("file_closed_title", v.lang),
                             detail=t("file_closed_text", v.lang), back_url=_file_url(v, application_id),
                             back_label=t("back_to_file", v.lang)))
    return file


def _no_access(v: Visit) -> Response:
    return v.page("no_access.html", 403, title=t("no_access_title", v.lang))


def _file_url(v: Visit, application_id: str, rest: str = "", **query: str) -> str:
    return v.url(f"/status/{quote(application_id)}{rest}", **query)


def status_page(v: Visit, application_id: str) -> Response:  # who: the file's token (link or cookie)
    token = v.query("token")
    if token:
        if access.open_file(deps(), application_id, [token]) is None:
            return _no_access(v)
        v.set_cookies += access.grant(v.root, application_id, token, v.secure)
        return v.page("opening.html", title=t("opening_title", v.lang), next_url=_file_url(v, application_id))
    file = _own_file(v, application_id)
    s = applicant.status(deps(), file)
    return v.page("status.html", title=t("status_title", v.lang), s=s,
                  path_state=lambda state: present.path_state(state, v.lang),
                  notice=present.done_notice(v.query("done"), v.lang),
                  details=present.file_details(s, catalogue.list_missions(deps()), v.lang),
                  emails=present.emails(s["emails"], v.lang), findings=present.findings(s, v.lang),
                  deployment=present.deployment_details(s, v.lang), follow_up=present.follow_up(s, v.lang),
                  guides=present.guides(s, v.lang),
                  consulted=[present.day(d, v.lang) for d in reads.consulted_on(deps(), application_id)])


def confirmation_page(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    file = _own_file(v, application_id)
    s = applicant.status(deps(), file)
    already = v.query("already") == "yes"  # Back, a reload or a second click after sending: the same file
    return v.page("confirmation.html", title=t("already_sent_title" if already else "confirmation_title", v.lang),
                  s=s, already=already, address=file.email, email_language=t(f"language_in_{s['language']}", v.lang))


def answers_page(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    """A copy of the application as sent: a page to read or print, or (?download=yes) an HTML file to keep."""
    file = _own_file(v, application_id)
    names = {m["mission_id"]: pick(m["name"], v.lang) for m in catalogue.list_missions(deps())}
    rows = present.form_rows("application", file.form, v.lang, names)
    reference = emails_reference(application_id)
    context: dict[str, Any] = {"rows": rows, "reference": reference, "application_id": application_id,
                               "submitted": present.when(file.submitted_at, v.lang)}
    title = t("answers_title", v.lang)
    if v.query("download") == "yes":
        body = render("answers_download.html", v.lang, v=v, title=title, **context)
        return v.finish(Response(body=body, status_code=200, headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{reference}.html"'}))
    return v.page("answers.html", title=title, **context)


def my_information_page(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    """Everything held about the applicant (services/privacy.py): a page to read, or (?download=json) a JSON file."""
    file = _own_file(v, application_id)
    held = privacy.applicant_copy(deps(), file)
    reference = held["package"]["reference"]
    if v.query("download") == "json":
        return v.finish(Response(body=json.dumps(held, ensure_ascii=False, indent=2), status_code=200, headers={
            "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{reference}-information.json"'}))
    names = {m["mission_id"]: pick(m["name"], v.lang) for m in catalogue.list_missions(deps())}
    fr = held["family_readiness"]
    return v.page("my_information.html", title=t("my_information_title", v.lang), held=held, reference=reference,
                  application_id=application_id, answers=present.form_rows("application", held["answers"], v.lang, names),
                  family=present.form_rows("family-readiness", fr["form"], v.lang) if fr["form"] else [],
                  emails=[{**e, "subject_text": pick(e["subject"], v.lang),
                           "status_text": present.email_status(e["status"], v.lang, e.get("delivery_status"))}
                          for e in held["emails"]],
                  documents=[{**d, "label_text": pick(d["label"], v.lang) if d["label"] else d["kind"],
                              "state_text": t(f"document_state_{d['state']}", v.lang)} for d in held["documents"]],
                  deployments=[{"mission_text": names.get(d["mission_id"] or "", d["mission_id"] or "–"),
                                **{f"{k}_text": present.day(d[k], v.lang) if d[k] else "–"
                                   for k in ("started_on", "planned_end", "ended_on")}}
                               for d in held["deployments"]],
                  guides=[{"guide_text": pick(reintegration.GUIDES[g["guide"]][1], v.lang)
                           if g["guide"] in reintegration.GUIDES else g["guide"],
                           "status_text": t("guide_sent", v.lang, date=present.day(g["sent_at"], v.lang))
                           if g["sent_at"] else t("guide_on_its_way", v.lang)} for g in held["guide_tasks"]],
                  consulted=[present.day(d, v.lang) for d in held["consulted_on"]])


def family_page(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    file = _own_file(v, application_id, editable=True)
    stored = applicant.family_readiness(deps(), application_id)["form"] if file.family_readiness_on_file else None
    return form_page(v, family_form(v, application_id, stored=stored))


def family_post(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    data = v.form()
    file = _own_file(v, application_id, editable=True)
    try:
        applicant.save_family_readiness(deps(), file, family_document(data))
    except ValidationFailed as err:
        return form_page(v, family_form(v, application_id, data=data, errors=err.errors), 422)
    return v.redirect(_file_url(v, application_id, done="family-readiness"))


# --- documents (services/documents.py): each posted straight to the bucket, then recorded here -------------------

def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def documents_page(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    file = _own_file(v, application_id)
    base = _origin(v.settings.base_url)

    def received_url(ticket: str) -> str:
        return base + _file_url(v, application_id, "/documents/received", ticket=ticket)

    view = documents.applicant_view(deps(), file, received_url)
    # The upload forms post to the bucket: the CSP's form-action allows its origin, on this page only.
    v.form_origins = tuple(dict.fromkeys(_origin(d["upload"]["url"]) for d in view["documents"] if d["upload"]))
    accepted = sum(1 for d in view["documents"] if d["state"] == document_rules.ACCEPTED)
    return v.page("documents.html", title=t("documents_title", v.lang), view=view, accepted=accepted,
                  accept=document_rules.ACCEPT)


def document_received_page(v: Visit, application_id: str) -> Response:  # who: the signed ticket of its form
    # No cookie comes with this arrival (the bucket's redirect is cross-site): the ticket says what it may record.
    back = _file_url(v, application_id, "/documents")
    try:
        documents.record_upload(deps(), application_id, v.query("ticket"), v.query("key") or None)
    except documents.DocumentRefused as err:
        return v.page("error.html", err.status, title=err.title_fr if v.lang == "fr" else err.title_en,
                      detail=err.detail_fr if v.lang == "fr" else err.detail_en, back_url=back,
                      back_label=t("continue_to_documents", v.lang))
    return v.page("document_received.html", title=t("document_received_title", v.lang), next_url=back)


def withdraw_page(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    file = _own_file(v, application_id, editable=True)
    return form_page(v, withdrawal_form(v, file))


def withdraw_post(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    data = v.form()
    file = _own_file(v, application_id, editable=True)
    done = "ended-early" if applicant.ends_mission_early(file) else "withdrawn"
    try:
        request = withdrawal_request(data, file)
        if not withdrawal_confirmed(data):  # the form's answers: asked once more, on a page of their own
            return withdrawal_confirmation(v, file, request)
        applicant.withdraw(deps(), file, request)
    except ValidationFailed as err:
        return form_page(v, withdrawal_form(v, file, data=data, errors=err.errors), 422)
    return v.redirect(_file_url(v, application_id, done=done))



def sign_out_post(v: Visit, application_id: str) -> Response:  # who: this browser (its CSRF pair for this file)
    v.form()  # a token from this file's page only: another site or file cannot sign the visitor out
    v.set_cookies += access.revoke(v.root, application_id, v.secure)
    return v.page("signed_out.html", title=t("signed_out_title", v.lang))


# --- a change of email address (services/email_change.py) -----------------------------

def email_page(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    _own_file(v, application_id)
    return form_page(v, email_form(v, application_id))


def email_post(v: Visit, application_id: str) -> Response:  # who: the file's token (cookie)
    data = v.form()
    file = _own_file(v, application_id)
    try:
        sent = email_change.request(deps(), file, {"email": (data.get("email") or [""])[0].strip()})
    except ValidationFailed as err:
        return form_page(v, email_form(v, application_id, data=data, errors=err.errors), 422)
    return v.page("email_sent.html", title=t("email_sent_title", v.lang), application_id=application_id,
                  address=sent["sent_to"], until=present.when(sent["expires_at"], v.lang))


def email_change_page(v: Visit, application_id: str) -> Response:  # who: public; the code emailed to the address
    # Opening the link changes nothing (a mail scanner may open it): the page asks first.
    code = v.query("code")
    waiting = email_change.pending_view(deps(), application_id, code)
    return v.page("email_confirm.html", title=t("email_confirm_title", v.lang), reference=waiting["reference"],
                  address=waiting["new_address"], code=code, action=v.url(f"/email-change/{quote(application_id)}"))


def email_change_post(v: Visit, application_id: str) -> Response:  # who: public; the code emailed to the address
    data = v.form()
    done = email_change.confirm(deps(), application_id, {"code": (data.get("code") or [""])[0]})
    return v.page("email_changed.html", title=t("email_changed_title", v.lang), address=done["email"])

