"""The work queue's rules: which stages wait on a role, and what still blocks a file's next move, from the
workflow table's own guards (domain/workflow.py), never a copy of them.

A stage waits on a role when the role moves files on from it (reminders.waited_stages: its own moves, not
the moves from "*" such as a withdrawal). A file's next moves are the role's moves from its stage onto the
pathway's main path (a forward move; closing a file is never "next"). A move whose routing guard refuses
is not this file's way (an interview is for UN and EU positions only; the modules for UN missions only);
the others' refusals are what blocks the file, named by the guard, with the figures it counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import GuardRefused
from .missions import Mission
from .reminders import waited_stages
from .workflow import GUARDS, FileState, Pathway, Workflow

# Guards that choose between two ways on (each file takes the one its mission allows): not blockers.
ROUTING = frozenset({"interview_required", "no_interview_required", "un_mission", "not_un_mission",
                     "roster_certification", "no_roster_certification"})
# Guards the cap or the call decides at the moment of the move (the write's condition): not known here.
AT_THE_MOVE = frozenset({"seat_available"})


@dataclass(frozen=True)
class Blocker:
    """What holds a file back: a guard's name and the figures the console's words need (``done``/``total``)."""

    guard: str
    done: int = 0
    total: int = 0
    detail: Any = None


def queue_stages(path: Pathway, role: str) -> frozenset[str]:
    return waited_stages(path, role)


def forward_moves(path: Pathway, stage: str, role: str) -> list[str]:
    current = path.current(stage)
    return [to for to in path.next_stages(current, role) if to in path.main]


def _refuses(guard: str, f: FileState, mission: Mission, wf: Workflow) -> bool:
    try:
        GUARDS[guard](f, mission, None, wf)
    except GuardRefused:
        return True
    return False


def _blocker(guard: str, f: FileState, wf: Workflow) -> Blocker:
    if guard == "un_modules_passed":
        passed = sum(1 for k in wf.un_modules if int(f.modules.get(k, -1)) >= wf.pass_mark)
        return Blocker(guard, passed, len(wf.un_modules))
    if guard == "preliminary_forms_returned":
        returned = sum(1 for k in wf.preliminary_forms if k in f.forms_returned)
        return Blocker(guard, returned, len(wf.preliminary_forms))
    if guard == "medically_fit":
        return Blocker(guard, detail=f.medical_outcome)
    return Blocker(guard)


def blockers(path: Pathway, f: FileState, mission: Mission, role: str, wf: Workflow) -> list[Blocker]:
    """What stops every forward move this role could make now (empty: at least one move is open)."""
    found: list[Blocker] = []
    for to in forward_moves(path, f.stage, role):
        t = path.transition(path.current(f.stage), to)
        if t is None or any(_refuses(g, f, mission, wf) for g in t.guards if g in ROUTING):
            continue  # not this file's way on
        refused = [g for g in t.guards if g not in ROUTING | AT_THE_MOVE and _refuses(g, f, mission, wf)]
        if not refused:
            return []
        found += [_blocker(g, f, wf) for g in refused if g not in {b.guard for b in found}]
    return found
