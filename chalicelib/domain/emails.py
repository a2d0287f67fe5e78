"""Email templates (data/emails.json) rendered in English or French.

Every value put into a template is escaped in the HTML part; the text part is
plain text. Templates carry no medical, family or form details.
"""
from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from typing import Any, Mapping

from .figures import figures, fill
from .i18n import pick
from .missions import DATA_DIR

# The parameters the code passes to a template, declared once: services/notifications.py
# passes exactly params_for(template), and chalicelib/domain/datafiles.py checks every
# placeholder of emails.json against it. A template may also name a figure
# (chalicelib/domain/figures.py: {pass_mark}, {active_links}, {min_years}).
COMMON_PARAMS = ("reference", "mission", "stage_label", "next_step", "status_url", "access_url")
# Every email to the applicant brings a fresh private link (the token is minted at send time).
LINK_PARAMS = COMMON_PARAMS + ("link_url",)
# The coordinators' notices (coordinator_<stage>) and IRSS's (staff_<event>) carry no private link.
COORDINATOR_PREFIX = "coordinator_"
STAFF_PREFIX = "staff_"
# What a template shows beyond the common parameters, by template: the outbox row's ``extra`` holds the raw
# values and services/notifications.py renders them in the email's language when it is sent.
EXTRA_PARAMS: dict[str, tuple[str, ...]] = {
    "coordinator_returned": ("return_reason",),
    "staff_seat_available": ("cap", "seats_left", "candidate"),
    "coordinator_seat_available": ("cap", "seats_left", "candidate"),
    "deployment_extended": ("planned_end",),
    # The daily reminders (services/reminders.py; rules in domain/reminders.py).
    "staff_planned_end_reminder": ("cap", "deployment", "planned_end", "days"),
    "qualification_reminder": ("qualification", "expiry", "planned_end"),
    "coordinator_qualification_reminder": ("qualification", "expiry", "planned_end"),
    "coordinator_waiting_reminder": ("since", "days"),
    # A change of address (services/email_change.py): the link that confirms it, to the new address; the
    # notice to the old one, naming the new one masked (domain/email_change.masked).
    "email_change_confirm": ("confirm_url", "hours"),
    "email_changed_notice": ("new_address",),
    # An application in progress (services/drafts.py): the private link to the draft, derived when sent.
    "draft_link": ("draft_url", "days"),
    # A call's deadline extended (services/bulletins.extend_deadline): to each applicant with a draft for it.
    "draft_deadline_extended": ("draft_url", "deadline"),
    # Staff accounts (services/staff_accounts.py): to the person, in their language; the invitation's temporary
    # password is unsealed when sent and dropped from the row after.
    "staff_account_invited": ("name", "username", "temporary_password", "role", "console_url", "days"),
    "staff_account_role_changed": ("name", "role", "console_url"),
    "staff_account_disabled": ("name",),
    "staff_account_enabled": ("name", "console_url"),
}
STAFF_ACCOUNT_TEMPLATES = ("staff_account_invited", "staff_account_role_changed", "staff_account_disabled",
                           "staff_account_enabled")
# A role as a staff account's email names it.
ROLE_LABELS = {
    "service_coordinator": {"en": "service coordinator", "fr": "coordination de service"},
    "irss": {"en": "International Recruitment, Screening and Selection (IRSS)",
             "fr": "Recrutement, présélection et sélection à l'international (RPSI)"},
    "health": {"en": "health services", "fr": "services de santé"},
    "admin": {"en": "program administrator", "fr": "administration du programme"},
}
# The roster's notices are sent by the code (services/roster.py), not by a stage.
ROSTER_TEMPLATES = ("staff_seat_available", "coordinator_seat_available", "deployment_extended")
# Shown for {candidate} when no one is ready to deploy on the cap.
NO_CANDIDATE = {"en": "no candidate is ready yet", "fr": "aucune candidature n'est encore prête"}
# Sent by the code, not by a stage: the access page's new link, and a file sent on to its next choice.
ACCESS_LINK = "access_link"
REDIRECTED = "redirected"
# The daily reminders are sent by the scheduled job (services/reminders.py), not by a stage.
REMINDER_TEMPLATES = ("staff_planned_end_reminder", "qualification_reminder", "coordinator_qualification_reminder",
                      "coordinator_waiting_reminder")
# A returned file's follow-up done (services/reintegration.py): the applicant is told their file is complete.
FILE_COMPLETE = "file_complete"
# To the applicant, with no private link to the file: the confirmation of a new address (its own link is the
# confirmation, and the address is not the file's yet) and the notice to the old address.
EMAIL_CHANGE_CONFIRM, EMAIL_CHANGED_NOTICE = "email_change_confirm", "email_changed_notice"
# The link to a draft (no file yet, so no reference and no link to a file): the draft's own link.
DRAFT_LINK = "draft_link"
DRAFT_DEADLINE_EXTENDED = "draft_deadline_extended"
# "Before the Mission", asked for on its public page (services/guide_requests.py): no file, so no reference or link.
BEFORE_THE_MISSION_GUIDE = "before_the_mission_guide"
NO_LINK_NEEDS = {EMAIL_CHANGE_CONFIRM: ("reference", "confirm_url"), EMAIL_CHANGED_NOTICE: ("reference", "new_address"),
                 DRAFT_LINK: ("draft_url",), DRAFT_DEADLINE_EXTENDED: ("draft_url", "deadline"),
                 BEFORE_THE_MISSION_GUIDE: ()}
