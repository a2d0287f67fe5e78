"""French as the Government of Canada writes it: the program's name, the country names and the wording slips a
program officer found (issue 23), nowhere in what a person reads nor in the code that builds it.

Typography (spacing) is tests/unit/test_typography.py's; this file checks words.
"""
from __future__ import annotations

import json
import re

from tests.unit.test_typography import JSON_FILES, ROOT, _strings, _template_words

# (the slip, what Government of Canada French writes instead)
SLIPS = [
    (r"Arrangement sur la police canadienne", "« Arrangement sur la police civile canadienne (APCC) » (the RCMP's name)"),
    (r"police civile au Canada", "« Arrangement sur la police civile canadienne (APCC) »"),
    (r"\bAPC\b", "« APCC »"),
    (r"\bIrak\b", "« Iraq » (Government of Canada usage)"),
    (r"soutien de la paix de la police internationale",
     "« Formation sur les opérations de soutien de la police internationale » (no « de la paix »)"),
    (r"options de police", "« services de police » (the English « policing options » is not « options de police »)"),
    (r"\best sélectionnée?\b", "« Votre candidature est retenue »"),
    (r"\bd[ée]ploy(é|ée|és|ées|er) à\b|\bdéploiement à\b",
     "deployed « dans le cadre de » or « auprès de » a mission, not « à »"),
]
PY_FILES = sorted([ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py")])


def _sources() -> list[tuple[str, str]]:
    """(where, text): every French string of the data files, schemas and page texts, the templates' words, the
    Python sources that build strings, and the README (its French quotes)."""
    out = [(f"{path.relative_to(ROOT)}{where}", text) for path in JSON_FILES
           for where, text in _strings(json.loads(path.read_text(encoding="utf-8")), "fr")]
    out += _template_words()
    for path in [*PY_FILES, ROOT / "README.md"]:
        out += [(f"{path.relative_to(ROOT)}:{n}", line)
                for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]
    return out


def test_the_slips_are_found_where_they_are_written() -> None:
    # Given one sentence per slip
    written = ["Arrangement sur la police canadienne (APC)", "l'Arrangement sur la police civile au Canada",
               "les déploiements de l'APC", "Irak : Équipe", "opérations de soutien de la paix de la police internationale",
               "soutien aux options de police", "Votre dossier R-1 est sélectionné.", "a été déployée à {mission}",
               "Un déploiement à {cap}"]
    # When each is checked, Then each is caught, and the right words are not
    assert all(any(re.search(slip, text) for slip, _ in SLIPS) for text in written)
    right = ["Arrangement sur la police civile canadienne (APCC)", "Iraq\u00a0: Équipe", "Votre candidature est retenue",
             "déployée dans le cadre de la mission Haïti", "Formation sur les opérations de soutien de la police internationale"]
    assert not [text for text in right if any(re.search(slip, text) for slip, _ in SLIPS)]


def test_french_uses_the_government_of_canadas_names_and_words() -> None:
    # Given every French string a person reads and every line of the code and README
    sources = _sources()
    assert len(sources) > 5000
    # When each is searched for the slips
    found = [f"{where}: {m.group(0)!r} → {right}" for where, text in sources for slip, right in SLIPS
             if (m := re.search(slip, text))]
    # Then there is none
    assert found == []


def test_the_program_is_named_in_french_as_the_rcmp_names_it() -> None:
    # Given the French home page's words and the privacy notice
    web = json.loads((ROOT / "chalicelib" / "web" / "text.json").read_text(encoding="utf-8"))
    french = " ".join(text for _, text in _strings(web, "fr"))
    # Then the program's French name is there in full
    assert "Arrangement sur la police civile canadienne (APCC)" in french
    missions = json.loads((ROOT / "chalicelib" / "data" / "missions.json").read_text(encoding="utf-8"))
    assert {c["name"]["fr"] for c in missions["caps"] if c["cap_id"] == "iraq"} == {"Iraq"}
