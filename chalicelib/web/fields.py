"""Forms produced from their JSON Schemas: one source of truth for fields,
labels, help, choices and the types a post is converted to.

A field's widget follows from its schema: ``x-input`` when given, otherwise
few choices are radios, many a select, booleans yes/no radios (an explicit
answer), ``const: true`` a checkbox, ``format: date`` three boxes (day, month,
year: the GC Design System's and GOV.UK's date input, numeric keypads on phones)
and ``x-source: missions`` one select per allowed choice so the order of
preference survives without JavaScript.

Error messages say what to do without repeating the label ("Enter your given
name", not "Given name: this field is required."): a field's own words come
from its schema's ``x-messages`` (an error code, or ``subject``: how a date's
messages name it, to {"en", "fr"}), else from the page texts (text.json).
The JSON API keeps domain/forms.py's messages, which name the field.
"""
from __future__ import annotations

import re
from datetime import date
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..domain.errors import FieldError
from ..domain.forms import FORM_NAMES, load_schema, top_field
from ..domain import requirements
from ..domain.i18n import pick
from .text import t

MAX_RADIOS = 6
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")
_AGE_SEPARATORS = re.compile(r"[\s,;]+")
_DIGITS = re.compile(r"^[0-9]+$")
DATE_PARTS = ("day", "month", "year")
ABSENT = object()

FormData = Mapping[str, list[str]]


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    group: str = ""


@dataclass(frozen=True)
class Field:
    name: str
    widget: str  # text | textarea | radios | select | checkbox | choices | date
    label: str
    help: str
    required: bool = False
    input_type: str = "text"
    inputmode: str | None = None
    autocomplete: str | None = None
    width: str = ""
    options: tuple[Option, ...] = ()
    slots: tuple[str, ...] = ()  # the labels of each select of a "choices" field, or of a date's boxes

    @property
    def anchor(self) -> str:
        """The id an error summary links to: the field's first control."""
        if self.widget == "date":
            return f"{self.name}-day"
        return self.name if self.widget in ("text", "textarea", "select", "checkbox") else f"{self.name}-1"

    @property
    def boxes(self) -> tuple[tuple[str, str], ...]:
        """A date's (part, label) boxes: day, month, year."""
        return tuple(zip(DATE_PARTS, self.slots, strict=True)) if self.widget == "date" else ()


@dataclass(frozen=True)
class Section:
    id: str
    label: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Problem:
    """One error to show: the same words in the summary and beside the field."""

    field: str | None
    anchor: str
    message: str
    inline: str
    boxes: tuple[str, ...] = ()  # a date's boxes in error (day, month, year), the first one linked


@dataclass
class FormView:
    """Everything a template needs to draw a form: fields, values, errors."""

    sections: list[Section]
    values: FormData = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def value(self, name: str) -> str:
        got = self.values.get(name) or [""]
        return got[0]

    def value_at(self, name: str, index: int) -> str:
        got = self.values.get(name) or []
        return got[index] if index < len(got) else ""

    def errors_for(self, name: str) -> list[str]:
        return [p.inline for p in self.problems if p.field == name]

    def box_in_error(self, name: str, part: str) -> bool:
        """Whether a date's box is one the error is about (all three when the whole date is)."""
        return any(p.field == name and part in p.boxes for p in self.problems)


def _options(prop: dict[str, Any], lang: str) -> tuple[Option, ...]:
    labels = prop.get("x-enum-labels", {})
    return tuple(Option(str(v), pick(labels.get(v), lang) or str(v)) for v in prop.get("enum", []))


def _is_checkbox(prop: dict[str, Any]) -> bool:
    return prop.get("x-input") == "checkbox" or prop.get("const") is True


def _width(prop: dict[str, Any], kind: str) -> str:
    if kind == "integer":
        return "w-4"
    if prop.get("x-input") == "tel":
        return "w-20"
    if kind == "ages":
        return "w-20"
    max_length = prop.get("maxLength")
    return "w-30" if max_length is not None and max_length <= 120 else ""


def mission_options(missions: Iterable[dict[str, Any]], lang: str) -> tuple[Option, ...]:
    """Missions taking applications (a call open now), grouped by kind, in catalogue order."""
    return tuple(Option(m["mission_id"], pick(m["name"], lang), t(f"kind_{m['kind']}", lang))
                 for m in missions if m.get("taking_applications"))


