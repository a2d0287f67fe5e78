"""peaceops HTTP routes. Thin by design: parse, call one service, shape the answer.

Rules live in chalicelib/domain, use cases in chalicelib/services, AWS in
chalicelib/adapters. Every route states who may call it (``# who:``).
"""
from __future__ import annotations

from typing import Any

from chalice import Chalice, Cron, Rate, Response

from chalicelib.api import contract, headers, http, logs, origin, problems
from chalicelib.api.auth import staff
from chalicelib.api.wiring import deps, staff_directory
from chalicelib.config import outbox_stream_arn, ses_events_topic
from chalicelib.domain import bodies, forms
from chalicelib.domain.errors import NotFound
from chalicelib.domain.workflow import Actor
from chalicelib.domain.retention import HOLD_ROLES
from chalicelib.services import audit_log, documents, holds, notes, privacy, retention, staff_accounts, staff_sign_in
from chalicelib.services import (applicant, bulletins, catalogue, catalogue_admin, email_change, feedback, files,
                                 notifications, redirect, reintegration, reminders, roster, search, submissions,
                                 workflow)

app = Chalice(app_name="peaceops")
headers.install(app)  # first, so outermost: nosniff and HSTS on every answer, problems and pages included
problems.install(app)
logs.install(app)  # JSON lines with the request id; never bodies, tokens or personal data
handles = problems.handles_problems(app)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})


def _body() -> Any:
    return http.json_body(app.current_request, deps().settings.max_body_bytes)


# --- public: anyone ---------------------------------------------------------

@app.route("/openapi.json", methods=["GET"])
def openapi_document() -> Response:  # who: public; the contract of every route, checked in tests/contract
    return _json(contract.document())


@app.route("/missions", methods=["GET"])
@handles
def list_missions() -> Response:  # who: public
    return _json({"missions": catalogue.list_missions(deps())})


@app.route("/missions/{mission_id}", methods=["GET"])
@handles
def get_mission(mission_id: str) -> Response:  # who: public
    return _json(catalogue.get_mission(deps(), mission_id))


@app.route("/bulletins", methods=["GET"])
@handles
def list_bulletins() -> Response:  # who: public; the open calls for applications, soonest deadline first
    return _json({"bulletins": bulletins.list_open(deps())})


@app.route("/bulletins/{bulletin_id}", methods=["GET"])
@handles
def get_bulletin(bulletin_id: str) -> Response:  # who: public
    return _json(bulletins.get_bulletin(deps(), bulletin_id))


@app.route("/forms/{form_name}/schema", methods=["GET"])
@handles
def form_schema(form_name: str) -> Response:  # who: public
    if form_name not in forms.FORM_NAMES:
        raise NotFound("No such form.", "Formulaire introuvable.")
    return Response(body=forms.load_schema(form_name), headers={"Content-Type": "application/schema+json"})


@app.route("/applications", methods=["POST"])
@handles
def submit_application() -> Response:  # who: public (creates a file and its token)
    key = http.current(app.current_request).headers.get("idempotency-key")
    status, body = submissions.submit(deps(), _body(), key)
    return _json(body, status, {"Location": f"/applications/{body['application_id']}"})


@app.route("/access-links", methods=["POST"])
@handles
def access_links() -> Response:  # who: public; always 202, reveals nothing
    applicant.request_links_for(deps(), _body())
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
    return _json(applicant.withdraw(deps(), file, _body()))


@app.route("/applications/{application_id}/email-change", methods=["POST"])
@handles
def request_email_change(application_id: str) -> Response:  # who: applicant token of this file
    file = _own_file(application_id)
    return _json(email_change.request(deps(), file, _body()), 202)


@app.route("/email-confirmations/{application_id}", methods=["POST"])
@handles
def confirm_email_change(application_id: str) -> Response:  # who: public; the code emailed to the new address
    return _json(email_change.confirm(deps(), application_id, _body()))


# --- coordinators: a verified Cognito ID token; roles are its groups ---------------

def _query() -> dict[str, str]:
    return dict(http.current(app.current_request).query_params or {})


def _origin() -> Any:
    return origin.of(app.current_request)  # from where, for the read log (never logged)


