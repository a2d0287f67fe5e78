"""The data files an administrator may edit, checked: their JSON Schemas and every cross-reference.

An edit that would break a page or an email is reported here, with the file and the key,
before it ships: tests/unit/test_data_files.py runs ``check_all()`` on the files on disk.
Each ``check_*`` function takes the parsed JSON, so a test can feed it a broken copy.

The schemas are in schemas/data/ (draft 2020-12); the missions file's items are validated by
the administrators' own schemas/mission.json, named by its ``$id`` (one definition).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from . import emails, figures
from .access import ROLES
from .bulletins import RCMP_RANKS
from .eligibility import QUALIFICATIONS
from .workflow import ANY, GUARDS, pathway_stage_names

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA_DIR = ROOT / "schemas"
WORKFLOW = "chalicelib/data/workflow.json"
EMAILS = "chalicelib/data/emails.json"
MISSIONS = "chalicelib/data/missions.json"
POLICE_SERVICES = "chalicelib/data/police_services.json"
RANKS = "chalicelib/data/ranks.json"
DOCUMENT_KINDS = "chalicelib/data/document_kinds.json"
RETENTION = "chalicelib/data/retention.json"
BULLETIN_SCHEMA = "schemas/bulletin.json"
PAGE_TEXT = "chalicelib/web/text.json"
APPLICATION_SCHEMA = "schemas/application.json"
MISSION_SCHEMA = "schemas/mission.json"
SCHEMAS = {WORKFLOW: "workflow.schema.json", EMAILS: "emails.schema.json", MISSIONS: "missions.schema.json",
           POLICE_SERVICES: "police-services.schema.json", PAGE_TEXT: "page-text.schema.json",
           RANKS: "ranks.schema.json", DOCUMENT_KINDS: "document-kinds.schema.json",
           RETENTION: "retention.schema.json"}
LANGS = ("en", "fr")

# The application form's police_service choices that are not services of police_services.json, on purpose:
# "other" is an officer of a partner service not in the list (named in police_service_name); it has no
# coordinator, and the file goes to IRSS. Keep this list when the form offers another such choice.
FORM_ONLY_SERVICES = ("other",)
# Reason codes the code names, by the stage they lead to (keep this list when code names another):
# services/applicant.py gives applicant_request to a withdrawal without a reason;
# services/applicant.py ends a deployed officer's mission early, at their request, with ended_early.
CODE_REASON_CODES = (("withdrawn", "applicant_request"), ("returned", "ended_early"))
# Where the pages look texts up by key: t("key") in the web code and its templates.
WEB_SOURCES = ("chalicelib/web/*.py", "chalicelib/web/templates/*.html")
_T_CALL = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""")
# Keys the pages build from a language (base.html: t("gc_" + lang)); kind_<kind> is checked with the missions.
LANGUAGE_KEYS = ("gc_{lang}", "toggle_{lang}")
# Items of these lists are named by their identifier in messages: missions[haiti-minustah].kind
_ID_KEYS = ("mission_id", "cap_id", "code")
_NUMBER_WORDS = {1: ("one", "un"), 2: ("two", "deux"), 3: ("three", "trois"), 4: ("four", "quatre"),
                 5: ("five", "cinq"), 6: ("six", "six"), 7: ("seven", "sept"), 8: ("eight", "huit"),
                 9: ("nine", "neuf"), 10: ("ten", "dix")}


def read(relative: str) -> Any:
    """A file of the checkout, parsed, read from disk each time (the checks must see the file as it is)."""
    return json.loads((ROOT / relative).read_text(encoding="utf-8"))


# ---- schemas ------------------------------------------------------------------------------------

def _registry() -> Registry[Any]:
    paths = [SCHEMA_DIR / "mission.json", *sorted((SCHEMA_DIR / "data").glob("*.schema.json"))]
    resources = []
    for path in paths:
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def _where(data: Any, path: Iterable[Any]) -> str:
    """A readable key for a place in ``data``: ``transitions[3].roles``, ``missions[haiti-minustah].kind``."""
    out, node = "", data
    for part in path:
        if isinstance(part, int):
            ident = next((node[part][k] for k in _ID_KEYS if isinstance(node[part], dict) and k in node[part]), None)
            out += f"[{ident if isinstance(ident, str) else part}]"
        else:
            out += ("." if out else "") + str(part)
        node = node[part]
    return out or "(the whole file)"


