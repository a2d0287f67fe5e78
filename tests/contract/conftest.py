"""The integration tests' moto-backed fixtures (a fresh emulated account, the app's
test client, coordinators' tokens), for the in-process contract tests."""
from tests.integration.conftest import aws, client, pool, tokens  # noqa: F401 - fixtures, by name
