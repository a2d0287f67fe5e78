"""Every JSON request body is checked by one validator against its OpenAPI component.

Given the components of chalicelib/data/openapi.json, built with their enums filled from
workflow.json, a valid body passes and each kind of bad input is refused with its JSON
Pointer and code, in English and in French; the enums follow workflow.json; the note length
is one value. No AWS: the document is data.
"""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from chalicelib.domain import bodies, forms, openapi
from chalicelib.domain.bodies import Bodies
from chalicelib.domain.errors import ValidationFailed

RAW: dict[str, Any] = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
WORKFLOW: dict[str, Any] = json.loads(openapi.WORKFLOW.read_text(encoding="utf-8"))

VALID: list[tuple[str, dict[str, Any]]] = [
    ("MoveRequest", {"to_stage": "irss_review", "expected_stage": "service_review"}),
    ("MoveRequest", {"to_stage": "not_selected", "expected_stage": "interview", "reason_code": "criteria_not_met",
                     "note": "Fewer than 5 years in patrol"}),
    ("MoveRequest", {"to_stage": "medical", "expected_stage": "interview", "reason_code": None, "note": None}),
    ("BulkMoveItem", {"application_id": "a-1", "to_stage": "medical", "expected_stage": "interview"}),
    ("BulkMoveItem", {"application_id": "", "to_stage": "withdrawn", "expected_stage": "medical",
                      "reason_code": "other", "note": "n"}),
    ("BulkMoveRequest", {"moves": [{"application_id": "a-1"}], "confirm": True}),
    ("MedicalOutcomeRequest", {"outcome": "needs_consultation"}),
    ("ModuleResultRequest", {"module": "un-online-modules", "score": 0}),
    ("ModuleResultRequest", {"module": "un-online-modules", "score": 100}),
    ("WithdrawalRequest", {}),
    ("WithdrawalRequest", {"expected_stage": "deployed", "reason_code": "family_reasons", "note": "Mon père"}),
    ("RosterEntryCreate", {"reason_code": "existing_deployment", "note": "From the program's list"}),
    ("RosterEntryCreate", {"mission_id": None, "started_on": "2026-06-01", "planned_end": None,
                           "reason_code": "data_correction", "note": "n"}),
    ("RosterEntryCorrection", {"expected_version": 1, "planned_end": "2027-09-01", "reason_code": "extension_approved",
                               "note": "Approved"}),
    ("RosterEntryEnd", {"expected_version": 2, "reason_code": "mission_closed", "note": "n"}),
    ("WithdrawalRequest", {"expected_stage": None, "reason_code": None, "note": None}),
    ("AccessLinksRequest", {"email": "jeanne.tremblay@spvm.qc.ca"}),
    ("MissionPatch", {"version": 3, "deployment_months": 12}),
    ("MissionPatch", {}),
    ("MissionOpenRequest", {"accepting_applications": False}),
    ("CapCreate", {"cap_id": "west-bank", "name": {"en": "West Bank", "fr": "Cisjordanie"}}),
    ("CapCreate", {"cap_id": "mali-2", "authorized": None, "name": {"en": "Mali", "fr": "Mali"},
                   "note": {"en": "", "fr": ""}}),
    ("CapCreate", {"cap_id": "ukraine", "authorized": 10_000, "name": {"en": "Ukraine", "fr": "Ukraine"}}),
    ("AuthorizedRequest", {"authorized": 0}),
    ("AuthorizedRequest", {"authorized": 10_000, "note": "Ministerial letter of 2 May"}),
]


@pytest.mark.parametrize("component, body", VALID)
def test_a_valid_body_passes_and_comes_back(component: str, body: dict[str, Any]) -> None:
    assert bodies.check(component, body) == []
    assert bodies.require_valid(component, body) is body


