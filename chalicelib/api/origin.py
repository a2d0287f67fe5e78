"""From where a staff request came, for the read log (domain/reads.Origin): API Gateway's source IP address and
the User-Agent header. A record kept for the program's audit; never logged."""
from __future__ import annotations

from typing import Any

from ..domain.reads import Origin


def of(request: Any, channel: str = "api") -> Origin:
    """The request's origin; a request without a context (none between requests) gives an empty one."""
    if request is None:
        return Origin.of(channel, None, None)
    identity = (getattr(request, "context", None) or {}).get("identity") or {}
    headers = getattr(request, "headers", None) or {}
    return Origin.of(channel, identity.get("sourceIp"), headers.get("user-agent"))
