"""The roster in the console: the program's caps, each cap's entries and line of ready candidates, and the
changes IRSS and administrators make to them (record the officer on a seeded placeholder, extend, end, rotate,
deploy a ready candidate, import a CSV). Each view calls one function of services/roster.py or the workflow's
move (services/files.move_one, as the file page does); the service audits and writes in one transaction.

Who: IRSS and administrators read and change the roster (the API's rule, app.py); moving a file into
``deployed`` is IRSS's alone (data/workflow.json), so the deploy and rotation forms are IRSS's.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from chalice import Response

from ..api.wiring import deps
from ..domain.errors import DomainError, FieldError, NotFound, ValidationFailed
from ..domain.i18n import pick
from ..domain.missions import police_services
from ..domain.workflow import load_workflow
from ..services import files, roster, roster_import
from . import present, views
from .render import t
from .routes import ROSTER_PAGES
from .visit import ConsoleVisit

ROSTER_ROLES = ("irss", "admin")  # app.py's rule for /admin/caps/{cap_id}/roster...
DEPLOYERS = ("irss",)  # the workflow's move training -> deployed

PAGES = ROSTER_PAGES  # routes.py holds the table (it must not import this module)


def serve(name: str, params: dict[str, Any]) -> Response:
    return views.serve_view(globals()[name], params)


def _chrome(v: ConsoleVisit) -> dict[str, Any]:
    return views._chrome(v, "roster")


def _field(data: dict[str, list[str]], name: str) -> str:
    return (data.get(name) or [""])[0].strip()


def _cap_url(v: ConsoleVisit, cap_id: str, done: str = "", **query: str) -> str:
    return v.url(f"/roster/{quote(cap_id, safe='')}", done=done, **query)


def _entry_url(v: ConsoleVisit, cap_id: str, deployment_id: str) -> str:
    return v.url(f"/roster/{quote(cap_id, safe='')}/entries/{quote(deployment_id, safe='')}")


def _services(lang: str) -> list[tuple[str, str]]:
    return sorted(((code, s.name.get(lang) or s.name["en"]) for code, s in police_services().items()),
                  key=lambda pair: pair[1])


def _end_reasons(lang: str) -> list[tuple[str, str]]:
    codes = load_workflow().reasons["returned"].codes
    return [(code, str(r.label.get(lang) or r.label["en"])) for code, r in codes.items()]


def _errors(v: ConsoleVisit, err: ValidationFailed) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in err.errors:
        out.setdefault(e.pointer.lstrip("/").split("/")[0] or "form", []).append(
            e.message_fr if v.lang == "fr" else e.message_en)
    return out


# --- the program and a cap ----------------------------------------------------------------------

def roster_page(v: ConsoleVisit) -> Response:  # who: irss, admin
    views.signed_in(v, *ROSTER_ROLES)
    caps = roster.program_overview(deps())
    return v.page("roster.html", title=t("roster_title", v.lang), caps=caps, days=roster.FREEING_DAYS,
                  **_chrome(v))


def _cap_context(v: ConsoleVisit, actor: Any, cap_id: str) -> dict[str, Any]:
    d = deps()
    status = "all" if v.query("status") == "all" else "active"
    view = roster.roster_view(d, cap_id, status)
    rotation = roster.rotation(d, cap_id)
    wf = load_workflow()
    path = wf.pathways[wf.kinds["operation"]]
    candidates = [{**c, "can_deploy": actor.role in DEPLOYERS and "deployed" in path.next_stages(c["stage"], "irss")}
                  for c in rotation["candidates"]]
    services = dict(_services(v.lang))
    missions = views._missions(v.lang)
    entries = [{**e, "service_name": services.get(e["police_service"] or "", ""),
                "mission_name": missions.get(e["mission_id"] or "", ""),
                "placeholder": e["application_id"] is None and e["started_on"] is None and e["police_service"] is None}
               for e in view["entries"]]
    return {"cap": view, "entries": entries, "candidates": candidates, "shown": status, "p": present,
            "freeing": next((h["ending"] for h in rotation["horizons"] if h["days"] == roster.FREEING_DAYS), 0),
            "days": roster.FREEING_DAYS, "deployer": actor.role in DEPLOYERS}


def cap_page(v: ConsoleVisit, cap_id: str, status: int = 200, message: str = "") -> Response:  # who: irss, admin
    actor = views.signed_in(v, *ROSTER_ROLES)
    context = _cap_context(v, actor, cap_id)
    title = t("roster_cap_title", v.lang, cap=pick(context["cap"]["name"], v.lang))
    return v.page("roster_cap.html", status, title=title, done=v.query("done"), message=message, **context,
                  **_chrome(v))


def deploy_post(v: ConsoleVisit, cap_id: str) -> Response:  # who: irss (the workflow's move into deployed)
    actor = views.signed_in(v, *DEPLOYERS)
    data = v.form()
    application_id = _field(data, "application_id")
    if application_id not in {c.application_id for c in roster.ready_candidates(deps(), cap_id)}:
        return cap_page(v, cap_id, 409, t("roster_not_in_line", v.lang))
    try:
        files.move_one(deps(), actor, application_id, {"to_stage": "deployed",
                                                       "expected_stage": _field(data, "expected_stage")})
    except DomainError as err:
        if isinstance(err, NotFound):
            raise
        return cap_page(v, cap_id, err.status, views._detail(v, err))
    return v.redirect(_cap_url(v, cap_id, "deployed"))


# --- one entry ------------------------------------------------------------------------------------

def entry_page(v: ConsoleVisit, cap_id: str, deployment_id: str, status: int = 200,
               errors: dict[str, list[str]] | None = None, kept: dict[str, str] | None = None,
               confirm: dict[str, str] | None = None) -> Response:  # who: irss, admin
    actor = views.signed_in(v, *ROSTER_ROLES)
    d = deps()
    entry = d.store.catalogue.deployment(cap_id, deployment_id)
    if entry is None:
        raise NotFound("No such roster entry.", "Entrée introuvable dans la liste.")
    context = _cap_context(v, actor, cap_id)
    problems = [m for ms in (errors or {}).values() for m in ms]
    return v.page("roster_entry.html", status, title=t("roster_entry_title", v.lang), e=entry.as_dict(),
                  placeholder=entry.placeholder, services=_services(v.lang), reasons=_end_reasons(v.lang),
                  missions=[(m.mission_id, name) for m in d.store.catalogue.missions() if m.cap_id == cap_id
                            for name in [views._missions(v.lang).get(m.mission_id, m.mission_id)]],
                  errors=errors or {}, kept=kept or {}, confirm=confirm, problems=problems,
                  cap_url=_cap_url(v, cap_id), today=d.today().isoformat(),
                  service_name=dict(_services(v.lang)).get(entry.police_service or "", ""),
                  incoming=[(c["application_id"], f'{c["name"]} ({c["reference"]})') for c in context["candidates"]
                            if c["can_deploy"]],
                  **{k: context[k] for k in ("cap", "deployer")}, **_chrome(v))


def _change(v: ConsoleVisit, cap_id: str, deployment_id: str, kept: dict[str, str], call: Any, done: str) -> Response:
    """Run one roster change: 303 to the cap's page saying what was done, or the entry's page again with the
    errors next to their fields (422); a stale form is the 409 page (views' error pages)."""
    try:
        call()
    except ValidationFailed as err:
        return entry_page(v, cap_id, deployment_id, 422, _errors(v, err), kept)
    return v.redirect(_cap_url(v, cap_id, done))


def _note_and_version(data: dict[str, list[str]]) -> tuple[str, int]:
    version = _field(data, "expected_version")
    return _field(data, "note"), int(version) if re.fullmatch(r"[0-9]{1,9}", version) else 0


def _required(v: ConsoleVisit, kept: dict[str, str], names: tuple[str, ...]) -> ValidationFailed | None:
    missing = [FieldError(f"/{n}", "required", t("roster_required", "en"), t("roster_required", "fr"))
               for n in names if not kept.get(n)]
    return ValidationFailed(missing) if missing else None


def _checked(v: ConsoleVisit, cap_id: str, deployment_id: str, data: dict[str, list[str]],
             names: tuple[str, ...], required: tuple[str, ...]) -> tuple[dict[str, str], Response | None]:
    kept = {n: _field(data, n) for n in names}
    missing = _required(v, kept, required)
    if missing is not None:
        return kept, entry_page(v, cap_id, deployment_id, 422, _errors(v, missing), kept)
    return kept, None


def record_post(v: ConsoleVisit, cap_id: str, deployment_id: str) -> Response:  # who: irss, admin
    actor = views.signed_in(v, *ROSTER_ROLES)
    data = v.form()
    kept, refused = _checked(v, cap_id, deployment_id, data, ("police_service", "started_on", "planned_end",
                                                               "mission_id", "note"),
                             ("police_service", "started_on", "planned_end", "note"))
    if refused is not None:
        return refused
    note, version = _note_and_version(data)
    body: dict[str, Any] = {"expected_version": version, "reason_code": "data_correction", "note": note,
                            "police_service": kept["police_service"], "started_on": kept["started_on"],
                            "planned_end": kept["planned_end"]}
    if kept["mission_id"]:
        body["mission_id"] = kept["mission_id"]
    return _change(v, cap_id, deployment_id, kept,
                   lambda: roster.correct_entry(deps(), actor, cap_id, deployment_id, body), "recorded")


def extend_post(v: ConsoleVisit, cap_id: str, deployment_id: str) -> Response:  # who: irss, admin
    actor = views.signed_in(v, *ROSTER_ROLES)
    data = v.form()
    kept, refused = _checked(v, cap_id, deployment_id, data, ("new_planned_end", "extend_note"),
                             ("new_planned_end", "extend_note"))
    if refused is not None:
        return refused
    _, version = _note_and_version(data)
    entry = deps().store.catalogue.deployment(cap_id, deployment_id)
    if entry is not None and entry.planned_end and kept["new_planned_end"] <= entry.planned_end:
        return entry_page(v, cap_id, deployment_id, 422, {"new_planned_end": [t("roster_extend_later", v.lang)]},
                          kept)
    body = {"expected_version": version, "reason_code": "extension_approved", "note": kept["extend_note"],
            "planned_end": kept["new_planned_end"]}

    def call() -> Any:
        try:
            return roster.correct_entry(deps(), actor, cap_id, deployment_id, body)
        except ValidationFailed as err:  # the service names the field planned_end; this form calls it new_planned_end
            raise ValidationFailed([e if e.pointer != "/planned_end" else type(e)(
                "/new_planned_end", e.code, e.message_en, e.message_fr) for e in err.errors]) from err

    return _change(v, cap_id, deployment_id, kept, call, "extended")


def end_post(v: ConsoleVisit, cap_id: str, deployment_id: str) -> Response:  # who: irss, admin
    actor = views.signed_in(v, *ROSTER_ROLES)
    data = v.form()
    kept, refused = _checked(v, cap_id, deployment_id, data, ("reason_code", "ended_on", "end_note", "confirmed"),
                             ("reason_code", "end_note"))
    if refused is not None:
        return refused
    if kept["reason_code"] not in dict(_end_reasons(v.lang)):
        return entry_page(v, cap_id, deployment_id, 422, {"reason_code": [t("roster_required", v.lang)]}, kept)
    _, version = _note_and_version(data)
    if kept["confirmed"] != "yes":  # the confirmation step: the same form, said back, with one button
        return entry_page(v, cap_id, deployment_id, 200, kept=kept, confirm={
            **kept, "reason_label": dict(_end_reasons(v.lang))[kept["reason_code"]], "expected_version": str(version)})
    body: dict[str, Any] = {"expected_version": version, "reason_code": kept["reason_code"], "note": kept["end_note"]}
    if kept["ended_on"]:
        body["ended_on"] = kept["ended_on"]
    return _change(v, cap_id, deployment_id, kept,
                   lambda: roster.end_entry(deps(), actor, cap_id, deployment_id, body), "ended")


def rotation_post(v: ConsoleVisit, cap_id: str, deployment_id: str) -> Response:  # who: irss (deploys the file)
    actor = views.signed_in(v, *DEPLOYERS)
    data = v.form()
    kept, refused = _checked(v, cap_id, deployment_id, data, ("application_id", "handover_on", "rotation_note"),
                             ("application_id", "handover_on", "rotation_note"))
    if refused is not None:
        return refused
    _, version = _note_and_version(data)
    body = {"expected_version": version, "application_id": kept["application_id"],
            "handover_on": kept["handover_on"], "note": kept["rotation_note"]}

    def call() -> Any:
        try:
            return roster.rotate(deps(), actor, cap_id, deployment_id, body)
        except ValidationFailed as err:  # this form's note field is rotation_note
            raise ValidationFailed([e if e.pointer != "/note" else type(e)(
                "/rotation_note", e.code, e.message_en, e.message_fr) for e in err.errors]) from err

    return _change(v, cap_id, deployment_id, kept, call, "rotated")


# --- import ---------------------------------------------------------------------------------------

def import_page(v: ConsoleVisit, status: int = 200, report: list[dict[str, Any]] | None = None,
                csv_text: str = "", message: str = "") -> Response:  # who: irss, admin
    views.signed_in(v, *ROSTER_ROLES)
    rows = [{**r, "message": r["message_fr"] if v.lang == "fr" else r["message_en"]} for r in (report or [])]
    return v.page("roster_import.html", status, title=t("roster_import_title", v.lang), report=rows,
                  csv_text=csv_text, message=message, header=",".join(roster_import.COLUMNS),
                  max_rows=roster_import.MAX_ROWS, done=v.query("done"), written=v.query("n"),
                  problems=[r["message"] for r in rows] + ([message] if message else []), **_chrome(v))


def import_post(v: ConsoleVisit) -> Response:  # who: irss, admin
    actor = views.signed_in(v, *ROSTER_ROLES)
    data = v.form()
    text = (data.get("csv") or [""])[0]
    note = _field(data, "note") or t("roster_import_note", v.lang)
    try:
        written = roster_import.import_csv(deps(), actor, text, note)
    except roster_import.ImportRefused as err:
        return import_page(v, 422, err.rows, text, err.message_fr if v.lang == "fr" else err.message_en)
    return v.redirect(v.url("/roster-import", done="imported", n=str(written)))


def import_template(v: ConsoleVisit) -> Response:  # who: irss, admin
    views.signed_in(v, *ROSTER_ROLES)
    return v.finish(Response(body=roster_import.template(), status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="peaceops-roster-template.csv"'}))
