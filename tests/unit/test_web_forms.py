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
    # The same words in the summary and beside the field, and never the label again (it is right above it).
    assert years.message == years.inline == "Entrez un nombre entier, comme 12"
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
    # in Ottawa's time (America/Toronto), the zone named, on the day it was there, as the Translation Bureau and the
    # Canadian Style write them (the spaces inside a time non-breaking)
    assert when("2026-11-23T01:45:00.000000Z", "en") == "November 22, 2026, 8:45\u00a0p.m. (Ottawa time)"
    assert when("2026-11-23T01:45:00.000000Z", "fr") == "22 novembre 2026 à 20\u00a0h\u00a045 (heure d'Ottawa)"
    assert when("2026-07-01T16:00:00Z", "fr") == "1er juillet 2026 à 12\u00a0h (heure d'Ottawa)"
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


# --- issue 15: dates as three boxes, messages in the field's own words ---------------------------------

DATE_FIELDS = {form: [n for n, p in forms.load_schema(form)["properties"].items() if p.get("format") == "date"]
               for form in forms.FORM_NAMES}


def test_every_date_is_three_numeric_boxes_in_a_group() -> None:
    assert DATE_FIELDS["application"] == ["first_aid_cpr_expiry", "firearms_expiry", "baton_expiry",
                                          "oc_spray_expiry", "available_from"]
    for lang, labels, example in (("en", ("Day", "Month", "Year"), "For example, 27 3 2027."),
                                  ("fr", ("Jour", "Mois", "Année"), "Par exemple, 27 3 2027.")):
        drawn = _fields("application", lang)
        for name in DATE_FIELDS["application"]:
            f = drawn[name]
            assert f.widget == "date" and f.inputmode == "numeric" and f.anchor == f"{name}-day"
            assert f.boxes == tuple(zip(("day", "month", "year"), labels, strict=True))
            assert f.help.endswith(example) and "YYYY" not in f.help and "AAAA" not in f.help


def test_three_boxes_make_the_schemas_date_and_a_stored_date_refills_them() -> None:
    def doc(day: str, month: str, year: str) -> dict[str, object]:
        return fields.to_document("application", {"available_from-day": [day], "available_from-month": [month],
                                                  "available_from-year": [year]})

    assert doc("27", "3", "2027")["available_from"] == "2027-03-27"
    assert doc(" 05 ", "03", "2027")["available_from"] == "2027-03-05"
    assert "available_from" not in doc("", "", "")  # nothing typed: a missing answer
    for typed in (("31", "2", "2027"), ("", "3", "2027"), ("27", "3", "27"), ("27", "mars", "2027"),
                  ("1", "1", "2027-01-01")):
        assert forms.check("application", doc(*typed)) and any(
            e.pointer == "/available_from" and e.code == "format-date"
            for e in forms.check("application", doc(*typed))), typed
    assert fields.to_document("application", {"available_from": ["2027-03-27"]})["available_from"] == "2027-03-27"
    values = fields.to_values("application", {"available_from": "2027-03-05"})
    assert values == {"available_from-day": ["5"], "available_from-month": ["3"], "available_from-year": ["2027"]}
    assert fields.to_document("application", values)["available_from"] == "2027-03-05"
    # What was typed comes back as typed, a wrong box included.
    again = {k: v for k, v in fields.to_values("application", doc("27", "", "2027")).items() if "available" in k}
    assert again == {"available_from-day": ["27"], "available_from-month": [""], "available_from-year": ["2027"]}


def _date_problem(day: str, month: str, year: str, lang: str = "en",
                  name: str = "first_aid_cpr_expiry") -> fields.Problem:
    data = {f"{name}-day": [day], f"{name}-month": [month], f"{name}-year": [year]}
    doc = fields.to_document("application", data)
    sections = fields.build("application", lang, MISSIONS)
    found = fields.problems("application", forms.check("application", doc), sections, lang, values=data)
    [p] = [p for p in found if p.field == name]
    return p


@pytest.mark.parametrize("typed, en, fr, boxes", [
    (("", "", ""), "Enter the date your First Aid and CPR certificate expires",
     "Entrez la date d'expiration de votre certificat de secourisme et de RCR", ("day", "month", "year")),
    (("31", "2", "2027"), "The expiry date must be a real date", "La date d'expiration doit être une date réelle",
     ("day",)),
    (("27", "13", "2027"), "The expiry date must be a real date", "La date d'expiration doit être une date réelle",
     ("month",)),
    (("27", "3", ""), "The expiry date must include a year", "La date d'expiration doit comprendre l'année",
     ("year",)),
    (("", "3", "2027"), "The expiry date must include a day", "La date d'expiration doit comprendre le jour",
     ("day",)),
    (("", "", "2027"), "The expiry date must include a day and a month",
     "La date d'expiration doit comprendre le jour et le mois", ("day", "month")),
    (("27", "3", "27"), "The year must include 4 numbers", "L'année doit compter 4 chiffres", ("year",)),
    (("27", "mars", "2027"), "The expiry date must be a real date", "La date d'expiration doit être une date réelle",
     ("month",)),
])
def test_a_dates_message_says_what_is_wrong_and_links_to_the_first_box_in_error(
        typed: tuple[str, str, str], en: str, fr: str, boxes: tuple[str, ...]) -> None:
    for lang, words in (("en", en), ("fr", fr)):
        p = _date_problem(*typed, lang=lang)
        assert p.message == p.inline == words
        assert p.boxes == boxes and p.anchor == f"first_aid_cpr_expiry-{boxes[0]}"
    view = fields.FormView(fields.build("application", "en", MISSIONS), {}, [_date_problem(*typed)])
    assert [b for b in ("day", "month", "year") if view.box_in_error("first_aid_cpr_expiry", b)] == list(boxes)


