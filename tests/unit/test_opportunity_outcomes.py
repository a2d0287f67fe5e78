"""The other opportunities' own words and routes (issue 23): Canada nominates and the organization selects; the
RCMP's senior-course candidates go to its Executive/Officer Development and Resourcing office; JRR ends on the
roster; who withdrew a file and why a mission ended choose the email's words."""
from __future__ import annotations

from chalicelib.domain.workflow import load_workflow

from .fakes import make_deps
from .test_services_workflow import drive, file_of, new_file

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
