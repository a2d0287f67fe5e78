"""Issue 10, finding 12: a deployed stage refuses a short token secret; groups are a list or nothing."""
from __future__ import annotations

from dataclasses import replace

import pytest


def _settings():
    from chalicelib.config import get_settings

    return get_settings()


@pytest.mark.parametrize("stage", ["dev", "prod", "staging"])
@pytest.mark.parametrize("secret", ["", "x", "s" * 31, "é" * 15])  # "é" is 2 bytes: 30 bytes
def test_a_deployed_stage_refuses_a_secret_shorter_than_32_bytes(stage, secret):
    from chalicelib.config import ConfigurationError, require_production_ready

    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        require_production_ready(replace(_settings(), stage=stage, token_secret=secret))


def test_32_bytes_is_enough_and_local_stages_keep_their_short_secrets():
    from chalicelib.config import DEFAULT_SECRET, require_production_ready

    require_production_ready(replace(_settings(), stage="prod", token_secret="s" * 32))
    require_production_ready(replace(_settings(), stage="prod", token_secret="é" * 16))
    for stage in ("local", "test"):
        require_production_ready(replace(_settings(), stage=stage, token_secret="short"))
        require_production_ready(replace(_settings(), stage=stage, token_secret=DEFAULT_SECRET))


@pytest.mark.parametrize("groups", ["irss", "xirssx", "admin,irss", {"irss": True}, [["irss"]], ["irss", 1]])
def test_groups_that_are_not_a_list_of_names_are_refused(groups):
    from chalicelib.api.auth import actor_from_claims
    from chalicelib.domain.errors import Forbidden

    with pytest.raises(Forbidden):
        actor_from_claims({"sub": "u1", "cognito:groups": groups}, ("irss", "admin"))


def test_a_list_of_groups_still_gives_the_role():
    from chalicelib.api.auth import actor_from_claims

    assert actor_from_claims({"sub": "u1", "cognito:groups": ["irss"]}, ("irss",)).role == "irss"