def test_a_date_without_words_of_its_own_is_the_date() -> None:
    assert _date_problem("30", "2", "2027", name="available_from").message == "The date you are available from must be a real date"
    assert fields._subject({}, "fr") == "La date"


def _problems(data: dict[str, list[str]], lang: str, form: str = "application") -> dict[str | None, fields.Problem]:
    doc = fields.to_document(form, data)
    sections = fields.build(form, lang, MISSIONS)
    return {p.field: p for p in fields.problems(form, forms.check(form, doc), sections, lang, values=data)}


def test_messages_say_what_to_do_without_repeating_the_label() -> None:
    en, fr = _problems({}, "en"), _problems({}, "fr")
    assert en["given_name"].message == "Enter your given name" and fr["given_name"].message == "Entrez votre prénom"
    assert en["preferred_language"].message == "Select your preferred official language"
    assert fr["preferred_language"].message == "Choisissez votre langue officielle de préférence"
    assert en["privacy_consent"].message.startswith("Confirm that you have read the privacy notice")
    for problems, lang in ((en, "en"), (fr, "fr")):
        labels = {f.name: f.label for s in fields.build("application", lang, MISSIONS) for f in s.fields}
        for name, p in problems.items():
            assert p.message == p.inline, name
            assert not p.message.startswith(labels[name or ""]), (name, p.message)
            assert "this field is required" not in p.message and "ce champ est obligatoire" not in p.message
    family = _problems({"dependants": ["7, onze"], "emergency_contact_phone": ["appelez-moi"]}, "fr", "family-readiness")
    assert family["dependants"].message.startswith("Entrez des nombres entiers séparés par des virgules")
    assert family["emergency_contact_phone"].message == "Entrez un numéro de téléphone, comme 613-555-0199"
    assert family["joint_decision"].message == "Indiquez si vous avez pris cette décision avec votre partenaire"
    email = _problems({"email": ["jordan@"]}, "en")["email"]
    assert email.message == "Enter an email address in the correct format, like name@example.ca"


def test_a_police_officers_questions_have_their_own_words_too() -> None:
    p = _problems({"track": ["police_officer"]}, "en")
    assert p["police_service"].message == "Select your police service" and p["rank"].message == "Select your rank"
    assert p["firearms_expiry"].message == "Enter the date your firearms qualification expires"
    assert p["firearms_expiry"].anchor == "firearms_expiry-day"


def test_every_required_question_has_its_own_words_in_both_languages() -> None:
    for form in forms.FORM_NAMES:
        schema = forms.load_schema(form)
        required = set(schema["required"]) | {n for rule in schema.get("allOf", []) for n in rule["then"]["required"]}
        for name in required:
            own = schema["properties"][name].get("x-messages", {}).get("required", {})
            assert own.get("en") and own.get("fr"), (form, name)
        for name in DATE_FIELDS[form]:
            assert set(schema["properties"][name]["x-messages"]["subject"]) == {"en", "fr"}, name


def test_a_question_without_words_of_its_own_is_named_in_quotes() -> None:
    f = fields.Field(name="x", widget="radios", label="Colour", help="")
    assert fields._required(f, {}, "en") == "Select an answer for “Colour”"
    assert fields._required(f, {}, "fr") == "Choisissez une réponse pour «\u00a0Colour\u00a0»"


def test_the_small_forms_keep_the_words_their_page_wrote() -> None:
    reason = fields.Field(name="reason_code", widget="radios", label="Why are you withdrawing?", help="",
                          required=True)
    sections = [fields.Section("withdrawal", "", (reason,))]
    error = FieldError("/reason_code", "required", t("err_withdraw_reason", "en"), t("err_withdraw_reason", "fr"))
    [en] = fields.problems("withdrawal", [error], sections, "en")
    [fr] = fields.problems("withdrawal", [error], sections, "fr")
    assert (en.message, fr.message) == ("Select why you are withdrawing", "Choisissez le motif de votre retrait")
    assert en.anchor == "reason_code-1"


def test_a_date_box_of_thousands_of_digits_is_a_wrong_box_not_a_crash() -> None:
    # Found in review (issue 15): int() refuses a string of more than 4,300 digits, and the check called it.
    from chalicelib.web.fields import date_problem

    huge = "1" * 5000
    assert date_problem({"d-day": ["3"], "d-month": [huge], "d-year": ["2027"]}, "d") == ("err_date_real", ("month",))
    assert date_problem({"d-day": [huge], "d-month": [huge], "d-year": ["2027"]}, "d") == ("err_date_real",
                                                                                         ("day", "month"))
    assert date_problem({"d-day": ["31"], "d-month": ["2"], "d-year": ["2027"]}, "d") == ("err_date_real", ("day",))
