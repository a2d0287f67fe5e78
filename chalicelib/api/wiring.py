"""Build the real adapters once per cold start."""
from __future__ import annotations

from functools import lru_cache

from ..adapters.mailer import SesMailer
from ..adapters.dynamo import DynamoStorage
from ..adapters.objects import S3Objects
from ..config import get_settings, require_production_ready
from ..services.deps import Deps
from ..services.ports import StaffDirectory


@lru_cache(maxsize=1)
def deps() -> Deps:
    settings = get_settings()
    require_production_ready(settings)  # at the first request, not at import: `chalice package` imports the app
    return Deps(settings=settings, store=DynamoStorage(settings), mailer=SesMailer(settings),
                objects=S3Objects(settings))


def staff_directory() -> StaffDirectory:
    """The staff user pool's admin API (its botocore client is built once per region and endpoint; the settings are
    read each time, as the console's sign-in reads them, so a test's new pool is the one used)."""
    from ..adapters.cognito_admin import CognitoStaffDirectory

    return CognitoStaffDirectory(get_settings())
