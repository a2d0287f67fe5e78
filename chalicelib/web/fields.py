"""Forms produced from their JSON Schemas: one source of truth for fields,
labels, help, choices and the types a post is converted to.

A field's widget follows from its schema: ``x-input`` when given, otherwise
few choices are radios, many a select, booleans yes/no radios (an explicit
answer), ``const: true`` a checkbox, and ``x-source: missions`` one select per
allowed choice so the order of preference survives without JavaScript.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..domain.errors import FieldError
from ..domain.forms import FORM_NAMES, load_schema
from ..domain.i18n import pick
from .text import t

MAX_RADIOS = 6
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")
_AGE_SEPARATORS = re.compile(r"[\s,;]+")
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
    widget: str  # text | textarea | radios | select | checkbox | choices
    label: str
    help: str
    required: bool = False
    input_type: str = "text"
    inputmode: str | None = None
    autocomplete: str | None = None
    width: str = ""
    options: tuple[Option, ...] = ()
    slots: tuple[str, ...] = ()  # the labels of each select of a "choices" field

    @property
    def anchor(self) -> str:
        """The id an error summary links to: the field's first control."""
        return self.name if self.widget in ("text", "textarea", "select", "checkbox") else f"{self.name}-1"


@dataclass(frozen=True)
class Section:
    id: str
    label: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Problem:
    """One error to show: in the summary (full message) and beside the field."""

    field: str | None
    anchor: str
    message: str
    inline: str


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


def _options(prop: dict[str, Any], lang: str) -> tuple[Option, ...]:
    labels = prop.get("x-enum-labels", {})
    return tuple(Option(str(v), pick(labels.get(v), lang) or str(v)) for v in prop.get("enum", []))


def _is_checkbox(prop: dict[str, Any]) -> bool:
    return prop.get("x-input") == "checkbox" or prop.get("const") is True


def _width(prop: dict[str, Any], kind: str) -> str:
    if prop.get("format") == "date":
        return "w-10"
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
                              "help": pick(prop.get("x-help"), lang), "required": required}
    kind = prop.get("type")
    if prop.get("x-source") == "missions":
        slots = tuple(t("choice_required" if i < prop.get("minItems", 0) else "choice_optional", lang,
                        ordinal=t(f"ordinal_{i + 1}", lang)) for i in range(prop.get("maxItems", 3)))
        return Field(widget="choices", options=mission_options(missions, lang), slots=slots, **common)
    if _is_checkbox(prop):
        return Field(widget="checkbox", **common)
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
                 autocomplete=prop.get("x-autocomplete") or ("off" if prop.get("format") == "date" else None),
                 width=_width(prop, str(kind)), **common)


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


def to_document(form_name: str, data: FormData) -> dict[str, Any]:
    """The JSON document for a post: schema fields only, converted to their types.

    Values that do not convert are left as typed so the schema reports them.
    """
    doc: dict[str, Any] = {}
    for name, prop in load_schema(form_name)["properties"].items():
        value = _convert(prop, list(data.get(name, [])))
        if value is not ABSENT:
            doc[name] = value
    return doc


def to_values(form_name: str, document: Mapping[str, Any]) -> dict[str, list[str]]:
    """A stored document as form values, to fill the form again."""
    values: dict[str, list[str]] = {}
    for name, prop in load_schema(form_name)["properties"].items():
        if name not in document:
            continue
        value = document[name]
        if isinstance(value, bool):
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
    first = pointer.split("/")[1] if pointer.startswith("/") else ""
    return first.replace("~1", "/").replace("~0", "~") or None


def _short(message: str, label: str) -> str:
    """The message without its leading label, for beside the field (the label is right there)."""
    for prefix in (f"{label}: ", f"{label}\u00a0: ", f"{label} : "):
        if message.startswith(prefix):
            rest = message[len(prefix):]
            return rest[:1].upper() + rest[1:]
    return message


def _schema_props(form_name: str) -> dict[str, Any]:
    """The schema's properties; the small forms that have no schema have none."""
    return load_schema(form_name)["properties"] if form_name in FORM_NAMES else {}


def _message(error: FieldError, f: Field | None, lang: str, form_name: str) -> str:
    prop = _schema_props(form_name).get(f.name, {}) if f else {}
    numeric = prop.get("type") == "integer" or prop.get("items", {}).get("type") == "integer"
    if error.code == "type" and f is not None and numeric:
        # The schema's "expected integer" means little to a person typing in a box.
        key = "err_whole_numbers" if prop.get("type") == "array" else "err_whole_number"
        return t(key, lang, label=f.label)
    if error.code == "pattern" and f is not None and prop.get("x-input") == "tel":
        return t("err_phone", lang, label=f.label)
    return error.message_fr if lang == "fr" else error.message_en


def problems(form_name: str, errors: Iterable[FieldError], sections: list[Section], lang: str,
             top_anchor: str = "main-form") -> list[Problem]:
    """Errors in the order their fields appear, each linked to its field."""
    fields = [f for s in sections for f in s.fields]
    position = {f.name: i for i, f in enumerate(fields)}
    by_name = {f.name: f for f in fields}
    found: list[tuple[int, Problem]] = []
    seen: set[tuple[str | None, str]] = set()
    for error in errors:
        name = _field_of(error.pointer)
        f = by_name.get(name or "")
        text = _message(error, f, lang, form_name)
        if (name, text) in seen:  # one message per field and wording, however many items broke it
            continue
        seen.add((name, text))
        problem = Problem(f.name if f else None, f.anchor if f else top_anchor, text,
                          _short(text, f.label) if f else text)
        found.append((position.get(name or "", len(fields)), problem))
    return [p for _, p in sorted(found, key=lambda pair: pair[0])]
