"""Web forms without AWS: fields drawn from the schemas, posts converted to
JSON types, errors mapped to fields, CSRF tokens, the words of the pages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.domain import forms
from chalicelib.domain.errors import FieldError
from chalicelib.web import fields, security
from chalicelib.web.render import when
from chalicelib.web.text import catalogue, t

MISSIONS = [
    {"mission_id": "haiti-minustah", "name": {"en": "Haiti", "fr": "Haïti"}, "kind": "operation",
     "accepting_applications": True, "taking_applications": True},
    {"mission_id": "italy-spc-brindisi", "name": {"en": "Italy", "fr": "Italie"}, "kind": "specialized_posting",
     "accepting_applications": False, "taking_applications": False},
]


def _fields(form_name: str, lang: str = "en") -> dict[str, fields.Field]:
    return {f.name: f for s in fields.build(form_name, lang, MISSIONS) for f in s.fields}


def test_every_schema_field_is_drawn_once_in_its_section() -> None:
    for name in forms.FORM_NAMES:
        drawn = [f.name for s in fields.build(name, "fr", MISSIONS) for f in s.fields]
        schema = forms.load_schema(name)
        assert sorted(drawn) == sorted(set(schema["properties"]) - set(schema.get("x-api-only", [])))


def test_widgets_follow_the_schema() -> None:
    f = _fields("application", "fr")
    assert f["given_name"].widget == "text" and f["given_name"].autocomplete == "given-name"
    assert f["email"].input_type == "email" and f["phone"].input_type == "tel"
    assert f["leadership_details"].widget == "textarea"
    assert f["preferred_language"].widget == "radios"
    assert [o.label for o in f["preferred_language"].options] == ["Anglais", "Français"]
    assert f["police_service"].widget == "select" and len(f["police_service"].options) == 16  # and "other"
    assert f["four_by_four_experience"].widget == "radios"  # a boolean: an explicit yes or no
    assert [o.label for o in f["four_by_four_experience"].options] == ["Oui", "Non"]
    assert f["privacy_consent"].widget == "checkbox"
    assert f["years_operational_service"].inputmode == "numeric"
    missions = f["missions"]
    assert missions.widget == "choices" and [o.value for o in missions.options] == ["haiti-minustah"]
    assert missions.slots == ("Premier choix", "Deuxième choix (facultatif)", "Troisième choix (facultatif)")
    assert _fields("family-readiness")["dependants"].widget == "text"


def test_post_is_converted_to_the_schema_types() -> None:
    doc = fields.to_document("application", {
        "given_name": ["  Hélène "], "years_operational_service": ["12"], "four_by_four_experience": ["false"],
        "missions": ["iraq-mlt", "", "haiti-minustah"], "privacy_consent": ["true"], "phone": [""],
        "leadership_details": ["line one\r\nline two"], "not_a_field": ["x"],
    })
    assert doc == {"given_name": "Hélène", "years_operational_service": 12, "four_by_four_experience": False,
                   "missions": ["iraq-mlt", "haiti-minustah"], "privacy_consent": True,
                   "leadership_details": "line one\nline two"}


def test_values_that_do_not_convert_stay_as_typed_for_the_schema_to_name() -> None:
    doc = fields.to_document("application", {"years_operational_service": ["douze"],
                                             "four_by_four_experience": ["maybe"]})
    assert doc["years_operational_service"] == "douze" and doc["four_by_four_experience"] == "maybe"
    assert doc["privacy_consent"] is False  # an unticked box is a refusal, not a missing answer
    ages = fields.to_document("family-readiness", {"dependants": ["7, 11;3  onze"]})["dependants"]
    assert ages == [7, 11, 3, "onze"]
    assert "dependants" not in fields.to_document("family-readiness", {"dependants": [" "]})


def test_stored_document_fills_the_form_again() -> None:
    values = fields.to_values("family-readiness", {"dependants": [7, 11], "recent_disruptions": False,
                                                   "joint_decision": "yes"})
    assert values == {"dependants": ["7, 11"], "recent_disruptions": ["false"], "joint_decision": ["yes"]}
    assert fields.to_document("family-readiness", values)["dependants"] == [7, 11]


def test_errors_are_ordered_as_the_page_and_linked_to_their_field() -> None:
    sections = fields.build("application", "fr", MISSIONS)
    doc = fields.to_document("application", {"years_operational_service": ["douze"], "email": ["x"],
                                             "missions": ["a", "a"]})
    problems = fields.problems("application", forms.check("application", doc), sections, "fr")
    names = [p.field for p in problems]
    assert names.index("given_name") < names.index("email") < names.index("years_operational_service")
    assert names.index("years_operational_service") < names.index("missions") < names.index("privacy_consent")
    years = next(p for p in problems if p.field == "years_operational_service")
    assert years.message.startswith("Années de service policier opérationnel\u00a0: entrez un nombre entier")
    assert years.inline.startswith("Entrez un nombre entier")  # the label is right above it
    assert next(p for p in problems if p.field == "missions").anchor == "missions-1"
    assert next(p for p in problems if p.field == "preferred_language").anchor == "preferred_language-1"


def test_an_error_without_a_field_links_to_the_form() -> None:
    sections = fields.build("application", "en", MISSIONS)
    [p] = fields.problems("application", [FieldError("", "x", "Whole form.", "Tout le formulaire.")], sections, "en")
    assert p.anchor == "main-form" and p.field is None and p.message == "Whole form."


def test_csrf_token_is_bound_to_its_cookie_secret_and_scope() -> None:
    value = security.new_csrf_value()
    token = security.csrf_token("s3cret", value, "po-1")
    security.check_csrf("s3cret", value, token, "po-1")
    for cookie, sent, secret, scope in ((security.new_csrf_value(), token, "s3cret", "po-1"),
                                        (value, token, "other", "po-1"), (None, token, "s3cret", "po-1"),
                                        (value, None, "s3cret", "po-1"), ("short", token, "s3cret", "po-1"),
                                        (value, token, "s3cret", "po-2"), (value, token, "s3cret", "public")):
        with pytest.raises(security.CsrfRefused):
            security.check_csrf(secret, cookie, sent, scope)


def test_cookies_are_httponly_strict_and_secure_over_https() -> None:
    c = security.cookie("po_file", "abc", path="/en/status/po-1", secure=True)
    assert c == "po_file=abc; HttpOnly; Path=/en/status/po-1; SameSite=Strict; Secure"
    assert "Secure" not in security.cookie("po_file", "abc", secure=False)
    assert security.read_cookies({"cookie": "a=1; po_file=x; po_file=y"}) == {"a": ["1"], "po_file": ["x", "y"]}


def test_every_text_has_both_languages_and_every_key_used_exists() -> None:
    for key, entry in catalogue().items():
        assert entry.get("en") and entry.get("fr"), key
    web = Path(fields.__file__).parent
    used = set()
    for path in [*web.glob("*.py"), *(web / "templates").glob("*.html")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    assert used and used <= set(catalogue())


def test_dates_read_as_people_write_them() -> None:
    # in Ottawa's time (America/Toronto), the zone named, on the day it was there
    assert when("2026-11-23T01:45:00.000000Z", "en") == "November 22, 2026, 20:45 EST"
    assert when("2026-11-23T01:45:00.000000Z", "fr") == "22 novembre 2026, 20 h 45 HNE"
    assert when("2026-07-01T16:00:00Z", "fr") == "1 juillet 2026, 12 h 00 HAE"
    assert when("not a date", "en") == "not a date"
    assert t("error_summary_title", "fr", n=3).startswith("Le formulaire n'a pas pu être soumis, car 3 erreurs")


def test_links_and_cookie_paths_follow_a_site_under_a_path() -> None:
    """Behind an API Gateway stage (base URL ".../api") every link and cookie path carries it."""
    from dataclasses import replace
    from types import SimpleNamespace

    from chalicelib.config import get_settings
    from chalicelib.web import access
    from chalicelib.web.pages import Visit

    request = SimpleNamespace(path="/en/status/{application_id}", headers={}, uri_params={"application_id": "po-1"},
                              query_params={"token": "secret", "done": "withdrawn"})
    v = Visit.start(request, replace(get_settings(), base_url="https://peaceops.example.ca/api"))  # type: ignore[arg-type]
    assert v.lang == "en" and v.url("/missions") == "/api/en/missions"
    assert v.same_page_in("fr") == "/api/fr/status/po-1?done=withdrawn"  # never the token
    paths = [re.search(r"Path=([^;]+)", c).group(1) for c in access.grant(v.root, "po-1", "t" * 43, False)]  # type: ignore[union-attr]
    assert paths == ["/api/en/status/po-1", "/api/fr/status/po-1"]  # over http, scoped by path
    # Over https a __Host- cookie must sit at Path=/: the file's id moves into its name instead.
    assert access.grant(v.root, "po-1", "t" * 43, True) == [
        f"__Host-po_file_po-1={'t' * 43}; HttpOnly; Path=/; SameSite=Strict; Secure"]
