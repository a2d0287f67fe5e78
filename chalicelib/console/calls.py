"""The console's calls for applications: the list by status, a call written in English and French side by side,
its preview as applicants will see it, publish, extend a deadline, close early, copy (services/bulletins.py, the
functions the admin API calls too).

Administrators manage calls (the API's rule); IRSS reads the list, a call and its preview. A form's times are
entered in Ottawa's time (America/Toronto) and stored as ISO 8601 with their offset. Each change carries the
version read (a hidden field): a stale one answers 409.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from chalice import Response

from ..api.wiring import deps
from ..domain.bulletins import DEGREES, PROGRAM_TIME, RCMP_RANKS, in_program_time, moment
from ..domain.documents import kinds as document_kinds
from ..domain.errors import FieldError, ValidationFailed
from ..domain.forms import load_schema
from ..domain.i18n import pick
from ..domain.localtime import from_iso, local_time
from ..services import bulletins, catalogue
from ..web import present as web_present
from ..web.pages import Visit
from ..web.render import render as web_render
from .render import t
from .routes import CALL_PAGES
from .views import _chrome, _field, serve_view, signed_in
from .visit import ConsoleVisit

MANAGERS = ("admin",)  # the API's rule: create and change calls (app.py admin_create_bulletin)
READERS = ("irss", "admin")  # the API's rule for the list (app.py admin_list_bulletins)
STATUSES = ("draft", "scheduled", "open", "closed")
LANG_LEVELS = ("basic", "intermediate", "advanced")

PAGES = CALL_PAGES  # routes.py registers them


def serve(name: str, params: dict[str, Any]) -> Response:
    return serve_view(globals()[name], params)


# --- the form ----------------------------------------------------------------------------------

def local_input(iso_value: str | None) -> str:
    """A stored instant as a datetime-local input shows it, in Ottawa's time (``2027-01-15T23:59``)."""
    if not iso_value:
        return ""
    try:
        return in_program_time(moment(iso_value)).strftime("%Y-%m-%dT%H:%M")
    except (ValueError, OverflowError):
        return ""


def from_local_input(value: str) -> str:
    """A datetime-local input's value read as Ottawa's time, as ISO 8601 with its offset ("" if unreadable, which
    the schema refuses at its field)."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return ""
    return parsed.replace(tzinfo=PROGRAM_TIME).isoformat() if parsed.tzinfo is None else parsed.isoformat()


def _positions(raw: str) -> Any:
    """A whole number; empty: no number given (null, "see the call")."""
    return int(raw) if raw.strip().isdigit() else None if not raw.strip() else raw


def document_from_form(data: dict[str, list[str]]) -> dict[str, Any]:
    """The call's document as the schema reads it, from the console form's fields."""
    f = lambda name: _field(data, name).strip()  # noqa: E731
    language = ({"code": f("criteria_language_code"), "level": f("criteria_language_level") or "basic"}
                if f("criteria_language_code") else None)
    return {
        "positions": _positions(f("positions")),
        "opens_at": from_local_input(f("opens_at")), "closes_at": from_local_input(f("closes_at")),
        "expected_start": f("expected_start") or None,
        "title": {"en": f("title_en"), "fr": f("title_fr")},
        "description": {"en": f("description_en"), "fr": f("description_fr")},
        "contact": {"name": {"en": f("contact_name_en"), "fr": f("contact_name_fr")}, "email": f("contact_email")},
        "criteria": {"min_rank": f("criteria_min_rank") or None, "degree": f("criteria_degree") or None,
                     "language": language,
                     "previous_mission_experience": f("criteria_previous_mission_experience") == "yes",
                     "civilian_analysts": f("criteria_civilian_analysts") == "yes",
                     "four_by_four": {"yes": True, "no": False}.get(f("criteria_four_by_four")),
                     "fitness_test": f("criteria_fitness_test") or None,
                     "required_documents": [c for c in data.get("criteria_required_documents", []) if c]},
    }


def form_values(call: dict[str, Any]) -> dict[str, Any]:
    """A call (as stored, or as typed) as the form's fields show it."""
    c = call.get("criteria") or {}
    lang = c.get("language") or {}
    contact = call.get("contact") or {}
    return {"bulletin_id": call.get("bulletin_id", ""), "mission_id": call.get("mission_id", ""),
            "positions": "" if call.get("positions") is None else call["positions"],
            "opens_at": local_input(call.get("opens_at")),
            "closes_at": local_input(call.get("closes_at")), "expected_start": call.get("expected_start") or "",
            "title_en": (call.get("title") or {}).get("en", ""), "title_fr": (call.get("title") or {}).get("fr", ""),
            "description_en": (call.get("description") or {}).get("en", ""),
            "description_fr": (call.get("description") or {}).get("fr", ""),
            "contact_name_en": (contact.get("name") or {}).get("en", ""),
            "contact_name_fr": (contact.get("name") or {}).get("fr", ""), "contact_email": contact.get("email", ""),
            "criteria_min_rank": c.get("min_rank") or "", "criteria_degree": c.get("degree") or "",
            "criteria_language_code": lang.get("code", ""), "criteria_language_level": lang.get("level", ""),
            "criteria_previous_mission_experience": bool(c.get("previous_mission_experience")),
            "criteria_civilian_analysts": bool(c.get("civilian_analysts")),
            "criteria_four_by_four": {"True": "yes", "False": "no"}.get(str(c.get("four_by_four")), ""),
            "criteria_fitness_test": c.get("fitness_test") or "",
            "criteria_required_documents": list(c.get("required_documents") or [])}


