"""Calls for applications: the public list of open calls, administrators' changes, and the call an
application answers (with its deadline)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Mapping

from ..domain import bodies, call_rules, emails, forms, program, requirements, typography
from ..domain.bulletins import Bulletin, Criteria, UnreadableBulletin, in_program_time, moment, open_now
from ..domain.documents import kinds as document_kinds
from ..domain.drafts import Draft
from ..domain.workflow import load_workflow
from ..domain.errors import Conflict, FieldError, NotFound, StaleState, ValidationFailed
from ..domain.i18n import pick
from ..domain.localtime import local_time
from ..domain.missions import Mission
from ..domain.records import AuditEntry, StoredBulletin
from ..domain.workflow import Actor
from . import notifications
from .deps import Deps
from .ports import ConditionFailed

SEED_CONTACT = program.call_contact()  # the program's published contact (domain/program.py), never a placeholder
SEED_OPEN_DAYS = 90
# The seeded calls of the senior courses and SAAT carry the criteria seed 003 states for them; the PROTEUS call
# takes civilian analysts (seed 004: the first civilian analyst deployed there). Whether a call takes analysts is
# the call's own field: seed 004 says analyst positions are available for other deployments too.
SEED_CRITERIA: dict[str, dict[str, Any]] = {
    "west-bank-proteus": {"civilian_analysts": True},
    "senior-strategic-advisors-master-class": {"min_rank": "superintendent"},
    "un-senior-mission-leaders-course": {"min_rank": "chief_superintendent", "degree": "master"},
    "un-saat-instructors": {"previous_mission_experience": True},
}
# The documents a seeded call asks for, by the mission's kind: a deployment's qualifications (a civilian analyst is
# not asked for the police ones: domain/documents.required_kinds), its UN modules and its Preliminary Instructions
# forms; a nomination's CV and recommendation.
SEED_DOCUMENTS: dict[str, list[str]] = {
    "operation": ["first_aid_cpr", "firearms", "baton", "oc_spray", "un_modules", "preliminary_instructions"],
    "specialized_posting": ["first_aid_cpr", "firearms", "baton", "oc_spray", "un_modules",
                            "preliminary_instructions"],
    "other_opportunity": ["cv", "supervisor_recommendation"],
}


def deadline_text(b: Bulletin, lang: str) -> str:
    """The closing time as a person reads it, in Ottawa's time (domain/localtime.py): « 7 mars 2027 à 23 h 59 (heure
    d'Ottawa) », "March 7, 2027, 11:59 p.m. (Ottawa time)"."""
    return local_time(b.closes, lang)


def status_of(b: Bulletin, now: datetime) -> str:
    return b.status(now)


def view(stored: StoredBulletin, now: datetime, mission: Mission | None = None) -> dict[str, Any]:
    b = stored.bulletin
    out = b.as_dict()
    out.update(status=status_of(b, now), places_taken=stored.places_taken, places_left=stored.places_left,
               version=stored.version, deadline={"en": deadline_text(b, "en"), "fr": deadline_text(b, "fr")},
               mission_name=dict(mission.name) if mission else None)
    return out


def list_open(deps: Deps) -> list[dict[str, Any]]:
    """Every open call, soonest deadline first, with its opportunity's name."""
    now = deps.clock()
    stored = {s.bulletin.bulletin_id: s for s in deps.store.catalogue.bulletins()}
    missions = deps.store.catalogue.missions_by_id({s.bulletin.mission_id for s in stored.values()})
    return [view(stored[b.bulletin_id], now, missions.get(b.mission_id))
            for b in open_now((s.bulletin for s in stored.values()), now) if b.mission_id in missions]