@app.route("/admin/whoami", methods=["GET"])
@handles
@staff(app, "service_coordinator", "irss", "health", "admin")
def whoami(actor: Actor) -> Response:
    return _json({"role": actor.role, "actor_id": actor.actor_id, "police_service": actor.police_service})


@app.route("/admin/applications", methods=["GET"])
@handles
@staff(app, "service_coordinator", "irss", "health", "admin")
def admin_list(actor: Actor) -> Response:
    return _json(files.list_files(deps(), actor, _query()))


@app.route("/admin/search", methods=["GET"])
@handles
@staff(app, "service_coordinator", "irss", "health", "admin")
def admin_search(actor: Actor) -> Response:  # ?q= a reference as printed, an email address or a family name's start
    return _json(search.search(deps(), actor, _query()))


@app.route("/admin/applications/{application_id}", methods=["GET"])
@handles
@staff(app, "service_coordinator", "irss", "health", "admin")
def admin_file(application_id: str, actor: Actor) -> Response:  # the read is recorded (services/reads.py)
    return _json(files.file_view(deps(), actor, application_id, _origin()))


@app.route("/admin/applications/{application_id}/privacy-package", methods=["GET"])
@handles
@staff(app, "irss")
def admin_privacy_package(application_id: str, actor: Actor) -> Response:  # a formal Privacy Act request (recorded)
    return _json(privacy.formal_package(deps(), actor, application_id, _origin()), headers={
        "Content-Disposition": f'attachment; filename="{application_id}-privacy-package.json"'})


@app.route("/admin/applications/{application_id}/moves", methods=["POST"])
@handles
@staff(app, "service_coordinator", "irss", "health")
def admin_move(application_id: str, actor: Actor) -> Response:
    return _json(files.move_one(deps(), actor, application_id, _body()))


@app.route("/admin/applications/{application_id}/notes", methods=["POST"])
@handles
@staff(app, "service_coordinator", "irss", "health", "admin")
def admin_add_note(application_id: str, actor: Actor) -> Response:
    return _json(notes.add_note(deps(), actor, application_id, _body()), 201)


@app.route("/admin/applications/{application_id}/hold", methods=["PUT"])
@handles
@staff(app, *HOLD_ROLES)
def admin_place_hold(application_id: str, actor: Actor) -> Response:  # a held file is never disposed of
    return _json(holds.place(deps(), actor, application_id, _body()))


@app.route("/admin/applications/{application_id}/hold/lift", methods=["POST"])
@handles
@staff(app, *HOLD_ROLES)
def admin_lift_hold(application_id: str, actor: Actor) -> Response:
    return _json(holds.lift(deps(), actor, application_id, _body()))


@app.route("/admin/retention/preview", methods=["GET"])
@handles
@staff(app, *HOLD_ROLES)
def admin_retention_preview(actor: Actor) -> Response:  # ?as_of=YYYY-MM-DD; read-only
    return _json(retention.preview(deps(), _query().get("as_of")))


@app.route("/admin/applications/{application_id}/documents", methods=["GET"])
@handles
@staff(app, "service_coordinator", "irss", "health")
def admin_documents(application_id: str, actor: Actor) -> Response:  # what the role may read (domain/access.py)
    return _json(documents.staff_list(deps(), actor, application_id, _origin()))


@app.route("/admin/applications/{application_id}/documents/{document_id}", methods=["GET"])
@handles
@staff(app, "service_coordinator", "irss", "health")
def admin_open_document(application_id: str, document_id: str, actor: Actor) -> Response:
    # 303 to a link valid for minutes (the opening is audited first); the body says the same for a script.
    opened = documents.staff_open(deps(), actor, application_id, document_id, _origin())
    return _json(opened, 303, {"Location": opened["url"]})


@app.route("/admin/applications/{application_id}/redirect", methods=["POST"])
@handles
@staff(app, "irss")
def admin_redirect(application_id: str, actor: Actor) -> Response:
    return _json(redirect.redirect(deps(), actor, application_id, _body()))


@app.route("/admin/moves", methods=["POST"])
@handles
@staff(app, "service_coordinator", "irss", "health")
def admin_bulk_move(actor: Actor) -> Response:
    return _json(files.bulk_move(deps(), actor, _body()))


@app.route("/admin/applications/{application_id}/medical-outcome", methods=["PUT"])
@handles
@staff(app, "health")
def admin_medical_outcome(application_id: str, actor: Actor) -> Response:
    return _json(workflow.record_medical_outcome(deps(), application_id, actor, _body()))


