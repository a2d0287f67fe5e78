"""Structured logs: one JSON object per line, each carrying the request id.

The request id is API Gateway's ``requestContext.requestId`` (the id a client
sees in ``x-amzn-RequestId``), else Lambda's ``aws_request_id``, else a fresh
one (``chalice local``, tests). It is set once per invocation by a middleware
and stamped on every record created while the invocation runs, whichever
logger made it.

Why the standard library and not a logging package: the formatter and the
middleware are about eighty lines, they add nothing to the deployment package
or to cold start, and they keep one rule easy to audit: a line carries only
what the code names in ``extra`` and never a request or response body, a
query string, a token, a name or an email. Exception messages are left out
too (they can quote the value that failed, e.g. jsonschema's), only the type
and the stack. AWS libraries log request parameters (bodies included) at
DEBUG, so their loggers are held at WARNING whatever the root level.

Example: ``log.warning("email attempt failed", extra={"message_id": m, "attempts": 2})``
inside a request prints
``{"time": "...", "level": "WARNING", "logger": "chalicelib.services.notifications",
"message": "email attempt failed", "request_id": "c6af9ac6-...", "message_id": "po-...:2:applicant",
"attempts": 2}``.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Callable

from chalice import Chalice
from chalice.app import Request

NO_REQUEST = "-"
request_id: ContextVar[str] = ContextVar("peaceops_request_id", default=NO_REQUEST)

# Libraries that log request parameters (bodies, addresses) at DEBUG.
QUIET = ("botocore", "boto3", "urllib3", "pynamodb", "s3transfer")
# Attributes every LogRecord has: anything else on a record came from ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            line["exception"] = exc_type.__qualname__
            line["stack"] = "".join(traceback.format_tb(tb))
        return json.dumps(line, ensure_ascii=False, default=str)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def _stamp_records() -> None:
    """Give every record the current request id, at creation, whatever its logger."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "peaceops", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    factory.peaceops = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure(level: int = logging.INFO) -> None:
    """JSON on the root logger's output, once. In Lambda the runtime's handler is
    reused (adding a second one would print every line twice)."""
    _stamp_records()
    root = logging.getLogger()
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        for handler in root.handlers:
            handler.setFormatter(JsonFormatter())
    elif not any(isinstance(h, _Stderr) for h in root.handlers):
        handler = _Stderr()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))


def id_of(event: Any) -> str:
    """API Gateway's request id, else Lambda's, else a new one."""
    if isinstance(event, Request):
        found = (event.context or {}).get("requestId")
        if found:
            return str(found)
    context = getattr(event, "lambda_context", None) or getattr(event, "context", None)
    found = getattr(context, "aws_request_id", None)
    return str(found) if found else str(uuid.uuid4())


def install(app: Chalice) -> None:
    """Configure JSON logs and set the request id once per invocation.

    Each HTTP request also leaves one line: method, route template (never the
    concrete path or query, which can carry a token), status and duration.
    """
    configure()
    for handler in app.log.handlers:  # Chalice's own logger (it does not propagate)
        handler.setFormatter(JsonFormatter())
    log = logging.getLogger(__name__)

    @app.middleware("all")
    def request_context(event: Any, get_response: Callable[[Any], Any]) -> Any:
        token = request_id.set(id_of(event))
        started = time.perf_counter()
        try:
            response = get_response(event)
            if isinstance(event, Request):
                log.info("request", extra={"method": event.method, "route": event.path,
                                           "status": response.status_code,
                                           "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            return response
        finally:
            request_id.reset(token)