def field_of(pointer: str) -> str:
    """The form field a JSON Pointer names: ``/contact/name/fr`` -> ``contact_name_fr``."""
    name = pointer.strip("/").replace("/", "_")
    if name.startswith("criteria_language"):
        return "criteria_language_code"
    if name.startswith("criteria_required_documents"):
        return "criteria_required_documents"
    return name


def problems_of(errors: list[FieldError], lang: str) -> list[dict[str, str]]:
    return [{"field": field_of(e.pointer) or "title_en", "anchor": field_of(e.pointer) or "title_en",
             "message": e.message_fr if lang == "fr" else e.message_en}
            for e in errors]


def _labels(prop: str) -> dict[str, Any]:
    labels: dict[str, Any] = load_schema("application")["properties"][prop]["x-enum-labels"]
    return labels


def _choices(lang: str) -> dict[str, Any]:
    catalogue = deps().store.catalogue
    ranks, degrees = _labels("rank"), _labels("highest_education")
    return {"missions": sorted(((m.mission_id, pick(m.name, lang)) for m in catalogue.missions()), key=lambda x: x[1]),
            "ranks": [(r, pick(ranks.get(r) or {"en": r}, lang)) for r in RCMP_RANKS],
            "degrees": [(d, pick(degrees.get(d) or {"en": d}, lang)) for d in DEGREES],
            "levels": [(lv, t("level_" + lv, lang)) for lv in LANG_LEVELS],
            "four_by_four": [("yes", t("call_4x4_yes", lang)), ("no", t("call_4x4_no", lang))],
            "fitness": [("pare", t("call_fitness_pare", lang)), ("own_test", t("call_fitness_own_test", lang))],
            "documents": [(code, pick(k.label, lang)) for code, k in document_kinds().items()]}


def _call_url(v: ConsoleVisit, bulletin_id: str, tail: str = "", **query: str) -> str:
    return v.url(f"/calls/{quote(bulletin_id, safe='')}{tail}", **query)


# --- pages -------------------------------------------------------------------------------------

def calls_page(v: ConsoleVisit) -> Response:  # who: irss, admin; every call by status
    actor = signed_in(v, *READERS)
    listed = bulletins.list_all(deps())
    groups = [(s, [c for c in listed if c["status"] == s]) for s in STATUSES]
    return v.page("calls.html", title=t("calls_title", v.lang), groups=groups, manager=actor.role in MANAGERS,
                  done=v.query("done"), call_url=lambda b: _call_url(v, b), local=lambda value: _shown_time(value, v.lang),
                  **_chrome(v, "calls"))


def _shown_time(iso_value: str, lang: str) -> str:
    """A call's opening or closing time as staff read it (domain/localtime.py); the form's inputs keep theirs."""
    at = from_iso(iso_value)
    return local_time(at, lang) if at else iso_value