@app.route("/admin/applications/{application_id}/post-mission-follow-up", methods=["POST"])
@handles
@staff(app, "health")
def admin_post_mission_follow_up(application_id: str, actor: Actor) -> Response:
    return _json(workflow.record_post_mission_follow_up(deps(), application_id, actor, _body()))


@app.route("/admin/guide-tasks", methods=["GET"])
@handles
@staff(app, "irss")
def admin_guide_tasks(actor: Actor) -> Response:
    return _json(reintegration.list_tasks(deps(), _query()))


@app.route("/admin/guide-tasks/{task_id}/sent", methods=["POST"])
@handles
@staff(app, "irss")
def admin_guide_task_sent(task_id: str, actor: Actor) -> Response:
    return _json(reintegration.mark_sent(deps(), actor, task_id, _body()))


@app.route("/admin/applications/{application_id}/module-results", methods=["POST"])
@handles
@staff(app, "irss")
def admin_module_result(application_id: str, actor: Actor) -> Response:
    return _json(workflow.record_module(deps(), application_id, actor, _body()))


@app.route("/admin/applications/{application_id}/forms-returned", methods=["POST"])
@handles
@staff(app, "irss")
def admin_forms_returned(application_id: str, actor: Actor) -> Response:
    return _json(workflow.record_forms_returned(deps(), application_id, actor, _body()))


@app.route("/admin/emails/{message_id}/retry", methods=["POST"])
@handles
@staff(app, "irss")
def admin_retry_email(message_id: str, actor: Actor) -> Response:
    return _json(files.retry_email(deps(), actor, message_id), 202)


@app.route("/admin/reports/pipeline", methods=["GET"])
@handles
@staff(app, "service_coordinator", "irss", "admin")
def admin_pipeline(actor: Actor) -> Response:
    return _json(files.pipeline(deps(), actor))


@app.route("/admin/reports/applications.csv", methods=["GET"])
@handles
@staff(app, "service_coordinator", "irss", "admin")
def admin_export(actor: Actor) -> Response:
    body, truncated = files.export_csv(deps(), actor, _query(), _origin())
    return Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": 'attachment; filename="peaceops-applications.csv"',
        "X-Export-Truncated": "true" if truncated else "false"})


@app.route("/admin/missions", methods=["POST"])
@handles
@staff(app, "admin")
def admin_create_mission(actor: Actor) -> Response:
    return _json(catalogue_admin.create_mission(deps(), actor, _body()), 201)


@app.route("/admin/missions/{mission_id}", methods=["PATCH"])
@handles
@staff(app, "admin")
def admin_update_mission(mission_id: str, actor: Actor) -> Response:
    return _json(catalogue_admin.update_mission(deps(), actor, mission_id, _body()))


@app.route("/admin/missions/{mission_id}/status", methods=["PUT"])
@handles
@staff(app, "admin")
def admin_open_close(mission_id: str, actor: Actor) -> Response:
    return _json(catalogue_admin.set_open(deps(), actor, mission_id, _body()))


@app.route("/admin/caps", methods=["GET"])
@handles
@staff(app, "irss", "admin")
def admin_caps(actor: Actor) -> Response:  # every cap with its figures, internal note and missions
    return _json({"caps": catalogue_admin.overview(deps())})


@app.route("/admin/audit", methods=["GET"])
@handles
@staff(app, "irss", "admin")
def admin_audit(actor: Actor) -> Response:  # every staff action, newest first (recorded: services/audit_log.py)
    return _json(audit_log.listing(deps(), actor, _query(), _origin()))


@app.route("/admin/caps", methods=["POST"])
@handles
@staff(app, "admin")
def admin_create_cap(actor: Actor) -> Response:
    return _json(catalogue_admin.create_cap(deps(), actor, _body()), 201)


@app.route("/admin/caps/{cap_id}", methods=["GET"])
@handles
@staff(app, "irss", "admin")
def admin_cap(cap_id: str, actor: Actor) -> Response:
    view = catalogue_admin.cap_view(deps(), cap_id)
    view["audit"] = catalogue_admin.audit_of(deps(), f"cap#{cap_id}")
    return _json(view)


