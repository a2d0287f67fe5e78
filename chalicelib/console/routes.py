"""The staff console's route table, read by Chalice at import, and nothing more.

Every page is registered under /console/en and /console/fr. A handler imports
chalicelib/console/views.py (the pages, Jinja2, the Cognito client, PyJWT) on the
first console request, so an API request's cold start never loads them; views.py
says who may open each page (``# who:``).
"""
from __future__ import annotations

from chalice import Blueprint, Response

from ..web.routes import register_pages

console = Blueprint(__name__)

# (path under /console/<lang>, method, the view in views.py); a POST takes only an urlencoded form.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("", "GET", "home"),
    ("/sign-in", "GET", "sign_in_page"),
    ("/sign-in", "POST", "sign_in_post"),
    ("/sign-in/new-password", "GET", "new_password_page"),
    ("/sign-in/new-password", "POST", "new_password_post"),
    ("/sign-in/set-up-mfa", "GET", "set_up_page"),
    ("/sign-in/set-up-mfa", "POST", "set_up_post"),
    ("/sign-in/code", "GET", "code_page"),
    ("/sign-in/code", "POST", "code_post"),
    ("/stay", "POST", "stay_post"),
    ("/sign-out", "POST", "sign_out_post"),
    ("/sign-out-everywhere", "POST", "sign_out_everywhere_post"),
    ("/signed-out", "GET", "signed_out_page"),
    ("/queue", "GET", "queue_page"),
    ("/files", "GET", "files_page"),
    ("/files/{application_id}", "GET", "file_page"),
    ("/files/{application_id}/moves", "POST", "move_post"),
    ("/files/{application_id}/confirm", "GET", "confirm_page"),
    ("/files/{application_id}/notes", "POST", "note_post"),
    ("/files/{application_id}/hold", "POST", "hold_post"),
    ("/files/{application_id}/hold/lift", "POST", "hold_lift_post"),
    ("/files/{application_id}/medical-outcome", "POST", "medical_post"),
    ("/files/{application_id}/module-results", "POST", "module_post"),
    ("/files/{application_id}/documents/{document_id}", "GET", "document_page"),
    ("/bulk-moves", "POST", "bulk_move_post"),
    ("/search", "GET", "search_page"),
    ("/dashboard", "GET", "dashboard_page"),
    ("/export.csv", "GET", "export_csv"),
)


# The roster's pages (chalicelib/console/roster.py: the program's roster, a cap's, its entries, the CSV import);
# kept here as data so the route table loads without the pages' imports.
ROSTER_PAGES: tuple[tuple[str, str, str], ...] = (
    ("/roster", "GET", "roster_page"),
    ("/roster/{cap_id}", "GET", "cap_page"),
    ("/roster/{cap_id}/deploy", "POST", "deploy_post"),
    ("/roster/{cap_id}/entries/{deployment_id}", "GET", "entry_page"),
    ("/roster/{cap_id}/entries/{deployment_id}/record", "POST", "record_post"),
    ("/roster/{cap_id}/entries/{deployment_id}/extend", "POST", "extend_post"),
    ("/roster/{cap_id}/entries/{deployment_id}/end", "POST", "end_post"),
    ("/roster/{cap_id}/entries/{deployment_id}/rotation", "POST", "rotation_post"),
    ("/roster-import", "GET", "import_page"),
    ("/roster-import", "POST", "import_post"),
    ("/roster-import/template.csv", "GET", "import_template"),
)

# The program's catalogue (missions and seats) and the audit view: chalicelib/console/catalogue.py (its table is
# repeated here, not imported, so an API request's cold start never loads the console's modules).
CATALOGUE_PAGES: tuple[tuple[str, str, str], ...] = (
    ("/missions-and-seats", "GET", "caps_page"),
    ("/missions-and-seats/caps/{cap_id}/authorized", "POST", "authorized_post"),
    ("/missions-and-seats/missions/{mission_id}", "GET", "mission_page"),
    ("/missions-and-seats/missions/{mission_id}/description", "POST", "description_post"),
    ("/missions-and-seats/missions/{mission_id}/status", "POST", "status_post"),
    ("/audit", "GET", "audit_page"),
    ("/audit.csv", "GET", "audit_csv"),
)

# The staff accounts pages (staff.py): administrators only.
STAFF_PAGES: tuple[tuple[str, str, str], ...] = (
    ("/staff", "GET", "staff_page"),
    ("/staff/invite", "GET", "invite_page"),
    ("/staff/invite", "POST", "invite_post"),
    ("/staff/account", "GET", "account_page"),
    ("/staff/account/role", "POST", "role_post"),
    ("/staff/account/disable", "POST", "disable_post"),
    ("/staff/account/enable", "POST", "enable_post"),
    ("/staff/account/invitation", "POST", "resend_post"),
)
# Each module of console pages (under chalicelib/console) and its table: views.py's above; a part of the console
# with pages of its own (the program's administration, say) keeps them in its own module, named here.
# calls.py: the calls for applications (administrators; IRSS reads).
CALL_PAGES: tuple[tuple[str, str, str], ...] = (
    ("/calls", "GET", "calls_page"),
    ("/calls", "POST", "create_post"),
    ("/new-call", "GET", "new_call_page"),
    ("/calls/{bulletin_id}", "GET", "call_page"),
    ("/calls/{bulletin_id}", "POST", "edit_post"),
    ("/calls/{bulletin_id}/preview", "GET", "preview_page"),
    ("/calls/{bulletin_id}/publish", "POST", "publish_post"),
    ("/calls/{bulletin_id}/extend", "POST", "extend_post"),
    ("/calls/{bulletin_id}/close", "POST", "close_post"),
    ("/calls/{bulletin_id}/copy", "POST", "copy_post"),
)

MODULES: dict[str, tuple[tuple[str, str, str], ...]] = {"views": PAGES, "calls": CALL_PAGES, "catalogue": CATALOGUE_PAGES,
                                                         "roster": ROSTER_PAGES, "staff": STAFF_PAGES}


def every_page() -> tuple[tuple[str, str, str], ...]:
    """Every console page of every module (the role matrix reads this: tests/integration/test_role_matrix.py)."""
    return tuple(page for table in MODULES.values() for page in table)


for _module, _table in MODULES.items():
    register_pages(console, _table, "/console", f"{__package__}.{_module}", name_prefix="console_")


@console.route("/console", methods=["GET"])
def console_root() -> Response:  # who: public; sends to the sign-in page (or the queue) in English
    from . import views

    return views.serve("home", {})


@console.route("/console/static/console.css", methods=["GET"])
def console_stylesheet() -> Response:  # who: public
    from . import views

    return views.stylesheet()