def build_field(name: str, prop: dict[str, Any], required: bool, lang: str,
                missions: Iterable[dict[str, Any]] = ()) -> Field:
    common: dict[str, Any] = {"name": name, "label": pick(prop.get("x-label"), lang) or name,
                              "help": pick(requirements.field_help(name) or prop.get("x-help"), lang),
                              "required": required}
    kind = prop.get("type")
    if prop.get("x-source") == "missions":
        slots = tuple(t("choice_required" if i < prop.get("minItems", 0) else "choice_optional", lang,
                        ordinal=t(f"ordinal_{i + 1}", lang)) for i in range(prop.get("maxItems", 3)))
        return Field(widget="choices", options=mission_options(missions, lang), slots=slots, **common)
    if _is_checkbox(prop):
        return Field(widget="checkbox", **common)
    if prop.get("format") == "date":
        help_text = " ".join(h for h in (common.pop("help"), t("date_example", lang)) if h)
        return Field(widget="date", help=help_text, inputmode="numeric",
                     slots=tuple(t(f"date_{part}", lang) for part in DATE_PARTS), **common)
    if kind == "boolean":
        return Field(widget="radios", options=(Option("true", t("yes", lang)), Option("false", t("no", lang))),
                     **common)
    if "enum" in prop:
        options = _options(prop, lang)
        return Field(widget="radios" if len(options) <= MAX_RADIOS else "select", options=options, **common)
    if kind == "array":  # a list of numbers (ages): one text box, numbers separated by commas
        return Field(widget="text", inputmode="text", width=_width(prop, "ages"), **common)
    if kind == "integer":
        return Field(widget="text", inputmode="numeric", width=_width(prop, "integer"), **common)
    x_input = prop.get("x-input")
    return Field(widget="textarea" if x_input == "textarea" else "text",
                 input_type=x_input if x_input in ("email", "tel") else "text",
                 autocomplete=prop.get("x-autocomplete"), width=_width(prop, str(kind)), **common)


def build(form_name: str, lang: str, missions: Iterable[dict[str, Any]] = ()) -> list[Section]:
    """The form's sections and fields, in the schema's order, in ``lang``."""
    schema = load_schema(form_name)
    props, required = schema["properties"], set(schema.get("required", []))
    missions = list(missions)
    sections = schema.get("x-sections") or [{"id": "form", "label": schema.get("x-title"), "fields": list(props)}]
    return [Section(s["id"], pick(s.get("label"), lang),
                    tuple(build_field(n, props[n], n in required, lang, missions) for n in s["fields"]))
            for s in sections]


# --- from a post to the JSON document --------------------------------------

def _ages(text: str) -> list[Any]:
    # A value that is not a whole number stays a string, so the schema names it.
    return [int(p) if _INTEGER.match(p) else p for p in _AGE_SEPARATORS.split(text.strip()) if p]


def _convert(prop: dict[str, Any], raw: list[str]) -> Any:
    if _is_checkbox(prop):
        return bool(raw) and raw[-1] == "true"
    if prop.get("type") == "array":
        if prop.get("items", {}).get("type") == "integer":
            ages = _ages(" ".join(raw))
            return ages if ages else ABSENT
        chosen = [v.strip() for v in raw if v.strip()]
        return chosen if chosen else ABSENT
    first = (raw[0] if raw else "").replace("\r\n", "\n").strip()
    if not first:
        return ABSENT  # an empty box is a missing answer: "required", not "too short"
    if prop.get("type") == "integer":
        return int(first) if _INTEGER.match(first) else first
    if prop.get("type") == "boolean":
        return {"true": True, "false": False}.get(first, first)
    return first


def date_parts(data: FormData, name: str) -> tuple[str, str, str]:
    """A date's three boxes as typed (day, month, year), trimmed."""
    day, month, year = (((data.get(f"{name}-{part}") or [""])[0]).strip() for part in DATE_PARTS)
    return day, month, year


def _date(data: FormData, name: str) -> Any:
    """The three boxes as the schema's YYYY-MM-DD: 27, 3, 2027 is "2027-03-27".

    Boxes that do not make a date are joined as typed ("2027--27", "2027-mars-27"): never a valid date, so
    the schema refuses it and ``problems`` says which box is wrong. A post of the one-box form (a page
    drawn before the three boxes) is read as it was typed."""
    day, month, year = date_parts(data, name)
    if not (day or month or year):
        single = ((data.get(name) or [""])[0]).strip()
        return single or ABSENT
    if all(_DIGITS.match(p) for p in (day, month, year)) and len(year) == 4 and len(day) <= 2 and len(month) <= 2:
        return f"{year}-{month.zfill(2)}-{day.zfill(2)}"
    return f"{year}-{month}-{day}"