@app.route("/admin/caps/{cap_id}/authorized", methods=["PUT"])
@handles
@staff(app, "admin")
def admin_set_authorized(cap_id: str, actor: Actor) -> Response:
    return _json(catalogue_admin.set_authorized(deps(), actor, cap_id, _body()))


@app.route("/admin/caps/{cap_id}/roster", methods=["GET"])
@handles
@staff(app, "irss", "admin")
def admin_roster(cap_id: str, actor: Actor) -> Response:
    return _json(roster.roster_view(deps(), cap_id, roster.status_filter(_query())))


@app.route("/admin/caps/{cap_id}/roster", methods=["POST"])
@handles
@staff(app, "irss", "admin")
def admin_add_roster_entry(cap_id: str, actor: Actor) -> Response:
    key = http.current(app.current_request).headers.get("idempotency-key")
    status, body = roster.add_entry(deps(), actor, cap_id, _body(), key)
    return _json(body, status)


@app.route("/admin/caps/{cap_id}/roster/{deployment_id}", methods=["PATCH"])
@handles
@staff(app, "irss", "admin")
def admin_correct_roster_entry(cap_id: str, deployment_id: str, actor: Actor) -> Response:
    return _json(roster.correct_entry(deps(), actor, cap_id, deployment_id, _body()))


@app.route("/admin/caps/{cap_id}/roster/{deployment_id}/end", methods=["POST"])
@handles
@staff(app, "irss", "admin")
def admin_end_roster_entry(cap_id: str, deployment_id: str, actor: Actor) -> Response:
    return _json(roster.end_entry(deps(), actor, cap_id, deployment_id, _body()))


@app.route("/admin/caps/{cap_id}/roster/{deployment_id}/rotation", methods=["POST"])
@handles
@staff(app, "irss")
def admin_rotate_roster_entry(cap_id: str, deployment_id: str, actor: Actor) -> Response:
    return _json(roster.rotate(deps(), actor, cap_id, deployment_id, _body()))


@app.route("/admin/caps/{cap_id}/rotation", methods=["GET"])
@handles
@staff(app, "irss", "admin")
def admin_rotation(cap_id: str, actor: Actor) -> Response:
    return _json(roster.rotation(deps(), cap_id))


@app.route("/admin/reports/rotation", methods=["GET"])
@handles
@staff(app, "irss", "admin")
def admin_rotation_report(actor: Actor) -> Response:
    return _json(roster.rotation_all(deps()))


@app.route("/admin/reports/roster-drift", methods=["GET"])
@handles
@staff(app, "irss", "admin")
def admin_roster_drift(actor: Actor) -> Response:
    return _json(roster.drift_report(deps()))


@app.route("/admin/bulletins", methods=["GET"])
@handles
@staff(app, "irss", "admin")
def admin_list_bulletins(actor: Actor) -> Response:
    return _json({"bulletins": bulletins.list_all(deps())})


@app.route("/admin/bulletins", methods=["POST"])
@handles
@staff(app, "admin")
def admin_create_bulletin(actor: Actor) -> Response:
    return _json(bulletins.create_bulletin(deps(), actor, _body()), 201)


@app.route("/admin/bulletins/{bulletin_id}", methods=["PATCH"])
@handles
@staff(app, "admin")
def admin_update_bulletin(bulletin_id: str, actor: Actor) -> Response:
    return _json(bulletins.update_bulletin(deps(), actor, bulletin_id, _body()))


@app.route("/admin/bulletins/{bulletin_id}/publish", methods=["POST"])
@handles
@staff(app, "admin")
def admin_publish_bulletin(bulletin_id: str, actor: Actor) -> Response:
    return _json(bulletins.publish_bulletin(deps(), actor, bulletin_id, _body()))


@app.route("/admin/bulletins/{bulletin_id}/extend", methods=["POST"])
@handles
@staff(app, "admin")
def admin_extend_bulletin(bulletin_id: str, actor: Actor) -> Response:
    return _json(bulletins.extend_deadline(deps(), actor, bulletin_id, _body()))


@app.route("/admin/bulletins/{bulletin_id}/close", methods=["POST"])
@handles
@staff(app, "admin")
def admin_close_bulletin(bulletin_id: str, actor: Actor) -> Response:
    return _json(bulletins.close_early(deps(), actor, bulletin_id, _body()))


