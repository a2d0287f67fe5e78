"""The two forms: their JSON Schemas (data in schemas/) and how input is checked.

Validators are built once per process: building one checks the schema itself,
which costs far more than validating a document (see benchmarks/). jsonschema and
its format checkers are imported then, not at a cold start: a request that
validates nothing (a status page, a list) never pays for them.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from . import addresses
from .errors import FieldError, ValidationFailed
from .i18n import pick

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import ValidationError

# schemas/ sits beside app.py; in the Lambda package vendor/schemas lands there too.
SCHEMA_DIR = Path(__file__).resolve().parent.parent.parent / "schemas"
FORM_NAMES = ("application", "family-readiness")
ADMIN_SCHEMAS = ("mission", "bulletin")

def _is_email(value: object) -> bool:
    # jsonschema's own check only looks for an "@"; a mail must be deliverable, and outside ASCII only an
    # IDNA domain with an ASCII local part (domain/addresses.py: the one rule, for every form and body).
    return not isinstance(value, str) or addresses.problem(value) is None


@lru_cache(maxsize=None)
def format_checker() -> FormatChecker:
    """jsonschema's format checkers (dates among them) with our email check, built on first use."""
    from jsonschema import FormatChecker

    checker = FormatChecker()
    checker.checks("email")(_is_email)
    return checker


@lru_cache(maxsize=None)
def load_schema(form_name: str) -> dict[str, Any]:
    if form_name not in FORM_NAMES + ADMIN_SCHEMAS:
        raise KeyError(form_name)
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / f"{form_name}.json").read_text(encoding="utf-8"))
    return schema


