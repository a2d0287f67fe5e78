"""The pipeline's counters: files per mission, stage and police service.

Every change that sets a file's stage or mission (a submission, a move, a redirect to the next choice) adds its
counter changes to its own unit of work, so a counter is exactly its files at every commit and the pipeline
report reads counters (one Query per mission), never files. A store written before the counters existed is
counted once by ``rebuild`` (``catalogue.seed`` runs it when the counters were never built).
"""
from __future__ import annotations

from collections import Counter

from ..domain.listing import Filters
from ..domain.records import ApplicationFile, FileRow
from ..domain.workflow import load_workflow
from .deps import Deps
from .ports import CountKey, UnitOfWork

REBUILD_PAGE = 100


def key(file: ApplicationFile | FileRow) -> CountKey:
    return file.mission_id, file.stage, file.police_service


def submitted(uow: UnitOfWork, file: ApplicationFile, now: str) -> None:
    uow.count_file(key(file), 1, now)


def moved(uow: UnitOfWork, file: ApplicationFile, to_stage: str, now: str, to_mission: str | None = None) -> None:
    """The file (as read: a renamed stage reads by its current name) leaves its counter for the new one."""
    before, after = key(file), (to_mission or file.mission_id, to_stage, file.police_service)
    if before != after:  # two counter items: one operation each in the transaction
        uow.count_file(before, -1, now)
        uow.count_file(after, 1, now)


def per_stage(deps: Deps, mission_id: str, kind: str, service: str | None) -> Counter[str]:
    """The mission's files per current stage name (a counter kept under a renamed stage's old name adds to the
    new one, as such a file reads)."""
    wf, out = load_workflow(), Counter[str]()
    for stage, n in deps.store.catalogue.file_counts(mission_id, service).items():
        out[wf.current_stage(stage, kind)] += n
    return out


def recount(deps: Deps) -> Counter[CountKey]:
    """Every file counted from the files themselves (page by page): the rebuild, and the tests' reference."""
    out: Counter[CountKey] = Counter()
    start = None
    while True:
        items, start = deps.store.files.page(Filters(), REBUILD_PAGE, start)
        out.update(key(f) for f in items)
        if not start:
            return out


def rebuild(deps: Deps) -> int:
    """Count every file and set the counters to it; returns the files counted. Run it when nothing moves files
    (an upgrade, before traffic): a change committed during the count could be counted twice or missed."""
    counts = recount(deps)
    deps.store.catalogue.replace_file_counts(counts, deps.now())
    return sum(counts.values())


def rebuild_if_absent(deps: Deps) -> int | None:
    """The one-off rebuild of a store written before the counters (None: they were built already)."""
    return None if deps.store.catalogue.file_counts_built() else rebuild(deps)