def _is_date(prop: dict[str, Any]) -> bool:
    return prop.get("format") == "date"


def to_document(form_name: str, data: FormData) -> dict[str, Any]:
    """The JSON document for a post: schema fields only, converted to their types.

    Values that do not convert are left as typed so the schema reports them.
    """
    doc: dict[str, Any] = {}
    for name, prop in load_schema(form_name)["properties"].items():
        value = _date(data, name) if _is_date(prop) else _convert(prop, list(data.get(name, [])))
        if value is not ABSENT:
            doc[name] = value
    return doc


def _date_values(name: str, value: str) -> dict[str, list[str]]:
    """A stored YYYY-MM-DD (or boxes joined as typed) back in its three boxes, as a person types them."""
    pieces = value.split("-")
    if len(pieces) != 3:
        return {f"{name}-day": [""], f"{name}-month": [""], f"{name}-year": [value]}
    year, month, day = pieces
    as_typed = [p.lstrip("0") or p if _DIGITS.match(p) else p for p in (day, month)]
    return {f"{name}-day": [as_typed[0]], f"{name}-month": [as_typed[1]], f"{name}-year": [year]}


def to_values(form_name: str, document: Mapping[str, Any]) -> dict[str, list[str]]:
    """A stored document as form values, to fill the form again."""
    values: dict[str, list[str]] = {}
    for name, prop in load_schema(form_name)["properties"].items():
        if name not in document:
            continue
        value = document[name]
        if _is_date(prop) and isinstance(value, str):
            values.update(_date_values(name, value))
        elif isinstance(value, bool):
            values[name] = ["true" if value else "false"]
        elif isinstance(value, list) and prop.get("items", {}).get("type") == "integer":
            values[name] = [", ".join(str(v) for v in value)]
        elif isinstance(value, list):
            values[name] = [str(v) for v in value]
        else:
            values[name] = [str(value)]
    return values


# --- errors ----------------------------------------------------------------

def _field_of(pointer: str) -> str | None:
    return top_field(pointer) or None


def _short(message: str, label: str) -> str:
    """The message without its leading label, for beside the field (the label is right there)."""
    for prefix in (f"{label}: ", f"{label}\u00a0: "):
        if message.startswith(prefix):
            rest = message[len(prefix):]
            return rest[:1].upper() + rest[1:]
    return message


def _schema_props(form_name: str) -> dict[str, Any]:
    """The schema's properties; the small forms that have no schema have none."""
    return load_schema(form_name)["properties"] if form_name in FORM_NAMES else {}


def _own_words(prop: dict[str, Any], key: str, lang: str) -> str:
    """The field's own message for ``key`` (its schema's ``x-messages``), or ""."""
    return pick(prop.get("x-messages", {}).get(key), lang)


def _subject(prop: dict[str, Any], lang: str) -> str:
    """How a date's messages name it ("The expiry date"), else "The date"."""
    return _own_words(prop, "subject", lang) or t("date_subject", lang)


def date_problem(values: FormData, name: str) -> tuple[str, tuple[str, ...]]:
    """What is wrong with a date's boxes: (the page text's key, the boxes to mark), GOV.UK's order of checks:
    nothing typed, a box left empty, a year not of 4 digits, then not a real date."""
    typed = dict(zip(DATE_PARTS, date_parts(values, name), strict=True))
    if not any(typed.values()) and (values.get(name) or [""])[0].strip():
        return "err_date_real", DATE_PARTS  # a one-box post that did not make a date
    missing = tuple(part for part in DATE_PARTS if not typed[part])
    if len(missing) == len(DATE_PARTS):
        return "", DATE_PARTS
    if missing:
        return "err_date_missing_" + "_".join(missing), missing
    wrong = tuple(part for part in DATE_PARTS if not _DIGITS.match(typed[part]))
    if "year" not in wrong and len(typed["year"]) != 4:
        return "err_date_year_digits", ("year",)
    # A day or month of more than 2 digits is no day or month (and never reaches int(): Python refuses to
    # convert a string of thousands of digits, which a post may hold).
    wrong += tuple(part for part in ("day", "month") if part not in wrong and len(typed[part]) > 2)
    if wrong:
        return "err_date_real", wrong
    day, month, year = int(typed["day"]), int(typed["month"]), int(typed["year"])
    try:
        date(year, month, day)
    except ValueError:
        return "err_date_real", ("day",) if 1 <= month <= 12 else ("month",) if day <= 31 else DATE_PARTS
    return "err_date_real", DATE_PARTS


