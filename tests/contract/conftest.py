"""The integration tests' moto-backed fixtures (a fresh emulated account, the app's
test client, coordinators' tokens), for the in-process contract tests."""
from tests.integration.conftest import aws, client, pool, tokens  # noqa: F401 - fixtures, by name


def pytest_collection_modifyitems(items: list) -> None:  # type: ignore[type-arg]
    """schemathesis names each operation's test ``test_...[GET /path]`` but gives them all the function's node id;
    pytest-xdist schedules by node id, so under it only one operation would run. Each gets its own name as id."""
    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and "[" in item.name and "[" not in item.nodeid:
            item._id = item.parent.id.child(item.name)  # pytest 9: how a node's id is usually made
