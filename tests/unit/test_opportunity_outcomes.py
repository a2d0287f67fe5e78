"""The other opportunities' own words and routes (issue 23): Canada nominates and the organization selects; the
RCMP's senior-course candidates go to its Executive/Officer Development and Resourcing office; JRR ends on the
roster; who withdrew a file and why a mission ended choose the email's words."""
from __future__ import annotations

from datetime import timedelta

from chalicelib.domain.workflow import load_workflow

from .fakes import make_deps
from .test_services_workflow import IRSS, drive, file_of, give_positions, move, new_file

WF = load_workflow()
SML = "un-senior-mission-leaders-course"


def _applicant_email(deps, app_id, template):
    sent = [e for e in deps.mailer.sent if e.to == file_of(deps, app_id).email]
    rows = [r for r in deps.store.outbox.for_application(app_id) if r.recipient == "applicant" and r.template == template]
    assert rows, f"no {template} email"
    return sent[-1]


def test_a_nomination_says_canada_nominates_and_the_organization_selects_in_both_languages():
    stage = WF.pathways["nomination"].stage("nominated")
    for lang, wrong, right in (("en", "is yours", "selects"), ("fr", "réservée", "sélection")):
        assert wrong not in stage.next_step[lang] and right in stage.next_step[lang]
    for lang in ("en", "fr"):
        deps = make_deps()
        app_id, _ = new_file(deps, SML, preferred_language=lang)
        give_positions(deps, app_id)
        drive(deps, app_id, "nominated")
        email = _applicant_email(deps, app_id, "nominated")
        if lang == "en":
            assert "Canada has nominated you" in email.subject and "selects the participants" in email.text
            assert "is yours" not in email.text
        else:
            assert "Le Canada a présenté votre candidature" in email.subject
            assert "choisit les participants" in email.text and "réservée" not in email.text
        # and the coordinator (SPVM's, written to in French) reads the same rule
        notice = deps.mailer.sent_to("peaceops-coordinator.spvm@example.ca")[-1]
        assert "présentée par le Canada" in notice.text and "choisit les participants" in notice.text


# --- who withdrew, and why a mission ended, choose the email ----------------------------------------

def test_a_withdrawal_by_the_service_does_not_say_serving_is_voluntary():
    from chalicelib.services import applicant

    from .test_services_workflow import COORD

    for actor, reason in ((COORD, "service_operational_needs"), (IRSS, "other")):
        deps = make_deps()
        app_id, _ = new_file(deps, preferred_language="en")
        move(deps, app_id, "withdrawn", actor, reason)
        email = _applicant_email(deps, app_id, "withdrawn_by_service")
        assert "voluntary" not in email.text and "has been withdrawn" in email.text
    # the applicant's own withdrawal keeps its words, in both languages
    for lang, words in (("en", "Serving is voluntary"), ("fr", "La participation est volontaire")):
        deps = make_deps()
        app_id, token = new_file(deps, preferred_language=lang)
        applicant.withdraw(deps, applicant.authorize(deps, app_id, token), {"expected_stage": "submitted"})
        assert words in _applicant_email(deps, app_id, "withdrawn").text
    assert WF.email_template("withdrawn", "applicant_request", "service_coordinator") == "withdrawn_by_service"
    assert WF.email_template("withdrawn", "applicant_request", "applicant") == "withdrawn"


def test_a_repatriation_has_its_own_email_in_both_languages():
    assert WF.email_template("returned", "repatriated") == "returned_repatriated"
    from chalicelib.domain import emails

    for lang, words in (("en", "repatriated"), ("fr", "rapatrié")):
        subject, text, _ = emails.render("returned_repatriated", lang, {
            "reference": "PO-1", "mission": "M", "stage_label": "S", "next_step": "N", "status_url": "https://x/s",
            "access_url": "https://x/a", "link_url": "https://x/l"})
        assert words in text and "{" not in text + subject
        assert "voluntary" not in text and "volontaire" not in text