def _required(f: Field, prop: dict[str, Any], lang: str) -> str:
    own = _own_words(prop, "required", lang)
    if own:
        return own
    if f.input_type == "email":
        return t("err_email_required", lang)
    key = "err_select_required" if f.widget in ("radios", "select", "choices", "checkbox") else "err_enter_required"
    return t(key, lang, label=f.label)


# An address outside ASCII we cannot take, and one we cannot mail now (domain/addresses.py, services/email_change.py).
_EMAIL_KEYS = {"email-not-ascii": "err_email_ascii", "address-unavailable": "err_email_unavailable"}
_LIMIT_KEYS = {"minLength": "err_min_length", "maxLength": "err_max_length", "minimum": "err_minimum",
               "maximum": "err_maximum", "minItems": "err_min_items", "maxItems": "err_max_items"}


def _by_code(error: FieldError, f: Field, prop: dict[str, Any], lang: str) -> str:
    """The page text for an error's code, the field's limit filled in; "" if the code has none."""
    numeric = prop.get("type") == "integer" or prop.get("items", {}).get("type") == "integer"
    if error.code == "type" and numeric:  # the schema's "expected integer" means little to a person typing
        return t("err_whole_numbers" if prop.get("type") == "array" else "err_whole_number", lang)
    if error.code == "pattern" and prop.get("x-input") == "tel":
        return t("err_phone", lang)
    if error.code == "format-email":
        return t("err_email", lang)
    if error.code in _EMAIL_KEYS:
        return t(_EMAIL_KEYS[error.code], lang)
    if error.code in _LIMIT_KEYS and error.code in prop:
        return t(_LIMIT_KEYS[error.code], lang, limit=prop[error.code])
    simple = {"enum": "err_enum", "uniqueItems": "err_unique"}
    return t(simple[error.code], lang) if error.code in simple else ""


def _message(error: FieldError, f: Field | None, lang: str, form_name: str,
             values: FormData) -> tuple[str, tuple[str, ...]]:
    """The words for one error (the same in the summary and beside the field) and, for a date, its boxes."""
    domain_words = error.message_fr if lang == "fr" else error.message_en
    if f is None:
        return domain_words, ()
    prop = _schema_props(form_name).get(f.name, {})
    boxes: tuple[str, ...] = DATE_PARTS if f.widget == "date" else ()
    if f.widget == "date" and error.code not in ("required", "const"):
        key, boxes = date_problem(values, f.name)
        if key:
            return t(key, lang, subject=_subject(prop, lang)), boxes
    own = _own_words(prop, error.code, lang)
    if own:
        return own, boxes
    # The small forms without a schema (form_pages: withdrawal, new link) word their own errors; an
    # address's come from the API's body checks, which name the field by its key.
    if error.code in ("required", "const") and (form_name in FORM_NAMES or f.input_type == "email"):
        return _required(f, prop, lang), boxes
    # Anything else keeps the domain's words without their leading label (the label is right there).
    return _by_code(error, f, prop, lang) or _short(domain_words, f.label), boxes


def problems(form_name: str, errors: Iterable[FieldError], sections: list[Section], lang: str,
             top_anchor: str = "main-form", values: FormData | None = None) -> list[Problem]:
    """Errors in the order their fields appear, each linked to its field (a date: its first box in error).

    ``values`` are what was posted: a date's message says which of its boxes is wrong."""
    fields = [f for s in sections for f in s.fields]
    position = {f.name: i for i, f in enumerate(fields)}
    by_name = {f.name: f for f in fields}
    found: list[tuple[int, Problem]] = []
    seen: set[tuple[str | None, str]] = set()
    for error in errors:
        name = _field_of(error.pointer)
        f = by_name.get(name or "")
        text, boxes = _message(error, f, lang, form_name, values or {})
        if (name, text) in seen:  # one message per field and wording, however many items broke it
            continue
        seen.add((name, text))
        anchor = (f"{f.name}-{boxes[0]}" if boxes else f.anchor) if f else top_anchor
        found.append((position.get(name or "", len(fields)), Problem(f.name if f else None, anchor, text, text, boxes)))
    return [p for _, p in sorted(found, key=lambda pair: pair[0])]