NO_LINK_TEMPLATES = tuple(NO_LINK_NEEDS)
CODE_TEMPLATES = (ACCESS_LINK, REDIRECTED, FILE_COMPLETE, *ROSTER_TEMPLATES, *REMINDER_TEMPLATES, *NO_LINK_TEMPLATES,
                  *STAFF_ACCOUNT_TEMPLATES)
# What a template must show: every applicant email its private link, an applicant's stage
# email the status page as well, every email the file's reference.
APPLICANT_NEEDS = ("reference", "link_url")
STAGE_TEMPLATE_NEEDS = ("status_url",)
COORDINATOR_NEEDS = ("reference",)


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class MissingPlaceholder(KeyError):
    """A template names a placeholder the caller gave no value for (a data or code fault)."""

    def __init__(self, template_id: str, lang: str, name: str) -> None:
        super().__init__(f"email template {template_id!r} ({lang}) has placeholder {{{name}}} but no value was "
                         f"given for it; expected parameters: {', '.join(params_for(template_id))}")
        self.template_id, self.lang, self.name = template_id, lang, name

    def __str__(self) -> str:
        return str(self.args[0])


def is_coordinator_template(template_id: str) -> bool:
    return template_id.startswith(COORDINATOR_PREFIX)


def is_staff_template(template_id: str) -> bool:
    """A notice to staff (a coordinator or IRSS): no private link."""
    return template_id.startswith((COORDINATOR_PREFIX, STAFF_PREFIX))


def carries_private_link(template_id: str) -> bool:
    """An email that brings the applicant a fresh private link to the file (minted when it is sent)."""
    return not is_staff_template(template_id) and template_id not in NO_LINK_TEMPLATES


def params_for(template_id: str) -> tuple[str, ...]:
    """The parameters the code passes to ``template_id``: an applicant's email has its private link.

    >>> params_for("coordinator_submitted")[-1], params_for("returned")[-1]
    ('access_url', 'link_url')
    """
    base = LINK_PARAMS if carries_private_link(template_id) else COMMON_PARAMS
    return base + EXTRA_PARAMS.get(template_id, ())


def placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders of a text, in order.

    >>> placeholders("{reference} for {mission}")
    ['reference', 'mission']
    """
    return _PLACEHOLDER.findall(text)


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    """The templates of data/emails.json, read once per process."""
    data: dict[str, Any] = json.loads((DATA_DIR / "emails.json").read_text(encoding="utf-8"))
    return data


def _fill(template_id: str, lang: str, text: str, values: Mapping[str, str]) -> str:
    """``text`` with every placeholder filled from ``values``; a placeholder with no value raises."""
    def value(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise MissingPlaceholder(template_id, lang, m.group(1))
        return values[m.group(1)]
    return _PLACEHOLDER.sub(value, text)


def render(template_id: str, lang: str, params: Mapping[str, Any]) -> tuple[str, str, str]:
    """Return (subject, text, html) for a template in ``lang``.

    Every placeholder needs a value: one the caller did not give raises MissingPlaceholder
    (never an empty string in a sent email). Figures ({pass_mark} ...) are filled in the
    template and in the values (a stage's next step may name one).
    """
    t = templates()[template_id]
    values = {**{k: str(v) for k, v in figures().items()}, **{k: fill(str(v)) for k, v in params.items()}}
    subject = _fill(template_id, lang, pick(t["subject"], lang), values)
    text = _fill(template_id, lang, pick(t["body"], lang), values)
    links = _links(values)
    paragraphs = []
    for para in text.split("\n\n"):
        escaped = html.escape(para).replace("\n", "<br>\n")
        paragraphs.append("<p>" + (links.sub(r'<a href="\g<0>">\g<0></a>', escaped) if links else escaped) + "</p>")
    body = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(subject)}</title></head>'
            f'<body>{"".join(paragraphs)}</body></html>')
    return subject, text, body


def _links(values: Mapping[str, str]) -> re.Pattern[str] | None:
    """The links the service built (``*_url`` values), escaped as they stand in the HTML, longest first.

    Only these become anchors: a URL inside any other value (a mission name an administrator typed)
    stays text.
    """
    urls = sorted({html.escape(v) for k, v in values.items() if k.endswith("_url") and v}, key=len, reverse=True)
    return re.compile("|".join(re.escape(u) for u in urls)) if urls else None


def reference(application_id: str) -> str:
    """Human reference for a file, e.g. PO-ABCD-EFGH-IJKL-MNOP."""
    core = application_id.removeprefix("po-").upper()
    return "PO-" + "-".join(core[i:i + 4] for i in range(0, len(core), 4))