def _form_page(v: ConsoleVisit, status: int, *, creating: bool, values: dict[str, Any], call: dict[str, Any] | None,
               errors: list[FieldError] | None = None, manager: bool = True) -> Response:
    problems = problems_of(errors or [], v.lang)
    title = t("call_new_title", v.lang) if creating else pick((call or {}).get("title") or {}, v.lang) or \
        (call or {}).get("bulletin_id", "")
    return v.page("call_form.html", status, title=title, creating=creating, f=values, call=call, problems=problems,
                  errors={p["field"]: p["message"] for p in problems}, manager=manager, done=v.query("done"),
                  action=v.url("/calls") if creating else _call_url(v, (call or {})["bulletin_id"]),
                  call_url=lambda tail="", **q: _call_url(v, (call or {}).get("bulletin_id", ""), tail, **q),
                  local=lambda value: _shown_time(value, v.lang), **_choices(v.lang), **_chrome(v, "calls"))


def new_call_page(v: ConsoleVisit) -> Response:  # who: admin; the form of a new draft call
    signed_in(v, *MANAGERS)
    return _form_page(v, 200, creating=True, values=form_values({"positions": 1}), call=None)


def create_post(v: ConsoleVisit) -> Response:  # who: admin; saves a new draft call (never public until published)
    actor = signed_in(v, *MANAGERS)
    data = v.form()
    doc = {**document_from_form(data), "bulletin_id": _field(data, "bulletin_id").strip(),
           "mission_id": _field(data, "mission_id").strip(), "published": False}
    try:
        made = bulletins.create_bulletin(deps(), actor, doc)
    except ValidationFailed as err:
        return _form_page(v, 422, creating=True, values={**form_values(doc), "positions": _field(data, "positions"),
                                                         "opens_at": _field(data, "opens_at"),
                                                         "closes_at": _field(data, "closes_at")},
                          call=None, errors=err.errors)
    return v.redirect(_call_url(v, made["bulletin_id"], done="created"))


def call_page(v: ConsoleVisit, bulletin_id: str) -> Response:  # who: irss (read), admin (read and change)
    actor = signed_in(v, *READERS)
    call = bulletins.get_bulletin(deps(), bulletin_id, staff=True)
    return _form_page(v, 200, creating=False, values=form_values(call), call=call, manager=actor.role in MANAGERS)


def _typed(data: dict[str, list[str]], doc: dict[str, Any]) -> dict[str, Any]:
    """The form's values as typed (a refused form shows them again, not the stored ones)."""
    return {**form_values(doc), **{k: _field(data, k) for k in ("positions", "opens_at", "closes_at")}}


def _version(data: dict[str, list[str]]) -> Any:
    raw = _field(data, "version").strip()
    return int(raw) if raw.isdigit() else raw


def edit_post(v: ConsoleVisit, bulletin_id: str) -> Response:  # who: admin; saves the call's texts, dates, criteria
    actor = signed_in(v, *MANAGERS)
    data = v.form()
    doc = document_from_form(data)
    try:
        bulletins.update_bulletin(deps(), actor, bulletin_id, {**doc, "version": _version(data)})
    except ValidationFailed as err:
        call = bulletins.get_bulletin(deps(), bulletin_id, staff=True)
        return _form_page(v, 422, creating=False, values=_typed(data, {**call, **doc}), call=call, errors=err.errors)
    return v.redirect(_call_url(v, bulletin_id, done="saved"))


def publish_post(v: ConsoleVisit, bulletin_id: str) -> Response:  # who: admin; a draft made public, or the reasons
    actor = signed_in(v, *MANAGERS)
    data = v.form()
    try:
        bulletins.publish_bulletin(deps(), actor, bulletin_id, {"version": _version(data)})
    except ValidationFailed as err:
        call = bulletins.get_bulletin(deps(), bulletin_id, staff=True)
        return _form_page(v, 422, creating=False, values=form_values(call), call=call, errors=err.errors)
    return v.redirect(_call_url(v, bulletin_id, done="published"))