def schema_problems(file: str, data: Any) -> list[str]:
    """``data`` (the parsed ``file``) against its schema in schemas/data/."""
    schema = json.loads((SCHEMA_DIR / "data" / SCHEMAS[file]).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)  # a broken schema raises: it must never pass every file
    validator = Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{file}: {_where(data, e.absolute_path)}: {e.message}" for e in errors]


# ---- figures and placeholders -------------------------------------------------------------------

def _figure_patterns() -> dict[str, re.Pattern[str]]:
    """How each figure reads when someone types it instead of its placeholder."""
    values = figures.figures()
    def number(value: int) -> str:
        return "|".join([str(value), *_NUMBER_WORDS.get(value, ())])
    return {
        "pass_mark": re.compile(rf"\b{values['pass_mark']}[\s\u00a0\u202f]*%"),
        "active_links": re.compile(rf"\b({number(values['active_links'])})\b[^.;:]{{0,30}}\b(links?|liens?)\b", re.I),
        "min_years": re.compile(rf"\b({number(values['min_years'])})[\s\u00a0]+(years?|ans)\b", re.I),
        # The retention periods, next to the words the privacy notice uses for them.
        **{name: re.compile(rf"\b({number(values[name])})[\s\u00a0]+(years?|ans)\b[^.;]{{0,60}}"
                            rf"\b(after|après|close|ferm)", re.I)
           for name in values if name.startswith("retention_") and name.endswith("_years")},
        **{name: re.compile(rf"\b({number(values[name])})[\s\u00a0]+(days?|jours)\b", re.I)
           for name in ("retention_draft_days", "retention_guide_request_days")},
    }


def typed_figures(file: str, key: str, text: str) -> list[str]:
    """A figure typed as a number where its placeholder belongs."""
    return [f"{file}: {key}: {found.group(0)!r} types the figure {name} ({figures.figures()[name]}); "
            f"write {{{name}}} so it is filled from the value it describes"
            for name, pattern in _figure_patterns().items() for found in [pattern.search(text)] if found]


def _only_figures(file: str, key: str, text: str) -> list[str]:
    return [f"{file}: {key}: placeholder {{{p}}} is not a figure (known: {', '.join(figures.FIGURE_NAMES)})"
            for p in emails.placeholders(text) if p not in figures.FIGURE_NAMES]


def _languages_agree(file: str, key: str, text: Mapping[str, str]) -> list[str]:
    en, fr = (sorted(set(emails.placeholders(text.get(lang, "")))) for lang in LANGS)
    if en == fr:
        return []
    return [f"{file}: {key}: English and French name different placeholders "
            f"(en: {', '.join(en) or 'none'}; fr: {', '.join(fr) or 'none'})"]


# ---- workflow.json ------------------------------------------------------------------------------

def _names(where: str, values: Iterable[str], known: Iterable[str], what: str) -> list[str]:
    allowed = set(known)
    return [f"{WORKFLOW}: {where}: {what} {v!r} does not exist (known: {', '.join(sorted(allowed))})"
            for v in values if v not in allowed]


def _transitions(wf: Mapping[str, Any]) -> Iterable[tuple[str, int, Mapping[str, Any]]]:
    """Every move of every pathway: (pathway, index, move)."""
    for name, path in wf["pathways"].items():
        for i, t in enumerate(path["transitions"]):
            yield name, i, t


def _transition_problems(wf: Mapping[str, Any]) -> list[str]:
    stages = set(wf["stages"])
    out = []
    for path, i, t in _transitions(wf):
        where = f"pathways.{path}.transitions[{i}] ({t['from']} -> {t['to']})"
        out += _names(f"{where}.from", [t["from"]], stages | {ANY}, "stage")
        out += _names(f"{where}.to", [t["to"]], stages, "stage")
        out += _names(f"{where}.roles", t["roles"], ROLES, "role")
        out += _names(f"{where}.guards", t["guards"], GUARDS, "guard")
        if t["from"] in stages and wf["stages"][t["from"]]["terminal"]:
            out.append(f"{WORKFLOW}: {where}: {t['from']} is terminal, so no move may leave it")
        if "except" in t and t["from"] != ANY:
            out.append(f"{WORKFLOW}: {where}.except: only a move from '*' lists the stages it does not apply to")
        out += _names(f"{where}.except", t.get("except", ()), _open_stages(wf, wf["pathways"][path]),
                      "open stage of this pathway")
    return out