# --- the RCMP's senior-course candidates: its Executive/Officer Development and Resourcing office ----------

EODR = "peaceops-eodr.rcmp@example.ca"
IPCDRA = "peaceops-ipcdra.rcmp@example.ca"


def _rcmp_file(deps, mission, lang="en"):
    """An RCMP chief superintendent's file (the RCMP's own coordinator is not the fakes' SPVM one: IRSS moves it)."""
    return new_file(deps, mission, police_service="rcmp", rank="chief_superintendent", preferred_language=lang)[0]


def test_an_rcmp_senior_course_candidate_is_routed_to_the_executive_officer_development_office():
    from chalicelib.domain.missions import contact_for
    from chalicelib.services import reminders

    for mission in (SML, "senior-strategic-advisors-master-class"):
        contact = contact_for("rcmp", mission)
        assert (contact.key, contact.email) == ("executive_development", EODR)
        assert "Executive/Officer Development" in contact.title["en"]
    # other opportunities and deployments stay with the RCMP's advisor; a partner's senior course with its coordinator
    assert contact_for("rcmp", "justice-rapid-response").email == IPCDRA
    assert contact_for("rcmp", "haiti-minustah").email == IPCDRA
    assert contact_for("spvm", SML).email == "peaceops-coordinator.spvm@example.ca"

    # Given an RCMP chief superintendent applying for the SML course
    deps = make_deps()
    app_id = _rcmp_file(deps, SML)
    # Then the office is told of the file, and the applicant's email names it as the one who considers it
    notice = [r for r in deps.store.outbox.for_application(app_id) if r.recipient == "coordinator"]
    assert [(r.template, r.to_address) for r in notice] == [("coordinator_submitted", EODR)]
    submitted = _applicant_email(deps, app_id, "submitted")
    assert "Executive/Officer Development and Resourcing office will consider your nomination" in submitted.text
    # and at the service's nomination step, the status view and the email name the office, not the advisor
    move(deps, app_id, "service_nomination", IRSS)
    step = applicant_next_step(deps, app_id)
    assert "Executive/Officer Development and Resourcing office is deciding" in step["en"]
    assert "perfectionnement et du ressourcement des cadres et des officiers" in step["fr"]
    assert "Executive/Officer Development" in _applicant_email(deps, app_id, "service_nomination").text
    # and staff read on the file who makes its initial selection
    from chalicelib.services import files

    reviewed = files.file_view(deps, IRSS, app_id)["reviewed_by"]
    assert reviewed["contact"] == "executive_development" and "cadres et des officiers" in reviewed["title"]["fr"]
    # and a file waiting too long at that step reminds the office
    rows = [r for r in reminders._waiting_rows(deps, deps.today() + timedelta(days=45)) if r.application_id == app_id]
    assert [r.to_address for r in rows] == [EODR]


def test_the_rcmps_queue_shows_which_files_the_executive_officer_development_office_selects():
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import work_queue

    deps = make_deps()
    sml, jrr = _rcmp_file(deps, SML), _rcmp_file(deps, "justice-rapid-response")
    rows = {r["application_id"]: r for r in work_queue.work_queue(deps, Actor("service_coordinator", "c", "rcmp"))["items"]}
    assert rows[sml]["reviewed_by"]["routed"] and rows[sml]["reviewed_by"]["contact"] == "executive_development"
    assert not rows[jrr]["reviewed_by"]["routed"] and rows[jrr]["reviewed_by"]["contact"] == "career_advisor"


def test_an_rcmp_candidate_for_another_opportunity_keeps_the_rcmps_advisor():
    deps = make_deps()
    app_id = _rcmp_file(deps, "justice-rapid-response")
    notice = [r for r in deps.store.outbox.for_application(app_id) if r.recipient == "coordinator"]
    assert [r.to_address for r in notice] == [IPCDRA]
    move(deps, app_id, "service_nomination", IRSS)
    assert "International Policing Career Development and Resourcing Advisor" in applicant_next_step(deps, app_id)["en"]