LONG = "x" * 2001
REFUSED: list[tuple[str, Any, list[tuple[str, str]]]] = [
    # not an object, unknown fields, missing fields: every component
    ("MoveRequest", ["to_stage"], [("", "not-an-object")]),
    ("AuthorizedRequest", "3", [("", "not-an-object")]),
    ("MoveRequest", {}, [("/expected_stage", "required"), ("/to_stage", "required")]),
    ("MoveRequest", {"to_stage": "medical", "expected_stage": "interview", "stage": "x"}, [("/stage", "unknown-field")]),
    # stages, reason codes and note
    ("MoveRequest", {"to_stage": "nowhere", "expected_stage": "Medical"}, [("/expected_stage", "enum"), ("/to_stage", "enum")]),
    ("MoveRequest", {"to_stage": ["medical"], "expected_stage": 3}, [("/expected_stage", "enum"), ("/to_stage", "enum")]),
    ("MoveRequest", {"to_stage": "not_selected", "expected_stage": "interview", "reason_code": "bad_luck"},
     [("/reason_code", "enum")]),
    ("MoveRequest", {"to_stage": "not_selected", "expected_stage": "interview", "reason_code": 7}, [("/reason_code", "enum")]),
    ("MoveRequest", {"to_stage": "medical", "expected_stage": "interview", "note": LONG}, [("/note", "maxLength")]),
    ("MoveRequest", {"to_stage": "medical", "expected_stage": "interview", "note": {"en": "x"}}, [("/note", "type")]),
    ("MoveRequest", {"to_stage": "medical", "expected_stage": "interview", "note": "a\u202eb"},
     [("/note", "forbidden-character")]),
    # a bulk move's envelope, and each item on its own
    ("BulkMoveRequest", {}, [("/moves", "required")]),
    ("BulkMoveRequest", {"moves": []}, [("/moves", "minItems")]),
    ("BulkMoveRequest", {"moves": [{}] * 201, "confirm": True}, [("/moves", "maxItems")]),
    ("BulkMoveRequest", {"moves": {"application_id": "a"}}, [("/moves", "type")]),
    ("BulkMoveRequest", {"moves": [{}], "confirm": "yes"}, [("/confirm", "type")]),
    ("BulkMoveRequest", {"moves": [{}, 3]}, [("/moves/1", "type")]),
    ("BulkMoveRequest", {"moves": [{}], "dry_run": True}, [("/dry_run", "unknown-field")]),
    ("BulkMoveItem", {"to_stage": "medical", "expected_stage": "interview"}, [("/application_id", "required")]),
    ("BulkMoveItem", {"application_id": 5, "to_stage": "medical", "expected_stage": "x", "note": LONG, "why": 1},
     [("/application_id", "type"), ("/expected_stage", "enum"), ("/note", "maxLength"), ("/why", "unknown-field")]),
    # medical outcome: nothing but the outcome
    ("MedicalOutcomeRequest", {"outcome": "unfit", "diagnosis": "détail médical"}, [("/diagnosis", "unknown-field")]),
    ("MedicalOutcomeRequest", {"outcome": "dead"}, [("/outcome", "enum")]),
    ("MedicalOutcomeRequest", {}, [("/outcome", "required")]),
    # module results: a known module, a whole number from 0 to 100
    ("ModuleResultRequest", {"module": {}, "score": 85}, [("/module", "enum")]),
    ("ModuleResultRequest", {"module": "un-online-modules", "score": 101}, [("/score", "maximum")]),
    ("ModuleResultRequest", {"module": "un-online-modules", "score": -1}, [("/score", "minimum")]),
    ("ModuleResultRequest", {"module": "un-online-modules", "score": 85.0}, [("/score", "type")]),
    ("ModuleResultRequest", {"module": "un-online-modules", "score": True}, [("/score", "type")]),
    ("ModuleResultRequest", {"module": "un-online-modules", "score": "90"}, [("/score", "type")]),
    ("ModuleResultRequest", {"module": "un-online-modules", "score": 90, "comment": "x"}, [("/comment", "unknown-field")]),
    # withdrawal
    ("WithdrawalRequest", {"why": 1, "note": 5}, [("/note", "type"), ("/why", "unknown-field")]),
    ("WithdrawalRequest", {"reason_code": "criteria_not_met"}, [("/reason_code", "enum")]),
    ("WithdrawalRequest", {"expected_stage": "limbo", "note": LONG}, [("/expected_stage", "enum"), ("/note", "maxLength")]),
    # access links
    ("AccessLinksRequest", {"email": "nope", "x": 1}, [("/email", "format-email"), ("/x", "unknown-field")]),
    ("AccessLinksRequest", {}, [("/email", "required")]),
    ("AccessLinksRequest", {"email": ["a@b.ca"]}, [("/email", "type")]),
    ("AccessLinksRequest", {"email": "a" * 250 + "@b.ca"}, [("/email", "format-email"), ("/email", "maxLength")]),
    # missions
    ("MissionPatch", {"version": "1", "deployment_months": 6}, [("/version", "type")]),
    ("MissionPatch", {"version": 1.5}, [("/version", "type")]),
    ("MissionPatch", [], [("", "not-an-object")]),
    ("MissionOpenRequest", {"accepting_applications": "true"}, [("/accepting_applications", "type")]),
    ("MissionOpenRequest", {}, [("/accepting_applications", "required")]),
    ("MissionOpenRequest", {"accepting_applications": True, "x": 1}, [("/x", "unknown-field")]),
    # caps
    ("CapCreate", {}, [("/cap_id", "required"), ("/name", "required")]),
    ("CapCreate", {"cap_id": "West Bank", "name": {"en": "W", "fr": "C"}}, [("/cap_id", "pattern")]),
    ("CapCreate", {"cap_id": "w", "name": {"en": "W", "fr": "C"}}, [("/cap_id", "pattern")]),
    ("CapCreate", {"cap_id": "wb", "authorized": -1, "name": {"en": "W", "fr": "C"}}, [("/authorized", "minimum")]),
    ("CapCreate", {"cap_id": "wb", "authorized": "3", "name": {"en": "W", "fr": "C"}}, [("/authorized", "type")]),
    ("CapCreate", {"cap_id": "wb", "name": "West Bank"}, [("/name", "type")]),
    ("CapCreate", {"cap_id": "wb", "name": {"en": "W"}}, [("/name/fr", "required")]),
    ("CapCreate", {"cap_id": "wb", "name": {"en": "W", "fr": 3, "de": "X"}}, [("/name/de", "unknown-field"), ("/name/fr", "type")]),
    ("CapCreate", {"cap_id": "wb", "name": {"en": "W", "fr": "C"}, "note": "seats"}, [("/note", "type")]),
    ("CapCreate", {"cap_id": "wb", "name": {"en": "W", "fr": "C"}, "note": {"en": "x"}}, [("/note/fr", "required")]),
    ("CapCreate", {"cap_id": "wb", "name": {"en": "W", "fr": "C"}, "deployed": 3}, [("/deployed", "unknown-field")]),
    ("AuthorizedRequest", {}, [("/authorized", "required")]),
    ("AuthorizedRequest", {"authorized": None}, [("/authorized", "type")]),
    ("AuthorizedRequest", {"authorized": True}, [("/authorized", "type")]),
    ("AuthorizedRequest", {"authorized": -1}, [("/authorized", "minimum")]),
    ("AuthorizedRequest", {"authorized": 10_001}, [("/authorized", "maximum")]),
    ("AuthorizedRequest", {"authorized": 3, "note": LONG}, [("/note", "maxLength")]),
]


