"""Coordinators' admin API: lists and cursors, the full file, bulk moves,
missions and caps, reports and the CSV export."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

from .conftest import bearer, family_readiness, move, open_call, staff_call, submit


def get(client, token, path):
    r = staff_call(client, "get", path, token)
    assert r.status_code == 200, r.body
    return json.loads(r.body)


def make_files(client, n, **overrides):
    return [submit(client, email=f"f{i}-{overrides.get('police_service', 'spvm')}@example.ca", **overrides)["application_id"]
            for i in range(n)]


# --- lists ---------------------------------------------------------------------

def walk(client, token, query):
    """Follow next_cursor from the first page to the last: every id in order, and each page's size."""
    ids, sizes, cursor = [], [], None
    while len(sizes) < 50:  # far more pages than any test needs: a cursor that never ends fails below
        page = get(client, token, "/admin/applications?" + query + (f"&cursor={cursor}" if cursor else ""))
        ids += [i["application_id"] for i in page["items"]]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if not cursor:
            return ids, sizes
    raise AssertionError(f"no last page after {len(sizes)} pages of {query}")


def submit_in_order(client, plan, kinds):
    """One file per letter of ``plan``, oldest first; ``kinds`` gives each letter's form overrides."""
    return [(letter, submit(client, email=f"{letter}{i}@example.ca", **kinds[letter])["application_id"])
            for i, letter in enumerate(plan)]


def newest_first(made, letter):
    return [app_id for kind, app_id in reversed(made) if kind == letter]


def test_pagination_walks_every_file_newest_first_without_repeats(client, tokens):
    ids = make_files(client, 7)
    seen, sizes = walk(client, tokens["irss"], "limit=3")
    assert sizes == [3, 3, 1]
    assert seen == list(reversed(ids))  # newest first, each once


def test_filtered_pages_hold_exactly_the_coordinators_own_files(client, tokens):
    # Given SPVM's and OPP's submitted files interleaved in time, and one SPVM file already moved on...
    made = submit_in_order(client, "osoomsoso", {"s": {}, "m": {}, "o": {"police_service": "opp"}})
    r = move(client, tokens["coordinator.spvm"], newest_first(made, "m")[0], "service_review", "submitted")
    assert r.status_code == 200, r.body
    # When SPVM's coordinator walks the submitted files two at a time (the index holds 8 of them)...
    seen, sizes = walk(client, tokens["coordinator.spvm"], "stage=submitted&limit=2")
    # ...then the pages, short or empty as they may be (DynamoDB applies Limit before the
    # service filter), add up to exactly SPVM's three submitted files, newest first.
    assert seen == newest_first(made, "s")
    assert len(sizes) >= 4 and max(sizes) <= 2


def test_pages_filtered_by_flag_add_up_to_exactly_the_flagged_files(client, tokens):
    # Given files flagged not_met ("w": too few years of service) between files that are not ("n")...
    made = submit_in_order(client, "nwnnwnwn", {"n": {}, "w": {"years_operational_service": 2}})
    # When IRSS walks flag=not_met two at a time, then the union is exactly the three, newest first.
    seen, sizes = walk(client, tokens["irss"], "flag=not_met&limit=2")
    assert seen == newest_first(made, "w")
    # (the by_flag index holds only flagged files: every page but the last is full)
    assert sizes == [2, 1]


def test_tampered_or_foreign_cursor_is_400(client, tokens):
    ids = make_files(client, 3)
    page = get(client, tokens["irss"], "/admin/applications?limit=1")
    cursor = page["next_cursor"]
    middle = len(cursor) // 2  # a cursor is one opaque Fernet token: change one character of it
    tampered = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1:]
    for bad in (tampered, "garbage", cursor + "x"):
        r = staff_call(client, "get", f"/admin/applications?limit=1&cursor={bad}", tokens["irss"])
        assert r.status_code == 400 and json.loads(r.body)["code"] == "malformed-request", bad
    # A cursor is bound to its filters.
    r = staff_call(client, "get", f"/admin/applications?limit=1&stage=submitted&cursor={cursor}", tokens["irss"])
    assert r.status_code == 400
    # And it names no file: not the next one, not any on the page (finding 6 of issue 10).
    from tests.unit.test_cursors import _decodings

    for raw in _decodings(cursor):
        assert not [i for i in ids if i.encode() in raw or i[3:].encode() in raw]


