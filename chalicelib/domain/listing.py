"""Coordinators' list filters: parsed and checked here, queried by the repository."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Mapping

from .errors import FieldError, InvalidQuery
from . import access, medical_view
from .workflow import Actor, load_workflow

FLAGS = ("all_met", "unknown", "not_met")
MAX_LIMIT = 100
_ID = re.compile(r"^[a-z0-9-]{1,64}$")
KNOWN = ("mission", "stage", "service", "flag", "from", "to", "cursor", "limit")


def status_param(params: Mapping[str, str], statuses: tuple[str, ...], default: str) -> str:
    """A list's one ``?status=`` parameter (``default`` when absent); an unknown value or any other parameter
    is refused (400), one error each (the roster's and the guide tasks' lists)."""
    errors = [FieldError(f"/{k}", "unknown-parameter", f"Unknown parameter {k!r}.", f"Paramètre inconnu {k!r}.")
              for k in sorted(set(params) - {"status"})]
    status = params.get("status", default)
    if status not in statuses:
        errors.append(FieldError("/status", "enum", f"status: one of {', '.join(statuses)}.",
                                 f"status\u00a0: l'un de {', '.join(statuses)}."))
    if errors:
        raise InvalidQuery(errors)
    return status


@dataclass(frozen=True)
class Filters:
    mission: str | None = None
    stage: str | None = None
    service: str | None = None
    flag: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    # The stored stages a ``stage`` filter lists (domain/medical_view.stages_filtered: "not selected" lists the
    # medical end's files too, for a role that reads them so); empty: ``stage`` alone.
    stages: tuple[str, ...] = ()

    @property
    def stage_set(self) -> tuple[str, ...]:
        """The stored stages the filter lists (none: any)."""
        return self.stages or ((self.stage,) if self.stage else ())

    def scope(self) -> str:
        """What a cursor is bound to: the same filters, in a stable form."""
        return json.dumps(asdict(self), sort_keys=True)

    @property
    def range_from(self) -> str | None:
        return f"{self.date_from}T00:00:00" if self.date_from else None

    @property
    def range_to(self) -> str | None:
        return f"{self.date_to}T23:59:59.999999Z" if self.date_to else None


def _err(field: str, en: str, fr: str) -> FieldError:
    return FieldError(f"/{field}", "invalid-parameter", en, fr)


def _date(value: str | None, field: str, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value).isoformat()
    except ValueError:
        errors.append(_err(field, f"{field}: a date as YYYY-MM-DD.", f"{field}\u00a0: une date au format AAAA-MM-JJ."))
        return None


def _date_range(params: Mapping[str, str], errors: list[FieldError]) -> tuple[str | None, str | None]:
    """``from`` and ``to`` as ISO dates, ``from`` no later than ``to`` (DynamoDB refuses a reversed BETWEEN)."""
    date_from, date_to = _date(params.get("from"), "from", errors), _date(params.get("to"), "to", errors)
    if date_from and date_to and date_from > date_to:
        errors.append(_err("from", "from: a date no later than to.", "from\u00a0: une date qui ne suit pas to."))
    return date_from, date_to


def parse(params: Mapping[str, str] | None, actor: Actor, default_limit: int) -> tuple[Filters, int, str | None]:
    """Filters, page size and cursor from query parameters; a service coordinator is pinned to their service."""
    params = dict(params or {})
    errors = [_err(k, f"Unknown parameter {k!r}.", f"Paramètre inconnu {k!r}.") for k in sorted(set(params) - set(KNOWN))]
    stage = params.get("stage")
    # A medical end is no stage to roles without medical access (domain/access.py): filtering on it would tell.
    if stage is not None and stage not in access.stages_seen_by(actor, list(load_workflow().stages)):
        errors.append(_err("stage", "stage: not a workflow stage.", "stage\u00a0: pas une étape du processus."))
    flag = params.get("flag")
    if flag is not None and flag not in FLAGS:
        errors.append(_err("flag", f"flag: one of {', '.join(FLAGS)}.", f"flag\u00a0: l'un de {', '.join(FLAGS)}."))
    for name in ("mission", "service"):
        if params.get(name) is not None and not _ID.match(params[name]):
            errors.append(_err(name, f"{name}: an identifier.", f"{name}\u00a0: un identifiant."))
    date_from, date_to = _date_range(params, errors)
    limit = default_limit
    if params.get("limit") is not None:
        raw = params["limit"]
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            errors.append(_err("limit", f"limit: 1 to {MAX_LIMIT}.", f"limit\u00a0: de 1 à {MAX_LIMIT}."))
        else:
            limit = int(raw)
    if errors:
        raise InvalidQuery(errors)
    service = params.get("service")
    if actor.role == "service_coordinator":
        service = actor.police_service  # their own service, whatever was asked
    stages = medical_view.stages_filtered(actor, stage) if stage else ()
    return (Filters(params.get("mission"), stage, service, flag, date_from, date_to,
                    stages if len(stages) > 1 else ()), limit, params.get("cursor"))
