"""The data files an administrator may edit pass their schemas and cross-references, and each broken
edit that once passed the whole test command is now reported with the file and the key."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from chalicelib.domain import datafiles, emails
from chalicelib.domain.tokens import MAX_ACTIVE_TOKENS
from chalicelib.domain.datafiles import EMAILS, MISSIONS, PAGE_TEXT, POLICE_SERVICES, RANKS, WORKFLOW
from chalicelib.domain.figures import FIGURE_NAMES, figures

Files = dict[str, Any]


def test_the_shipped_files_read_from_disk_pass_every_check() -> None:
    assert datafiles.check_all() == []


@pytest.fixture(scope="module")
def shipped() -> Files:
    return datafiles.read_all()


def _transition(files: Files, from_stage: str, to_stage: str, pathway: str = "deployment") -> dict[str, Any]:
    moves = files[WORKFLOW]["pathways"][pathway]["transitions"]
    return next(t for t in moves if (t["from"], t["to"]) == (from_stage, to_stage))


def _mission(files: Files, mission_id: str) -> dict[str, Any]:
    return next(m for m in files[MISSIONS]["missions"] if m["mission_id"] == mission_id)


def _service(files: Files, code: str) -> dict[str, Any]:
    return next(s for s in files[POLICE_SERVICES]["services"] if s["code"] == code)


def _rank(files: Files, code: str) -> dict[str, Any]:
    return next(r for r in files[RANKS]["ranks"] if r["code"] == code)


def _swap_ranks(files: Files, a: str, b: str) -> None:
    ranks = files[RANKS]["ranks"]
    i, j = ranks.index(_rank(files, a)), ranks.index(_rank(files, b))
    ranks[i], ranks[j] = ranks[j], ranks[i]


def _replace(files: Files, file: str, path: tuple[str, ...], old: str, new: str) -> None:
    node = files[file]
    for key in path[:-1]:
        node = node[key]
    assert old in node[path[-1]], f"the shipped text no longer holds {old!r}: update the test"
    node[path[-1]] = node[path[-1]].replace(old, new)


def _set(getter: Callable[[Files], dict[str, Any]], key: str, value: Any) -> Callable[[Files], None]:
    return lambda files: getter(files).__setitem__(key, value)


# Each broken edit, and the message (file, key and what is wrong) it must produce.
BROKEN_EDITS: dict[str, tuple[Callable[[Files], None], str]] = {
    "mission misspelled in the returned email": (
        lambda f: _replace(f, EMAILS, ("returned", "body", "en"), "{mission}", "{misison}"),
        f"{EMAILS}: returned.body.en: placeholder {{misison}} is not a parameter of this template"),
    "status link dropped from a French template": (
        lambda f: _replace(f, EMAILS, ("irss_review", "body", "fr"), "{status_url}", "la page de suivi"),
        f"{EMAILS}: irss_review.body.fr: does not show {{status_url}}"),
    "private link dropped from a stage email": (
        lambda f: _replace(f, EMAILS, ("deployed", "body", "en"), "{link_url}", "your status page"),
        f"{EMAILS}: deployed.body.en: does not show {{link_url}}"),
    "a private link put into a coordinator's notice": (
        lambda f: _replace(f, EMAILS, ("coordinator_deployed", "body", "en"), "{mission}.", "{mission}: {link_url}"),
        f"{EMAILS}: coordinator_deployed.body.en: placeholder {{link_url}} is not a parameter of this template"),
    "private link dropped from the access email": (
        lambda f: _replace(f, EMAILS, ("access_link", "body", "fr"), "{link_url}", ""),
        f"{EMAILS}: access_link.body.fr: does not show {{link_url}}"),
    "roles written as a string": (
        _set(lambda f: _transition(f, "irss_review", "interview"), "roles", "irss"),
        f"{WORKFLOW}: pathways.deployment.transitions[3].roles: 'irss' is not of type 'array'"),
    "role typo on a transition": (
        _set(lambda f: _transition(f, "interview", "not_selected"), "roles", ["irs"]),
        f"{WORKFLOW}: pathways.deployment.transitions[7] (interview -> not_selected).roles: role 'irs' does not exist"),
    "guard typo": (
        _set(lambda f: _transition(f, "training", "deployed"), "guards", ["seat_availabel"]),
        f"{WORKFLOW}: pathways.deployment.transitions[20] (training -> deployed).guards: guard 'seat_availabel' "
        "does not exist"),
    "transition to a stage that does not exist": (
        _set(lambda f: _transition(f, "deployed", "returned"), "to", "retruned"),
        f"{WORKFLOW}: pathways.deployment.transitions[22] (deployed -> retruned).to: stage 'retruned' does not exist"),
    "the old top-level role list": (
        lambda f: f[WORKFLOW].__setitem__("roles", ["applicant", "irss"]),
        f"{WORKFLOW}: (the whole file): Additional properties are not allowed ('roles' was unexpected)"),
    "80 % typed into a next step": (
        lambda f: _replace(f, WORKFLOW, ("stages", "un_modules", "next_step", "fr"), "{pass_mark}\u00a0%", "80\u00a0%"),
        f"{WORKFLOW}: stages.un_modules.next_step.fr: '80\\xa0%' types the figure pass_mark (80)"),
    "unknown figure in a next step": (
        lambda f: _replace(f, WORKFLOW, ("stages", "un_modules", "next_step", "en"), "{pass_mark}", "{passmark}"),
        f"{WORKFLOW}: stages.un_modules.next_step.en: placeholder {{passmark}} is not a figure"),
    "a mission kind with no pathway": (
        lambda f: f[WORKFLOW]["kinds"].pop("other_opportunity"),
        f"{WORKFLOW}: kinds: mission kind 'other_opportunity' (schemas/mission.json) has no pathway"),
    "a kind mapped to a pathway that does not exist": (
        lambda f: f[WORKFLOW]["kinds"].__setitem__("other_opportunity", "nominaton"),
        f"{WORKFLOW}: kinds: pathway 'nominaton' does not exist"),
    "a pathway move that leaves a terminal stage": (
        lambda f: f[WORKFLOW]["pathways"]["nomination"]["transitions"].append(
            {"from": "attended", "to": "nominated", "roles": ["irss"], "guards": []}),
        f"{WORKFLOW}: pathways.nomination.transitions[8] (attended -> nominated): attended is terminal, "
        "so no move may leave it"),
    "a stage no move of its pathway reaches": (
        lambda f: f[WORKFLOW]["pathways"]["nomination"]["transitions"].pop(5),  # nominated -> attended
        f"{WORKFLOW}: pathways.nomination: stage 'attended' cannot be reached from 'submitted'"),
    "a next step for a stage its pathway does not walk": (
        lambda f: f[WORKFLOW]["pathways"]["nomination"]["next_steps"].__setitem__(
            "medical", {"en": "Health.", "fr": "Santé."}),
        f"{WORKFLOW}: pathways.nomination.next_steps: stage of this pathway 'medical' does not exist"),
    "an old stage renamed to one its pathway does not walk": (
        lambda f: f[WORKFLOW]["pathways"]["nomination"]["renamed_stages"].__setitem__("pre_deployment", "medical"),
        f"{WORKFLOW}: pathways.nomination.renamed_stages: stage of this pathway 'medical' does not exist"),
    "a stage on no pathway": (
        lambda f: f[WORKFLOW]["stages"].__setitem__("debriefing", dict(f[WORKFLOW]["stages"]["returned"])),
        f"{WORKFLOW}: stages.debriefing: no pathway walks this stage"),
    "a when that names no guard": (
        _set(lambda f: f[WORKFLOW]["stages"]["interview"], "when", "interview_requird"),
        f"{WORKFLOW}: stages.interview.when: guard 'interview_requird' does not exist"),
    "stage email template that does not exist": (
        _set(lambda f: f[WORKFLOW]["stages"]["medical"], "email_template", "medicale"),
        f"{WORKFLOW}: stages.medical.email_template: email template 'medicale' is not in {EMAILS}"),
    "coordinator notice without its template": (
        lambda f: f[WORKFLOW]["notify_coordinator_on"].append("interview"),
        f"{WORKFLOW}: notify_coordinator_on (interview): email template 'coordinator_interview' is not in {EMAILS}"),
    "reason email template that does not exist": (
        _set(lambda f: f[WORKFLOW]["reasons"]["returned"]["codes"]["ended_early"], "email_template", "returned_erly"),
        f"{WORKFLOW}: reasons.returned.codes.ended_early.email_template: email template 'returned_erly' is not in "
        f"{EMAILS}"),
    "a by-role email template that does not exist": (
        _set(lambda f: f[WORKFLOW]["stages"]["withdrawn"], "email_template_by_role", {"irss": "withdrawn_by_servce"}),
        f"{WORKFLOW}: stages.withdrawn.email_template_by_role.irss: email template 'withdrawn_by_servce' is not in "
        f"{EMAILS}"),
    "a by-role email template for a role that does not exist": (
        _set(lambda f: f[WORKFLOW]["stages"]["withdrawn"], "email_template_by_role", {"iras": "withdrawn_by_service"}),
        f"{WORKFLOW}: stages.withdrawn.email_template_by_role: role 'iras' does not exist"),
    "an except on a move that is not from any stage": (
        _set(lambda f: f[WORKFLOW]["pathways"]["deployment"]["transitions"][0], "except", ["deployed"]),
        f"{WORKFLOW}: pathways.deployment.transitions[0] (submitted -> service_review).except: only a move from '*'"),
    "an except naming a stage the pathway does not have": (
        _set(lambda f: f[WORKFLOW]["pathways"]["deployment"]["transitions"][-1], "except", ["deploy"]),
        f"{WORKFLOW}: pathways.deployment.transitions[23] (* -> withdrawn).except: open stage of this pathway "
        "'deploy' does not exist"),
    "a reminder threshold written as a number": (
        _set(lambda f: f[WORKFLOW]["reminders"], "planned_end_days", 60),
        f"{WORKFLOW}: reminders.planned_end_days: 60 is not of type 'array'"),
    "a reminder threshold of zero days": (
        _set(lambda f: f[WORKFLOW]["reminders"], "qualification_days", [60, 0]),
        f"{WORKFLOW}: reminders.qualification_days[1]: 0 is less than the minimum of 1"),
    "a qualification of the form with no name in the reminders": (
        lambda f: f[WORKFLOW]["reminders"]["qualifications"].pop("baton"),
        f"{WORKFLOW}: reminders.qualifications: the application form's qualification 'baton' has no name here"),
    "a reminder named for a qualification the form does not have": (
        lambda f: f[WORKFLOW]["reminders"]["qualifications"].__setitem__("taser", {"en": "Taser", "fr": "Taser"}),
        f"{WORKFLOW}: reminders.qualifications: qualification 'taser' does not exist"),
    "waiting files reminded to a role that does not exist": (
        _set(lambda f: f[WORKFLOW]["reminders"]["waiting"], "role", "coordinator"),
        f"{WORKFLOW}: reminders.waiting.role: role 'coordinator' does not exist"),
    "waiting files reminded to a role that moves none on": (
        _set(lambda f: f[WORKFLOW]["reminders"]["waiting"], "role", "admin"),
        f"{WORKFLOW}: reminders.waiting.role: 'admin' moves no file on from a stage of its own"),
    "a ready stage past deployment": (
        _set(lambda f: f[WORKFLOW]["roster"], "ready_stages", ["returned"]),
        f"{WORKFLOW}: roster.ready_stages: open stage, short of deployed, of a pathway that deploys 'returned' "
        "does not exist"),
    "reason for a stage that does not exist": (
        lambda f: f[WORKFLOW]["reasons"].__setitem__("not_selectd", f[WORKFLOW]["reasons"]["not_selected"]),
        f"{WORKFLOW}: reasons: stage 'not_selectd' does not exist"),
    "reason code role typo": (
        _set(lambda f: f[WORKFLOW]["reasons"]["withdrawn"]["codes"]["family_reasons"], "roles", ["aplicant"]),
        f"{WORKFLOW}: reasons.withdrawn.codes.family_reasons.roles: role 'aplicant' does not exist"),
    "reason code from a stage that does not exist": (
        _set(lambda f: f[WORKFLOW]["reasons"]["not_selected"]["codes"]["training_incomplete"], "from_stages", ["trainig"]),
        f"{WORKFLOW}: reasons.not_selected.codes.training_incomplete.from_stages: stage 'trainig' does not exist"),
    "a reason code the code names, removed": (
        lambda f: f[WORKFLOW]["reasons"]["withdrawn"]["codes"].pop("applicant_request"),
        f"{WORKFLOW}: reasons.withdrawn.codes: the code names reason 'applicant_request', which is missing"),
    "mission kind typo": (
        _set(lambda f: _mission(f, "haiti-minustah"), "kind", "operatoin"),
        f"{MISSIONS}: missions[haiti-minustah].kind: 'operatoin' is not one of"),
    "armed written as yes": (
        _set(lambda f: _mission(f, "iraq-mlt"), "armed", "yes"),
        f"{MISSIONS}: missions[iraq-mlt].armed: 'yes' is not of type 'boolean', 'null'"),
    "a cap that does not exist": (
        _set(lambda f: _mission(f, "cambodia-eccc"), "cap_id", "cambodge"),
        f"{MISSIONS}: missions[cambodia-eccc].cap_id: cap 'cambodge' is not among the caps"),
    "a cap note that is not bilingual": (
        _set(lambda f: f[MISSIONS]["caps"][0], "note", "Authorized 90."),
        f"{MISSIONS}: caps[haiti].note: 'Authorized 90.' is not of type 'object'"),
    "a negative authorized figure": (
        _set(lambda f: f[MISSIONS]["caps"][1], "authorized", -1),
        f"{MISSIONS}: caps[ukraine].authorized: -1 is less than the minimum of 0"),
    "police service language written out": (
        _set(lambda f: _service(f, "opp"), "language", "english"),
        f"{POLICE_SERVICES}: services[opp].language: 'english' is not one of ['en', 'fr']"),
    "police service the application form does not offer": (
        _set(lambda f: _service(f, "naps"), "code", "naps2"),
        f"{POLICE_SERVICES}: services: 'naps' is a choice of schemas/application.json (police_service)"),
    "page text missing its French": (
        lambda f: f[PAGE_TEXT]["withdraw_note_help"].pop("fr"),
        f"{PAGE_TEXT}: withdraw_note_help: 'fr' is a required property"),
    "page text whose languages name different placeholders": (
        lambda f: _replace(f, PAGE_TEXT, ("seats_counts", "fr"), "{authorized}", "{autorisees}"),
        f"{PAGE_TEXT}: seats_counts: English and French name different placeholders"),
    "the link count typed into a page text": (
        lambda f: _replace(f, PAGE_TEXT, ("access_sent_keep", "fr"), "{active_links}", str(MAX_ACTIVE_TOKENS)),
        f"{PAGE_TEXT}: access_sent_keep.fr: '{MAX_ACTIVE_TOKENS} liens' types the figure active_links ({MAX_ACTIVE_TOKENS})"),
    "a mission kind without its page text": (
        lambda f: f[PAGE_TEXT].pop("kind_specialized_posting"),
        f"{PAGE_TEXT}: kind_specialized_posting: mission kind 'specialized_posting' has no page text"),
    "a key the pages look up, removed": (
        lambda f: f[PAGE_TEXT].pop("what_next"),
        f"{PAGE_TEXT}: what_next: no such key, but chalicelib/web/templates/"),
    "the form's choice for an unlisted service used as a service's code": (
        _set(lambda f: _service(f, "naps"), "code", "other"),
        f"{POLICE_SERVICES}: services[other]: 'other' is the form's choice for a service not in this list"),
    "a rank's equivalent that is not an RCMP rank": (
        _set(lambda f: _rank(f, "captain"), "rcmp_equivalent", "captain"),
        f"{RANKS}: ranks[captain].rcmp_equivalent: 'captain' is not on the RCMP ladder"),
    "a rank's equivalent written as its label": (
        _set(lambda f: _rank(f, "inspector"), "rcmp_equivalent", "Inspector"),
        f"{RANKS}: ranks[inspector].rcmp_equivalent: 'Inspector' does not match"),
    "a rank without its French label": (
        lambda f: _rank(f, "lieutenant")["label"].pop("fr"),
        f"{RANKS}: ranks[lieutenant].label: 'fr' is a required property"),
    "a rank listed twice": (
        lambda f: f[RANKS]["ranks"].append(copy.deepcopy(_rank(f, "sergeant"))),
        f"{RANKS}: ranks: 'sergeant' appears more than once"),
    "a rank renamed, so the form offers a rank the file lacks": (
        _set(lambda f: _rank(f, "commander"), "code", "commandant"),
        "schemas/application.json: properties.rank.enum: 'commander' is not a rank of chalicelib/data/ranks.json"),
    "ranks out of order": (
        lambda f: _swap_ranks(f, "constable", "commissioner"),
        f"{RANKS}: ranks[constable].rcmp_equivalent: 'constable' is below the rank listed before it"),
    "a step of the RCMP ladder removed": (
        lambda f: f[RANKS]["rcmp_ladder"].pop(),
        f"{RANKS}: rcmp_ladder: the steps must be the RCMP ranks a call may name"),
    "an RCMP rank without its French words": (
        lambda f: f[RANKS]["rcmp_ladder"][0]["label"].pop("fr"),
        f"{RANKS}: rcmp_ladder[constable].label: 'fr' is a required property"),
}


@pytest.mark.parametrize("edit", BROKEN_EDITS)
def test_a_broken_edit_is_reported_with_the_file_and_the_key(shipped: Files, edit: str) -> None:
    files = copy.deepcopy(shipped)
    apply, expected = BROKEN_EDITS[edit]
    apply(files)
    problems = datafiles.check(files)
    assert any(expected in p for p in problems), f"{expected!r} not in {problems}"


def test_the_checks_read_the_files_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the test command runs: a broken file on disk fails check_all, whatever the process cached."""
    emails.templates()  # the runtime's cached copy stays as it was: the check does not use it
    for part in ("chalicelib/data", "chalicelib/web", "schemas"):
        shutil.copytree(datafiles.ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("static", "*.pyc"))
    broken = tmp_path / EMAILS
    broken.write_text(broken.read_text(encoding="utf-8").replace("({mission}) has moved", "({misison}) has moved", 1),
                      encoding="utf-8")
    monkeypatch.setattr(datafiles, "ROOT", tmp_path)
    monkeypatch.setattr(datafiles, "SCHEMA_DIR", tmp_path / "schemas")
    problems = datafiles.check_all()
    assert problems and all(p.startswith(EMAILS + ": ") for p in problems), problems
    assert any("service_review.body.en: placeholder {misison}" in p for p in problems), problems