def test_filters_by_mission_stage_service_flag_and_dates(client, tokens):
    spvm = make_files(client, 2)
    opp = make_files(client, 2, police_service="opp", missions=["iraq-mlt"], preferred_language="en")
    weak = submit(client, email="weak@example.ca", years_operational_service=2)["application_id"]
    move(client, tokens["irss"], opp[0], "service_review", "submitted")
    irss = tokens["irss"]
    ids = lambda q: {i["application_id"] for i in get(client, irss, "/admin/applications" + q)["items"]}  # noqa: E731
    assert ids("?mission=iraq-mlt") == set(opp)
    assert ids("?stage=service_review") == {opp[0]}
    assert ids("?service=opp&stage=submitted") == {opp[1]}
    assert ids("?flag=not_met") >= {weak} and not ids("?flag=not_met") & set(opp)
    assert ids("?from=2000-01-01&to=2000-12-31") == set()
    assert ids("?from=2000-01-01") == set(spvm + opp + [weak])
    r = staff_call(client, "get", "/admin/applications?stage=nowhere&flag=x&from=2026-13-01&limit=500&foo=1", irss)
    assert r.status_code == 400
    assert {e["pointer"] for e in json.loads(r.body)["errors"]} == {"/stage", "/flag", "/from", "/limit", "/foo"}


def test_service_coordinator_sees_only_their_service(client, tokens):
    spvm = make_files(client, 2)
    opp = make_files(client, 1, police_service="opp")
    mine = get(client, tokens["coordinator.spvm"], "/admin/applications?service=opp")  # asks for OPP: pinned to SPVM
    assert {i["application_id"] for i in mine["items"]} == set(spvm)
    assert {i["application_id"] for i in get(client, tokens["coordinator.opp"], "/admin/applications")["items"]} == set(opp)


# --- the full file --------------------------------------------------------------

def test_full_view_within_each_roles_rights(client, tokens):
    created = submit(client)
    app_id = created["application_id"]
    client.http.put(f"/applications/{app_id}/family-readiness", headers={"Content-Type": "application/json", **bearer(created["access_token"])},
                    body=json.dumps(family_readiness()))
    irss = get(client, tokens["irss"], f"/admin/applications/{app_id}")
    assert irss["family_readiness"]["form"]["emergency_contact_name"] == "François Côté"
    assert irss["application_form"]["given_name"] == "Hélène"
    # The pre-screen's findings: the general criteria of seed 003 the form asks, and Haiti's own
    assert {e["criterion"] for e in irss["eligibility"]} == {
        "operational_service", "official_language", "language_of_operation", "first_aid_cpr", "firearms", "baton",
        "oc_spray", "four_by_four", "leadership_coaching", "computer_literacy"}
    assert [a["kind"] for a in irss["audit"]] == ["submitted", "family_readiness"]
    assert {e["recipient"] for e in irss["emails"]} == {"applicant", "coordinator"}
    assert irss["next_stages"] == ["service_review", "withdrawn"]
    for user in ("health", "coordinator.spvm", "admin"):
        view = get(client, tokens[user], f"/admin/applications/{app_id}")
        assert view["family_readiness"] == {"on_file": True}, user
        assert "François" not in json.dumps(view)
    assert "medical_outcome" not in get(client, tokens["coordinator.spvm"], f"/admin/applications/{app_id}")


# --- moves, one or many ---------------------------------------------------------

def test_bulk_moves_answer_per_file(client, tokens):
    ids = make_files(client, 3)
    other = make_files(client, 1, police_service="opp")[0]
    moves = [{"application_id": i, "to_stage": "service_review", "expected_stage": "submitted"} for i in ids]
    moves[2]["expected_stage"] = "interview"  # stale
    moves.append({"application_id": other, "to_stage": "service_review", "expected_stage": "submitted"})  # out of scope
    moves.append({"to_stage": "service_review", "expected_stage": "submitted"})  # malformed
    r = staff_call(client, "post", "/admin/moves", tokens["coordinator.spvm"], {"moves": moves})
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    assert [x["status"] for x in body["results"]] == [200, 200, 409, 404, 422]
    assert (body["moved"], body["refused"]) == (2, 3)


def test_more_than_25_files_need_confirmation(client, tokens):
    ids = make_files(client, 26)
    moves = [{"application_id": i, "to_stage": "service_review", "expected_stage": "submitted"} for i in ids]
    r = staff_call(client, "post", "/admin/moves", tokens["irss"], {"moves": moves})
    assert r.status_code == 422 and json.loads(r.body)["errors"][0]["pointer"] == "/confirm"
    assert get(client, tokens["irss"], f"/admin/applications/{ids[0]}")["stage"] == "submitted"
    r = staff_call(client, "post", "/admin/moves", tokens["irss"], {"moves": moves, "confirm": True})
    assert json.loads(r.body)["moved"] == 26


# --- missions and caps ------------------------------------------------------------