def applicant_next_step(deps, app_id):
    from chalicelib.services import applicant

    return applicant.status(deps, file_of(deps, app_id))["next_step"]


# --- JRR ends on the roster -------------------------------------------------------------------------

def test_a_jrr_nominee_ends_certified_on_the_roster_in_both_languages():
    for lang, words in (("en", "certified on the Justice Rapid Response roster"),
                        ("fr", "certifié ou certifiée pour la liste d'experts de Justice Rapid Response")):
        deps = make_deps()
        app_id, _ = new_file(deps, "justice-rapid-response", preferred_language=lang)
        drive(deps, app_id, "roster_certified")
        email = _applicant_email(deps, app_id, "roster_certified")
        assert words in email.text
        status = applicant_next_step(deps, app_id)
        assert "stand-by roster" in status["en"] and "liste de réserve" in status["fr"]
    path = WF.pathways["nomination"]
    assert path.stage("roster_certified").terminal and path.stage("roster_certified").occupies_place


# --- the family-readiness form: seed 003's considerations as reflection prompts -----------------------

PROMPTS = ("risk_and_worry", "living_conditions", "relationship_strength", "financial_motivation", "children_reactions")


def test_the_family_readiness_form_asks_the_seeds_other_considerations_as_optional_prompts():
    from pathlib import Path

    from chalicelib.domain import forms
    from chalicelib.web import fields

    from .fakes import family_readiness

    schema = forms.load_schema("family-readiness")
    assert not set(PROMPTS) & set(schema["required"])
    for name in PROMPTS:
        prop = schema["properties"][name]
        assert all(prop[k][lang] for k in ("x-label", "x-help") for lang in ("en", "fr")), name
        assert set(prop["x-enum-labels"]) == set(prop["enum"]), name
    # a form without them is complete (stored forms stay valid), and one with them too
    assert forms.problems("family-readiness", family_readiness()) == []
    answered = family_readiness(risk_and_worry="not_yet", living_conditions="unsure", relationship_strength="yes",
                                financial_motivation="no", children_reactions="some_concerns")
    assert forms.problems("family-readiness", answered) == []
    # the page asks them, in both languages, where the seed puts them
    for lang in ("en", "fr"):
        shown = {s.id: [f.name for f in s.fields] for s in fields.build("family-readiness", lang)}
        assert shown["mission_life"] == list(PROMPTS[:4]) and "children_reactions" in shown["family"]
    # never scored: no code reads them (the readiness staff read the form as it was filled in)
    code = "".join(p.read_text(encoding="utf-8") for p in Path("chalicelib").rglob("*.py"))
    assert not [name for name in PROMPTS if name in code]


# --- "Before the Mission" on request -------------------------------------------------------------------

def test_a_guide_request_counts_the_mailbox_and_is_sent_through_the_outbox():
    import pytest

    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import guide_requests

    deps = make_deps()
    limit = deps.settings.max_guide_requests_per_day
    assert [guide_requests.request_guide(deps, {"email": f"Kim+{n}@Example.ca"}, "fr") for n in range(limit + 1)] \
        == [True] * limit + [False]
    rows = deps.store.outbox.for_application(guide_requests.subject_for(deps.today()))
    assert len(rows) == limit and {r.template for r in rows} == {"before_the_mission_guide"}
    assert all(r.language == "fr" and r.recipient == "requester" for r in rows)
    sent = [e for e in deps.mailer.sent if e.to.lower().startswith("kim+")]
    assert len(sent) == limit and all("Avant la mission" in e.subject for e in sent)
    with pytest.raises(ValidationFailed) as err:
        guide_requests.request_guide(deps, {"email": "kim"}, "en")
    assert [e.pointer for e in err.value.errors] == ["/email"]