def _open_stages(wf: Mapping[str, Any], path: Mapping[str, Any]) -> set[str]:
    return {s for s in pathway_stage_names(path) if s in wf["stages"] and not wf["stages"][s]["terminal"]}


def _starts(wf: Mapping[str, Any], path: Mapping[str, Any], t: Mapping[str, Any]) -> set[str]:
    """The stages a move may start from: its own, or for '*' every open stage but those it excepts."""
    return _open_stages(wf, path) - set(t.get("except", ())) if t["from"] == ANY else {t["from"]}


def _movers(wf: Mapping[str, Any], to_stage: str) -> tuple[set[str], set[str]]:
    """The roles that may move a file to ``to_stage``, on any pathway, and the stages such a move starts from."""
    roles: set[str] = set()
    starts: set[str] = set()
    for path, _, t in _transitions(wf):
        if t["to"] == to_stage:
            roles |= set(t["roles"])
            starts |= _starts(wf, wf["pathways"][path], t)
    return roles, starts


def _reason_code_problems(wf: Mapping[str, Any], stage: str, code: str, rule: Mapping[str, Any]) -> list[str]:
    where = f"reasons.{stage}.codes.{code}"
    movers, starts = _movers(wf, stage)
    out = _names(f"{where}.roles", rule.get("roles", ()), ROLES, "role")
    out += _names(f"{where}.from_stages", rule.get("from_stages", ()), wf["stages"], "stage")
    out += [f"{WORKFLOW}: {where}.roles: {r!r} makes no move to {stage}, so could never give this reason"
            for r in rule.get("roles", ()) if r in ROLES and r not in movers]
    out += [f"{WORKFLOW}: {where}.from_stages: no move leads from {s} to {stage}"
            for s in rule.get("from_stages", ()) if s in wf["stages"] and s not in starts]
    return out


def _reason_problems(wf: Mapping[str, Any]) -> list[str]:
    out = _names("reasons", wf["reasons"], wf["stages"], "stage")
    for stage, rule in wf["reasons"].items():
        for code, definition in rule["codes"].items():
            out += _reason_code_problems(wf, stage, code, definition)
    for stage, code in CODE_REASON_CODES:
        if code not in wf["reasons"].get(stage, {}).get("codes", {}):
            out.append(f"{WORKFLOW}: reasons.{stage}.codes: the code names reason {code!r}, which is missing "
                       "(see chalicelib.domain.datafiles.CODE_REASON_CODES)")
    return out


def _text_problems(key: str, text: Mapping[str, str]) -> list[str]:
    out = []
    for lang in LANGS:
        out += _only_figures(WORKFLOW, f"{key}.{lang}", text[lang]) + typed_figures(WORKFLOW, f"{key}.{lang}", text[lang])
    return out


def _one_stage_with(wf: Mapping[str, Any], flag: str) -> list[str]:
    found = [s for s, d in wf["stages"].items() if d.get(flag)]
    if len(found) == 1:
        return []
    return [f"{WORKFLOW}: stages: exactly one stage must have {flag} (found: {', '.join(found) or 'none'})"]


def _stage_problems(wf: Mapping[str, Any]) -> list[str]:
    out = _names("initial", [wf["initial"]], wf["stages"], "stage")
    out += _names("notify_coordinator_on", wf["notify_coordinator_on"], wf["stages"], "stage")
    out += _one_stage_with(wf, "records_medical_outcome") + _one_stage_with(wf, "records_forms_returned")
    for name, stage in wf["stages"].items():
        out += _text_problems(f"stages.{name}.next_step", stage["next_step"])
        out += _names(f"stages.{name}.when", [stage["when"]] if "when" in stage else [], GUARDS, "guard")
        out += _names(f"stages.{name}.email_template_by_role", stage.get("email_template_by_role", {}), ROLES, "role")
    return out


