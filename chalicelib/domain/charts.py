"""The dashboard's charts, drawn on the server as SVG: plain Python, no AWS, no script.

Each chart is a ``Chart``: its title, a text summary, an equivalent data table (column headers and rows, the
same figures as the drawing) and the SVG markup, in English or French. The SVG is an image to assistive
technology (``role="img"``, labelled by its ``<title>`` and described by its ``<desc>``, which is the summary);
the page shows the table for screen readers and anyone who prefers figures. Nothing is said by colour alone:
every bar carries its figure as text, closed stages and seats planned to free soon are hatched as well as
coloured, free seats are outlined. Colours are the Canada.ca palette's dark blue (#26374a, 12.6:1 on white) and
text grey (#333333, 12.6:1); the hatching and outlines are that blue too (over 3:1: WCAG 2.1 1.4.11).

>>> c = funnel("haiti", "Haiti", [("Received", 3, False), ("Not selected", 1, True)], "en")
>>> c.summary
'Haiti: 4 files: 3 open, 1 closed. The most are at Received (3).'
>>> c.rows
(('Received', '3', 'Open'), ('Not selected', '1', 'Closed'))
>>> '<script' in c.svg, c.svg.startswith('<svg')
(False, True)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any, Sequence

BLUE, TEXT, LIGHT = "#26374a", "#333333", "#ffffff"
WIDTH, LEFT, BAR_AREA = 640, 8, 560  # px of the viewBox; a funnel's figure follows its bar in the space left
ROW, BAR, LABEL_GAP = 46, 18, 16  # each row: its label on one line, its bar below

_T = {
    "en": {
        "files": "files", "file": "file", "open": "Open", "closed": "Closed", "stage": "Stage",
        "count": "Files", "state": "Open or closed", "no_files": "{title}: no files yet.",
        "funnel": "{title}: {total} {files}: {open} open, {closed} closed. The most are at {top} ({top_n}).",
        "cap": "Cap", "authorized": "Authorized", "deployed": "Deployed", "free": "Free",
        "within": "Planned to end within {days} days", "no_figure": "no authorized figure",
        "seat_line": "{name}: {deployed} of {authorized} seats used, {free} free; {soon} planned to end within "
                     "{days} days.",
        "seat_line_open": "{name}: {deployed} deployed, no authorized figure; {soon} planned to end within {days} days.",
        "bar_seats": "{deployed} of {authorized} used, {free} free, {soon} ending within {days} days",
        "bar_seats_open": "{deployed} deployed, no authorized figure, {soon} ending within {days} days",
        "no_caps": "No caps.", "seats_title": "Seats used against authorized, by cap",
        "legend_used": "Used", "legend_soon": "Used, planned to end within {days} days", "legend_free": "Free",
    },
    "fr": {
        "files": "dossiers", "file": "dossier", "open": "Ouvert", "closed": "Fermé", "stage": "Étape",
        "count": "Dossiers", "state": "Ouvert ou fermé", "no_files": "{title}\u00a0: aucun dossier pour l'instant.",
        "funnel": "{title}\u00a0: {total} {files}\u00a0: {open} {open_w}, {closed} {closed_w}. Le plus grand nombre en est à "
                  "{top} ({top_n}).",
        "cap": "Plafond", "authorized": "Autorisés", "deployed": "Déployés", "free": "Libres",
        "within": "Fin prévue d'ici {days} jours", "no_figure": "aucun nombre autorisé",
        "seat_line": "{name}\u00a0: {deployed} sur {authorized} postes occupés, {free} {free_w}; {soon} dont la fin est "
                     "prévue d'ici {days} jours.",
        "seat_line_open": "{name}\u00a0: {deployed} déployés, aucun nombre autorisé; {soon} dont la fin est prévue d'ici "
                          "{days} jours.",
        "bar_seats": "{deployed} sur {authorized} occupés, {free} {free_w}, {soon} finissant d'ici {days} jours",
        "bar_seats_open": "{deployed} déployés, aucun nombre autorisé, {soon} finissant d'ici {days} jours",
        "no_caps": "Aucun plafond.", "seats_title": "Postes occupés par rapport aux postes autorisés, par plafond",
        "legend_used": "Occupés", "legend_soon": "Occupés, fin prévue d'ici {days} jours", "legend_free": "Libres",
    },
}


# French agrees the adjective with the figure (1 ouvert, 2 ouverts; 0 and 1 are singular).
_FR_WORDS = {"open": ("ouvert", "ouverts"), "closed": ("fermé", "fermés"), "free": ("libre", "libres")}


def text(lang: str, key: str, **values: Any) -> str:
    """A chart text in ``lang`` (English for anything else), its figures written the language's way; ``{x_w}`` is
    the word for the figure ``x`` in agreement with it."""
    words = _T["fr" if lang == "fr" else "en"]
    agreed = {f"{k}_w": (_FR_WORDS[k][values[k] > 1] if lang == "fr" else k) for k in _FR_WORDS if k in values}
    return words[key].format(**agreed, **{k: number(v, lang) if isinstance(v, int) else v for k, v in values.items()})


def number(n: int, lang: str) -> str:
    """A count with the language's thousands separator (French: a narrow no-break space).

    >>> number(12345, "en"), number(12345, "fr") == "12\\u202f345"
    ('12,345', True)
    """
    return f"{n:,}".replace(",", "\u202f") if lang == "fr" else f"{n:,}"


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    summary: str  # what the chart shows, in a sentence or two (also the SVG's <desc>)
    columns: tuple[str, ...]  # the equivalent table's headers
    rows: tuple[tuple[str, ...], ...]  # its rows, each cell as text
    svg: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.chart_id, "title": self.title, "summary": self.summary, "columns": list(self.columns),
                "rows": [list(r) for r in self.rows], "svg": self.svg}


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-") or "chart"


def _svg(chart_id: str, title: str, summary: str, height: int, body: str) -> str:
    cid = _slug(chart_id)
    # The hatching: dark diagonal lines on white, so a hatched bar reads differently from a solid one in any
    # colour vision, in print and in forced colours.
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{cid}-title {cid}-desc" '
            f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
            f'font-family="Noto Sans, Arial, sans-serif" font-size="14">'
            f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(summary)}</desc>'
            f'<defs><pattern id="{cid}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{LIGHT}"/>'
            f'<rect width="3" height="8" fill="{BLUE}"/></pattern></defs>{body}</svg>')


def _label(x: float, y: float, value: str, weight: str = "normal") -> str:
    return f'<text x="{x:.0f}" y="{y:.0f}" fill="{TEXT}" font-weight="{weight}">{escape(value)}</text>'


def _rect(x: float, y: float, w: float, fill: str, stroke: bool = False) -> str:
    edge = f' stroke="{BLUE}" stroke-width="2"' if stroke else ""
    return f'<rect x="{x:.1f}" y="{y:.0f}" width="{max(w, 0):.1f}" height="{BAR}" fill="{fill}"{edge}/>'


def funnel(chart_id: str, title: str, stages: Sequence[tuple[str, int, bool]], lang: str) -> Chart:
    """A mission's files by stage: ``stages`` is (label, files, closed) in the pathway's order.

    One bar per stage, its length the stage's share of the largest, its figure written after it; a closed stage
    (an end: not selected, withdrawn) is hatched.
    """
    cid = _slug(chart_id)
    total = sum(n for _, n, _ in stages)
    closed = sum(n for _, n, c in stages if c)
    top = max(stages, key=lambda s: s[1]) if stages else None
    if not total or top is None:
        summary = text(lang, "no_files", title=title)
    else:
        summary = text(lang, "funnel", title=title, total=total, files=text(lang, "file" if total == 1 else "files"),
                       open=total - closed, closed=closed, top=top[0], top_n=top[1])
    biggest = max([n for _, n, _ in stages] + [1])
    parts = []
    for i, (label, n, is_closed) in enumerate(stages):
        y = i * ROW + LABEL_GAP
        width = BAR_AREA * n / biggest
        parts.append(_label(LEFT, y, label))
        parts.append(_rect(LEFT, y + 6, width, f"url(#{cid}-hatch)" if is_closed else BLUE, stroke=is_closed))
        parts.append(_label(LEFT + width + 6, y + 6 + BAR - 4, number(n, lang), "bold"))
    rows = tuple((label, number(n, lang), text(lang, "closed" if c else "open")) for label, n, c in stages)
    height = max(len(stages), 1) * ROW + 4
    return Chart(cid, title, summary, (text(lang, "stage"), text(lang, "count"), text(lang, "state")), rows,
                 _svg(cid, title, summary, height, "".join(parts)))


@dataclass(frozen=True)
class CapSeats:
    name: str
    authorized: int | None  # None: the cap has no authorized figure yet
    deployed: int
    ending: Sequence[int]  # active deployments planned to end within each horizon (the roster's), in order


def seats(chart_id: str, caps: Sequence[CapSeats], horizons: Sequence[int], lang: str, soon: int = 1) -> Chart:
    """Per cap, seats used against authorized, with the roster's planned ends.

    A bar per cap as long as its authorized figure (or its deployed one, if more or none): the seats used solid,
    those planned to end within ``horizons[soon]`` days hatched at the end of the used part, the free seats
    outlined; the figures written after the bar. The table has every horizon.
    """
    cid = _slug(chart_id)
    title = text(lang, "seats_title")
    days = horizons[min(soon, len(horizons) - 1)] if horizons else 0
    lines: list[str] = []
    rows: list[tuple[str, ...]] = []
    parts: list[str] = []
    widest = max([max(c.authorized or 0, c.deployed) for c in caps] + [1])
    legend = [(BLUE, False, text(lang, "legend_used")), (f"url(#{cid}-hatch)", True, text(lang, "legend_soon", days=days)),
              (LIGHT, True, text(lang, "legend_free"))]
    for i, (fill, stroke, words) in enumerate(legend):  # one key a line: no guessing how wide a text is drawn
        y = 18 + i * 24
        parts.append(f'<rect x="{LEFT + 1}" y="{y - 13}" width="16" height="16" fill="{fill}"'
                     + (f' stroke="{BLUE}" stroke-width="2"' if stroke else "") + "/>")
        parts.append(_label(LEFT + 26, y, words))
    top = 18 + len(legend) * 24
    unit = BAR_AREA / widest
    for i, c in enumerate(caps):
        soon_n = min(c.ending[min(soon, len(c.ending) - 1)] if c.ending else 0, c.deployed)
        free = max((c.authorized or 0) - c.deployed, 0)
        values = dict(name=c.name, deployed=c.deployed, authorized=c.authorized or 0, free=free, soon=soon_n, days=days)
        has_figure = c.authorized is not None
        lines.append(text(lang, "seat_line" if has_figure else "seat_line_open", **values))
        rows.append((c.name, number(c.authorized, lang) if c.authorized is not None else text(lang, "no_figure"),
                     number(c.deployed, lang), number(free, lang) if has_figure else "–",
                     *(number(n, lang) for n in c.ending)))
        y = top + i * ROW + LABEL_GAP
        used, hatched, open_w = (c.deployed - soon_n) * unit, soon_n * unit, free * unit
        words = text(lang, "bar_seats" if has_figure else "bar_seats_open", **values)
        parts.append(_label(LEFT, y, f"{c.name} — {words}"))  # the figures on the label's line
        parts.append(_rect(LEFT, y + 6, used, BLUE))
        if hatched:
            parts.append(_rect(LEFT + used, y + 6, hatched, f"url(#{cid}-hatch)", stroke=True))
        if open_w:
            parts.append(_rect(LEFT + used + hatched, y + 6, open_w, LIGHT, stroke=True))
    summary = " ".join(lines) or text(lang, "no_caps")
    columns = (text(lang, "cap"), text(lang, "authorized"), text(lang, "deployed"), text(lang, "free"),
               *(text(lang, "within", days=d) for d in horizons))
    height = top + max(len(caps), 1) * ROW + 4
    return Chart(cid, title, summary, columns, tuple(rows), _svg(cid, title, summary, height, "".join(parts)))