def extend_post(v: ConsoleVisit, bulletin_id: str) -> Response:  # who: admin; a later closing, draft holders told
    actor = signed_in(v, *MANAGERS)
    data = v.form()
    try:
        out = bulletins.extend_deadline(deps(), actor, bulletin_id, {"version": _version(data),
                                                                     "closes_at": from_local_input(_field(data, "new_closes_at"))})
    except ValidationFailed as err:
        call = bulletins.get_bulletin(deps(), bulletin_id, staff=True)
        errors = [FieldError("/new_closes_at", e.code, e.message_en, e.message_fr) for e in err.errors]
        return _form_page(v, 422, creating=False, values=form_values(call), call=call, errors=errors)
    return v.redirect(_call_url(v, bulletin_id, done="extended", told=str(out.get("drafts_told", 0))))


def close_post(v: ConsoleVisit, bulletin_id: str) -> Response:  # who: admin; an open call closed now, once confirmed
    actor = signed_in(v, *MANAGERS)
    data = v.form()
    if _field(data, "confirm_close") != "yes":
        call = bulletins.get_bulletin(deps(), bulletin_id, staff=True)
        return _form_page(v, 422, creating=False, values=form_values(call), call=call, errors=[FieldError(
            "/confirm_close", "confirm", "Tick the box to confirm that the call closes now.",
            "Cochez la case pour confirmer que l'appel prend fin maintenant.")])
    bulletins.close_early(deps(), actor, bulletin_id, {"version": _version(data)})
    return v.redirect(_call_url(v, bulletin_id, done="closed"))


def copy_post(v: ConsoleVisit, bulletin_id: str) -> Response:  # who: admin; a new draft from this call, new dates
    actor = signed_in(v, *MANAGERS)
    data = v.form()
    body = {"bulletin_id": _field(data, "copy_bulletin_id").strip(),
            "opens_at": from_local_input(_field(data, "copy_opens_at")),
            "closes_at": from_local_input(_field(data, "copy_closes_at"))}
    try:
        made = bulletins.copy_bulletin(deps(), actor, bulletin_id, body)
    except ValidationFailed as err:
        call = bulletins.get_bulletin(deps(), bulletin_id, staff=True)
        errors = [FieldError("/copy_" + e.pointer.strip("/"), e.code, e.message_en, e.message_fr) for e in err.errors]
        return _form_page(v, 422, creating=False, values=form_values(call), call=call, errors=errors)
    return v.redirect(_call_url(v, made["bulletin_id"], done="copied"))


class _PreviewVisit(Visit):
    """The applicant side's page shell for a preview: its links go to the public site; its language toggle to
    the preview in the other language."""

    preview_of: str = ""

    def same_page_in(self, lang: str) -> str:
        return f"{self.root}/console/{lang}/calls/{quote(self.preview_of, safe='')}/preview"


def preview_page(v: ConsoleVisit, bulletin_id: str) -> Response:  # who: irss, admin; the public page of the call
    signed_in(v, *READERS)
    call = bulletins.get_bulletin(deps(), bulletin_id, staff=True)
    pv = _PreviewVisit(request=v.request, lang=v.lang, settings=v.settings, cookies={})
    pv.preview_of = bulletin_id
    body = web_render("call_start.html", v.lang, v=pv, csrf_field=pv.csrf_field, problems=[],
                      title=pick(call["title"], v.lang) or t("call_untitled", v.lang), call=call,
                      mission_name=pick(call.get("mission_name") or {}, v.lang), deadline=call["deadline"][v.lang],
                      contact=call.get("contact"), program=web_present.PROGRAM_CONTACT,
                      **web_present.call_asks(bulletins.call_of(deps(), bulletin_id, staff=True),
                                              catalogue.get_mission(deps(), call["mission_id"]), v.lang),
                      tasks=[p.title(v.lang) for p in _draft_pages()],
                      start_url=pv.url(f"/calls/{quote(bulletin_id, safe='')}/apply"))
    return v.finish(Response(body=body, status_code=200, headers={"Content-Type": "text/html; charset=utf-8"}))


def _draft_pages() -> list[Any]:
    from ..domain import drafts

    return list(drafts.pages())
