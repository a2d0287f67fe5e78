"""Every JSON request body, checked by one validator against its OpenAPI component.

The components of chalicelib/data/openapi.json (as built by domain/openapi.py, enums filled
from workflow.json) are the rules: a service calls ``require_valid("MoveRequest", body)`` and
gets the body back, or ValidationFailed with one FieldError per problem (a JSON Pointer, a
code, English and French messages), as the forms give. The codes are the forms' (the JSON
Schema keyword: required, type, enum, maxLength, minimum, pattern, format-email...), plus
unknown-field for a field the component does not name and not-an-object for a body that is
not a JSON object. NUL and bidirectional controls are refused in every text (domain/text.py).

Cross-field rules stay with their service (a bulk move of more than 25 files needs
``confirm``; which reason a role may give is the workflow's). Integers are JSON integers only:
``true`` and ``85.0`` are not whole numbers here.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

from . import forms
from .errors import FieldError, ValidationFailed
from .i18n import pick
from .openapi import document

if TYPE_CHECKING:  # jsonschema and referencing are imported on the first validation, not at a cold start
    from jsonschema.protocols import Validator
    from referencing import Registry

URI = "urn:peaceops:openapi"
"""The document's address for references: ``#/components/schemas/X`` inside it resolve within it."""

MESSAGES: dict[str, tuple[str, str]] = {
    "unknown-field": ("“{field}” is not a field here.", "«\u00a0{field}\u00a0» n'est pas un champ ici."),
    "not-an-object": ("The request body must be a JSON object.", "Le corps de la requête doit être un objet JSON."),
    "type": ("{label}: the value has the wrong type (expected {types_en}).",
             "{label}\u00a0: la valeur n'est pas du bon type (attendu\u00a0: {types_fr})."),
    "enum": ("{label}: must be one of {values}.", "{label}\u00a0: doit être l'un de {values}."),
    "minItems": ("{label}: send at least {limit} item(s).", "{label}\u00a0: envoyez au moins {limit} élément(s)."),
    "maxItems": ("{label}: send at most {limit} items.", "{label}\u00a0: envoyez au plus {limit} éléments."),
    "pattern": ("{label}: the value does not match {values}.", "{label}\u00a0: la valeur ne correspond pas à {values}."),
}
"""Where a body's messages differ from the forms' (forms._MESSAGES has the others)."""


def _is_integer(_checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


@lru_cache(maxsize=None)
def _strict() -> Any:
    """Draft 2020-12 where an integer is never a boolean (built on first use)."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(Draft202012Validator,
                             type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer))


class Bodies:
    """The validators of one built document, one per component, each built on first use."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self._registry: Registry[Any] | None = None
        self._validators: dict[str, Validator] = {}

    @property
    def registry(self) -> Registry[Any]:
        if self._registry is None:
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            self._registry = Registry().with_resource(URI, Resource.from_contents(self.doc,
                                                                                  default_specification=DRAFT202012))
        return self._registry

    def schema(self, component: str) -> dict[str, Any]:
        """The component's schema (KeyError if the document has none of that name)."""
        found: dict[str, Any] = self.doc["components"]["schemas"][component]
        return found

    def validator(self, component: str) -> Validator:
        if component not in self._validators:
            strict = _strict()
            strict.check_schema(self.schema(component))
            self._validators[component] = strict(
                {"$ref": f"{URI}#/components/schemas/{component}"},
                registry=self.registry, format_checker=forms.format_checker())
        return self._validators[component]

    def _label(self, component: str) -> forms.Label:
        properties = self.schema(component).get("properties", {})

        def label(field: str, lang: str) -> str:
            prop = properties.get(field)
            return (pick(prop.get("x-label"), lang) if isinstance(prop, dict) else "") or field
        return label

    def check(self, component: str, body: Any, at: str = "") -> list[FieldError]:
        """Every problem of ``body``, by pointer; pointers start at ``at`` (a bulk item's "/moves/3")."""
        from .text import forbidden_character_errors

        label = self._label(component)
        found: dict[tuple[str, str], FieldError] = {}
        for error in self.validator(component).iter_errors(body):
            for fe in forms.translate(error, label, MESSAGES):
                found.setdefault((at + fe.pointer, fe.code), _at(at, fe))
        for fe in forbidden_character_errors(body, at):
            top = fe.pointer[len(at):].split("/")[1:2]
            name = top[0].replace("~1", "/").replace("~0", "~") if top else ""
            found.setdefault((fe.pointer, fe.code), FieldError(
                fe.pointer, fe.code, f"{label(name, 'en')}: {fe.message_en}" if name else fe.message_en,
                f"{label(name, 'fr')}\u00a0: {fe.message_fr}" if name else fe.message_fr))
        # An enum's message lists the values: the wrong type of the same field says nothing more.
        enums = {ptr for ptr, code in found if code == "enum"}
        kept = [fe for (ptr, code), fe in found.items() if not (code == "type" and ptr in enums)]
        return sorted(kept, key=lambda fe: (fe.pointer, fe.code))

    def require_valid(self, component: str, body: Any, at: str = "") -> dict[str, Any]:
        """``body`` itself if it fits ``component``; else ValidationFailed listing every problem."""
        errors = self.check(component, body, at)
        if errors:
            raise ValidationFailed(errors)
        if not isinstance(body, dict):  # every request component is an object; one that is not is a bug here
            raise TypeError(f"{component} does not describe a JSON object")
        return body

    def _resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """A node with its local references (``#/components/...``, the only kind the document has) followed, without
        building the registry (a page reads a limit at import, a cold start builds no validator)."""
        while "$ref" in node:
            ref = str(node["$ref"])
            if not ref.startswith("#/"):
                raise KeyError(ref)
            target: Any = self.doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def max_length(self, component: str, field: str) -> int:
        """The most characters ``field`` of ``component`` may hold (KeyError if it sets no limit)."""
        node = self._resolve(self.schema(component)["properties"][field])
        if "maxLength" not in node:  # a field that takes its limit from a shared component ("allOf": [Note])
            for part in node.get("allOf", ()):
                found = self._resolve(part)
                if "maxLength" in found:
                    return int(found["maxLength"])
        return int(node["maxLength"])


def _at(prefix: str, fe: FieldError) -> FieldError:
    if not prefix:
        return fe
    return FieldError(prefix + fe.pointer, fe.code, fe.message_en, fe.message_fr)


@lru_cache(maxsize=1)
def bodies() -> Bodies:
    """The validators of the served document (one set per process)."""
    return Bodies(document())


def check(component: str, body: Any, at: str = "") -> list[FieldError]:
    """Every problem of ``body`` against the component, in a stable order (by pointer, then code)."""
    return bodies().check(component, body, at)


def require_valid(component: str, body: Any, at: str = "") -> dict[str, Any]:
    """``body`` if it fits ``document()["components"]["schemas"][component]``; else ValidationFailed."""
    return bodies().require_valid(component, body, at)


def max_length(component: str, field: str) -> int:
    """A text field's length limit as the document states it, e.g. ``max_length("MoveRequest", "note")``."""
    return bodies().max_length(component, field)