@pytest.mark.parametrize("component, body, expected", REFUSED)
def test_each_bad_input_is_refused_with_its_pointer_and_code(component: str, body: Any,
                                                             expected: list[tuple[str, str]]) -> None:
    with pytest.raises(ValidationFailed) as failed:
        bodies.require_valid(component, body)
    found = [(e.pointer, e.code) for e in failed.value.errors]
    assert found == expected
    assert failed.value.status == 422
    for e in failed.value.errors:  # every problem is told in both languages
        assert e.message_en and e.message_fr and e.message_en != e.message_fr


def _messages(component: str, body: Any) -> dict[str, tuple[str, str]]:
    return {e.code: (e.message_en, e.message_fr) for e in bodies.check(component, body)}


def test_messages_in_english_and_french() -> None:
    en, fr = _messages("MedicalOutcomeRequest", {"outcome": "dead"})["enum"]
    assert en == "outcome: must be one of fit, unfit, needs_consultation."
    assert fr == "outcome\u00a0: doit être l'un de fit, unfit, needs_consultation."
    en, fr = _messages("MedicalOutcomeRequest", {"outcome": "unfit", "diagnosis": "x"})["unknown-field"]
    assert (en, fr) == ("“diagnosis” is not a field here.", "«\u00a0diagnosis\u00a0» n'est pas un champ ici.")
    en, fr = _messages("MoveRequest", [])["not-an-object"]
    assert (en, fr) == ("The request body must be a JSON object.", "Le corps de la requête doit être un objet JSON.")
    en, fr = _messages("MoveRequest", {"to_stage": "medical", "expected_stage": "interview", "note": LONG})["maxLength"]
    assert (en, fr) == ("note: enter at most 2000 characters.", "note\u00a0: entrez au plus 2000 caractères.")
    en, fr = _messages("AuthorizedRequest", {"authorized": 10_001})["maximum"]
    assert (en, fr) == ("authorized: enter a number of at most 10000.", "authorized\u00a0: entrez un nombre d'au plus 10000.")
    en, fr = _messages("CapCreate", {"cap_id": "wb", "name": {"en": "W", "fr": "C"}, "authorized": "3"})["type"]
    assert (en, fr) == ("authorized: the value has the wrong type (expected integer or null).",
                        "authorized\u00a0: la valeur n'est pas du bon type (attendu\u00a0: integer ou null).")
    en, fr = _messages("CapCreate", {"cap_id": "W B", "name": {"en": "W", "fr": "C"}})["pattern"]
    assert en == "cap_id: the value does not match ^[a-z0-9-]{2,64}$." and fr.startswith("cap_id\u00a0: la valeur ne correspond")
    en, fr = _messages("AccessLinksRequest", {"email": "nope"})["format-email"]
    assert "name@example.ca" in en and "nom@exemple.ca" in fr
    en, fr = _messages("MoveRequest", {"to_stage": "medical", "expected_stage": "interview", "note": "\x00"})[
        "forbidden-character"]
    assert en.startswith("note: ") and "U+0000" in en and fr.startswith("note\u00a0: ")
    en, fr = _messages("BulkMoveRequest", {"moves": []})["minItems"]
    assert (en, fr) == ("moves: send at least 1 item(s).", "moves\u00a0: envoyez au moins 1 élément(s).")


