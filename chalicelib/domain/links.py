"""The URLs an applicant is sent: one place, so pages and emails agree."""
from __future__ import annotations

from urllib.parse import quote


def status_url(base: str, lang: str, application_id: str) -> str:
    """The status page; asks for a link when the browser holds no valid token."""
    return f"{base}/{lang}/status/{quote(application_id)}"


def token_link(base: str, lang: str, application_id: str, token: str) -> str:
    """The private link that opens the file (sent by email, never logged)."""
    return f"{status_url(base, lang, application_id)}?token={quote(token)}"


def access_url(base: str, lang: str) -> str:
    return f"{base}/{lang}/access"


def email_change_url(base: str, lang: str, application_id: str, code: str) -> str:
    """The page that confirms a new address (domain/email_change.py); it asks before it changes anything,
    so a mail scanner opening the link confirms nothing."""
    return f"{base}/{lang}/email-change/{quote(application_id)}?code={quote(code)}"


def draft_url(base: str, lang: str, draft_id: str, token: str | None = None) -> str:
    """An application in progress (its task list); with ``token``, the private link emailed for it."""
    url = f"{base}/{lang}/drafts/{quote(draft_id)}"
    return f"{url}?token={quote(token)}" if token else url


def console_url(base_url: str, lang: str) -> str:
    """The staff console's sign-in page, in the person's language."""
    return f"{base_url.rstrip('/')}/console/{lang}/sign-in"