def _kind_problems(wf: Mapping[str, Any], mission_schema: Mapping[str, Any]) -> list[str]:
    kinds = mission_schema["properties"]["kind"]["enum"]
    out = [f"{WORKFLOW}: kinds: mission kind {k!r} ({MISSION_SCHEMA}) has no pathway" for k in kinds if k not in wf["kinds"]]
    out += [f"{WORKFLOW}: kinds.{k}: not a mission kind of {MISSION_SCHEMA}" for k in wf["kinds"] if k not in kinds]
    out += _names("kinds", wf["kinds"].values(), wf["pathways"], "pathway")
    return out


def _reachable(path: Mapping[str, Any], stages: Mapping[str, Any]) -> set[str]:
    """The stages a file of this pathway can reach from its initial stage."""
    seen, todo = {path["initial"]}, [path["initial"]]
    while todo:
        here = todo.pop()
        open_here = here in stages and not stages[here]["terminal"]
        for t in path["transitions"]:
            from_any = t["from"] == ANY and open_here and here not in t.get("except", ())
            if (t["from"] == here or from_any) and t["to"] not in seen:
                seen.add(t["to"])
                todo.append(t["to"])
    return seen


def _pathway_problems(wf: Mapping[str, Any], name: str, path: Mapping[str, Any]) -> list[str]:
    where, stages = f"pathways.{name}", wf["stages"]
    own = pathway_stage_names(path)
    out = _names(f"{where}.initial", [path["initial"]], stages, "stage")
    if path["initial"] != wf["initial"]:
        out.append(f"{WORKFLOW}: {where}.initial: {path['initial']!r} is not {wf['initial']!r}, the stage a "
                   "submission is written at")
    out += _names(f"{where}.main", path["main"], stages, "stage")
    out += _names(f"{where}.next_steps", path.get("next_steps", {}), own, "stage of this pathway")
    for stage, text in path.get("next_steps", {}).items():
        out += _text_problems(f"{where}.next_steps.{stage}", text)
    renamed = path.get("renamed_stages", {})
    out += _names(f"{where}.renamed_stages", renamed.values(), own, "stage of this pathway")
    out += [f"{WORKFLOW}: {where}.renamed_stages.{old}: {old} is a stage of this pathway, so is never renamed"
            for old in renamed if old in own]
    reached = _reachable(path, stages)
    out += [f"{WORKFLOW}: {where}: stage {s!r} cannot be reached from {path['initial']!r}"
            for s in sorted(own - reached) if s in stages]
    return out


def _roster_problems(wf: Mapping[str, Any]) -> list[str]:
    """The ready stages are open stages of a pathway that deploys, before the stage that takes the seat."""
    deploying = [p for p in wf["pathways"].values()
                 if any(wf["stages"][s].get("occupies_seat") for s in pathway_stage_names(p) if s in wf["stages"])]
    allowed = {s for p in deploying for s in _open_stages(wf, p) if not wf["stages"][s].get("occupies_seat")}
    return _names("roster.ready_stages", wf["roster"]["ready_stages"], allowed,
                  "open stage, short of deployed, of a pathway that deploys")


def _reminder_problems(wf: Mapping[str, Any]) -> list[str]:
    """Every qualification of the form has its name in the reminders, and none that the form lacks; the role
    reminded of waiting files moves some file on from a stage of its own (else no file would ever be waited on)."""
    rem, known = wf["reminders"], [q.criterion for q in QUALIFICATIONS]
    out = _names("reminders.qualifications", rem["qualifications"], known, "qualification")
    out += [f"{WORKFLOW}: reminders.qualifications: the application form's qualification {q!r} has no name here "
            "(chalicelib.domain.eligibility.QUALIFICATIONS)" for q in known if q not in rem["qualifications"]]
    role = rem["waiting"]["role"]
    out += _names("reminders.waiting.role", [role], ROLES, "role")
    if role in ROLES and not any(role in t["roles"] and t["from"] != ANY for _, _, t in _transitions(wf)):
        out.append(f"{WORKFLOW}: reminders.waiting.role: {role!r} moves no file on from a stage of its own "
                   "(a move from '*' does not count), so no file would ever be reminded as waiting")
    return out