@lru_cache(maxsize=None)
def validator(form_name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = load_schema(form_name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=format_checker())


def pointer(parts: Iterable[Any]) -> str:
    """RFC 6901 JSON Pointer for a path."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def top_field(at: str) -> str:
    """The form field a JSON Pointer is in ("" for the document itself): the inverse of ``pointer``'s first part.

    >>> top_field("/missions/1"), top_field("/a~1b"), top_field("")
    ('missions', 'a/b', '')
    """
    first = at.split("/")[1] if at.startswith("/") else ""
    return first.replace("~1", "/").replace("~0", "~")


def field_label(form_name: str, field: str, lang: str) -> str:
    prop = load_schema(form_name).get("properties", {}).get(field)
    if not prop:
        return field
    return pick(prop.get("x-label"), lang) or field


_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("{label}: this field is required.", "{label}\u00a0: ce champ est obligatoire."),
    "unknown-field": ("“{field}” is not a field of this form.", "«\u00a0{field}\u00a0» n'est pas un champ de ce formulaire."),
    "type": ("{label}: the value has the wrong type (expected {expected}).", "{label}\u00a0: la valeur n'est pas du bon type (attendu\u00a0: {expected})."),
    "format-date": ("{label}: enter a real date as YYYY-MM-DD.", "{label}\u00a0: entrez une date réelle au format AAAA-MM-JJ."),
    "format-email": ("{label}: enter an email address like name@example.ca.", "{label}\u00a0: entrez une adresse courriel comme nom@exemple.ca."),
    addresses.NOT_ASCII: ("{label}: before the @, use only plain letters (no accents), digits and signs such as "
                          ". _ - +; after it, a domain name with accents is fine as long as it does not mix alphabets.",
                          "{label}\u00a0: avant le @, n'utilisez que des lettres simples (sans accents), des chiffres "
                          "et des signes comme . _ - +; après le @, un nom de domaine accentué convient s'il ne "
                          "mélange pas les alphabets."),
    "format": ("{label}: the value is not in the expected format.", "{label}\u00a0: la valeur n'est pas dans le format attendu."),
    "enum": ("{label}: choose one of the options.", "{label}\u00a0: choisissez l'une des options."),
    "const": ("{label}: you must accept to continue.", "{label}\u00a0: vous devez accepter pour continuer."),
    "minLength": ("{label}: enter at least {limit} character(s).", "{label}\u00a0: entrez au moins {limit} caractère(s)."),
    "maxLength": ("{label}: enter at most {limit} characters.", "{label}\u00a0: entrez au plus {limit} caractères."),
    "pattern": ("{label}: the value is not in the expected format.", "{label}\u00a0: la valeur n'est pas dans le format attendu."),
    "minimum": ("{label}: enter a number of at least {limit}.", "{label}\u00a0: entrez un nombre d'au moins {limit}."),
    "maximum": ("{label}: enter a number of at most {limit}.", "{label}\u00a0: entrez un nombre d'au plus {limit}."),
    "minItems": ("{label}: choose at least {limit}.", "{label}\u00a0: choisissez-en au moins {limit}."),
    "maxItems": ("{label}: choose at most {limit}.", "{label}\u00a0: choisissez-en au plus {limit}."),
    "uniqueItems": ("{label}: each choice may appear only once.", "{label}\u00a0: chaque choix ne peut figurer qu'une fois."),
    "unknown-mission": ("{label}: “{value}” is not a mission in the catalogue.", "{label}\u00a0: «\u00a0{value}\u00a0» n'est pas une mission du catalogue."),
    "mission-closed": ("{label}: “{value}” is not taking applications.", "{label}\u00a0: «\u00a0{value}\u00a0» n'accepte pas de candidatures."),
    "not-an-object": ("The form must be a JSON object.", "Le formulaire doit être un objet JSON."),
}


Label = Callable[[str, str], str]
"""How messages name a field: ``label(field, lang)``."""


def form_label(form_name: str) -> Label:
    """A form's fields are named by their schema's ``x-label``."""
    return lambda field, lang: field_label(form_name, field, lang)


def field_error(code: str, field: str, label: Label, table: Mapping[str, tuple[str, str]] | None = None,
                **params: Any) -> FieldError:
    """Build a FieldError with its English and French messages, the field named by ``label``.

    ``table`` replaces some of the messages (a JSON request body is not "this form")."""
    en, fr = (table or {}).get(code) or _MESSAGES.get(code, _MESSAGES["format"])
    ptr = params.pop("pointer", pointer([field]) if field else "")
    return FieldError(
        pointer=ptr,
        code=code,
        message_en=en.format(label=label(field, "en"), field=field, **params),
        message_fr=fr.format(label=label(field, "fr"), field=field, **params),
    )


def message(code: str, form_name: str, field: str, **params: Any) -> FieldError:
    """Build a FieldError with its English and French messages."""
    return field_error(code, field, form_label(form_name), **params)


def _listing(values: Any, joiner: str = ", ") -> str:
    items = values if isinstance(values, list) else [values]
    return joiner.join("null" if v is None else str(v) for v in items)


_LIMITS = ("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems")


def translate(error: ValidationError, label: Label, table: Mapping[str, tuple[str, str]] | None = None) -> list[FieldError]:
    """One jsonschema error as FieldErrors (JSON Pointer, code, both languages), fields named by ``label``.

    Messages may use {label}, {field}, {limit} (a limit's value), {values} (an enum's values) and
    {expected} / {types_en} / {types_fr} (a type's); ``table`` replaces some of them."""
    def say(code: str, field: str, **params: Any) -> FieldError:
        return field_error(code, field, label, table, **params)

    path = list(error.absolute_path)
    top = str(path[0]) if path else ""
    kind = str(error.validator)
    instance = error.instance
    if kind == "required":
        missing = [f for f in error.validator_value if isinstance(instance, dict) and f not in instance]
        return [say("required", f, pointer=pointer(path + [f])) for f in missing]
    if kind in ("additionalProperties", "unevaluatedProperties"):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed] if isinstance(instance, dict) else []
        return [say("unknown-field", k, pointer=pointer(path + [k])) for k in extra]
    if not path and kind == "type":
        return [say("not-an-object", "", pointer="")]
    ptr = pointer(path)
    if kind == "format":
        code = f"format-{error.validator_value}" if error.validator_value in ("date", "email") else "format"
        if code == "format-email" and isinstance(instance, str):
            code = addresses.problem(instance) or code  # an address outside ASCII says so, in both languages
        return [say(code, top, pointer=ptr)]
    if kind == "type":
        return [say("type", top, pointer=ptr, expected=error.validator_value,
                    types_en=_listing(error.validator_value, " or "), types_fr=_listing(error.validator_value, " ou "))]
    if kind in _LIMITS:
        return [say(kind, top, pointer=ptr, limit=error.validator_value)]
    if kind in _MESSAGES:
        return [say(kind, top, pointer=ptr, values=_listing(error.validator_value))]
    return [say("format", top, pointer=ptr)]


def _translate(form_name: str, error: ValidationError) -> list[FieldError]:
    return translate(error, form_label(form_name))


def check(form_name: str, document: Any) -> list[FieldError]:
    """All schema violations of ``document``, in a stable order (by pointer)."""
    from .text import forbidden_character_errors  # text.py builds its pointers with this module's pointer()

    found: dict[tuple[str, str], FieldError] = {}
    for error in validator(form_name).iter_errors(document):
        for fe in _translate(form_name, error):
            found.setdefault((fe.pointer, fe.code), fe)
    for fe in forbidden_character_errors(document):  # NUL and bidi controls: refused in every text field
        top = (fe.pointer.split("/") + ["", ""])[1].replace("~1", "/").replace("~0", "~")
        labelled = FieldError(fe.pointer, fe.code, f"{field_label(form_name, top, 'en')}: {fe.message_en}",
                              f"{field_label(form_name, top, 'fr')}\u00a0: {fe.message_fr}")
        found.setdefault((fe.pointer, fe.code), labelled)
    return sorted(found.values(), key=lambda fe: (fe.pointer, fe.code))


def problems(form_name: str, document: Any) -> list[str]:
    """The schema's refusals of a stored document, as "pointer: code" (what a record read back logs)."""
    return [f"{e.pointer or '/'}: {e.code}" for e in check(form_name, document)]


def require_valid(form_name: str, document: Any, extra: list[FieldError] | None = None) -> None:
    """Raise ValidationFailed listing every problem, schema and cross-field."""
    errors = check(form_name, document) + list(extra or [])
    if errors:
        raise ValidationFailed(errors)
