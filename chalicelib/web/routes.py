"""The applicant's web pages: the route table Chalice reads at import, and nothing more.

Each page is registered under /en and /fr (literal segments, so no route can
shadow another's). A handler imports chalicelib/web/views.py (the pages, their
forms, templates and Jinja2) on the first page request, so an API request's cold
start never loads them; views.py says who may open each page.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from chalice import Blueprint, Chalice, Response

from ..domain.i18n import LANGUAGES

# The font files' type, binary for Chalice and so for API Gateway (chalicelib/web/assets.py serves them).
BINARY_TYPES = ("font/woff2",)


class _WebBlueprint(Blueprint):
    """The pages' blueprint: registering it also declares the binary types of the files it serves."""

    def register(self, app: Chalice, options: dict[str, Any]) -> None:
        super().register(app, options)
        app.api.binary_types.extend(t for t in BINARY_TYPES if t not in app.api.binary_types)


web = _WebBlueprint(__name__)

FORM = "application/x-www-form-urlencoded"

# (path under /en and /fr, method, the view in views.py); a POST takes only an urlencoded form.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("/missions", "GET", "missions_page"),
    ("/missions/{mission_id}", "GET", "mission_page"),
    ("/access", "GET", "access_page"),
    ("/access", "POST", "access_post"),
    ("/before-the-mission", "GET", "guide_page"),
    ("/before-the-mission", "POST", "guide_post"),
    ("/status/{application_id}", "GET", "status_page"),
    ("/status/{application_id}/confirmation", "GET", "confirmation_page"),
    ("/status/{application_id}/family-readiness", "GET", "family_page"),
    ("/status/{application_id}/family-readiness", "POST", "family_post"),
    ("/status/{application_id}/answers", "GET", "answers_page"),
    ("/status/{application_id}/my-information", "GET", "my_information_page"),
    ("/status/{application_id}/documents", "GET", "documents_page"),
    ("/status/{application_id}/documents/received", "GET", "document_received_page"),
    ("/status/{application_id}/withdraw", "GET", "withdraw_page"),
    ("/status/{application_id}/withdraw", "POST", "withdraw_post"),
    ("/status/{application_id}/sign-out", "POST", "sign_out_post"),
    ("/status/{application_id}/email", "GET", "email_page"),
    ("/status/{application_id}/email", "POST", "email_post"),
    ("/email-change/{application_id}", "GET", "email_change_page"),
    ("/email-change/{application_id}", "POST", "email_change_post"),
    ("/privacy", "GET", "privacy_page"),
    ("/contact", "GET", "contact_page"),
    ("/terms", "GET", "terms_page"),
)


def register_pages(blueprint: Blueprint, pages: tuple[tuple[str, str, str], ...], prefix: str, views: str,
                   name_prefix: str = "") -> None:
    """Each (path, method, view) of ``pages`` under ``<prefix>/en`` and ``<prefix>/fr``; a POST takes only an
    urlencoded form. A handler imports the module ``views`` (its pages, templates, Jinja2) on its first request,
    then calls its ``serve(name, params)``: an API request's cold start never loads them."""
    def handler_for(name: str) -> Callable[..., Response]:
        def handler(**params: Any) -> Response:
            module: Any = importlib.import_module(views)
            response: Response = module.serve(name, params)
            return response

        handler.__name__ = handler.__qualname__ = f"{name_prefix}{name}"
        return handler

    for path, method, name in pages:
        options: dict[str, Any] = {"methods": [method]}
        if method == "POST":
            options["content_types"] = [FORM]
        handler = handler_for(name)
        for lang in LANGUAGES:
            blueprint.route(f"{prefix}/{lang}{path}", **options)(handler)


register_pages(web, PAGES, "", f"{__package__}.views")

# The application as a task list (chalicelib/web/task_views.py): a start page per call, a draft saved page by
# page, check your answers, sent once.
TASK_PAGES: tuple[tuple[str, str, str], ...] = (
    ("/apply", "GET", "apply_page"),
    ("/calls/{bulletin_id}", "GET", "call_page"),
    ("/calls/{bulletin_id}/apply", "GET", "first_page"),
    ("/calls/{bulletin_id}/apply", "POST", "first_post"),
    ("/drafts/{draft_id}", "GET", "task_list_page"),
    ("/drafts/{draft_id}/pages/{page_id}", "GET", "draft_page"),
    ("/drafts/{draft_id}/pages/{page_id}", "POST", "draft_page_post"),
    ("/drafts/{draft_id}/check", "GET", "check_page"),
    ("/drafts/{draft_id}/check", "POST", "check_post"),
)
register_pages(web, TASK_PAGES, "", f"{__package__}.task_views", name_prefix="task_")


@web.route("/", methods=["GET"])
def splash() -> Response:  # who: public
    from . import views

    return views.serve("splash", {})


@web.route("/static/site.css", methods=["GET"])
def stylesheet() -> Response:  # who: public
    from . import assets

    return assets.serve(web.current_request, "site.css")


@web.route("/static/favicon.svg", methods=["GET"])
def favicon() -> Response:  # who: public
    from . import assets

    return assets.serve(web.current_request, "favicon.svg")


@web.route("/static/gcds/{name}", methods=["GET"])
def gcds_file(name: str) -> Response:  # who: public (the GC Design System's vendored CSS and SVG files)
    from . import assets

    return assets.serve(web.current_request, f"gcds/{name}")


@web.route("/static/gcds/fonts/{name}", methods=["GET"])
def gcds_font(name: str) -> Response:  # who: public (the GC Design System's fonts)
    from . import assets

    return assets.serve(web.current_request, f"gcds/fonts/{name}")
