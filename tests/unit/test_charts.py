"""The dashboard's charts (domain/charts.py): SVG that is an accessible image (role, title, description, no script),
says nothing by colour alone, and carries the same figures as its text summary and table, in English or French.
Given / When / Then."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from chalicelib.domain import charts

NS = "{http://www.w3.org/2000/svg}"
STAGES = [("Application received", 12, False), ("Initial selection", 5, False), ("RCMP screening", 0, False),
          ("Not selected", 3, True)]
CAPS = [charts.CapSeats("West Bank", 12, 10, (1, 3, 5)), charts.CapSeats("Mali", None, 2, (0, 0, 0))]


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("chart", [charts.funnel("haiti", "Haiti <MINUSTAH>", STAGES, "en"),
                                   charts.seats("seats", CAPS, (30, 90, 180), "fr")], ids=["funnel", "seats"])
def test_a_chart_is_an_accessible_image_with_no_script_and_escaped_text(chart):
    # When the SVG is parsed as XML (a bad escape would not parse)...
    root = ET.fromstring(chart.svg)
    # ...then it is an image labelled by its title and described by its summary
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert (title.text, desc.text) == (chart.title, chart.summary)
    # And it holds no script, no event handler, no link to elsewhere
    assert not re.search(r"<script|\son\w+=|href=", chart.svg)
    # And every colour it uses is the dark blue, the text grey or white, each far enough from the other
    colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', chart.svg))
    assert colours <= {charts.BLUE, charts.TEXT, charts.LIGHT}
    assert contrast(charts.BLUE, charts.LIGHT) >= 4.5 and contrast(charts.TEXT, charts.LIGHT) >= 4.5


def test_a_funnel_writes_each_stages_figure_and_hatches_the_closed_ones():
    # Given a mission's stages, when its funnel is drawn in English
    chart = charts.funnel("haiti", "Haiti", STAGES, "en")
    root = ET.fromstring(chart.svg)
    texts = [t.text for t in root.iter(f"{NS}text")]
    # Then each stage's label and its figure are written (not only drawn)
    for label, n, _ in STAGES:
        assert label in texts and str(n) in texts
    # And the closed stage's bar is hatched, the open ones solid; the longest bar is the largest stage
    bars = [r for r in root.iter(f"{NS}rect") if r.get("height") == str(charts.BAR)]
    assert [b.get("fill").startswith("url(") for b in bars] == [False, False, False, True]
    assert float(bars[0].get("width")) == charts.BAR_AREA and float(bars[2].get("width")) == 0
    # And the summary and the table carry the same figures
    assert chart.summary == "Haiti: 20 files: 17 open, 3 closed. The most are at Application received (12)."
    assert chart.columns == ("Stage", "Files", "Open or closed")
    assert chart.rows[3] == ("Not selected", "3", "Closed")


def test_a_funnel_in_french_and_without_files():
    chart = charts.funnel("congo", "Congo", [("Demande reçue", 0, False)], "fr")
    assert chart.summary == "Congo\u00a0: aucun dossier pour l'instant."
    assert chart.columns == ("Étape", "Dossiers", "Ouvert ou fermé") and chart.rows == (("Demande reçue", "0", "Ouvert"),)
    one = charts.funnel("x", "X", [("A", 1, False), ("B", 1234, True)], "fr")
    assert one.summary == "X\u00a0: 1\u202f235 dossiers\u00a0: 1 ouvert, 1\u202f234 fermés. Le plus grand nombre en est à B (1\u202f234)."


def test_the_seats_chart_shows_used_soon_free_and_a_cap_without_a_figure():
    # Given West Bank (12 authorized, 10 deployed, 3 ending within 90 days) and Mali (no figure, 2 deployed)
    chart = charts.seats("seats", CAPS, (30, 90, 180), "en")
    root = ET.fromstring(chart.svg)
    # Then the summary says it in words, for each cap
    assert chart.summary == ("West Bank: 10 of 12 seats used, 2 free; 3 planned to end within 90 days. "
                             "Mali: 2 deployed, no authorized figure; 0 planned to end within 90 days.")
    # And the table has every horizon
    assert chart.columns[-3:] == ("Planned to end within 30 days", "Planned to end within 90 days",
                                  "Planned to end within 180 days")
    assert chart.rows == (("West Bank", "12", "10", "2", "1", "3", "5"), ("Mali", "no authorized figure", "2", "–",
                                                                           "0", "0", "0"))
    # And West Bank's bar is 7 used (solid), 3 ending soon (hatched), 2 free (outlined), in that order and scale
    bars = [r for r in root.iter(f"{NS}rect") if r.get("height") == str(charts.BAR)]
    unit = charts.BAR_AREA / 12
    assert [(b.get("fill"), round(float(b.get("width")) / unit)) for b in bars[:3]] == [
        (charts.BLUE, 7), ("url(#seats-hatch)", 3), (charts.LIGHT, 2)]
    assert bars[2].get("stroke") == charts.BLUE  # free seats outlined: visible on white
    # And the legend names each kind of segment in words
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert {"Used", "Used, planned to end within 90 days", "Free"} <= set(texts)


def test_the_seats_chart_in_french():
    chart = charts.seats("seats", CAPS[:1], (30, 90, 180), "fr")
    assert chart.title == "Postes occupés par rapport aux postes autorisés, par plafond"
    assert chart.summary == "West Bank\u00a0: 10 sur 12 postes occupés, 2 libres; 3 dont la fin est prévue d'ici 90 jours."
    assert chart.columns[:4] == ("Plafond", "Autorisés", "Déployés", "Libres")