def check_workflow(wf: Any, mission_schema: Any | None = None) -> list[str]:
    """workflow.json: its schema, then its stages, pathways, kinds, roles, guards and reasons against each other
    and the code."""
    problems = schema_problems(WORKFLOW, wf)
    if problems:
        return problems  # the cross-references read the shape the schema guarantees
    out = _stage_problems(wf) + _transition_problems(wf) + _reason_problems(wf) + _roster_problems(wf)
    out += _reminder_problems(wf)
    out += _kind_problems(wf, mission_schema if mission_schema is not None else read(MISSION_SCHEMA))
    walked = set().union(*(pathway_stage_names(path) for path in wf["pathways"].values()))
    out += [f"{WORKFLOW}: stages.{s}: no pathway walks this stage" for s in wf["stages"] if s not in walked]
    for name, path in wf["pathways"].items():
        out += _pathway_problems(wf, name, path)
    return out


# ---- emails.json --------------------------------------------------------------------------------

def _stage_templates(wf: Mapping[str, Any]) -> dict[str, str]:
    """The templates the workflow sends, with the key that names each."""
    named = {s["email_template"]: f"stages.{name}.email_template" for name, s in wf["stages"].items()}
    named.update({t: f"stages.{name}.email_template_by_role.{role}" for name, s in wf["stages"].items()
                  for role, t in s.get("email_template_by_role", {}).items()})
    named.update({f"coordinator_{s}": f"notify_coordinator_on ({s})" for s in wf["notify_coordinator_on"]})
    named.update({c["email_template"]: f"reasons.{stage}.codes.{code}.email_template"
                  for stage, rule in wf["reasons"].items() for code, c in rule["codes"].items() if "email_template" in c})
    return named


def _needs(template_id: str, stage_templates: Iterable[str]) -> tuple[str, ...]:
    """The parameters ``template_id`` must show (emails.APPLICANT_NEEDS ...)."""
    if emails.is_coordinator_template(template_id):
        return emails.COORDINATOR_NEEDS
    if template_id in emails.NO_LINK_NEEDS:
        return emails.NO_LINK_NEEDS[template_id]
    if emails.is_staff_template(template_id):
        return ()
    return emails.APPLICANT_NEEDS + (emails.STAGE_TEMPLATE_NEEDS if template_id in stage_templates else ())


def _template_problems(tid: str, template: Mapping[str, Any], needs: tuple[str, ...]) -> list[str]:
    allowed = emails.params_for(tid) + figures.FIGURE_NAMES
    out = []
    for lang in LANGS:
        shown = set()
        for part in ("subject", "body"):
            key, text = f"{tid}.{part}.{lang}", template[part][lang]
            shown |= set(emails.placeholders(text))
            out += [f"{EMAILS}: {key}: placeholder {{{p}}} is not a parameter of this template "
                    f"(parameters: {', '.join(allowed)})" for p in emails.placeholders(text) if p not in allowed]
            out += typed_figures(EMAILS, key, text)
        out += [f"{EMAILS}: {tid}.body.{lang}: does not show {{{p}}}, which this template must show"
                for p in needs if p not in shown]
    for part in ("subject", "body"):
        out += _languages_agree(EMAILS, f"{tid}.{part}", template[part])
    return out


def check_emails(templates: Any, wf: Any) -> list[str]:
    """emails.json: its schema; every template the workflow or the code sends exists, and every
    placeholder is one the code passes (emails.params_for) and every one it must show is there."""
    problems = schema_problems(EMAILS, templates)
    if problems:
        return problems
    sent = _stage_templates(wf)
    out = [f"{WORKFLOW}: {key}: email template {tid!r} is not in {EMAILS}" for tid, key in sent.items()
           if tid not in templates]
    out += [f"{EMAILS}: {tid}: the code sends this email but the template is missing"
            for tid in emails.CODE_TEMPLATES if tid not in templates]
    for tid, template in templates.items():
        if tid.startswith("_"):
            continue
        if tid not in sent and tid not in emails.CODE_TEMPLATES:
            out.append(f"{EMAILS}: {tid}: no stage, coordinator notice or link email sends this template")
        out += _template_problems(tid, template, _needs(tid, sent))
    return out


# ---- missions.json ------------------------------------------------------------------------------

def _unique(file: str, where: str, values: list[str]) -> list[str]:
    return [f"{file}: {where}: {v!r} appears more than once" for v in sorted({v for v in values if values.count(v) > 1})]


