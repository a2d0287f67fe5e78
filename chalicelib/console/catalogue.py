"""The console's pages for running the program's catalogue, and the audit view.

Missions and seats (services/catalogue_admin.py): the caps with their figures and internal notes, and their
missions; an administrator changes a cap's authorized figure (never below its active roster), opens or closes a
mission to applications and edits its public description in both languages; IRSS reads. The audit
(services/audit_log.py): every staff action, searchable, paged and exportable, for IRSS and administrators.
routes.py registers ``PAGES`` under /console/en and /console/fr; each view says who may open it (``# who:``).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalice import Response

from ..api import origin as request_origin
from ..api.wiring import deps
from ..domain import audit_list
from ..domain.i18n import pick
from ..domain.errors import DomainError, NotFound, ValidationFailed
from ..services import audit_log, catalogue_admin
from . import present, views
from .render import t
from .routes import CATALOGUE_PAGES
from .visit import ConsoleVisit

PAGES = CATALOGUE_PAGES  # routes.py holds the table (read at import by Chalice)

READERS = ("irss", "admin")  # who reads the caps and missions (the API's GET /admin/caps rule)
EDITORS = ("admin",)  # who changes them (the API's PUT /admin/caps/{cap_id}/authorized, PATCH /admin/missions)


def serve(name: str, params: dict[str, Any]) -> Response:
    return views.serve_view(globals()[name], params)


def _field(data: dict[str, list[str]], name: str) -> str:
    return (data.get(name) or [""])[0]


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 7 else None


def _detail(v: ConsoleVisit, err: DomainError) -> str:
    errors = getattr(err, "errors", None)
    if errors:
        return " ".join(e.message_fr if v.lang == "fr" else e.message_en for e in errors)
    return err.detail_fr if v.lang == "fr" else err.detail_en


# --- missions and seats -------------------------------------------------------------------------------------

def caps_page(v: ConsoleVisit, status: int = 200, message: str = "", failed: str = "",
              typed: str = "") -> Response:  # who: irss, admin (admin changes)
    actor = views.signed_in(v, *READERS)
    return v.page("caps.html", status, title=t("caps_title", v.lang), caps=catalogue_admin.overview(deps()),
                  editor=actor.role in EDITORS, done=v.query("done"), message=message, failed=failed, typed=typed,
                  **views._chrome(v, "caps"))


def authorized_post(v: ConsoleVisit, cap_id: str) -> Response:  # who: admin
    actor = views.signed_in(v, *EDITORS)
    data = v.form()
    typed, version = _field(data, "authorized"), _int(_field(data, "version"))
    value = _int(typed)
    if value is None or version is None:
        return caps_page(v, 422, t("caps_figure_invalid", v.lang), cap_id, typed)
    try:
        catalogue_admin.set_authorized(deps(), actor, cap_id, {"authorized": value}, expected_version=version)
    except NotFound:
        raise
    except DomainError as err:
        return caps_page(v, err.status, _detail(v, err), cap_id, typed)
    return v.redirect(v.url("/missions-and-seats", done="authorized") + f"#cap-{quote(cap_id, safe='')}")


def _mission_url(v: ConsoleVisit, mission_id: str, done: str = "") -> str:
    return v.url(f"/missions-and-seats/missions/{quote(mission_id, safe='')}", done=done)


def mission_page(v: ConsoleVisit, mission_id: str, status: int = 200, message: str = "",
                 typed: dict[str, str] | None = None, invalid: tuple[str, ...] = ()) -> Response:  # who: irss, admin
    actor = views.signed_in(v, *READERS)
    view = catalogue_admin.mission_admin_view(deps(), mission_id)
    text = typed or dict(view["mission"]["description"])
    return v.page("mission_admin.html", status, title=pick(view["mission"]["name"], v.lang) or mission_id,
                  m=view["mission"], version=view["version"], cap_name=view["cap_name"], editor=actor.role in EDITORS,
                  done=v.query("done"), message=message, text=text, invalid=invalid,
                  public_url=f"{v.root}/{v.lang}/missions/{quote(mission_id, safe='')}", **views._chrome(v, "caps"))


def description_post(v: ConsoleVisit, mission_id: str) -> Response:  # who: admin
    actor = views.signed_in(v, *EDITORS)
    data = v.form()
    typed = {"en": _field(data, "description_en"), "fr": _field(data, "description_fr")}
    version = _int(_field(data, "version"))
    try:
        if version is None:
            raise ValidationFailed([])
        catalogue_admin.set_description(deps(), actor, mission_id, typed["en"], typed["fr"], version)
    except NotFound:
        raise
    except ValidationFailed as err:
        invalid = tuple(e.pointer.rsplit("/", 1)[-1] for e in err.errors)
        return mission_page(v, mission_id, 422, _detail(v, err) or t("caps_stale", v.lang), typed, invalid)
    except DomainError as err:
        return mission_page(v, mission_id, err.status, _detail(v, err), typed)
    return v.redirect(_mission_url(v, mission_id, "description"))


def status_post(v: ConsoleVisit, mission_id: str) -> Response:  # who: admin
    actor = views.signed_in(v, *EDITORS)
    data = v.form()
    wanted, version = _field(data, "accepting"), _int(_field(data, "version"))
    if wanted not in ("yes", "no") or version is None:
        return mission_page(v, mission_id, 422, t("caps_status_invalid", v.lang))
    try:
        catalogue_admin.set_open_at(deps(), actor, mission_id, wanted == "yes", version)
    except NotFound:
        raise
    except DomainError as err:
        return mission_page(v, mission_id, err.status, _detail(v, err))
    return v.redirect(_mission_url(v, mission_id, "opened" if wanted == "yes" else "closed"))


# --- the audit ----------------------------------------------------------------------------------------------

def _audit_params(v: ConsoleVisit) -> dict[str, str]:
    return {k: v.query(k).strip() for k in (*audit_list.FILTERS, "cursor") if v.query(k).strip()}


def audit_page(v: ConsoleVisit) -> Response:  # who: irss, admin (each reads it as their role may: medical_view)
    actor = views.signed_in(v, *audit_list.ROLES)
    params = _audit_params(v)
    found, message, status = None, "", 200
    try:
        found = audit_log.listing(deps(), actor, params, request_origin.of(v.request, "console"))
    except ValidationFailed as err:
        message, status = _detail(v, err), 422
    filters = {k: val for k, val in params.items() if k != "cursor"}
    next_url = v.url("/audit", **filters, cursor=found["next_cursor"]) if found and found["next_cursor"] else ""
    return v.page("audit.html", status, title=t("audit_title", v.lang), found=found, params=filters, message=message,
                  next_url=next_url, export_url=v.url("/audit.csv", **filters), kind_labels=dict(_kinds(v.lang)), p=present,
                  change_labels={c: t(audit_list.change_key(c), v.lang) for c in audit_list.CHANGES},
                  role_labels={r: t(f"role_{r}", v.lang) for r in ROLE_LABELS},
                  **views._chrome(v, "audit"))


def _kinds(lang: str) -> list[tuple[str, str]]:
    return [(k, t(f"audit_kind_{k}", lang)) for k in AUDIT_KINDS]


ROLE_LABELS = ("service_coordinator", "irss", "health", "admin", "selection_team", "system", "applicant")
# The kinds a search may pick (a stored kind not listed is still shown, by its code).
AUDIT_KINDS = ("submitted", "stage_change", "note", "family_readiness", "medical_outcome", "module_result",
               "redirected", "post_mission_follow_up", "guide_sent", "email_change_requested", "email_changed",
               "catalogue_change", "roster_change", "legal_hold", "legal_hold_lifted", "disposed", "file_read",
               "family_readiness_read", "documents_listed", "document_read", "export_read", "privacy_package",
               "sign_in_locked", audit_list.READS_KIND)


def audit_csv(v: ConsoleVisit) -> Response:  # who: irss, admin
    actor = views.signed_in(v, *audit_list.ROLES)
    params = {k: val for k, val in _audit_params(v).items() if k != "cursor"}
    try:
        body, truncated = audit_log.export_csv(deps(), actor, {**params, "lang": v.lang},
                                               request_origin.of(v.request, "console"))
    except ValidationFailed as err:
        return v.page("message.html", 422, title=t("audit_title", v.lang), detail=_detail(v, err),
                      back_url=v.url("/audit"), back_label=t("audit_back", v.lang), success=False,
                      **views._chrome(v, "audit"))
    name = "peaceops-journal.csv" if v.lang == "fr" else "peaceops-audit.csv"
    return v.finish(Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store", "X-Export-Truncated": "true" if truncated else "false"}))