def get_bulletin(deps: Deps, bulletin_id: str, staff: bool = False) -> dict[str, Any]:
    """A call as the public reads it (a draft is not there), or as staff read it (``staff``: drafts too)."""
    stored = deps.store.catalogue.bulletin(bulletin_id)
    if stored is None or not (staff or stored.bulletin.published):
        raise NotFound("No such call for applications.", "Appel de candidatures introuvable.")
    return view(stored, deps.clock(), deps.store.catalogue.mission(stored.bulletin.mission_id))


def call_of(deps: Deps, bulletin_id: str, staff: bool = False) -> Bulletin:
    """The call itself (its criteria, for the one rule of what it asks: domain/requirements.py), as ``get_bulletin``
    finds it: a draft only for staff."""
    stored = deps.store.catalogue.bulletin(bulletin_id)
    if stored is None or not (staff or stored.bulletin.published):
        raise NotFound("No such call for applications.", "Appel de candidatures introuvable.")
    return stored.bulletin


def for_mission(deps: Deps, mission_id: str) -> list[Bulletin]:
    return [s.bulletin for s in deps.store.catalogue.bulletins() if s.bulletin.mission_id == mission_id]


def calls_by_mission(bulletins: list[StoredBulletin], now: datetime) -> dict[str, dict[str, Any]]:
    """Per mission: its open call (or None) and when its last call closed (for the catalogue's views)."""
    out: dict[str, dict[str, Any]] = {}
    for s in sorted(bulletins, key=lambda s: s.bulletin.closes):
        b = s.bulletin
        entry = out.setdefault(b.mission_id, {"open_bulletin": None, "last_closed_at": None})
        if b.is_open(now):
            entry["open_bulletin"] = {"bulletin_id": b.bulletin_id, "closes_at": b.closes_at,
                                      "deadline": {"en": deadline_text(b, "en"), "fr": deadline_text(b, "fr")},
                                      "positions": b.positions, "civilian_analysts": b.criteria.civilian_analysts}
        elif b.published and b.closes <= now:
            entry["last_closed_at"] = b.closes_at
    return out


# --- administrators ----------------------------------------------------------

def _build(doc: Any) -> Bulletin:
    """A call from an administrator's document (create, update, copy), draft or not: its schema, its window's
    order, and never a contact in a reserved example domain (a draft may leave the address empty until it is
    published, never give one nobody reads)."""
    forms.require_valid("bulletin", doc)
    try:
        b = Bulletin.from_dict(typography.french_sides(doc))  # French as typed, with the Bureau's spacing
    except UnreadableBulletin as exc:  # the schema passed: only the window's order is left
        raise ValidationFailed([FieldError("/closes_at", "closes-before-it-opens", "The call must close after it opens.",
                                           "L'appel doit se terminer après son ouverture.")]) from exc
    _refuse_if(call_rules.reserved_contact(b.contact))
    return b


def _no_overlap(deps: Deps, b: Bulletin) -> None:
    """At most one open call per opportunity at once: windows of the same mission may not overlap."""
    for other in for_mission(deps, b.mission_id):
        if other.bulletin_id != b.bulletin_id and other.overlaps(b):
            raise Conflict(f"The call {other.bulletin_id} for this opportunity is open during that time.",
                           f"L'appel {other.bulletin_id} pour cette possibilité est ouvert pendant cette période.",
                           overlaps=other.bulletin_id)


def _save(deps: Deps, actor: Actor, b: Bulletin, version: int, expected: int | None, change: str) -> dict[str, Any]:
    _no_overlap(deps, b)
    now = deps.now()
    uow = deps.store.unit_of_work()
    uow.put_bulletin(b, version, expected, now)
    uow.append_audit(AuditEntry(f"bulletin#{b.bulletin_id}", version, at=now, kind="catalogue_change",
                                actor_id=actor.actor_id, actor_role=actor.role,
                                details={"change": change, "bulletin": b.as_dict()}))
    try:
        uow.commit()
    except ConditionFailed as exc:
        if "mission" in exc.failed:
            raise ValidationFailed([FieldError("/mission_id", "unknown-mission", "No such opportunity.",
                                               "Possibilité inexistante.")]) from exc
        if expected is None:
            raise Conflict("A call with this identifier exists.", "Un appel porte déjà cet identifiant.") from exc
        raise StaleState("The call changed meanwhile, or more places are given than it would have; reload it.",
                         "L'appel a changé entre-temps, ou plus de places sont données qu'il n'en aurait; rechargez-le.") from exc
    return get_bulletin(deps, b.bulletin_id, staff=True)