def check_missions(catalogue: Any, page_text: Any, mission_schema: Any | None = None) -> list[str]:
    """missions.json: caps by their schema, missions by the admin schema; every cap_id exists, and
    every mission kind has its page texts (``kind_<kind>`` in text.json)."""
    problems = schema_problems(MISSIONS, catalogue)
    if problems:
        return problems
    schema = mission_schema if mission_schema is not None else read(MISSION_SCHEMA)
    caps = [c["cap_id"] for c in catalogue["caps"]]
    out = _unique(MISSIONS, "caps", caps) + _unique(MISSIONS, "missions", [m["mission_id"] for m in catalogue["missions"]])
    out += [f"{MISSIONS}: missions[{m['mission_id']}].cap_id: cap {m['cap_id']!r} is not among the caps"
            for m in catalogue["missions"] if m["cap_id"] not in caps]
    kinds = dict.fromkeys([*schema["properties"]["kind"]["enum"], *(m["kind"] for m in catalogue["missions"])])
    out += [f"{PAGE_TEXT}: kind_{kind}: mission kind {kind!r} has no page text" for kind in kinds
            if f"kind_{kind}" not in page_text]
    return out


# ---- police_services.json -----------------------------------------------------------------------

def check_police_services(services: Any, application_schema: Any | None = None) -> list[str]:
    """police_services.json: its schema; codes unique and the same as the application form's choices
    (but FORM_ONLY_SERVICES, which the form offers and the file must not hold)."""
    problems = schema_problems(POLICE_SERVICES, services)
    if problems:
        return problems
    codes = [s["code"] for s in services["services"]]
    form = application_schema if application_schema is not None else read(APPLICATION_SCHEMA)
    choices = [c for c in form["properties"]["police_service"]["enum"] if c not in FORM_ONLY_SERVICES]
    out = _unique(POLICE_SERVICES, "services", codes)
    out += [f"{POLICE_SERVICES}: services[{c}]: {c!r} is the form's choice for a service not in this list "
            "(datafiles.FORM_ONLY_SERVICES), so no service may use it" for c in codes if c in FORM_ONLY_SERVICES]
    out += [f"{POLICE_SERVICES}: services: {c!r} is a choice of {APPLICATION_SCHEMA} (police_service) but has "
            "no coordinator here" for c in choices if c not in codes]
    out += [f"{POLICE_SERVICES}: services[{c}]: not a choice of {APPLICATION_SCHEMA} (police_service)"
            for c in codes if c not in choices]
    return out


# ---- ranks.json ---------------------------------------------------------------------------------

def _ladder_problems(ranks: Mapping[str, Any]) -> list[str]:
    ladder = [step["code"] for step in ranks["rcmp_ladder"]]
    if ladder == list(RCMP_RANKS):
        return []
    return [f"{RANKS}: rcmp_ladder: the steps must be the RCMP ranks a call may name, lowest first "
            f"(chalicelib/domain/bulletins.py RCMP_RANKS: {', '.join(RCMP_RANKS)}; found: {', '.join(ladder)})"]


def _equivalent_problems(ranks: Mapping[str, Any]) -> list[str]:
    out, highest = [], 0
    for rank in ranks["ranks"]:
        where, step = f"{RANKS}: ranks[{rank['code']}].rcmp_equivalent", rank["rcmp_equivalent"]
        if step not in RCMP_RANKS:
            out.append(f"{where}: {step!r} is not on the RCMP ladder (known: {', '.join(RCMP_RANKS)})")
            continue
        if RCMP_RANKS.index(step) < highest:
            out.append(f"{where}: {step!r} is below the rank listed before it (the list goes lowest first)")
        highest = max(highest, RCMP_RANKS.index(step))
    return out


def _rank_choice_problems(ranks: Mapping[str, Any], form: Mapping[str, Any]) -> list[str]:
    prop = form["properties"]["rank"]
    codes, choices, labels = [r["code"] for r in ranks["ranks"]], prop.get("enum", []), prop.get("x-enum-labels", {})
    where = f"{APPLICATION_SCHEMA}: properties.rank"
    out = [f"{where}.enum: {c!r} is not a rank of {RANKS}" for c in choices if c not in codes]
    out += [f"{where}.enum: rank {c!r} of {RANKS} is not a choice of the form" for c in codes if c not in choices]
    if not out and choices != codes:
        out.append(f"{where}.enum: the choices must be in the order of {RANKS} (lowest first)")
    out += [f"{where}.x-enum-labels.{r['code']}: the label must be the one of {RANKS} ({r['label']})"
            for r in ranks["ranks"] if r["code"] in choices and labels.get(r["code"]) != r["label"]]
    return out


