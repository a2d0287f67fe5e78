"""The application as a task list: a start page per call, short pages saved as a draft, check your answers,
sent once (services/drafts.py). routes.py registers these under /en and /fr and imports this module on the
first such request; errors come back as pages through views._serve, like every applicant page.

Who may open what: the start page and the first page are public; every other draft page needs the draft's
token, which only the emailed link gives (then a cookie for that draft, in the browser that opened the link):
sending the first page, or a new address on it, answers "check your email" and sets no cookie, so whoever
typed an address never reads or sends what its owner writes. A draft already sent sends its visitor to the
file's confirmation ("you have already sent this application"), never to a second file.
"""
from __future__ import annotations

import re
import secrets
from typing import Any, Mapping
from urllib.parse import quote

from chalice import Response

from ..api.wiring import deps
from ..domain import drafts as rules
from ..domain.drafts import Draft
from ..domain.forms import top_field
from ..domain.errors import FieldError, NotFound, ValidationFailed
from ..domain.i18n import pick
from ..services import bulletins, catalogue, drafts
from . import access, fields, present
from .fields import FormView, Section
from .form_pages import PageForm, form_page
from .pages import Visit
from ..domain.bulletins import in_program_time
from .render import day
from .text import t
from .views import _Answer, _serve

DRAFT_KEY = "draft_key"
_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def serve(name: str, params: dict[str, Any]) -> Response:
    view = globals()[name]
    return _serve(view, params)


# --- the start page of a call ---------------------------------------------------------

def _open_call(v: Visit, bulletin_id: str) -> dict[str, Any]:
    call = bulletins.get_bulletin(deps(), bulletin_id)
    if call["status"] != "open":
        raise _Answer(v.page("error.html", 404, title=t("call_closed_title", v.lang),
                             detail=t("call_closed_text", v.lang), back_url=v.url("/missions"),
                             back_label=t("crumb_home", v.lang)))
    return call


def call_page(v: Visit, bulletin_id: str) -> Response:  # who: public
    call = _open_call(v, bulletin_id)
    return v.page("call_start.html", title=pick(call["title"], v.lang), call=call,
                  mission_name=pick(call.get("mission_name") or {}, v.lang), deadline=call["deadline"][v.lang],
                  contact=call.get("contact"), program=present.PROGRAM_CONTACT,
                  **present.call_asks(bulletins.call_of(deps(), bulletin_id),
                                      catalogue.get_mission(deps(), call["mission_id"]), v.lang),
                  tasks=[p.title(v.lang) for p in rules.pages()], start_url=v.url(f"/calls/{quote(bulletin_id)}/apply"))


def apply_page(v: Visit) -> Response:  # who: public; the one-page form's old address: choose a call
    open_calls = bulletins.list_open(deps())
    wanted = v.query("mission")
    for call in open_calls:
        if call["mission_id"] == wanted:
            return v.redirect(v.url(f"/calls/{quote(call['bulletin_id'])}"))
    return v.page("calls.html", title=t("calls_title", v.lang), calls=open_calls)


# --- one page of the application ---------------------------------------------------------

def _missions() -> list[dict[str, Any]]:
    return catalogue.list_missions(deps())


def _section(v: Visit, page_id: str, answers: Mapping[str, Any]) -> Section:
    p = rules.page(page_id)
    if p is None:
        raise NotFound("No such page.", "Page introuvable.")
    shown = set(rules.shown_fields(p, answers))
    whole = next(s for s in fields.build(rules.FORM, v.lang, _missions() if page_id == "missions" else ())
                 if s.id == page_id)
    return Section(whole.id, "", tuple(f for f in whole.fields if f.name in shown))


def _page_form(v: Visit, page_id: str, action: str, answers: Mapping[str, Any], back_url: str,
               data: Mapping[str, list[str]] | None = None, errors: list[FieldError] | tuple[()] = (),
               hidden: list[tuple[str, str]] | None = None, crumb: str = "crumb_application") -> PageForm:
    p = rules.page(page_id)
    assert p is not None
    section = _section(v, page_id, answers)
    values = data if data is not None else fields.to_values(rules.FORM, answers)
    view = FormView([section], values, fields.problems(rules.FORM, errors, [section], v.lang, values=values))
    return PageForm(title=p.title(v.lang), intro=t(f"task_intro_{page_id.replace('-', '_')}", v.lang), action=action,
                    submit_label=t("save_and_continue", v.lang), view=view, cancel_url="",
                    crumbs=[(back_url, t(crumb, v.lang))], hidden=hidden or [])


def _page_answers(page_id: str, data: Mapping[str, list[str]], section: Section) -> dict[str, Any]:
    """The post as the page's answers: only the fields the page showed."""
    document = fields.to_document(rules.FORM, data)
    shown = {f.name for f in section.fields}
    return {k: v for k, v in document.items() if k in shown}


