"""The outbox passes every template exactly the parameters emails.params_for declares (no more, no less),
so the data checks of emails.json (which read params_for) hold for what is really sent."""
from __future__ import annotations

from dataclasses import replace

from typing import Any

import pytest

from chalicelib.adapters.memory import MemoryStorage
from chalicelib.config import get_settings
from chalicelib.domain import emails
from chalicelib.domain.records import OutboxMessage
from chalicelib.services import notifications
from chalicelib.services.deps import Deps


# What the outbox stores for a template's extra values (emails.EXTRA_PARAMS): the raw values, rendered at sending.
EXTRA = {"planned_end": "2027-06-30", "cap_id": "haiti", "seats_left": 1, "candidate": "Jeanne Tremblay (PO-ABCD)",
         "qualification": "firearms", "expiry": "2027-05-01", "deployment": "PO-ABCD", "days": 30, "since": "2026-10-01",
         "requested_at": "2026-12-01T00:00:00Z", "hours": 24, "new_address": "n***@example.ca",
         "issued_at": "2026-12-01T00:00:00Z", "number": 1, "deadline": "2027-01-15 23:59 (heure d'Ottawa)"}


def _row(template: str, recipient: str) -> OutboxMessage:
    params = {"mission_id": "haiti-minustah", "stage": "service_review", "reason_code": "ended_early", "extra": EXTRA}
    return OutboxMessage(f"po-x:1:{recipient}", "po-x", template, recipient, "a@example.ca", "fr", params,
                         "2026-12-01T00:00:00Z")


@pytest.mark.parametrize("template", sorted(t for t in emails.templates() if not t.startswith("_")))
def test_compose_passes_exactly_the_declared_parameters(template: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    real = emails.render

    def spy(template_id: str, lang: str, params: dict[str, Any]) -> tuple[str, str, str]:
        seen.update(params)
        return real(template_id, lang, params)

    monkeypatch.setattr(emails, "render", spy)
    deps = Deps(settings=get_settings(), store=MemoryStorage(), mailer=None)  # type: ignore[arg-type]
    recipient = ("coordinator" if template.startswith("coordinator_") else "irss" if template.startswith("staff_")
                 else "applicant")
    token = "t" * 54 if recipient == "applicant" else None
    row = _row(template, recipient)
    if template in emails.STAFF_ACCOUNT_TEMPLATES:  # a staff account's: the person, the role, a sealed password
        from chalicelib.services.staff_accounts import SEALED, seal_password

        row = replace(row, params={**row.params, "extra": {
            **EXTRA, "name": "Jeanne", "username": "j@example.ca", "role": "irss",
            SEALED: seal_password(deps.settings.token_secret, "Temp-Password-1!")}})
    email = notifications.compose(deps, row, token=token, mission_name="Haïti")
    assert set(seen) == set(emails.params_for(template))
    assert "{" not in email.text and "{" not in email.subject