def test_a_nullable_enum_lists_null_and_a_wrong_type_is_told_once() -> None:
    errors = bodies.check("MoveRequest", {"to_stage": "medical", "expected_stage": "interview", "reason_code": 7})
    assert [(e.pointer, e.code) for e in errors] == [("/reason_code", "enum")]
    assert errors[0].message_en.endswith(", mission_closed, null.")


def test_a_property_label_names_the_field_when_the_component_gives_one() -> None:
    doc = copy.deepcopy(bodies.bodies().doc)
    doc["components"]["schemas"]["MedicalOutcomeRequest"]["properties"]["outcome"]["x-label"] = {
        "en": "Medical outcome", "fr": "Résultat médical"}
    [error] = Bodies(doc).check("MedicalOutcomeRequest", {"outcome": "dead"})
    assert error.message_en.startswith("Medical outcome: must be one of fit")
    assert error.message_fr.startswith("Résultat médical\u00a0: doit être l'un de fit")


def test_a_bulk_items_pointers_start_at_its_place() -> None:
    with pytest.raises(ValidationFailed) as failed:
        bodies.require_valid("BulkMoveItem", {"to_stage": "medical", "expected_stage": 1}, at="/moves/3")
    assert [(e.pointer, e.code) for e in failed.value.errors] == [
        ("/moves/3/application_id", "required"), ("/moves/3/expected_stage", "enum")]
    [error] = bodies.check("BulkMoveItem", [], at="/moves/0")
    assert (error.pointer, error.code) == ("/moves/0", "not-an-object")
    [error] = bodies.check("BulkMoveItem", {"application_id": "a", "to_stage": "medical", "expected_stage": "medical",
                                            "note": "x\u2066"}, at="/moves/2")
    assert (error.pointer, error.code) == ("/moves/2/note", "forbidden-character") and error.message_en.startswith("note: ")


