"""Schemas, validators and language negotiation."""
from __future__ import annotations

import pytest

from chalicelib.domain import forms, tokens
from chalicelib.domain.i18n import negotiate


def test_validators_are_built_once():
    assert forms.validator("application") is forms.validator("application")


def test_both_schemas_are_valid_2020_12_and_fully_bilingual():
    for name in forms.FORM_NAMES:
        schema = forms.load_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False
        # Every field is drawn in a section, but those only the API sends (the web form infers the call).
        listed = [f for s in schema["x-sections"] for f in s["fields"]] + schema.get("x-api-only", [])
        assert sorted(listed) == sorted(schema["properties"]), name
        for prop in schema["properties"].values():
            for key in ("x-label", "x-help"):
                assert set(prop[key]) == {"en", "fr"}
            for labels in prop.get("x-enum-labels", {}).values():
                assert labels["en"] and labels["fr"]
            if "enum" in prop:
                assert set(prop["enum"]) == set(prop["x-enum-labels"])


def test_police_service_enum_matches_the_data():
    from chalicelib.domain.missions import police_services

    from chalicelib.domain import datafiles

    assert forms.load_schema("application")["properties"]["police_service"]["enum"] == (
        list(police_services()) + list(datafiles.FORM_ONLY_SERVICES))


@pytest.mark.parametrize("value,ok", [("a@b.ca", True), ("a@b", False), ("a b@c.ca", False), ("@c.ca", False)])
def test_email_format_is_checked(value, ok):
    errors = [e for e in forms.check("application", {"email": value}) if e.pointer == "/email"]
    assert (not errors) is ok


@pytest.mark.parametrize("value,ok", [("2027-02-28", True), ("2027-02-29", False), ("20270228", False), ("28/02/2027", False)])
def test_date_format_is_checked(value, ok):
    errors = [e for e in forms.check("application", {"available_from": value}) if e.pointer == "/available_from"]
    assert (not errors) is ok


def test_json_pointer_escaping():
    assert forms.pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
    errors = forms.check("family-readiness", {"a/b": 1})
    assert "/a~1b" in {e.pointer for e in errors}


@pytest.mark.parametrize("header,lang", [(None, "en"), ("fr", "fr"), ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
                                         ("en-CA,fr;q=0.5", "en"), ("de-DE", "en"), ("de, fr;q=0.1", "fr"), ("fr;q=x", "en")])
def test_language_negotiation(header, lang):
    assert negotiate(header) == lang


NOW = __import__("datetime").datetime(2026, 12, 1, 12, 0, tzinfo=__import__("datetime").timezone.utc)


def test_tokens():
    t = tokens.new_token(NOW)
    assert tokens.matches(t, ["0" * 64, tokens.token_hash(t)])
    assert not tokens.matches(t, [tokens.token_hash(tokens.new_token(NOW))])
    assert not tokens.matches(None, [tokens.token_hash(t)])
    assert tokens.derived_token("s", NOW, "a", "b") == tokens.derived_token("s", NOW, "a", "b") != tokens.derived_token("s", NOW, "a", "c")
    assert tokens.email_key(" Foo@Example.ca ") == tokens.email_key("foo@example.ca")


def test_a_token_carries_its_issue_time_and_works_for_90_days():
    """Security finding 5: tokens never expired. Now each carries its issue time (covered by its hash)."""
    from datetime import timedelta

    t = tokens.new_token(NOW)
    assert tokens.issued_at(t) == NOW
    assert tokens.is_current(t, NOW + timedelta(days=89, hours=23))
    assert not tokens.is_current(t, NOW + timedelta(days=90, seconds=1))
    assert not tokens.is_current(t, NOW - timedelta(hours=1))  # issued in the future: forged or a wrong clock
    derived = tokens.derived_token("s", NOW, "submit", "k")
    assert tokens.issued_at(derived) == NOW and tokens.is_current(derived, NOW + timedelta(days=30))
    # A token of the old kind (32 random bytes, no time) no longer opens anything.
    old = __import__("base64").urlsafe_b64encode(bytes(32)).rstrip(b"=").decode()
    assert tokens.issued_at(old) is None and not tokens.is_current(old, NOW)


def test_deployed_stages_refuse_the_development_secret():
    from chalicelib.config import DEFAULT_SECRET, ConfigurationError, get_settings, require_production_ready
    from dataclasses import replace

    base = get_settings()
    require_production_ready(replace(base, stage="local", token_secret=DEFAULT_SECRET))
    require_production_ready(replace(base, stage="prod", token_secret="x" * 40))
    with pytest.raises(ConfigurationError):
        require_production_ready(replace(base, stage="prod", token_secret=DEFAULT_SECRET))
