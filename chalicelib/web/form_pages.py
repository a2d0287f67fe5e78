"""The four forms an applicant fills, each drawn as one page.

The application and family-readiness forms come from their JSON Schemas; the
withdrawal and new-link forms are small and built from the same parts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import quote

from chalice import Response

from ..domain import bodies
from ..domain.errors import FieldError, ValidationFailed
from ..domain.forms import load_schema
from ..domain.text import forbidden_character_errors
from ..domain.i18n import pick
from ..services import applicant
from . import fields, present
from .fields import Field, FormData, FormView, Option, Section
from .pages import Visit
from .text import t

NOTE_MAX = bodies.max_length("WithdrawalRequest", "note")  # the one note length (openapi.json)


@dataclass
class PageForm:
    title: str
    action: str
    submit_label: str
    view: FormView
    intro: str = ""
    warning: str = ""
    danger: bool = False
    cancel_url: str = ""
    crumbs: list[tuple[str, str]] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)


def form_page(v: Visit, form: PageForm, status: int = 200) -> Response:
    return v.page("form_page.html", status, title=form.title, form=form.view, problems=form.view.problems,
                  action=form.action, submit_label=form.submit_label, intro=form.intro, warning=form.warning,
                  danger=form.danger, cancel_url=form.cancel_url, crumbs=form.crumbs, hidden=form.hidden)


def _view(form_name: str, sections: list[Section], values: FormData, errors: Iterable[FieldError],
          lang: str) -> FormView:
    return FormView(sections, values, fields.problems(form_name, errors, sections, lang, values=values))


def _heading(form_name: str, lang: str) -> tuple[str, str]:
    """The form's title and introduction, from its schema."""
    schema = load_schema(form_name)
    return pick(schema.get("x-title"), lang) or schema.get("title", ""), pick(schema.get("x-help"), lang)


# --- family readiness -------------------------------------------------------

def family_document(data: FormData) -> dict[str, Any]:
    return fields.to_document("family-readiness", data)


def family_form(v: Visit, application_id: str, stored: dict[str, Any] | None = None, data: FormData | None = None,
                errors: Iterable[FieldError] = ()) -> PageForm:
    values = data if data is not None else fields.to_values("family-readiness", stored or {})
    status_url = v.url(f"/status/{quote(application_id)}")
    sections = fields.build("family-readiness", v.lang)
    title, intro = _heading("family-readiness", v.lang)
    return PageForm(title=title, intro=intro,
                    action=v.url(f"/status/{quote(application_id)}/family-readiness"),
                    submit_label=t("save_family_readiness", v.lang),
                    view=_view("family-readiness", sections, values, errors, v.lang), cancel_url=status_url,
                    crumbs=[(status_url, t("crumb_your_file", v.lang))])


# --- withdrawal -------------------------------------------------------------------

def _withdrawal_sections(lang: str, stage: str, ends_early: bool) -> list[Section]:
    note = Field(name="note", widget="textarea", label=t("withdraw_note", lang),
                 help=t("withdraw_note_help", lang, n=NOTE_MAX))
    if ends_early:  # an early return at the officer's request: no withdrawal reason to pick
        return [Section("withdrawal", "", (note,))]
    reasons = tuple(Option(code, label) for code, label in present.withdrawal_reasons(lang, stage))
    return [Section("withdrawal", "", (
        Field(name="reason_code", widget="radios", label=t("withdraw_reason", lang), help="", required=True,
              options=reasons),
        note,
    ))]


def withdrawal_form(v: Visit, file: Any, data: FormData | None = None, errors: Iterable[FieldError] = ()) -> PageForm:
    """The applicant's "stop": a withdrawal, or for a deployed officer the early end of their mission (its own
    title, warning and button; their note kept)."""
    status_url = v.url(f"/status/{quote(file.application_id)}")
    early = applicant.ends_mission_early(file)
    sections = _withdrawal_sections(v.lang, file.stage, early)
    words = "end_early" if early else "withdraw"
    # The answers come first; only the next page, with its own button, withdraws (withdrawal_confirmation).
    return PageForm(title=t(f"{words}_title", v.lang), warning=t(f"{words}_warning", v.lang),
                    action=v.url(f"/status/{quote(file.application_id)}/withdraw"),
                    submit_label=t("withdraw_continue", v.lang), cancel_url=status_url,
                    view=FormView(sections, data or {}, fields.problems("withdrawal", errors, sections, v.lang)),
                    crumbs=[(status_url, t("crumb_your_file", v.lang))], hidden=[("expected_stage", file.stage)])