def test_the_missions_items_are_checked_by_the_admin_schema_itself(shipped: Files, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """schemas/mission.json is referenced by its $id, not copied: tightening it tightens the file's check."""
    shutil.copytree(datafiles.SCHEMA_DIR, tmp_path / "schemas")
    mission_schema = tmp_path / "schemas" / "mission.json"
    schema = json.loads(mission_schema.read_text(encoding="utf-8"))
    schema["properties"]["deployment_months"]["maximum"] = 11
    mission_schema.write_text(json.dumps(schema), encoding="utf-8")
    monkeypatch.setattr(datafiles, "SCHEMA_DIR", tmp_path / "schemas")
    problems = datafiles.check_missions(shipped[MISSIONS], shipped[PAGE_TEXT])
    assert f"{MISSIONS}: missions[haiti-minustah].deployment_months: 12 is greater than the maximum of 11" in problems


def test_every_template_parameter_the_code_passes_is_declared_once() -> None:
    assert emails.params_for("coordinator_withdrawn") == emails.COMMON_PARAMS  # no private link to a coordinator
    assert emails.params_for("returned") == emails.params_for("access_link") == emails.COMMON_PARAMS + ("link_url",)


def test_the_texts_state_figures_from_the_values_they_describe() -> None:
    from chalicelib.web.text import t
    from chalicelib.domain.workflow import load_workflow

    assert set(figures()) == set(FIGURE_NAMES) and figures()["pass_mark"] == load_workflow().pass_mark
    next_steps = [text for stage in load_workflow().stages.values() for text in stage.next_step.values()]
    assert f"at least {figures()['pass_mark']}%" in " ".join(next_steps) and "{" not in " ".join(next_steps)
    assert t("needs_un_modules", "fr").endswith(f"au moins {figures()['pass_mark']}\u00a0%")
    assert f"Your {figures()['active_links']} most recent links" in t("access_sent_keep", "en")
    assert "{" not in t("access_sent_keep", "fr") and "{" not in t("needs_un_modules", "en")


def test_the_forms_rank_choices_are_the_ranks_file_with_its_labels(shipped: Files) -> None:
    from chalicelib.domain.forms import load_schema

    form = copy.deepcopy(load_schema("application"))
    assert datafiles.check_ranks(shipped[RANKS], form) == []
    rank = form["properties"]["rank"]
    rank["x-enum-labels"]["lieutenant"] = {"en": "Lieutenant", "fr": "Lieutenant"}
    rank["enum"].remove("captain")
    rank["enum"].insert(0, rank["enum"].pop())
    problems = datafiles.check_ranks(shipped[RANKS], form)
    where = "schemas/application.json: properties.rank"
    assert f"{where}.x-enum-labels.lieutenant: the label must be the one of {RANKS}" in " ".join(problems)
    assert f"{where}.enum: rank 'captain' of {RANKS} is not a choice of the form" in problems
    rank["enum"].insert(0, "captain")
    assert f"{where}.enum: the choices must be in the order of {RANKS} (lowest first)" in \
        datafiles.check_ranks(shipped[RANKS], form)


def test_other_is_the_one_police_service_choice_without_a_coordinator(shipped: Files) -> None:
    from chalicelib.domain.forms import load_schema

    form = copy.deepcopy(load_schema("application"))
    assert "other" in form["properties"]["police_service"]["enum"] and datafiles.FORM_ONLY_SERVICES == ("other",)
    assert datafiles.check_police_services(shipped[POLICE_SERVICES], form) == []
    form["properties"]["police_service"]["enum"].append("autre")
    assert any("'autre' is a choice of schemas/application.json (police_service) but has no coordinator" in p
               for p in datafiles.check_police_services(shipped[POLICE_SERVICES], form))


def test_a_contacts_next_step_names_a_real_stage():
    import copy

    files = copy.deepcopy(datafiles.read_all())
    irss = files[datafiles.POLICE_SERVICES]["program_contacts"]["irss"]
    irss["next_steps"]["submited"] = irss["next_steps"].pop("submitted")
    assert f"{datafiles.POLICE_SERVICES}: program_contacts.irss.next_steps.submited: not a stage of {datafiles.WORKFLOW}" \
        in datafiles.check(files)


def test_a_services_route_names_real_missions_and_stages():
    import copy

    files = copy.deepcopy(datafiles.read_all())
    rcmp = next(s for s in files[datafiles.POLICE_SERVICES]["services"] if s["code"] == "rcmp")
    route = rcmp["routes"][0]
    assert "un-senior-mission-leaders-course" in route["missions"]
    route["missions"].append("un-senior-mission-leader-course")
    route["next_steps"]["service_nominaton"] = route["next_steps"].pop("service_nomination")
    problems = datafiles.check(files)
    assert (f"{datafiles.POLICE_SERVICES}: services[rcmp].routes[0].next_steps.service_nominaton: not a stage of "
            f"{datafiles.WORKFLOW}") in problems
    route["next_steps"]["service_nomination"] = route["next_steps"].pop("service_nominaton")
    assert (f"{datafiles.POLICE_SERVICES}: services[rcmp].routes[0].missions: mission "
            f"'un-senior-mission-leader-course' is not in {datafiles.MISSIONS}") in datafiles.check(files)