def test_a_bulk_item_is_a_move_request_and_its_file() -> None:
    schemas = bodies.bodies().doc["components"]["schemas"]
    item, move = schemas["BulkMoveItem"], schemas["MoveRequest"]
    assert set(item["properties"]) == set(move["properties"]) | {"application_id"}
    for name in move["properties"]:
        assert item["properties"][name] == {"$ref": f"#/components/schemas/MoveRequest/properties/{name}"}
    assert item["required"] == ["application_id", *move["required"]]
    assert item["additionalProperties"] is False and move["additionalProperties"] is False


def test_validators_and_the_document_are_built_once() -> None:
    assert openapi.document() is openapi.document()
    assert bodies.bodies() is bodies.bodies()
    assert bodies.bodies().validator("MoveRequest") is bodies.bodies().validator("MoveRequest")
    with pytest.raises(KeyError):
        bodies.check("NoSuchRequest", {})


# --- the enums come from workflow.json ------------------------------------------------------------

def _marked(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return ([node] if openapi.ENUM_MARK in node else []) + [m for v in node.values() for m in _marked(v)]
    if isinstance(node, list):
        return [m for v in node for m in _marked(v)]
    return []


def _typed_lists(node: Any) -> list[list[Any]]:
    if isinstance(node, dict):
        return [v for v in node.values() if isinstance(v, list)] + [x for v in node.values() for x in _typed_lists(v)]
    if isinstance(node, list):
        return [x for v in node for x in _typed_lists(v)]
    return []


def test_openapi_json_types_no_list_that_workflow_json_holds() -> None:
    held = [list(WORKFLOW["stages"]), list(WORKFLOW["medical_outcomes"]), list(WORKFLOW["un_required_modules"]),
            *[list(rule["codes"]) for rule in WORKFLOW["reasons"].values()]]
    typed = _typed_lists(RAW)
    assert not [values for values in held if values in typed]
    stages = set(WORKFLOW["stages"])
    assert not [values for values in typed if len({v for v in values if isinstance(v, str)} & stages) > 2]  # nor a part
    assert len(_marked(RAW)) >= 15  # every stage list of requests and answers, outcomes, modules, reasons


def test_every_marker_is_filled_from_workflow_json() -> None:
    doc = openapi.document()
    filled = _marked(doc)
    assert len(filled) == len(_marked(RAW))
    sources = {m[openapi.ENUM_MARK] for m in filled}
    assert sources == set(openapi.ENUM_SOURCES)  # each source is used, none is unknown
    stages = doc["components"]["schemas"]["MoveRequest"]["properties"]["to_stage"]["enum"]
    assert stages == list(WORKFLOW["stages"])
    assert doc["components"]["parameters"]["Filter_stage"]["schema"]["enum"] == stages
    outcome = doc["components"]["schemas"]["MedicalOutcomeRequest"]["properties"]["outcome"]["enum"]
    assert outcome == WORKFLOW["medical_outcomes"]
    assert doc["components"]["schemas"]["MedicalOutcomeResult"]["properties"]["medical_outcome"]["enum"] == outcome
    module = doc["components"]["schemas"]["ModuleResultRequest"]["properties"]["module"]["enum"]
    assert module == list(WORKFLOW["un_required_modules"])
    reasons = doc["components"]["schemas"]["MoveRequest"]["properties"]["reason_code"]["enum"]
    every = {code for rule in WORKFLOW["reasons"].values() for code in rule["codes"]}
    assert set(reasons) == every | {None} and len(reasons) == len(every) + 1
    withdrawal = doc["components"]["schemas"]["WithdrawalRequest"]["properties"]["reason_code"]["enum"]
    assert withdrawal == [*WORKFLOW["reasons"]["withdrawn"]["codes"], None]


def _extended_workflow() -> dict[str, Any]:
    wf = copy.deepcopy(WORKFLOW)
    wf["stages"]["debriefing"] = {"label": {"en": "Debriefing", "fr": "Compte rendu"},
                                  "next_step": {"en": "", "fr": ""}, "terminal": False, "email_template": "returned"}
    wf["medical_outcomes"].append("fit_with_restrictions")
    wf["un_required_modules"]["un-hrpp"] = {"en": "Human rights", "fr": "Droits de la personne"}
    wf["reasons"]["not_selected"]["codes"]["security_clearance"] = {"en": "Clearance", "fr": "Cote"}
    return wf


def test_a_new_stage_outcome_module_or_reason_in_workflow_json_is_accepted() -> None:
    before = (copy.deepcopy(RAW), copy.deepcopy(WORKFLOW))
    doc = openapi.build(RAW, _extended_workflow(), openapi.form_schemas())
    assert (RAW, WORKFLOW) == before  # build is pure: its inputs are untouched
    extended = Bodies(doc)
    move = {"to_stage": "debriefing", "expected_stage": "debriefing", "reason_code": "security_clearance"}
    outcome, module = {"outcome": "fit_with_restrictions"}, {"module": "un-hrpp", "score": 90}
    assert extended.check("MoveRequest", move) == []
    assert extended.check("WithdrawalRequest", {"expected_stage": "debriefing"}) == []
    assert extended.check("MedicalOutcomeRequest", outcome) == []
    assert extended.check("ModuleResultRequest", module) == []
    assert "debriefing" in doc["components"]["schemas"]["PipelineReport"]["properties"]["stages"]["items"]["enum"]
    # and the document built from today's workflow.json refuses them
    assert [e.code for e in bodies.check("MoveRequest", move)] == ["enum", "enum", "enum"]
    assert [e.code for e in bodies.check("MedicalOutcomeRequest", outcome)] == ["enum"]
    assert [e.code for e in bodies.check("ModuleResultRequest", module)] == ["enum"]


def test_a_removed_outcome_is_refused_and_an_unknown_marker_fails_the_build() -> None:
    wf = copy.deepcopy(WORKFLOW)
    wf["medical_outcomes"].remove("needs_consultation")
    doc = openapi.build(RAW, wf, openapi.form_schemas())
    assert [e.code for e in Bodies(doc).check("MedicalOutcomeRequest", {"outcome": "needs_consultation"})] == ["enum"]
    broken = copy.deepcopy(RAW)
    broken["components"]["schemas"]["MedicalOutcomeRequest"]["properties"]["outcome"][openapi.ENUM_MARK] = "workflow.outcome"
    with pytest.raises(KeyError, match="workflow.outcome"):
        openapi.build(broken, WORKFLOW, openapi.form_schemas())


def test_the_api_layer_serves_the_domain_document() -> None:
    from chalicelib.api import contract

    assert contract.document is openapi.document and contract.document() is openapi.document()


# --- one note length -------------------------------------------------------------------------------

NOTES = [("MoveRequest", "note"), ("BulkMoveItem", "note"), ("WithdrawalRequest", "note"), ("AuthorizedRequest", "note"),
         ("NoteRequest", "note"),
         ("RosterEntryCreate", "note"), ("RosterEntryCorrection", "note"), ("RosterEntryEnd", "note")]
ROSTER_REASONS = {"RosterEntryCreate": {"reason_code": "data_correction"},
                  "RosterEntryCorrection": {"reason_code": "data_correction", "planned_end": "2027-01-01"},
                  "RosterEntryEnd": {"reason_code": "repatriated"}}


def test_the_note_length_is_one_value() -> None:
    limit = bodies.max_length("MoveRequest", "note")
    assert {bodies.max_length(c, f) for c, f in NOTES} == {limit}
    assert limit == RAW["components"]["schemas"]["Note"]["maxLength"] == 2000
    notes = [prop for schema in RAW["components"]["schemas"].values() if isinstance(schema, dict)
             for name, prop in schema.get("properties", {}).items() if name == "note"]
    assert notes and all("maxLength" not in p for p in notes)  # each note refers to Note, none types its own
    for component, field in NOTES:
        body = {"to_stage": "medical", "expected_stage": "interview", "application_id": "a", "authorized": 1,
                "expected_version": 1}
        props = bodies.bodies().schema(component)["properties"]
        body = {k: v for k, v in body.items() if k in props}
        body.update(ROSTER_REASONS.get(component, {}))
        assert bodies.check(component, {**body, field: "é" * limit}) == []
        assert [e.code for e in bodies.check(component, {**body, field: "é" * (limit + 1)})] == ["maxLength"]


def test_changing_the_one_note_length_changes_every_note() -> None:
    raw = copy.deepcopy(RAW)
    raw["components"]["schemas"]["Note"]["maxLength"] = 1500
    changed = Bodies(openapi.build(raw, WORKFLOW, openapi.form_schemas()))
    assert {changed.max_length(c, f) for c, f in NOTES} == {1500}
    with pytest.raises(KeyError):
        changed.max_length("MoveRequest", "to_stage")  # a field without a limit says so


# --- the forms keep their own messages ---------------------------------------------------------------

def test_the_forms_messages_are_unchanged() -> None:
    errors = {e.pointer: e for e in forms.check("application", {"track": "astronaut", "zzz": 1})}
    assert errors["/zzz"].message_en == "“zzz” is not a field of this form."
    assert errors["/zzz"].message_fr == "«\u00a0zzz\u00a0» n'est pas un champ de ce formulaire."
    assert errors["/track"].code == "enum" and errors["/track"].message_en.endswith(": choose one of the options.")
    [error] = forms.check("family-readiness", [])
    assert (error.code, error.message_en) == ("not-an-object", "The form must be a JSON object.")
    mission = forms.message("unknown-mission", "application", "missions", pointer="/missions/0", value="PO-9")
    assert mission.pointer == "/missions/0" and "«\u00a0PO-9\u00a0» n'est pas une mission du catalogue." in mission.message_fr


# --- the document's own examples -------------------------------------------------------------------

def _json_bodies() -> list[tuple[str, str, str, list[Any]]]:
    found = []
    for path, item in openapi.document()["paths"].items():
        for method, operation in item.items():
            media = operation.get("requestBody", {}).get("content", {}).get("application/json") \
                if isinstance(operation, dict) else None
            if media is not None:
                examples = ([media["example"]] if "example" in media else []) + \
                    [e["value"] for e in media.get("examples", {}).values()]
                found.append((method, path, media["schema"]["$ref"], examples))
    return found


def test_every_json_body_is_a_component_and_its_examples_pass() -> None:
    seen = _json_bodies()
    assert len(seen) >= 12
    for method, path, ref, examples in seen:
        assert ref.startswith("#/components/schemas/"), (method, path)
        component = ref.rsplit("/", 1)[1]
        assert bodies.bodies().schema(component)["type"] == "object", (method, path)
        for example in examples:
            assert bodies.check(component, example) == [], (method, path, example)
    assert {ref.rsplit("/", 1)[1] for _, _, ref, _ in seen} >= {
        "MoveRequest", "BulkMoveRequest", "MedicalOutcomeRequest", "ModuleResultRequest", "WithdrawalRequest",
        "AccessLinksRequest", "MissionPatch", "MissionOpenRequest", "CapCreate", "AuthorizedRequest"}
