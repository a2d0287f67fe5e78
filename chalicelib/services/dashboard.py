"""The console's dashboard: a funnel per mission and the seats of each cap, as charts (domain/charts.py).

The figures are the pipeline report's (files.pipeline: the counters, one Query per mission; a service coordinator
counts only their own service's files, and a medical end reads as not selected to a role without medical access)
and the roster's planned ends (one Query per cap: active deployments planned to end within each of the rotation
report's horizons, counted, never named). Who may see it is the pipeline report's rule.
"""
from __future__ import annotations

from typing import Any

from ..domain import access, charts, deployments, seats
from ..domain.errors import Forbidden
from ..domain.i18n import pick
from ..domain.missions import Mission
from ..domain.workflow import Actor, load_workflow
from . import files, roster
from .deps import Deps

ROLES = ("service_coordinator", "irss", "admin")  # the pipeline report's (app.py admin_pipeline)
CARD_ROLES = ("irss", "admin")  # a card per cap (domain/seats.py), linking to its roster page


def _stages(mission: Mission, counts: dict[str, int], actor: Actor, lang: str) -> list[tuple[str, int, bool]]:
    """(label, files, closed) in the pathway's order: its main stages, then its ends; a stage off the pathway that
    still counts files (a stored name) comes last rather than vanish."""
    path = load_workflow().pathway_of(mission)
    order = list(path.main) + [s for s in path.stages if s not in path.main]
    order += [s for s in counts if s not in order and counts[s]]
    out = []
    for stage in access.stages_seen_by(actor, order):
        label = pick(path.stage(stage).label if stage in path.stages else load_workflow().stage(stage).label, lang)
        out.append((label, counts.get(stage, 0), stage not in path.main and load_workflow().is_terminal(stage)))
    return out


def dashboard(deps: Deps, actor: Actor, lang: str) -> dict[str, Any]:
    """What the dashboard page shows, in ``lang``: a chart per mission (its files by stage) and one of the caps'
    seats, each with its summary, its table and its SVG (``Chart.as_dict``)."""
    if actor.role not in ROLES:
        raise Forbidden("Your role does not give access to the dashboard.",
                        "Votre rôle ne donne pas accès au tableau de bord.")
    lang = "fr" if lang == "fr" else "en"
    report = files.pipeline(deps, actor)
    missions = {m.mission_id: m for m in deps.store.catalogue.missions()}
    funnels = []
    for row in report["missions"]:
        mission = missions.get(row["mission_id"])
        if mission is None:
            continue
        title = pick(row["name"], lang) or row["mission_id"]
        funnels.append(charts.funnel(f"funnel-{row['mission_id']}", title,
                                     _stages(mission, row["counts"], actor, lang), lang).as_dict()
                       | {"mission_id": row["mission_id"], "total": row["total"]})
    horizons = load_workflow().roster.horizons_days
    today = deps.today()
    caps, cards = [], []
    stored = deps.store.catalogue.caps() if actor.role in CARD_ROLES else {}  # one Query, for the cards only
    for cap in report["caps"]:
        roster_rows = deps.store.catalogue.roster(cap["cap_id"])
        active = [e for e in roster_rows if e.active]
        ending = tuple(len(deployments.ending_within(active, today, days)) for days in horizons)
        caps.append(charts.CapSeats(pick(cap["name"], lang) or cap["cap_id"], cap["authorized"], cap["deployed"],
                                    ending))
        if actor.role in CARD_ROLES and cap["cap_id"] in stored:
            ready = len(roster.ready_candidates(deps, cap["cap_id"]))
            cards.append(seats.cap_card(stored[cap["cap_id"]], roster_rows, ready, today))
    return {"lang": lang, "scope": report["scope"], "today": today.isoformat(), "horizons_days": list(horizons),
            "funnels": funnels, "seats": charts.seats("seats", caps, horizons, lang).as_dict(),
            "cards": [vars(c) for c in cards], "freeing_days": seats.FREEING_DAYS}
