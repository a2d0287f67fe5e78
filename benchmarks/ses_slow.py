"""SES slow (issue 13): SES accepts each email, then answers after ``--delay`` seconds (11 by default).

    .venv/bin/python benchmarks/ses_slow.py            # about 35 s (three emails, each 11 s late)
    .venv/bin/python benchmarks/ses_slow.py --delay 2

In-process against moto (benchmarks/run.py's ``emulated``). A wrapper of botocore's entry point sleeps
after moto has accepted a SendEmail and fails it as a read timeout would when the delay passes the SES
client's read timeout. Prints how long a submission and a move into service review took (they write
their emails to the outbox and call no SES), how long the stream's delivery took to send their three
emails (records read off moto's stream, handed to the real ``app.deliver_emails``), and how many copies
of each email went out once the retry job has also run past every lease and backoff. Before issue 13 the
same delay made each request take 40 s and sent every email three times.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.run import _move, _submit, emulated  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=11.0, help="seconds SES takes to answer after accepting")
    delay = parser.parse_args().delay

    from botocore.client import BaseClient
    from botocore.exceptions import ReadTimeoutError

    original = BaseClient._make_api_call

    def slow(self: Any, operation: str, params: dict[str, Any]) -> Any:
        answer = original(self, operation, params)
        if self.meta.service_model.service_name == "ses" and operation == "SendEmail":
            time.sleep(delay)  # accepted; the answer is late
            if delay > self.meta.config.read_timeout:
                raise ReadTimeoutError(endpoint_url="https://email.ca-central-1.amazonaws.com")
        return answer

    BaseClient._make_api_call = slow  # type: ignore[method-assign]
    with emulated() as e:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        from app import deliver_emails
        from chalicelib.adapters.tables import stream_arn
        from chalicelib.api.wiring import deps
        from chalicelib.config import get_settings
        from chalicelib.services import notifications
        from devtools.stream_poller import StreamReader

        reader = StreamReader(stream_arn(get_settings()), get_settings().region)
        t0 = time.monotonic()
        f = _submit(e.client)
        t1 = time.monotonic()
        _move(e.client, e.tokens["coordinator.spvm"], f["application_id"], "submitted", "service_review")
        t2 = time.monotonic()
        while events := reader.events():
            for event in events:
                deliver_emails(event, None)
        t3 = time.monotonic()
        d = deps()
        d.clock = lambda: datetime.now(timezone.utc) + timedelta(hours=2)  # past every lease and backoff
        notifications.deliver_pending(d)
        sent = ses_backends[DEFAULT_ACCOUNT_ID]["ca-central-1"].sent_messages
        copies = Counter((m.destinations["ToAddresses"][0], m.subject) for m in sent)

    from chalicelib.adapters.mailer import ATTEMPTS, READ_TIMEOUT

    print(f"SES slow: each SendEmail accepted, answered after {delay:g} s (client read timeout {READ_TIMEOUT} s, "
          f"{ATTEMPTS} try)\n")
    print("| measure | value |\n|---|---|")
    print(f"| request: submit | {(t1 - t0) * 1000:.0f} ms |")
    print(f"| request: move into service review | {(t2 - t1) * 1000:.0f} ms |")
    print(f"| stream delivery of their {len(copies)} emails | {t3 - t2:.1f} s |")
    print(f"| copies per email (after the retry job too) | {sorted(set(copies.values()))} |")


if __name__ == "__main__":
    main()
