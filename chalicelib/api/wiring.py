"""Build the real adapters once per cold start."""
from __future__ import annotations

from functools import lru_cache

from ..adapters.mailer import SesMailer
from ..adapters.dynamo import DynamoStorage
from ..adapters.objects import S3Objects
from ..config import get_settings, require_production_ready
from ..services.deps import Deps


@lru_cache(maxsize=1)
def deps() -> Deps:
    settings = get_settings()
    require_production_ready(settings)  # at the first request, not at import: `chalice package` imports the app
    return Deps(settings=settings, store=DynamoStorage(settings), mailer=SesMailer(settings),
                objects=S3Objects(settings))
