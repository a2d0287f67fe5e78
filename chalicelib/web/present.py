"""What the pages say about a mission or a file, in plain words per language.

The services answer with data (codes, booleans, numbers); these helpers turn
it into the sentences a person reads, so templates stay simple.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..domain.access import APPLICANT
from ..domain.eligibility import MIN_YEARS
from ..domain.i18n import pick
from ..domain.workflow import load_workflow
from ..domain.missions import kinds
from ..domain import program, requirements
from ..domain.bulletins import Bulletin
from ..domain.documents import kinds as document_kinds
from . import fields
from .render import day, when
from .text import catalogue, t


# The program's own contact (the International Peace Operations Branch's published address and number).
PROGRAM_CONTACT = program.CONTACT
PRIVACY_COMMISSIONER = {"en": "https://www.priv.gc.ca/en/", "fr": "https://www.priv.gc.ca/fr/"}


def language_name(code: str | None, lang: str) -> str:
    return t(f"language_{code}", lang) if code in ("en", "fr") else t("not_stated", lang)


def armed_text(armed: bool | None, lang: str) -> str:
    return t("not_stated", lang) if armed is None else t("armed" if armed else "unarmed", lang)


def seats_text(mission: dict[str, Any], lang: str) -> str:
    """The deployments as the program's pages word them: "Authorized deployments: 20; currently deployed: 20"
    (and the cap's name when missions share it)."""
    cap = mission.get("cap") or {}
    if cap.get("authorized") is None:
        return t("seats_no_figure", lang)
    counts = t("seats_counts", lang, authorized=cap["authorized"], deployed=cap.get("deployed", 0))
    if len(cap.get("shared_with") or []) > 1 and cap.get("name"):
        return t("seats_shared", lang, counts=counts, name=pick(cap["name"], lang))
    return counts


def months_text(months: int | None, lang: str) -> str:
    if months is None:
        return t("not_stated", lang)
    return t("month" if months == 1 else "months", lang, n=months)


def path_state(state: str, lang: str) -> str:
    """How far a file is at one stage of its own path, in words."""
    return t(f"path_{state}", lang)


_NEEDS = {"police_qualifications": "needs_police_qualifications", "four_by_four": "needs_4x4",
          "interview": "needs_interview", "un_modules": "needs_un_modules",
          "civilian_analysts": "needs_civilians_welcome"}


def asks_for(m: Mapping[str, Any], lang: str, call: Bulletin | None = None) -> list[str]:
    """What the mission (and the call applied to, when there is one) asks of an applicant, beyond the general
    criteria: domain/requirements.py, the one rule from the pathway and the call."""
    mission = requirements.mission_of(m)
    needs = []
    for r in requirements.requirements(mission, load_workflow().pathway_of(mission), call):
        if r.code == "language_of_operation":
            needs.append(t("needs_language", lang, language=language_name(r.value, lang)))
        elif r.code == "fitness":
            needs.append(t(f"needs_fitness_{r.value}", lang))
        elif r.code == "four_by_four" and r.value is None:
            needs.append(t("needs_4x4_see_call", lang))
        elif r.code == "years":
            needs.append(t("needs_years", lang, years=MIN_YEARS))
        else:
            needs.append(t(_NEEDS[r.code], lang))
    return needs


def call_asks(call: Bulletin, m: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A call's start page's lists: what it asks (``needs``) and the documents to send (``documents``)."""
    return {"needs": asks_for(m, lang, call), "documents": call_documents(call, m, lang)}


def call_documents(call: Bulletin, m: Mapping[str, Any], lang: str) -> list[str]:
    """The documents a call asks for, as its start page lists them: those of stages its mission's files reach."""
    mission, wf = requirements.mission_of(m), load_workflow()
    known = document_kinds()
    asked = requirements.documents(wf.pathway_of(mission), mission, wf.stages, call.criteria.required_documents)
    return [pick(known[code].label, lang) for code in asked if code in known]


def facts(m: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The summary list shown for each mission (term, detail)."""
    return [
        (t("fact_language", lang), language_name(m.get("language_of_operation"), lang)),
        (t("fact_armed", lang), armed_text(m.get("armed"), lang)),
        (t("fact_deployments", lang), seats_text(m, lang)),
        (t("fact_length", lang), months_text(m.get("deployment_months"), lang)),
        (t("fact_accepting", lang), t("yes" if m.get("taking_applications") else "no", lang)),
        (t("fact_call", lang), call_text(m, lang)),
    ]


def status_text(m: dict[str, Any], lang: str) -> str:
    """Open or closed, as the mission's tag says it."""
    return t("status_open" if m.get("taking_applications") else "status_closed", lang)


# The missions page's filter: GET parameters and the values each may take (anything else is ignored).
FILTER_LANGUAGES = ("en", "fr")


def mission_filter(query: dict[str, str]) -> dict[str, str]:
    """The filter a visitor chose (kind, language, open), its unknown values dropped."""
    chosen = {"kind": query.get("kind", ""), "language": query.get("language", ""), "open": query.get("open", "")}
    if chosen["kind"] not in kinds():
        chosen["kind"] = ""
    if chosen["language"] not in FILTER_LANGUAGES:
        chosen["language"] = ""
    if chosen["open"] != "yes":
        chosen["open"] = ""
    return chosen


def filtered(missions: Iterable[dict[str, Any]], chosen: dict[str, str]) -> list[dict[str, Any]]:
    return [m for m in missions
            if (not chosen["kind"] or m.get("kind") == chosen["kind"])
            and (not chosen["language"] or m.get("language_of_operation") == chosen["language"])
            and (not chosen["open"] or m.get("taking_applications"))]


def call_text(m: dict[str, Any], lang: str) -> str:
    """The mission's call: open until its deadline, or none (and when the last one closed)."""
    call = m.get("open_bulletin")
    if call:
        return t("call_closes", lang, deadline=pick(call["deadline"], lang))
    if m.get("last_closed_at"):
        return t("last_call_closed", lang, date=day(str(m["last_closed_at"]), lang))
    return t("no_open_call", lang)


def by_kind(missions: Iterable[dict[str, Any]], lang: str) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Missions grouped under a heading per kind, in the catalogue's order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in missions:
        groups.setdefault(m["kind"], []).append(m)
    return [(kind, t(f"kind_{kind}", lang), groups[kind]) for kind in kinds() if kind in groups]


def email_label(template: str, lang: str) -> str:
    """What an email in the file's list was about."""
    if template == "access_link" or f"email_{template}" in catalogue():
        return t(f"email_{template}", lang)
    stage = next((s for s in load_workflow().stages.values() if s.email_template == template), None)
    return pick(stage.label, lang) if stage else template


EMAIL_STATUSES = ("sent", "pending", "failed", "suppressed")
DELIVERY_STATUSES = ("delivered", "bounced", "complained")  # what SES said after it accepted the email


def email_status(status: str, lang: str, delivery: str | None = None) -> str:
    if status == "sent" and delivery in DELIVERY_STATUSES:
        return t(f"email_status_{delivery}", lang)
    return t(f"email_status_{status}", lang) if status in EMAIL_STATUSES else status


def withdrawal_reasons(lang: str, stage: str) -> list[tuple[str, str]]:
    """(code, label) of each reason an applicant may give at this stage.

    The codes, and who may give which from which stage, come from the workflow table
    (the domain checks the same rule on every withdrawal); the words are the applicant's
    own (the table's labels are written for coordinators).
    """
    rule = load_workflow().reason_rule("withdrawn")
    reasons = []
    for code in rule.codes_for(APPLICANT, stage) if rule else []:
        key = f"withdraw_reason_{code.code}"
        reasons.append((code.code, t(key, lang) if key in catalogue() else pick(code.label, lang)))
    return reasons


def finding_result(result: str, lang: str) -> str:
    return t(f"finding_{result}", lang) if result in ("met", "not_met", "unknown") else result


def done_notice(done: str, lang: str) -> str:
    """The confirmation shown after a change (``?done=`` on the status page)."""
    return t(f"done_{done.replace('-', '_')}", lang) if done in ("family-readiness", "withdrawn", "ended-early") else ""


def file_details(s: dict[str, Any], missions: list[dict[str, Any]], lang: str) -> list[tuple[str, str]]:
    names = {m["mission_id"]: pick(m["name"], lang) for m in missions}
    applied = [names.get(mid, mid) for mid in s.get("missions_applied", [])]
    return [
        (t("detail_mission", lang), pick(s["mission"]["name"], lang)),
        (t("detail_missions_applied", lang), "; ".join(applied)),
        (t("detail_submitted", lang), when(s.get("submitted_at"), lang)),
        (t("detail_updated", lang), when(s.get("updated_at"), lang)),
        (t("detail_language", lang), language_name(s.get("language"), lang)),
    ]


def emails(sent: list[dict[str, Any]], lang: str) -> list[dict[str, str]]:
    return [{"label": email_label(e["template"], lang),
             "status": email_status(e["status"], lang, e.get("delivery_status")),
             "sent_at": e.get("sent_at") or "", "created_at": e.get("created_at") or ""} for e in sent]


def findings(s: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The pre-screen of the file's mission: each criterion, its result and why."""
    primary = s["mission"]["mission_id"]
    rows = []
    for f in s.get("eligibility") or []:
        if f.get("mission_id") != primary:
            continue
        reason = f.get("reason_fr") if lang == "fr" else f.get("reason_en")
        key = f"criterion_{f['criterion']}"
        term = t(key, lang) if key in catalogue() else f["criterion"]
        if f.get("source") in ("bulletin", "mission"):  # a file stored before findings named their source: general
            term = f"{term} ({t('finding_source_' + f['source'], lang)})"
        rows.append((term, f"{finding_result(f['result'], lang)} – {reason}"))
    return rows


def day_text(value: str | None, lang: str) -> str:
    """A calendar day (YYYY-MM-DD) as people write it, or that it is not recorded yet."""
    return day(value, lang) if value else t("deployment_not_recorded", lang)


def deployment_details(s: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The deployment's start and planned end (and the return, once back)."""
    d = s.get("deployment")
    if not d:
        return []
    rows = [(t("deployment_started", lang), day_text(d.get("started_on"), lang)),
            (t("deployment_planned_end", lang), day_text(d.get("planned_end"), lang))]
    if d.get("ended_on"):
        rows.append((t("deployment_returned", lang), day_text(d["ended_on"], lang)))
    return rows


def guides(s: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """Each guide asked for, on its way or sent."""
    return [(pick(g["name"], lang), t("guide_sent", lang, date=day(g.get("sent_at"), lang))
             if g["state"] == "sent" else t("guide_on_its_way", lang)) for g in s.get("guides") or []]


def follow_up(s: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """After the return: health's follow-up to come or done, then each guide."""
    f = s.get("follow_up")
    if not f:
        return []
    health = t("follow_up_done" if f["post_mission_follow_up"] == "done" else "follow_up_to_come", lang)
    return [(t("follow_up_health", lang), health), *guides(s, lang)]


def form_rows(form_name: str, document: Mapping[str, Any], lang: str,
              missions: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """A stored form as (label, answer) rows in the schema's order, the labels and options in ``lang``."""
    rows = []
    for section in fields.build(form_name, lang):
        for f in section.fields:
            if f.name not in document:
                continue
            rows.append((f.label, answer(f, document[f.name], lang, missions or {})))
    return rows


def answer(f: fields.Field, value: Any, lang: str, missions: Mapping[str, str]) -> str:
    options = {o.value: o.label for o in f.options}
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, list):
        return "; ".join(missions.get(str(v)) or options.get(str(v)) or str(v) for v in value)
    if f.widget == "date" and isinstance(value, str):
        return day(value, lang)  # as people write it: "February 8, 2029", « 8 février 2029 »
    return options.get(str(value)) or missions.get(str(value)) or str(value)