def check_ranks(ranks: Any, application_schema: Any | None = None) -> list[str]:
    """ranks.json: its schema; the ladder is the code's RCMP_RANKS; codes unique; every equivalent on the
    ladder, the list lowest first; the application form's rank choices are these codes, in order, with these labels."""
    problems = schema_problems(RANKS, ranks)
    if problems:
        return problems
    form = application_schema if application_schema is not None else read(APPLICATION_SCHEMA)
    out = _ladder_problems(ranks) + _unique(RANKS, "ranks", [r["code"] for r in ranks["ranks"]])
    return out + _equivalent_problems(ranks) + _rank_choice_problems(ranks, form)


# ---- document_kinds.json ------------------------------------------------------------------------

def check_document_kinds(kinds: Any, bulletin_schema: Any | None = None) -> list[str]:
    """document_kinds.json: its schema; codes unique and exactly the choices a call's required_documents offers
    (schemas/bulletin.json), so every document a call may ask for has its labels."""
    problems = schema_problems(DOCUMENT_KINDS, kinds)
    if problems:
        return problems
    codes = [k["code"] for k in kinds["kinds"]]
    schema = bulletin_schema if bulletin_schema is not None else read(BULLETIN_SCHEMA)
    choices = schema["properties"]["criteria"]["properties"]["required_documents"]["items"]["enum"]
    where = f"{BULLETIN_SCHEMA}: criteria.required_documents"
    out = _unique(DOCUMENT_KINDS, "kinds", codes)
    out += [f"{DOCUMENT_KINDS}: kinds: {c!r} is a choice of {where} but has no labels here" for c in choices
            if c not in codes]
    out += [f"{DOCUMENT_KINDS}: kinds[{c}]: not a choice of {where}" for c in codes if c not in choices]
    return out


# ---- retention.json ------------------------------------------------------------------------------

def check_retention(schedule: Any, wf: Any) -> list[str]:
    """retention.json: its schema; every closing (terminal) stage of the workflow has exactly one file rule and no
    rule names another stage; rules and records named once; the records are the kinds the code keeps; the drafts'
    period is the drafts' lifetime (domain/drafts.LIFETIME, which the draft pages state)."""
    problems = schema_problems(RETENTION, schedule)
    if problems:
        return problems
    from . import retention
    from .drafts import LIFETIME

    out = _unique(RETENTION, "files", [r["rule"] for r in schedule["files"]])
    out += _unique(RETENTION, "records", [r["record"] for r in schedule["records"]])
    stages = wf.get("stages", {})
    closing = {name for name, st in stages.items() if st.get("terminal")}
    named = [s for r in schedule["files"] for s in r["stages"]]
    out += [f"{RETENTION}: files: closing stage {s!r} of {WORKFLOW} has no rule" for s in sorted(closing - set(named))]
    out += [f"{RETENTION}: files[{r['rule']}].stages: {s!r} is not a closing stage of {WORKFLOW}"
            for r in schedule["files"] for s in r["stages"] if s not in closing]
    out += [f"{RETENTION}: files: stage {s!r} has more than one rule" for s in sorted(set(named))
            if named.count(s) > 1]
    kinds = [r["record"] for r in schedule["records"]]
    out += [f"{RETENTION}: records: {k!r} is kept by the code but has no rule" for k in retention.RECORD_KINDS
            if k not in kinds]
    out += [f"{RETENTION}: records[{k}]: not a kind of record the code keeps" for k in kinds
            if k not in retention.RECORD_KINDS]
    drafts: Mapping[str, Any] = next((r for r in schedule["records"] if r["record"] == "drafts"), {})
    if drafts.get("keep") != {"days": LIFETIME.days}:
        out.append(f"{RETENTION}: records[drafts].keep: {drafts.get('keep')} is not the drafts' lifetime "
                   f"({LIFETIME.days} days, chalicelib/domain/drafts.py)")
    return out


# ---- text.json ----------------------------------------------------------------------------------

