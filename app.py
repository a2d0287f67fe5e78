"""peaceops HTTP routes. Thin by design: parse, call one service, shape the answer.

Rules live in chalicelib/domain, use cases in chalicelib/services, AWS in
chalicelib/adapters. Every route states who may call it (``# who:``).
"""
from __future__ import annotations

from typing import Any

from chalice import Chalice, Rate, Response

from chalicelib.api import http, problems
from chalicelib.api.wiring import deps
from chalicelib.domain import forms
from chalicelib.domain.errors import NotFound
from chalicelib.services import applicant, catalogue, notifications, submissions

app = Chalice(app_name="peaceops")
problems.install(app)
handles = problems.handles_problems(app)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})


def _body() -> Any:
    return http.json_body(app.current_request, deps().settings.max_body_bytes)


# --- public: anyone ---------------------------------------------------------

@app.route("/missions", methods=["GET"])
@handles
def list_missions() -> Response:  # who: public
    return _json({"missions": catalogue.list_missions(deps())})


@app.route("/missions/{mission_id}", methods=["GET"])
@handles
def get_mission(mission_id: str) -> Response:  # who: public
    return _json(catalogue.get_mission(deps(), mission_id))


@app.route("/forms/{form_name}/schema", methods=["GET"])
@handles
def form_schema(form_name: str) -> Response:  # who: public
    if form_name not in forms.FORM_NAMES:
        raise NotFound("No such form.", "Formulaire introuvable.")
    return Response(body=forms.load_schema(form_name), headers={"Content-Type": "application/schema+json"})


@app.route("/applications", methods=["POST"])
@handles
def submit_application() -> Response:  # who: public (creates a file and its token)
    key = app.current_request.headers.get("idempotency-key")
    status, body = submissions.submit(deps(), _body(), key)
    return _json(body, status, {"Location": f"/applications/{body['application_id']}"})


@app.route("/access-links", methods=["POST"])
@handles
def access_links() -> Response:  # who: public; always 202, reveals nothing
    body = http.json_object(app.current_request, deps().settings.max_body_bytes)
    applicant.request_links_for(deps(), body)
    return _json({"status": "accepted"}, 202)


# --- applicant: the file's own access token ----------------------------------

def _own_file(application_id: str) -> Any:
    return applicant.authorize(deps(), application_id, http.bearer(app.current_request))


@app.route("/applications/{application_id}", methods=["GET"])
@handles
def application_status(application_id: str) -> Response:  # who: applicant token of this file
    return _json(applicant.status(deps(), _own_file(application_id)))


@app.route("/applications/{application_id}/family-readiness", methods=["PUT"])
@handles
def put_family_readiness(application_id: str) -> Response:  # who: applicant token of this file
    file = _own_file(application_id)
    return _json(applicant.save_family_readiness(deps(), file, _body()))


@app.route("/applications/{application_id}/family-readiness", methods=["GET"])
@handles
def get_family_readiness(application_id: str) -> Response:  # who: applicant token of this file
    file = _own_file(application_id)
    return _json(applicant.family_readiness(deps(), file.application_id))


@app.route("/applications/{application_id}/withdrawal", methods=["POST"])
@handles
def withdraw(application_id: str) -> Response:  # who: applicant token of this file
    file = _own_file(application_id)
    return _json(applicant.withdraw(deps(), file, http.json_object(app.current_request, deps().settings.max_body_bytes)))


# --- scheduled --------------------------------------------------------------

@app.schedule(Rate(5, unit=Rate.MINUTES))
def retry_emails(event: Any) -> dict[str, int]:  # who: EventBridge schedule only
    return notifications.deliver_pending(deps())
