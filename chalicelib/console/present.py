"""What the console's pages say about files, in each language: the services answer with data (codes,
booleans, stage names); these helpers turn it into the words a person reads, so templates stay simple."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..domain import medical_view
from ..domain.access import MEDICAL_END
from ..domain.i18n import pick
from ..domain.workflow import Actor, load_workflow
from ..web.present import answer, email_label, form_rows  # noqa: F401 - the console's file page shows forms
from .render import catalogue, t, when

FORWARD_KINDS = ("submitted", "stage_change")


class _Keys:
    def __contains__(self, key: object) -> bool:
        return key in catalogue()


catalogue_keys = _Keys()  # templates ask whether a text exists ("done_<what>")


def stage_label(stage: str | None, lang: str) -> str:
    if not stage:
        return ""
    try:
        return pick(load_workflow().stage(stage).label, lang)
    except KeyError:
        return stage


def mission_names(missions: Iterable[Any], lang: str) -> dict[str, str]:
    return {m.mission_id: pick(m.name, lang) for m in missions}


def need_text(need: Mapping[str, Any], lang: str) -> str:
    guard = need["guard"]
    if guard == "medically_fit" and need.get("detail"):
        return t("need_medically_fit_outcome", lang, outcome=t(f"outcome_{need['detail']}", lang))
    key = f"need_{guard}"
    if key not in catalogue():
        return t("need_other", lang, guard=guard)
    return t(key, lang, done=need.get("done", 0), total=need.get("total", 0)) if need.get("total") else t(key, lang)


def flag_text(flag: str, lang: str) -> str:
    return t(f"flag_{flag}", lang)


def reason_label(to_stage: str | None, code: str | None, lang: str) -> str:
    if not code or not to_stage:
        return ""
    return medical_view.reason_label(to_stage, code, lang)


def reasons_for(actor: Actor, to_stage: str, from_stage: str) -> list[tuple[str, Mapping[str, str]]]:
    rule = load_workflow().reason_rule(to_stage)
    return [(c.code, c.label) for c in rule.codes_for(actor.role, from_stage)] if rule else []


def needs_confirmation(to_stage: str) -> bool:
    """A closing move, or one that takes a reason, goes through its confirmation page."""
    wf = load_workflow()
    return wf.is_terminal(to_stage) or wf.reason_rule(to_stage) is not None


def timeline(audit: Iterable[Mapping[str, Any]], lang: str) -> list[dict[str, str]]:
    """The file's audit trail, each row in words: when, what, by which role, the reason and the note."""
    rows = []
    for r in audit:
        kind = r["kind"]
        if kind in FORWARD_KINDS and r.get("to_stage"):
            what = t("event_moved", lang, stage=stage_label(r["to_stage"], lang)) if kind == "stage_change" else \
                t("event_submitted", lang)
        else:
            key = f"event_{kind}"
            what = t(key, lang) if key in catalogue() else kind
        details = r.get("details") or {}
        if kind == "medical_outcome" and details.get("outcome"):
            what += " " + t(f"outcome_{details['outcome']}", lang)
        if kind == "module_result" and details.get("module"):
            what += (f" {details['module']}\u00a0: {details.get('score')}\u00a0%" if lang == "fr"
                     else f" {details['module']}: {details.get('score')}%")
        rows.append({"at": when(r["at"], lang), "what": what, "who": t(f"who_{r['actor_role']}", lang)
                     if f"who_{r['actor_role']}" in catalogue() else r["actor_role"],
                     "reason": reason_label(r.get("to_stage"), r.get("reason_code"), lang), "note": r.get("note") or "",
                     "kind": kind})
    return rows


def emails(rows: Iterable[Mapping[str, Any]], lang: str) -> list[dict[str, str]]:
    out = []
    for e in rows:
        status = e.get("delivery_status") or e["status"]
        key = f"email_state_{status}"
        out.append({"what": email_label(e["template"], lang), "to": t(f"recipient_{e['recipient']}", lang)
                    if f"recipient_{e['recipient']}" in catalogue() else e["recipient"],
                    "status": t(key, lang) if key in catalogue() else status,
                    "created": when(e.get("created_at"), lang), "sent": when(e.get("sent_at"), lang)})
    return out


def shown_stages(actor: Actor) -> list[str]:
    """The stages this role may filter on (a medical end is no stage to roles without medical access)."""
    from ..domain.access import stages_seen_by

    return stages_seen_by(actor, [s for s in load_workflow().stages if s != MEDICAL_END or actor.role in (
        "irss", "health")])


def reads(rows: Iterable[Mapping[str, Any]] | None, lang: str) -> list[dict[str, str]] | None:
    """The file's read log in words (None: a role that does not see it, the section is left out)."""
    if rows is None:
        return None
    from ..services.documents import label_of

    out = []
    for r in rows:
        role = r.get("actor_role") or ""
        role_text = t(f"who_{role}", lang) if f"who_{role}" in catalogue() else role
        key = f"read_{r['kind']}"
        what = t(key, lang) if key in catalogue() else str(r["kind"])
        if r.get("document_kind"):
            what += f"\u00a0: {label_of(str(r['document_kind']), lang)}" if lang == "fr" else \
                f": {label_of(str(r['document_kind']), lang)}"
        channel = f"read_channel_{r.get('channel')}"
        where = [t(channel, lang) if channel in catalogue() else str(r.get("channel") or ""),
                 str(r.get("source_ip") or ""), str(r.get("user_agent") or "")]
        out.append({"at": when(r["at"], lang), "who": f"{r.get('username') or r.get('actor_id')} ({role_text})",
                    "what": what, "from": " · ".join(w for w in where if w)})
    return out
