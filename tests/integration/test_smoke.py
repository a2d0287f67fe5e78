import json

from .conftest import submit


def test_submit_and_read(client, outbox):
    created = submit(client)
    r = client.http.get(f"/applications/{created['application_id']}",
                        headers={"Authorization": f"Bearer {created['access_token']}"})
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    assert body["stage"] == "submitted"
    assert len(outbox()) == 2