NEW_MISSION = {
    "mission_id": "mali-minusma", "cap_id": "mali", "kind": "operation",
    "name": {"en": "Mali: MINUSMA", "fr": "Mali : MINUSMA"},
    "organization": {"en": "UN mission in Mali", "fr": "Mission de l'ONU au Mali"},
    "country": {"en": "Mali", "fr": "Mali"},
    "description": {"en": "Example.", "fr": "Exemple."},
    "language_of_operation": "fr", "armed": False, "body": "un", "interview_required": True,
    "participation_since": None, "deployment_months": 12,
    "requires_4x4": True, "accepting_applications": True,
}


def test_admin_creates_cap_and_mission_then_closes_it(client, tokens):
    admin = tokens["admin"]
    r = staff_call(client, "post", "/admin/missions", admin, NEW_MISSION)
    assert r.status_code == 422 and json.loads(r.body)["errors"][0]["pointer"] == "/cap_id"  # no such cap yet
    r = staff_call(client, "post", "/admin/caps", admin, {"cap_id": "mali", "authorized": 3, "name": {"en": "Mali", "fr": "Mali"}})
    assert r.status_code == 201, r.body
    r = staff_call(client, "post", "/admin/missions", admin, NEW_MISSION)
    assert r.status_code == 201, r.body
    assert json.loads(client.http.get("/missions/mali-minusma").body)["seats_left"] == 3
    assert staff_call(client, "post", "/admin/missions", admin, NEW_MISSION).status_code == 409
    open_call(client, admin, "mali-minusma")  # a new opportunity takes applications once a call is open
    submit(client, email="mali@example.ca", missions=["mali-minusma"])
    r = staff_call(client, "put", "/admin/missions/mali-minusma/status", admin, {"accepting_applications": False})
    assert r.status_code == 200 and json.loads(r.body)["accepting_applications"] is False
    from .conftest import application, post_json

    refused = post_json(client, "/applications", application(missions=["mali-minusma"]))
    assert refused.status_code == 422 and json.loads(refused.body)["errors"][0]["code"] == "mission-closed"
    r = staff_call(client, "patch", "/admin/missions/mali-minusma", admin, {"name": {"en": "Mali (MINUSMA)", "fr": "Mali (MINUSMA)"}, "version": 2})
    assert r.status_code == 200 and json.loads(r.body)["name"]["en"] == "Mali (MINUSMA)"
    stale = staff_call(client, "patch", "/admin/missions/mali-minusma", admin, {"armed": True, "version": 2})
    assert stale.status_code == 409
    bad = staff_call(client, "patch", "/admin/missions/mali-minusma", admin, {"armed": "sometimes"})
    assert bad.status_code == 422 and json.loads(bad.body)["errors"][0]["pointer"] == "/armed"
    from chalicelib.adapters.models import AuditModel

    changes = [r.details["change"] for r in AuditModel.query("mission#mali-minusma")]
    assert changes == ["created", "updated:accepting_applications", "updated:name"]


def test_cap_never_below_deployed_and_audited(client, tokens):
    admin = tokens["admin"]
    r = staff_call(client, "put", "/admin/caps/west-bank/authorized", admin, {"authorized": 3, "note": "test"})
    assert r.status_code == 409 and json.loads(r.body)["deployed"] == 4
    fr = staff_call(client, "put", "/admin/caps/west-bank/authorized", admin, {"authorized": 3},
                    **{"Accept-Language": "fr"})
    # The French sentence says below what (issue 15's language review: it stopped at « inférieur. »)
    assert json.loads(fr.body)["detail"].endswith("ne peut pas être inférieur à 4.")
    r = staff_call(client, "put", "/admin/caps/west-bank/authorized", admin, {"authorized": 4})
    assert r.status_code == 200 and json.loads(r.body)["seats_left"] == 0
    assert json.loads(client.http.get("/missions/west-bank-proteus").body)["seats_left"] == 0
    view = get(client, tokens["irss"], "/admin/caps/west-bank")
    assert [(a["details"]["from"], a["details"]["to"]) for a in view["audit"]] == [(12, 4)]
    assert staff_call(client, "put", "/admin/caps/west-bank/authorized", admin, {"authorized": -1}).status_code == 422
    assert staff_call(client, "put", "/admin/caps/nowhere/authorized", admin, {"authorized": 1}).status_code == 404


# --- reports --------------------------------------------------------------------------

def test_pipeline_counts_and_seats(client, tokens):
    make_files(client, 2)
    opp = make_files(client, 1, police_service="opp", missions=["iraq-mlt"])
    move(client, tokens["irss"], opp[0], "service_review", "submitted")
    report = get(client, tokens["irss"], "/admin/reports/pipeline")
    by_mission = {m["mission_id"]: m for m in report["missions"]}
    assert by_mission["haiti-minustah"]["counts"]["submitted"] == 2
    assert by_mission["iraq-mlt"]["counts"]["service_review"] == 1
    caps = {c["cap_id"]: c for c in report["caps"]}
    assert (caps["ukraine"]["authorized"], caps["ukraine"]["deployed"], caps["ukraine"]["missions"]) == (
        20, 20, ["ukraine-euam", "ukraine-patrol-police"])
    scoped = get(client, tokens["coordinator.opp"], "/admin/reports/pipeline")
    assert scoped["scope"] == "opp"
    assert {m["mission_id"]: m["total"] for m in scoped["missions"]}["haiti-minustah"] == 0