def withdrawal_request(data: FormData, file: Any) -> dict[str, Any]:
    """The withdrawal as the service takes it; the page's own checks first."""
    early = applicant.ends_mission_early(file)
    reason = (data.get("reason_code") or [""])[0]
    note = (data.get("note") or [""])[0].replace("\r\n", "\n").strip()
    errors = []
    if not early and reason not in dict(present.withdrawal_reasons("en", file.stage)):
        errors.append(FieldError("/reason_code", "required", t("err_withdraw_reason", "en"), t("err_withdraw_reason", "fr")))
    if len(note) > NOTE_MAX:
        errors.append(FieldError("/note", "maxLength", t("err_note_long", "en", n=NOTE_MAX),
                                 t("err_note_long", "fr", n=NOTE_MAX)))
    errors += forbidden_character_errors(note, "/note")
    if errors:
        raise ValidationFailed(errors)
    # The stage the person saw: if the file moved since, the service says so.
    expected = (data.get("expected_stage") or [""])[0] or file.stage
    if early:
        return {"note": note or None, "expected_stage": expected}
    return {"reason_code": reason, "note": note or None, "expected_stage": expected}


CONFIRM = "confirm"


def withdrawal_confirmed(data: FormData) -> bool:
    """The post is the confirmation page's "yes" (its hidden ``confirm``), not the form's first answer."""
    return (data.get(CONFIRM) or [""])[-1] == "yes"


def withdrawal_confirmation(v: Visit, file: Any, request: dict[str, Any]) -> Response:
    """"Are you sure?" on a page of its own: the answers shown, and carried in hidden fields to the one post
    that withdraws (or ends the mission early); "no" goes back to the file, where nothing has changed."""
    status_url = v.url(f"/status/{quote(file.application_id)}")
    words = "end_early" if applicant.ends_mission_early(file) else "withdraw"
    rows = []
    if "reason_code" in request:
        reasons = dict(present.withdrawal_reasons(v.lang, file.stage))
        rows.append((t("withdraw_your_reason", v.lang), reasons.get(request["reason_code"], request["reason_code"])))
    rows.append((t("withdraw_your_note", v.lang), request.get("note") or t("withdraw_no_note", v.lang)))
    hidden = [(name, request[name]) for name in ("reason_code", "note", "expected_stage") if request.get(name)]
    return v.page("withdraw_confirm.html", title=t(f"{words}_confirm_title", v.lang),
                  text=t(f"{words}_confirm_text", v.lang), rows=rows, hidden=[*hidden, (CONFIRM, "yes")],
                  action=v.url(f"/status/{quote(file.application_id)}/withdraw"),
                  yes_label=t(f"{words}_yes", v.lang), no_url=status_url,
                  crumbs=[(status_url, t("crumb_your_file", v.lang))])


# --- a new link ---------------------------------------------------------------

def _email_form(v: Visit, form: str, path: str, data: FormData | None, errors: Iterable[FieldError]) -> PageForm:
    """A public form of one email address (a new link, the guide), its texts under ``<form>_*``."""
    sections = [Section(form, "", (
        Field(name="email", widget="text", input_type="email", autocomplete="email", width="w-30",
              label=t(f"{form}_email", v.lang), help=t(f"{form}_email_help", v.lang), required=True),
    ))]
    return PageForm(title=t(f"{form}_title", v.lang), intro=t(f"{form}_intro", v.lang), action=v.url(path),
                    submit_label=t(f"{form}_submit", v.lang),
                    view=FormView(sections, data or {}, fields.problems(form, errors, sections, v.lang)))


def access_form(v: Visit, data: FormData | None = None, errors: Iterable[FieldError] = ()) -> PageForm:
    return _email_form(v, "access", "/access", data, errors)


# --- "Before the Mission" by email ------------------------------------------------

def guide_form(v: Visit, data: FormData | None = None, errors: Iterable[FieldError] = ()) -> PageForm:
    return _email_form(v, "guide", "/before-the-mission", data, errors)


# --- a change of email address ---------------------------------------------------

def email_form(v: Visit, application_id: str, data: FormData | None = None,
               errors: Iterable[FieldError] = ()) -> PageForm:
    status_url = v.url(f"/status/{quote(application_id)}")
    sections = [Section("email", "", (
        Field(name="email", widget="text", input_type="email", autocomplete="email", width="w-30",
              label=t("email_new", v.lang), help=t("email_new_help", v.lang), required=True),
    ))]
    return PageForm(title=t("email_form_title", v.lang), intro=t("email_form_intro", v.lang),
                    action=v.url(f"/status/{quote(application_id)}/email"), submit_label=t("email_submit", v.lang),
                    view=FormView(sections, data or {}, fields.problems("email", errors, sections, v.lang)),
                    cancel_url=status_url, crumbs=[(status_url, t("crumb_your_file", v.lang))])