@app.route("/admin/bulletins/{bulletin_id}/copy", methods=["POST"])
@handles
@staff(app, "admin")
def admin_copy_bulletin(bulletin_id: str, actor: Actor) -> Response:
    return _json(bulletins.copy_bulletin(deps(), actor, bulletin_id, _body()), 201)


@app.route("/admin/staff/{username}/sessions/end", methods=["POST"])
@handles
@staff(app, "admin")
def admin_end_staff_sessions(username: str, actor: Actor) -> Response:  # after a disable or a group change
    return _json(staff_sign_in.end_user_sessions(deps(), actor, username))


@app.route("/admin/staff", methods=["GET"])
@handles
@staff(app, "admin")
def admin_list_staff(actor: Actor) -> Response:
    return _json({"accounts": staff_accounts.list_accounts(staff_directory(), _query().get("role"))})


@app.route("/admin/staff", methods=["POST"])
@handles
@staff(app, "admin")
def admin_invite_staff(actor: Actor) -> Response:  # emails the person their temporary password (outbox)
    body = bodies.require_valid("StaffInvitation", _body())
    return _json(staff_accounts.invite(deps(), staff_directory(), actor, body), 201)


@app.route("/admin/staff/{username}/invitation", methods=["POST"])
@handles
@staff(app, "admin")
def admin_resend_staff_invitation(username: str, actor: Actor) -> Response:  # still invited only
    return _json(staff_accounts.resend_invitation(deps(), staff_directory(), actor, username))


@app.route("/admin/staff/{username}/role", methods=["PUT"])
@handles
@staff(app, "admin")
def admin_set_staff_role(username: str, actor: Actor) -> Response:  # then every session of theirs ends
    body = bodies.require_valid("StaffRoleChange", _body())
    return _json(staff_accounts.change_role(deps(), staff_directory(), actor, username, body))


@app.route("/admin/staff/{username}/disable", methods=["POST"])
@handles
@staff(app, "admin")
def admin_disable_staff(username: str, actor: Actor) -> Response:  # never one's own account
    return _json(staff_accounts.disable(deps(), staff_directory(), actor, username))


@app.route("/admin/staff/{username}/enable", methods=["POST"])
@handles
@staff(app, "admin")
def admin_enable_staff(username: str, actor: Actor) -> Response:
    return _json(staff_accounts.enable(deps(), staff_directory(), actor, username))


# --- scheduled --------------------------------------------------------------

@app.schedule(Rate(5, unit=Rate.MINUTES))
def retry_emails(event: Any) -> dict[str, int]:  # who: EventBridge schedule only
    return notifications.deliver_pending(deps())


# New outbox rows, within seconds (the stream's ARN: the template's !GetAtt OutboxTable.StreamArn).
@app.on_dynamodb_record(stream_arn=outbox_stream_arn(), batch_size=25, starting_position="TRIM_HORIZON")
def deliver_emails(event: Any) -> dict[str, Any]:  # who: the outbox table's stream only
    return notifications.deliver_stream(deps(), event.to_dict())


# SES's delivery, bounce, complaint and reject events (the configuration set's SNS destination).
@app.on_sns_message(topic=ses_events_topic())
def on_ses_event(event: Any) -> dict[str, Any]:  # who: the SES events topic only
    return feedback.record(deps(), event.message)


# 11:00 UTC: 06:00 or 07:00 in Ottawa, before the working day (the rules count Ottawa days).
@app.schedule(Cron(0, 11, "*", "*", "?", "*"))
def send_reminders(event: Any) -> dict[str, int]:  # who: EventBridge schedule only
    return reminders.run(deps())


# 08:00 UTC: 03:00 or 04:00 in Ottawa, before the reminders; disposes of what the retention schedule says is due.
@app.schedule(Cron(0, 8, "*", "*", "?", "*"))
def apply_retention(event: Any) -> dict[str, int]:  # who: EventBridge schedule only
    return retention.run(deps())


# --- applicant web pages (server-rendered, English and French) -------------------
from chalicelib.web.routes import web  # noqa: E402 - registered after the API routes

app.register_blueprint(web)
from chalicelib.console.routes import console  # noqa: E402 - the staff console's pages (chalicelib/console)
app.register_blueprint(console)