def _keys_used_by_pages() -> dict[str, str]:
    """Every key the web code looks up with a literal t("key"), with the first file that does."""
    used = {k.format(lang=lang): "chalicelib/web/templates/base.html" for k in LANGUAGE_KEYS for lang in LANGS}
    for pattern in WEB_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            for key in _T_CALL.findall(path.read_text(encoding="utf-8")):
                used.setdefault(key, str(path.relative_to(ROOT)))
    return used


def check_page_text(text: Any, used: Mapping[str, str] | None = None) -> list[str]:
    """text.json: every key in English and French with the same placeholders, no figure typed,
    and every key the pages look up exists."""
    problems = schema_problems(PAGE_TEXT, text)
    if problems:
        return problems
    out = []
    for key, entry in text.items():
        out += _languages_agree(PAGE_TEXT, key, entry)
        for lang in LANGS:
            out += typed_figures(PAGE_TEXT, f"{key}.{lang}", entry[lang])
    out += [f"{PAGE_TEXT}: {key}: no such key, but {source} looks it up with t({key!r})"
            for key, source in (_keys_used_by_pages() if used is None else used).items() if key not in text]
    return out


# ---- everything ---------------------------------------------------------------------------------

def read_all() -> dict[str, Any]:
    """Every data file, parsed from disk, by its path in the checkout."""
    return {file: read(file) for file in SCHEMAS}


def check_contact_next_steps(services: Any, wf: Any) -> list[str]:
    """police_services.json: a contact's next steps override stages the workflow has."""
    stages = set(wf.get("stages", {}))
    contacts = [(f"services[{s['code']}]", s) for s in services.get("services", [])]
    contacts += [(f"program_contacts.{k}", c) for k, c in services.get("program_contacts", {}).items()]
    contacts += [(f"services[{s['code']}].routes[{i}]", r) for s in services.get("services", [])
                 for i, r in enumerate(s.get("routes", []))]
    return [f"{POLICE_SERVICES}: {where}.next_steps.{stage}: not a stage of {WORKFLOW}"
            for where, contact in contacts for stage in contact.get("next_steps", {}) if stage not in stages]


def check_roster_certification(wf: Any, missions: Any) -> list[str]:
    """workflow.json: the missions whose nomination ends on a roster are missions of missions.json."""
    known = {m.get("mission_id") for m in missions.get("missions", [])}
    return [f"{WORKFLOW}: roster_certification_missions: mission {m!r} is not in {MISSIONS}"
            for m in wf.get("roster_certification_missions", []) if m not in known]


def check_routes(services: Any, missions: Any) -> list[str]:
    """police_services.json: a route names missions of missions.json, each at most once per service."""
    known = {m.get("mission_id") for m in missions.get("missions", [])}
    out = []
    for s in services.get("services", []):
        seen: set[str] = set()
        for i, r in enumerate(s.get("routes", [])):
            where = f"{POLICE_SERVICES}: services[{s['code']}].routes[{i}].missions"
            out += [f"{where}: mission {m!r} is not in {MISSIONS}" for m in r["missions"] if m not in known]
            out += [f"{where}: mission {m!r} is already routed by another route" for m in r["missions"] if m in seen]
            seen.update(r["missions"])
    return out


def check(files: Mapping[str, Any]) -> list[str]:
    """Every problem in ``files`` (as read_all() gives them), each naming the file and the key."""
    wf, page_text = files[WORKFLOW], files[PAGE_TEXT]
    out = check_workflow(wf)
    # The email checks read the workflow's shape: with a broken workflow, only the templates' schema.
    out += schema_problems(EMAILS, files[EMAILS]) if out else check_emails(files[EMAILS], wf)
    out += check_missions(files[MISSIONS], page_text)
    out += check_police_services(files[POLICE_SERVICES])
    out += [] if out else check_contact_next_steps(files[POLICE_SERVICES], wf)
    out += [] if out else check_routes(files[POLICE_SERVICES], files[MISSIONS])
    out += check_roster_certification(wf, files[MISSIONS])
    out += check_ranks(files[RANKS])
    out += check_document_kinds(files[DOCUMENT_KINDS])
    out += check_retention(files[RETENTION], wf)
    out += check_page_text(page_text)
    return out


def check_all() -> list[str]:
    """Every problem in the data files as they are on disk (empty when all is well)."""
    return check(read_all())
