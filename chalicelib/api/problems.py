"""RFC 9457 problem details: the one error format of the whole API.

Views raise DomainError; ``handles_problems`` turns it into a problem answer.
Chalice's own refusals (405, 415, unknown route) are rewritten by the
``problem_middleware`` so that every error a client sees has this shape.
"""
from __future__ import annotations

import functools
import json
import logging
from typing import Any, Callable

from chalice import Chalice, Response

from ..domain.errors import DomainError, ValidationFailed
from ..domain.i18n import negotiate

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"

_CHALICE_CODES = {
    "UnsupportedMediaType": (415, "unsupported-media-type", "Unsupported media type", "Type de média non pris en charge",
                             "Send the body as application/json.", "Envoyez le corps au format application/json."),
    "MethodNotAllowedError": (405, "method-not-allowed", "Method not allowed", "Méthode non permise",
                              "This resource does not answer that method.", "Cette ressource ne répond pas à cette méthode."),
    "BadRequestError": (400, "malformed-request", "Malformed request", "Requête mal formée",
                        "The request could not be read.", "La requête n'a pas pu être lue."),
    "NotFoundError": (404, "not-found", "Not found", "Introuvable", "No such resource.", "Ressource introuvable."),
    "UnauthorizedError": (401, "unauthenticated", "Authentication required", "Authentification requise",
                          "Sign in and send a valid token.", "Connectez-vous et envoyez un jeton valide."),
    "ForbiddenError": (403, "forbidden", "Not allowed", "Action non permise",
                       "Your role does not allow this.", "Votre rôle ne permet pas cette action."),
    "InternalServerError": (500, "internal-error", "Internal error", "Erreur interne",
                            "Something went wrong on our side; nothing was changed by this error.",
                            "Une erreur s'est produite de notre côté; cette erreur n'a rien modifié."),
}


def problem(status: int, code: str, title: str, detail: str, instance: str | None, lang: str,
            extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": f"/problems/{code}", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra or {})
    all_headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM_TYPE, "Content-Language": lang, "Cache-Control": "no-store"}
    all_headers.update(headers or {})
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=all_headers)


def from_error(err: DomainError, path: str | None, lang: str) -> Response:
    fr = lang == "fr"
    extra: dict[str, Any] = {"code": err.code}
    extra.update({k: v for k, v in err.extra.items() if v is not None})
    if isinstance(err, ValidationFailed):
        extra["errors"] = [e.as_dict(lang) for e in err.errors]
    if err.code == "guard-refused":
        # A refused guard gives its reason in both official languages.
        extra["reason"] = {"en": err.detail_en, "fr": err.detail_fr}
    headers = {"WWW-Authenticate": 'Bearer realm="peaceops"'} if err.status == 401 else None
    return problem(err.status, err.code, err.title_fr if fr else err.title_en,
                   err.detail_fr if fr else err.detail_en, path, lang, extra, headers)


def request_path(req: Any) -> str | None:
    """The concrete path asked for (Chalice's ``path`` is the route template)."""
    if req is None:
        return None
    ctx = getattr(req, "context", None) or {}
    return str(ctx.get("path") or req.path)


def request_lang(app: Chalice) -> str:
    req = app.current_request
    headers = req.headers if req is not None else {}
    return negotiate(headers.get("accept-language"))


def handles_problems(app: Chalice) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a view: DomainError becomes its problem; anything else a bare 500 problem."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            path = request_path(app.current_request)
            try:
                return view(*args, **kwargs)
            except DomainError as err:
                return from_error(err, path, request_lang(app))
            except Exception:  # noqa: BLE001 - logged without the request body
                log.exception("unhandled error", extra={"path": path})
                return chalice_problem("InternalServerError", path, request_lang(app))

        return wrapped

    return decorate


def chalice_problem(chalice_code: str, path: str | None, lang: str) -> Response:
    status, code, t_en, t_fr, d_en, d_fr = _CHALICE_CODES.get(chalice_code, _CHALICE_CODES["InternalServerError"])
    fr = lang == "fr"
    return problem(status, code, t_fr if fr else t_en, d_fr if fr else d_en, path, lang, {"code": code})


def install(app: Chalice) -> None:
    """Rewrite Chalice's own JSON errors as problem+json."""

    @app.middleware("http")
    def problem_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
        response = get_response(event)
        if response.status_code < 400:
            return response
        body = response.body
        if isinstance(body, dict) and "Code" in body:
            path = request_path(event)
            rewritten = chalice_problem(str(body["Code"]), path, negotiate(event.headers.get("accept-language")))
            rewritten.status_code = response.status_code
            for name in ("Allow",):
                if name in response.headers:
                    rewritten.headers[name] = response.headers[name]
            return rewritten
        return response