def first_page(v: Visit, bulletin_id: str) -> Response:  # who: public (nothing is stored before it is sent)
    _open_call(v, bulletin_id)
    key = secrets.token_urlsafe(24)
    form = _page_form(v, drafts.FIRST_PAGE, v.url(f"/calls/{quote(bulletin_id)}/apply"), {},
                      v.url(f"/calls/{quote(bulletin_id)}"), hidden=[(DRAFT_KEY, key)], crumb="crumb_call")
    return form_page(v, form)


def first_post(v: Visit, bulletin_id: str) -> Response:  # who: public (makes a draft and emails its link)
    data = v.form()
    _open_call(v, bulletin_id)
    key = (data.get(DRAFT_KEY) or [""])[0]
    if not _KEY.match(key):
        key = secrets.token_urlsafe(24)
    section = _section(v, drafts.FIRST_PAGE, {})
    try:
        draft, made = drafts.start(deps(), bulletin_id, key, v.lang, _page_answers(drafts.FIRST_PAGE, data, section))
    except ValidationFailed as err:
        form = _page_form(v, drafts.FIRST_PAGE, v.url(f"/calls/{quote(bulletin_id)}/apply"), {},
                          v.url(f"/calls/{quote(bulletin_id)}"), data=data, errors=err.errors,
                          hidden=[(DRAFT_KEY, key)], crumb="crumb_call")
        return form_page(v, form, 422)
    # No cookie: the draft opens only from the emailed link. Posted again with its form's key (a double click,
    # Back, or someone who kept the form), the page names no address: nothing of the draft is told or given.
    return _link_sent(v, draft.bulletin_id, draft.email if made else "")


def _link_sent(v: Visit, bulletin_id: str, address: str, moved: bool = False) -> Response:
    """ "Check your email": the draft continues from the link sent to ``address`` (none named: "the address given
    on this page"); ``moved``: a new address took the draft from this browser."""
    return v.page("draft_link_sent.html", title=t("draft_sent_title", v.lang), address=address, moved=moved,
                  restart_url=v.url(f"/calls/{quote(bulletin_id)}/apply"))


# --- the draft (its token: the emailed link, then a cookie) --------------------------------------

def _draft_url(v: Visit, draft_id: str, rest: str = "", **query: str) -> str:
    return v.url(f"/drafts/{quote(draft_id)}{rest}", **query)


def _own_draft(v: Visit, draft_id: str) -> Draft:
    """The draft this browser's cookie opens; one already sent answers with its file's confirmation."""
    draft = drafts.open_draft(deps(), draft_id, access.draft_candidates(v.cookies, draft_id, v.secure))
    if draft is None:
        raise _Answer(v.page("no_draft.html", 403, title=t("no_draft_title", v.lang)))
    if draft.submitted:
        raise _Answer(_already_sent(v, draft))
    return draft


def _already_sent(v: Visit, draft: Draft) -> Response:
    return v.redirect(v.url(f"/status/{quote(str(draft.application_id))}/confirmation", already="yes"))


def task_list_page(v: Visit, draft_id: str) -> Response:  # who: the draft's token (link or cookie)
    token = v.query("token")
    if token:  # the emailed link: the token moves into a cookie, then the first unfinished page
        draft = drafts.open_draft(deps(), draft_id, [token] if access.looks_like_token(token) else [])
        if draft is None:
            return v.page("no_draft.html", 403, title=t("no_draft_title", v.lang))
        v.set_cookies += access.grant_draft(v.root, draft_id, token, v.secure)
        nxt = rules.first_unfinished(draft, draft.answers)
        target = _draft_url(v, draft_id, f"/pages/{nxt.id}") if nxt else _draft_url(v, draft_id, "/check")
        return v.page("opening.html", title=t("resuming_title", v.lang), next_url=target,
                      continue_key="continue_to_application")
    draft = _own_draft(v, draft_id)
    tasks = [(p, state, _draft_url(v, draft_id, f"/pages/{p.id}")) for p, state in rules.task_states(draft, draft.answers)]
    ready = all(state == "completed" for _, state, _ in tasks)
    saved = rules.page(v.query("saved"))
    return v.page("task_list.html", title=t("task_list_title", v.lang), draft=draft, tasks=tasks, ready=ready,
                  mission_name=_mission_name(draft.mission_id, v.lang), check_url=_draft_url(v, draft_id, "/check"),
                  about_url=_draft_url(v, draft_id, "/pages/about-you"), kept_until=_kept_until(draft, v.lang),
                  saved=saved.title(v.lang) if saved else "", done=len([1 for _, s, _ in tasks if s == "completed"]))


def _kept_until(draft: Draft, lang: str) -> str:
    """The day the draft goes, in Ottawa's time (a save late in an Ottawa evening is the next day in UTC)."""
    from datetime import datetime, timezone

    return day(in_program_time(datetime.fromtimestamp(draft.expires_at, timezone.utc)).date().isoformat(), lang)


def _mission_name(mission_id: str, lang: str) -> str:
    try:
        return pick(catalogue.get_mission(deps(), mission_id)["name"], lang)
    except NotFound:
        return mission_id


