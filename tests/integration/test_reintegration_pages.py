"""The applicant's pages for a deployed officer and after the return (moto, Chalice's test client): "End my
mission early" instead of "withdraw", the deployment's dates, and where the follow-up stands, in both languages."""
from __future__ import annotations

from typing import Any

import pytest

from .conftest import VALID_FAMILY_READINESS, application, sent_messages
from .web_client import WebClient, apply, form_fields, hidden_fields

IRSS = ("irss", "irss-test")


def _text(r: Any) -> str:
    return r.body.decode("utf-8")


def deployed(web: WebClient, lang: str) -> str:
    """A file submitted through the pages with its family-readiness form, deployed by IRSS; its status page's URL."""
    from chalicelib.adapters.models import ApplicationModel
    from chalicelib.api.wiring import deps
    from chalicelib.domain.workflow import Actor, MoveRequest
    from chalicelib.services import workflow

    r = apply(web, application(), lang)
    base = r.headers["Location"].rsplit("/", 1)[0]
    assert web.post(f"{base}/family-readiness", form_fields(VALID_FAMILY_READINESS)).status_code == 303
    app_id = base.rsplit("/", 1)[1]
    ApplicationModel(app_id).update(actions=[ApplicationModel.stage.set("training")])
    workflow.move(deps(), app_id, Actor(*IRSS), MoveRequest("deployed", "training"))
    return base


def _stage(base: str) -> str:
    from chalicelib.adapters.models import ApplicationModel

    return str(ApplicationModel.get(base.rsplit("/", 1)[1]).stage)


def ended_mails() -> list[Any]:
    return [m for m in sent_messages() if "ended early" in m.subject.lower() or "plus tôt" in m.subject.lower()]


@pytest.mark.parametrize("lang, words", [
    ("en", ("Are you sure you want to end your mission early?", "Yes, end my mission early", "Continue")),
    ("fr", ("Voulez-vous vraiment mettre fin à votre mission plus tôt?", "Oui, mettre fin à ma mission plus tôt",
            "Continuer")),
])
def test_ending_the_mission_early_is_confirmed_on_a_page_of_its_own(client: Any, lang: str,
                                                                    words: tuple[str, ...]) -> None:
    web = WebClient(client)
    base = deployed(web, lang)
    sure, yes, go_on = words
    assert f">{go_on}</button>" in _text(web.get(f"{base}/withdraw"))
    before = len(sent_messages())
    page = _text(web.post(f"{base}/withdraw", [("note", ""), ("expected_stage", "deployed")]))
    assert sure in page and yes in page and _stage(base) == "deployed" and len(sent_messages()) == before
    r = web.post(f"{base}/withdraw", hidden_fields(page))
    assert r.status_code == 303 and _stage(base) != "deployed"
    token = web.csrf_token(base)  # the status page's (the closed form has none)
    again = web.post(f"{base}/withdraw", hidden_fields(page) + [("csrf_token", token)], csrf=False)
    assert again.status_code == 409  # once


@pytest.fixture
def web(client: Any) -> WebClient:
    return WebClient(client)


@pytest.mark.parametrize("lang, words", [
    ("en", ("End my mission early", "Your deployment", "Planned end", "Before the Mission", "On its way")),
    ("fr", ("Mettre fin à ma mission plus tôt", "Votre déploiement", "Fin prévue", "Avant la mission", "En route")),
])
def test_a_deployed_officer_is_offered_to_end_the_mission_early_never_to_withdraw(web: WebClient, lang: str,
                                                                                  words: tuple[str, ...]) -> None:
    base = deployed(web, lang)
    page = _text(web.get(base))
    for w in words:
        assert w in page, w
    assert "Withdraw my application" not in page and "Retirer ma demande" not in page


def test_ending_the_mission_early_from_the_pages_then_the_follow_up_to_its_end(web: WebClient) -> None:
    from chalicelib.api.wiring import deps
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import reintegration, workflow

    # Given a deployed officer's own "stop" page
    base = deployed(web, "en")
    page = _text(web.get(f"{base}/withdraw"))
    # Then it reads as ending the mission early: its title and warning, no withdrawal reasons, the note kept
    assert "End your mission early" in page and "It is not a withdrawal" in page
    assert 'name="reason_code"' not in page and 'name="note"' in page
    assert "Withdraw your application" not in page

    # When they post the form with a note, then a page of its own asks first, and the mission goes on
    r = web.post(f"{base}/withdraw", [("note", "Raisons familiales."), ("expected_stage", "deployed")])
    assert r.status_code == 200
    page = _text(r)
    assert "Are you sure you want to end your mission early?" in page and "This cannot be undone" in page
    assert "Yes, end my mission early" in page and "Raisons familiales." in page and "Withdraw" not in page
    assert _stage(base) == "deployed" and not ended_mails()
    # When they press "Yes, end my mission early"
    r = web.post(f"{base}/withdraw", hidden_fields(page))
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=ended-early")
    page = _text(web.follow(r))
    # Then the page thanks them and shows the follow-up: health's to come, both guides on their way
    assert "Your mission has ended early, as you asked." in page
    assert "Follow-up after your mission" in page and "To come: International Health Services" in page
    assert page.count("On its way") == 2 and "Returned" in page
    assert "End my mission early" not in page
    app_id = base.rsplit("/", 1)[1]

    # When health record the follow-up and IRSS send both guides
    workflow.record_post_mission_follow_up(deps(), app_id, Actor("health", "ihs-test"), {"done": True})
    for task in deps().store.tasks.for_application(app_id):
        reintegration.mark_sent(deps(), Actor(*IRSS), task.task_id, {})

    # Then the page says the file is complete, in French too, and the applicant was emailed so
    assert "Your file is complete" in _text(web.get(base))
    fr = _text(web.get(base.replace("/en/", "/fr/")))
    assert "Votre dossier est complet" in fr and fr.count("Envoyé le") == 2 and "Dossier complet" in fr
    mails = [m for m in sent_messages() if m.destinations["ToAddresses"] == ["helene.cote@example.ca"]]
    assert mails[-1].subject.startswith("Votre dossier est complet")