def publish_problems(deps: Deps, b: Bulletin) -> list[FieldError]:
    """Why ``b`` may not be published (domain/call_rules.py), read against its mission's pathway."""
    mission = deps.store.catalogue.mission(b.mission_id)
    if mission is None:
        return [FieldError("/mission_id", "unknown-mission", "No such opportunity.", "Possibilité inexistante.")]
    wf = load_workflow()
    labels = {code: dict(k.label) for code, k in document_kinds().items()}
    return call_rules.publish_problems(b, mission, wf.pathway_of(mission), set(wf.stages), labels)


def create_bulletin(deps: Deps, actor: Actor, doc: Any) -> dict[str, Any]:
    """A new call: a draft when ``published`` is false, else live by its times once it passes the publish rule
    (a call created before drafts existed, with no ``published``, is published)."""
    b = _build(doc)
    if b.published:
        _refuse_if(publish_problems(deps, b))
    return _save(deps, actor, b, 1, None, "created" if b.published else "created:draft")


def _refuse_if(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def _stored(deps: Deps, bulletin_id: str) -> StoredBulletin:
    stored = deps.store.catalogue.bulletin(bulletin_id)
    if stored is None:
        raise NotFound("No such call for applications.", "Appel de candidatures introuvable.")
    return stored


def _version(body: Mapping[str, Any], stored: StoredBulletin) -> None:
    """409 unless the body's ``version`` (checked by its component) is the stored one."""
    if body["version"] != stored.version:
        raise StaleState("The call changed meanwhile; reload it.", "L'appel a changé entre-temps\u00a0; rechargez-le.",
                         current_version=stored.version)


def _moment_field(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    try:
        parsed = moment(str(value)) if isinstance(value, str) and value else None
    except ValueError:
        parsed = None
    if parsed is not None and not 2000 <= parsed.year <= 2999:  # shown in Ottawa's time: never past year 9999
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationFailed([FieldError(f"/{name}", "format", "A date-time with its offset, e.g. 2027-01-15T23:59:00-05:00.",
                                           "Une date-heure avec son décalage, p.\u00a0ex. 2027-01-15T23:59:00-05:00.")])
    return in_program_time(parsed).isoformat()


def publish_bulletin(deps: Deps, actor: Actor, bulletin_id: str, body: Any) -> dict[str, Any]:
    """A draft call made public: scheduled or open by its times. Refused, with every reason by field, when it
    breaks the publish rule (domain/call_rules.py) or overlaps another published call of its opportunity."""
    stored = _stored(deps, bulletin_id)
    body = bodies.require_valid("BulletinVersionRequest", body)
    if stored.bulletin.published and body["version"] == stored.version - 1:
        return get_bulletin(deps, bulletin_id, staff=True)  # a retried publish: done already
    _version(body, stored)
    if stored.bulletin.published:
        raise Conflict("This call is published already.", "Cet appel est déjà publié.")
    b = replace(stored.bulletin, published=True)
    _refuse_if(publish_problems(deps, b))
    return _save(deps, actor, b, stored.version + 1, stored.version, "published")


def _draft_language(d: Draft) -> str:
    lang = d.answers.get("preferred_language") or d.language
    return lang if lang in ("en", "fr") else "en"


def _tell_draft_holders(deps: Deps, b: Bulletin) -> int:
    """An email to each applicant with a draft (not sent, still kept) for ``b``: its new deadline and the draft's
    link. Its id names the draft and the deadline, so a retry writes each at most once."""
    now, written = deps.clock(), 0
    for d in deps.store.drafts.for_bulletin(b.bulletin_id):
        if d.submitted or not d.live(now):
            continue
        lang = _draft_language(d)
        written += deps.store.outbox.add_once(notifications.new_message(
            deps, f"{d.draft_id}:deadline:{b.closes_at}", d.draft_id, emails.DRAFT_DEADLINE_EXTENDED, "applicant",
            d.email, lang, {"mission_id": b.mission_id,
                            "extra": {"issued_at": d.link_issued_at, "number": d.link_number,
                                      "deadline": deadline_text(b, lang)}}))
    return written


def extend_deadline(deps: Deps, actor: Actor, bulletin_id: str, body: Any) -> dict[str, Any]:
    """A later closing for a published call that has not closed (an open call stays open); every applicant with a
    draft for it is told by email, once per draft even when the request is retried."""
    stored = _stored(deps, bulletin_id)
    body = bodies.require_valid("BulletinExtendRequest", body)
    closes_at = _moment_field(body, "closes_at")
    b = stored.bulletin
    if b.published and moment(closes_at) == b.closes and body["version"] == stored.version - 1:
        _tell_draft_holders(deps, b)  # a retry after the call was extended: the emails not yet written, only
        return get_bulletin(deps, bulletin_id, staff=True)
    _version(body, stored)
    now = deps.clock()
    if not b.published or b.closes <= now:
        raise Conflict("Only a published call that has not closed can be extended.",
                       "Seul un appel publié et non terminé peut être prolongé.")
    if moment(closes_at) <= b.closes:
        raise ValidationFailed([FieldError("/closes_at", "not-later", "The new closing must be later than the current one.",
                                           "La nouvelle clôture doit être postérieure à l'actuelle.")])
    extended = replace(b, closes_at=closes_at)
    out = _save(deps, actor, extended, stored.version + 1, stored.version, "extended")
    out["drafts_told"] = _tell_draft_holders(deps, extended)
    return out


def close_early(deps: Deps, actor: Actor, bulletin_id: str, body: Any) -> dict[str, Any]:
    """An open call closed now (applications after this instant are refused)."""
    stored = _stored(deps, bulletin_id)
    _version(bodies.require_valid("BulletinVersionRequest", body), stored)
    b, now = stored.bulletin, deps.clock()
    if not b.is_open(now):
        raise Conflict("Only an open call can be closed early.", "Seul un appel ouvert peut être fermé plus tôt.")
    closed = replace(b, closes_at=in_program_time(now).replace(microsecond=0).isoformat())
    if closed.closes <= closed.opens:
        closed = replace(closed, closes_at=in_program_time(closed.opens + timedelta(seconds=1)).isoformat())
    return _save(deps, actor, closed, stored.version + 1, stored.version, "closed-early")


def copy_bulletin(deps: Deps, actor: Actor, bulletin_id: str, body: Any) -> dict[str, Any]:
    """A new draft call with this one's texts, contact, positions and criteria, under a new identifier and new
    dates (last year's call, say)."""
    source = _stored(deps, bulletin_id).bulletin
    body = bodies.require_valid("BulletinCopyRequest", body)
    errors: list[FieldError] = []
    times: dict[str, str] = {}
    for name in ("opens_at", "closes_at"):
        try:
            times[name] = _moment_field(body, name)
        except ValidationFailed as err:
            errors += err.errors
    _refuse_if(errors)
    doc = {**source.as_dict(), "published": False, "expected_start": body.get("expected_start"),
           "bulletin_id": body.get("bulletin_id"), **times}
    b = _build(doc)
    return _save(deps, actor, b, 1, None, f"copied:{source.bulletin_id}")


def update_bulletin(deps: Deps, actor: Actor, bulletin_id: str, patch: Any) -> dict[str, Any]:
    """Merge ``patch`` into the call (identifier and opportunity fixed) and validate the whole."""
    stored = deps.store.catalogue.bulletin(bulletin_id)
    if stored is None:
        raise NotFound("No such call for applications.", "Appel de candidatures introuvable.")
    if not isinstance(patch, dict):
        raise ValidationFailed([FieldError("", "not-an-object", "Send a JSON object.", "Envoyez un objet JSON.")])
    patch = dict(patch)
    expected = patch.pop("version", None)
    current = stored.bulletin.as_dict()
    errors = [FieldError(f"/{k}", "immutable", f"{k} cannot change; create a new call instead.",
                         f"{k} ne peut pas changer; créez plutôt un nouvel appel.")
              for k in ("bulletin_id", "mission_id") if k in patch and patch[k] != current[k]]
    if expected is not None and (not isinstance(expected, int) or isinstance(expected, bool)):
        errors.append(FieldError("/version", "type", "version: the whole number you read.", "version\u00a0: le nombre entier lu."))
    if "published" in patch and patch["published"] != current["published"]:
        errors.append(FieldError("/published", "use-publish", "Publish a draft call through its publish action.",
                                 "Publiez une ébauche d'appel par son action de publication."))
    if errors:
        raise ValidationFailed(errors)
    if expected is not None and expected != stored.version:
        raise StaleState("The call changed meanwhile; reload it.", "L'appel a changé entre-temps; rechargez-le.",
                         current_version=stored.version)
    current.update(patch)
    b = _build(current)
    if b.published:  # a published call keeps to the publish rule in what the change touches
        _refuse_if([e for e in publish_problems(deps, b) if e.pointer.split("/")[1] in patch
                    or (e.pointer == "/closes_at" and "opens_at" in patch)])
    return _save(deps, actor, b, stored.version + 1, stored.version, "updated:" + ",".join(sorted(patch)))


def list_all(deps: Deps) -> list[dict[str, Any]]:
    """Every call, drafts too (administrators), newest deadline first, with its opportunity's name."""
    now = deps.clock()
    stored = deps.store.catalogue.bulletins()
    missions = deps.store.catalogue.missions_by_id({s.bulletin.mission_id for s in stored})
    return [view(s, now, missions.get(s.bulletin.mission_id))
            for s in sorted(stored, key=lambda s: (s.bulletin.closes, s.bulletin.bulletin_id), reverse=True)]


# --- the call an application answers -----------------------------------------

def _err(pointer: str, code: str, en: str, fr: str) -> FieldError:
    return FieldError(pointer, code, en, fr)


def _closed(pointer: str, b: Bulletin) -> FieldError:
    return _err(pointer, "deadline-passed",
                f"The call for applications closed on {deadline_text(b, 'en')}; applications that arrive after the deadline are refused.",
                f"L'appel de candidatures a pris fin le {deadline_text(b, 'fr')}; les candidatures reçues après la date limite sont refusées.")


def open_call(deps: Deps, mission: Mission, track: str) -> tuple[Bulletin | None, list[FieldError]]:
    """The mission's open call for an applicant of this track now, or why there is none."""
    return _choice(_stored_calls(deps), "", mission.mission_id, deps.clock(), track)


def _stored_calls(deps: Deps) -> list[Bulletin]:
    """Every published call: one Query, whatever the number of choices a request weighs (a draft is never
    answered)."""
    return [s.bulletin for s in deps.store.catalogue.bulletins() if s.bulletin.published]


def _choice(stored: list[Bulletin], pointer: str, mission_id: str, now: datetime,
            track: str) -> tuple[Bulletin | None, list[FieldError]]:
    calls = [b for b in stored if b.mission_id == mission_id]
    found = open_now(calls, now)
    if not found:
        past = [b for b in calls if b.closes <= now]
        if past:
            return None, [_closed(pointer, max(past, key=lambda b: b.closes))]
        return None, [_err(pointer, "no-open-call", f"“{mission_id}” has no open call for applications.",
                           f"«\u00a0{mission_id}\u00a0» n'a aucun appel de candidatures ouvert.")]
    return found[0], analyst_errors(pointer, found[0], track)


def analyst_errors(pointer: str, b: Bulletin, track: str) -> list[FieldError]:
    if track == "civilian_analyst" and not b.criteria.civilian_analysts:
        return [_err(pointer, "analysts-not-accepted", "This call does not accept civilian analysts.",
                     "Cet appel n'accepte pas d'analystes civils.")]
    return []


def _named(stored: list[Bulletin], bulletin_id: str, first_mission: str, now: datetime,
           track: str) -> tuple[Bulletin | None, list[FieldError]]:
    b = next((c for c in stored if c.bulletin_id == bulletin_id), None)
    if b is None or b.mission_id != first_mission:
        return None, [_err("/bulletin_id", "unknown-bulletin", "No such call for your first choice.",
                           "Aucun appel de ce nom pour votre premier choix.")]
    if b.closes <= now:
        return None, [_closed("/bulletin_id", b)]
    if now < b.opens:
        return None, [_err("/bulletin_id", "not-open-yet", "This call is not open yet.", "Cet appel n'est pas encore ouvert.")]
    return b, analyst_errors("/bulletin_id", b, track)


def calls_for(deps: Deps, document: Mapping[str, Any]) -> tuple[dict[str, Bulletin], list[FieldError]]:
    """The open call answered for each choice (keyed by mission), or the errors: every choice needs one."""
    now, track = deps.clock(), str(document.get("track", ""))
    choices: list[str] = list(document["missions"])
    stored = _stored_calls(deps)
    found: dict[str, Bulletin] = {}
    errors: list[FieldError] = []
    for i, mission_id in enumerate(choices):
        named = document.get("bulletin_id") if i == 0 else None
        b, errs = (_named(stored, str(named), mission_id, now, track) if named
                   else _choice(stored, f"/missions/{i}", mission_id, now, track))
        errors += errs
        if b is not None:
            found[mission_id] = b
    return found, errors


# --- seed ---------------------------------------------------------------------------

def _seed_text(m: Mission) -> dict[str, dict[str, str]]:
    return {"title": {"en": f"Call for applications: {pick(m.name, 'en')}",
                      "fr": f"Appel de candidatures\u00a0: {pick(m.name, 'fr')}"},
            "description": {"en": f"Applications are open for {pick(m.name, 'en')}. Read the criteria of this call before you apply.",
                            "fr": f"Les candidatures sont ouvertes pour {pick(m.name, 'fr')}. Lisez les critères de cet appel avant de postuler."}}


def seed_documents(m: Mission) -> list[str]:
    """The documents a seeded call asks for: its kind's, without those of stages its mission's files never reach
    (no UN modules' certificates on an EU, bilateral or national posting: domain/requirements.py)."""
    wf = load_workflow()
    return requirements.documents(wf.pathway_of(m), m, wf.stages, SEED_DOCUMENTS.get(m.kind, []))


def seed_bulletin(m: Mission, now: datetime, positions: int | None) -> Bulletin:
    """An open call for a mission that takes applications (local runs and tests start with one each)."""
    closes = in_program_time(now + timedelta(days=SEED_OPEN_DAYS)).replace(hour=23, minute=59, second=0, microsecond=0)
    opens = in_program_time(now - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    text = _seed_text(m)
    return Bulletin(bulletin_id=f"{m.mission_id}-{opens.year}", mission_id=m.mission_id, positions=positions if positions else None,
                    opens_at=opens.isoformat(), closes_at=closes.isoformat(), title=text["title"],
                    description=text["description"], contact=SEED_CONTACT,
                    criteria=Criteria.from_dict({"required_documents": seed_documents(m),
                                                 **SEED_CRITERIA.get(m.mission_id, {})}))