def draft_page(v: Visit, draft_id: str, page_id: str) -> Response:  # who: the draft's token (cookie)
    draft = _own_draft(v, draft_id)
    if rules.page(page_id) is None or not rules.may_open(draft, draft.answers, page_id):
        return v.redirect(_draft_url(v, draft_id))
    return form_page(v, _page_form(v, page_id, _draft_url(v, draft_id, f"/pages/{page_id}", **_from(v)),
                                   draft.answers, _draft_url(v, draft_id)))


def _from(v: Visit) -> dict[str, str]:
    return {"from": "check"} if v.query("from") == "check" else {}


def draft_page_post(v: Visit, draft_id: str, page_id: str) -> Response:  # who: the draft's token (cookie)
    data = v.form()
    draft = _own_draft(v, draft_id)
    if rules.page(page_id) is None or not rules.may_open(draft, draft.answers, page_id):
        return v.redirect(_draft_url(v, draft_id))
    section = _section(v, page_id, draft.answers)
    try:
        saved = drafts.save_page(deps(), draft, page_id, _page_answers(page_id, data, section), v.lang)
    except ValidationFailed as err:
        form = _page_form(v, page_id, _draft_url(v, draft_id, f"/pages/{page_id}", **_from(v)), draft.answers,
                          _draft_url(v, draft_id), data=data, errors=err.errors)
        return form_page(v, form, 422)
    if saved.link_number != draft.link_number:  # a new address: the draft continues from the link sent there
        v.set_cookies += access.forget_draft(v.root, draft_id, v.secure)
        return _link_sent(v, saved.bulletin_id, saved.email, moved=True)
    draft = saved
    nxt = rules.next_page(draft, draft.answers, page_id)
    if v.query("from") == "check" or nxt is None:
        return v.redirect(_draft_url(v, draft_id, "/check"))
    return v.redirect(_draft_url(v, draft_id, saved=page_id))


# --- check your answers, then send ---------------------------------------------------------

def _answer_groups(v: Visit, draft: Draft, names: Mapping[str, str]) -> list[dict[str, Any]]:
    document = drafts.document(draft)
    groups = []
    for p in rules.route(draft.answers):
        section = _section(v, p.id, draft.answers)
        rows = [(f.label, present.answer(f, document[f.name], v.lang, names) if f.name in document
                 else t("not_answered", v.lang)) for f in section.fields]
        groups.append({"page": p, "title": p.title(v.lang), "rows": rows,
                       "change_url": _draft_url(v, draft.draft_id, f"/pages/{p.id}", **{"from": "check"})})
    return groups


def _problems(v: Visit, draft: Draft, errors: list[FieldError]) -> list[dict[str, str]]:
    """The errors that stop sending, each linked to the page that asks the question."""
    where = {name: p for p in rules.route(draft.answers) for name in rules.shown_fields(p, draft.answers)}
    out = []
    for e in errors:
        p = where.get(top_field(e.pointer))
        out.append({"text": e.message_fr if v.lang == "fr" else e.message_en,
                    "href": _draft_url(v, draft.draft_id, f"/pages/{p.id}", **{"from": "check"}) if p else
                    _draft_url(v, draft.draft_id)})
    return out


def _flags(v: Visit, findings: list[dict[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """The pre-screen per choice: only what is not met or unknown (flags for IRSS, not refusals)."""
    by_mission: dict[str, list[tuple[str, str]]] = {}
    for f in findings:
        if f["result"] == "met":
            continue
        rows = present.findings({"mission": {"mission_id": f["mission_id"]}, "eligibility": [f]}, v.lang)
        by_mission.setdefault(f["mission_id"], []).extend(rows)
    return [{"mission": names.get(mid, mid), "rows": rows} for mid, rows in by_mission.items()]


def check_page(v: Visit, draft_id: str) -> Response:  # who: the draft's token (cookie)
    draft = _own_draft(v, draft_id)
    if rules.first_unfinished(draft, draft.answers) is not None:
        return v.redirect(_draft_url(v, draft_id))
    errors, findings = drafts.check(deps(), draft)
    names = {m["mission_id"]: pick(m["name"], v.lang) for m in _missions()}  # read once for the page
    blockers = _problems(v, draft, errors)
    # problems: the page's title starts with "Error: " while something stops sending, as a form's does
    return v.page("check_answers.html", title=t("check_title", v.lang), groups=_answer_groups(v, draft, names),
                  blockers=blockers, problems=blockers, flags=_flags(v, findings, names),
                  action=_draft_url(v, draft_id, "/check"), email=draft.email)


def check_post(v: Visit, draft_id: str) -> Response:  # who: the draft's token (cookie); sends it, once
    v.form()
    draft = _own_draft(v, draft_id)
    try:
        already, body = drafts.submit(deps(), draft)
    except ValidationFailed:
        return v.redirect(_draft_url(v, draft_id, "/check"))
    if body.get("access_token"):
        v.set_cookies += access.grant(v.root, body["application_id"], body["access_token"], v.secure)
    return v.redirect(v.url(f"/status/{quote(body['application_id'])}/confirmation",
                            **({"already": "yes"} if already else {})))