# (given_name, family_name) as typed: as exported. A cell a spreadsheet would run gets a leading quote.
TYPED_NAMES = {
    ("=HYPERLINK(\"http://evil\")", "+SUM(1)"): ("'=HYPERLINK(\"http://evil\")", "'+SUM(1)"),
    ("@cmd", "-2"): ("'@cmd", "'-2"),
    # tab and CR both start a formula and may split a cell: each part is neutralized (finding 7)
    ("\t=1+1", "\r=2+2"): ("'\t'=1+1", "'\r'=2+2"),
    ("Marie", "Tremblay;=1+1"): ("Marie", "Tremblay;'=1+1"),
    ("Zoë", "L'Écuyer"): ("Zoë", "L'Écuyer"),
}


def csv_rows(r):
    """The export's rows (English, the default) keyed by its columns' names."""
    from chalicelib.domain import csvexport

    assert r.status_code == 200, r.body
    assert r.headers["Content-Type"].startswith("text/csv")
    text = r.body.decode("utf-8-sig") if isinstance(r.body, bytes) else r.body.removeprefix(csvexport.BOM)
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    assert header == csvexport.headers("en")
    return [dict(zip(csvexport.COLUMNS, row, strict=True)) for row in rows]


def test_csv_export_is_neutralized_and_spans_pages(client, tokens, monkeypatch):
    from chalicelib.api.wiring import deps
    from chalicelib.domain import listing

    # Given one file more than an export page holds (the export queries listing.MAX_LIMIT files at a time),
    # some with names a spreadsheet would run...
    typed = [submit(client, given_name=g, family_name=f, email=f"csv{i}@example.ca")["application_id"]
             for i, (g, f) in enumerate(TYPED_NAMES)]
    plain = make_files(client, listing.MAX_LIMIT + 1 - len(typed))
    queries = []
    list_page = deps().store.files.page

    def counted(*args):
        queries.append(args)
        return list_page(*args)

    monkeypatch.setattr(deps().store.files, "page", counted)
    # When IRSS exports...
    rows = csv_rows(staff_call(client, "get", "/admin/reports/applications.csv", tokens["irss"]))
    # ...then it took two index queries, and every file is there once, newest first...
    assert len(queries) == 2
    assert [row["application_id"] for row in rows] == list(reversed(typed + plain))
    # ...with each hostile cell neutralized and the rest untouched.
    names = {row["application_id"]: (row["given_name"], row["family_name"]) for row in rows}
    assert [names[i] for i in typed] == list(TYPED_NAMES.values())
    assert {names[i] for i in plain} == {("Hélène", "Côté-Tremblay")}
    # And OPP's coordinator, whose service has no files, gets the header only.
    assert csv_rows(staff_call(client, "get", "/admin/reports/applications.csv", tokens["coordinator.opp"])) == []


def test_csv_export_says_when_it_stops_at_its_limit(client, tokens, monkeypatch):
    from chalicelib.services import files

    # Given 7 files
    made = make_files(client, 7)
    newest_first = list(reversed(made))
    for limit, truncated in ((5, "true"), (7, "false"), (8, "false")):
        # When the export's limit is below, at or above that count
        monkeypatch.setattr(files, "EXPORT_MAX_ROWS", limit)
        r = staff_call(client, "get", "/admin/reports/applications.csv?limit=3", tokens["irss"])
        # Then it holds the newest files up to the limit, and says whether more were left out
        assert r.headers["X-Export-Truncated"] == truncated, limit
        assert [row["application_id"] for row in csv_rows(r)] == newest_first[:limit]


def test_from_later_than_to_is_400(client, tokens):
    irss = tokens["irss"]
    app_id = submit(client)["application_id"]
    day = get(client, irss, f"/admin/applications/{app_id}")["submitted_at"][:10]
    # Given a range of one day (from = to), the file of that day is listed.
    assert [i["application_id"] for i in get(client, irss, f"/admin/applications?from={day}&to={day}")["items"]] == [app_id]
    # When from is the day after to, then the list and the export both refuse it with 400 problem+json.
    after = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    for path in ("/admin/applications", "/admin/reports/applications.csv"):
        r = staff_call(client, "get", f"{path}?from={after}&to={day}", irss)
        assert r.status_code == 400, (path, r.status_code, r.body)
        assert r.headers["Content-Type"] == "application/problem+json", path
