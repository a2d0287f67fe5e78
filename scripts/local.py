"""Local-run helper for scripts/dev: environment, bootstrap, sent emails, tokens.

    python scripts/local.py env         # export lines for the local stage
    python scripts/local.py bootstrap   # tables, SES sender, missions, demo coordinators
    python scripts/local.py mail        # the emails the local service has sent
    python scripts/local.py tokens      # an ID token for each demo coordinator
    python scripts/local.py staff       # the demo staff's console sign-in details (one per role)
    python scripts/local.py totp USER   # a current TOTP code for a demo staff member (the console's MFA)
    python scripts/local.py retry       # run the scheduled email job once (chalice local runs no schedule)
    python scripts/local.py scan        # tag the uploaded documents as GuardDuty's malware scan does (moto has none)
    python scripts/local.py deliver     # the outbox stream's delivery, polling moto's stream (scripts/dev runs it)
    python scripts/local.py retain --as-of 2036-03-02 [--preview]   # the daily retention job for that day
"""
from __future__ import annotations

import argparse
import html
import re
import json
import os
import shlex
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOTO_PORT = os.environ.get("PEACEOPS_MOTO_PORT", "5001")
APP_PORT = os.environ.get("PEACEOPS_APP_PORT", "8000")
MOTO = f"http://127.0.0.1:{MOTO_PORT}"
# What one run of scripts/dev wrote, kept per emulator port so two runs on different ports in one
# checkout keep apart. moto holds everything in memory: when it stops, the ids recorded here name
# nothing, so scripts/dev empties this file before it starts moto and the bootstrap writes it anew.
RUN_DIR = ROOT / ".local" / MOTO_PORT
STATE = RUN_DIR / "state.json"
# The environment only a bootstrap knows (the user pool it made); never kept from an earlier run.
STATE_KEYS = ("PEACEOPS_COGNITO_USER_POOL_ID", "PEACEOPS_COGNITO_CLIENT_ID")

LOCAL_ENV = {
    "AWS_DEFAULT_REGION": "ca-central-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "PEACEOPS_DYNAMODB_ENDPOINT": MOTO,
    "PEACEOPS_SES_ENDPOINT": MOTO,
    "PEACEOPS_COGNITO_ENDPOINT": MOTO,
    # The documents' bucket on moto's S3: the browser posts the upload forms there (by path:
    # http://127.0.0.1:<moto port>/peaceops-local-documents), and the documents page's CSP names that origin.
    "PEACEOPS_S3_ENDPOINT": MOTO,
    "PEACEOPS_STAGE": "local",
    "PEACEOPS_TABLE_PREFIX": "peaceops-local",
    "PEACEOPS_SENDER": "no-reply@peaceops.local.example.ca",
    "PEACEOPS_BASE_URL": f"http://127.0.0.1:{APP_PORT}",
    # moto's Cognito checks TOTP codes only with this (the console's MFA; scripts/dev sets it for moto's server).
    "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _apply_env() -> dict[str, str]:
    """Set the local run's environment over whatever this process inherited, and return it.

    It is a function of the two ports and of what this run's bootstrap wrote: a value kept from an
    earlier run (an exported user pool id, another port's endpoint) would point at an emulator that
    is gone, so nothing here is a default that the shell may already have set.
    """
    env = dict(LOCAL_ENV)
    if STATE.exists():
        env.update(json.loads(STATE.read_text()).get("env", {}))
    for k in STATE_KEYS:
        if k not in env:
            os.environ.pop(k, None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    return env


def cmd_env(_: argparse.Namespace) -> None:
    """Shell lines for `eval`: this run's values, and `unset` for the pool ids no bootstrap has written yet."""
    env = _apply_env()
    for k, v in env.items():
        print(f"export {k}={shlex.quote(v)}")
    for k in STATE_KEYS:
        if k not in env:
            print(f"unset {k}")


def _wait_for_moto(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{MOTO}/moto-api/", timeout=1).read()
            return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"moto server did not start on {MOTO}; see {RUN_DIR / 'moto.log'}") from exc
            time.sleep(0.2)


def cmd_bootstrap(_: argparse.Namespace) -> None:
    STATE.unlink(missing_ok=True)  # an earlier run's pool is not in this emulator
    _apply_env()
    _wait_for_moto()
    from chalicelib.adapters.tables import create_all, create_documents_bucket, verify_sender
    from chalicelib.api.wiring import deps
    from chalicelib.config import get_settings
    from chalicelib.services import catalogue

    settings = get_settings()
    created = create_all(settings)
    verify_sender(settings)
    create_documents_bucket(settings)
    n = catalogue.seed(deps())
    from devtools.cognito_setup import DEMO_USERS, create_pool

    pool = create_pool(settings.region, MOTO)
    state: dict[str, object] = {"env": {"PEACEOPS_COGNITO_USER_POOL_ID": pool.user_pool_id,
                                        "PEACEOPS_COGNITO_CLIENT_ID": pool.client_id},
                                "demo_users": sorted(DEMO_USERS)}
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2))
    print(f"tables created: {len(created)}; sender verified: {settings.sender}; catalogue items: {n}; "
          f"documents bucket: {settings.bucket}")


def cmd_mail(_: argparse.Namespace) -> None:
    """Print every email moto's SES has accepted, newest last."""
    data = json.loads(urllib.request.urlopen(f"{MOTO}/moto-api/data.json", timeout=5).read())
    messages = data.get("ses", {}).get("Message", [])
    if not messages:
        print("No email sent yet.")
    for m in messages:
        print("=" * 72)
        print(f"To:      {', '.join(m.get('destinations', {}).get('ToAddresses', []))}")
        print(f"Subject: {m.get('subject')}")
        print("-" * 72)
        # moto keeps the HTML part; show it as text, a blank line after each paragraph.
        body = re.sub(r"(?s)<head>.*?</head>", "", m.get("body") or "")  # the title repeats the subject
        body = re.sub(r"<br>\n?", "\n", body)
        body = re.sub(r"</p>", "\n\n", body)
        print(html.unescape(re.sub(r"<[^>]+>", "", body)).strip())


def cmd_tokens(args: argparse.Namespace) -> None:
    """Print a fresh ID token for each demo coordinator (or one, with --user)."""
    _local_only()
    env = _apply_env()
    from botocore.exceptions import ClientError, EndpointConnectionError

    from devtools.cognito_setup import DEMO_USERS, Pool

    if not STATE.exists():
        raise SystemExit(f"Start the service first: scripts/dev (no {STATE})")
    if args.user and args.user not in DEMO_USERS:
        raise SystemExit(f"No demo user {args.user!r}; there are: {', '.join(DEMO_USERS)}")
    pool = Pool(env["PEACEOPS_COGNITO_USER_POOL_ID"], env["PEACEOPS_COGNITO_CLIENT_ID"], env["AWS_DEFAULT_REGION"], MOTO)
    for user, (groups, service) in DEMO_USERS.items():
        if args.user and user != args.user:
            continue
        try:
            token = pool.id_token(user)
        except EndpointConnectionError as exc:
            raise SystemExit(f"Nothing answers on {MOTO}: start the service with scripts/dev") from exc
        except ClientError as exc:
            # The emulator on this port is not the one that wrote the state: that run has stopped.
            raise SystemExit(f"{STATE} names a user pool the emulator on {MOTO} does not have "
                             f"({exc.response['Error']['Code']}): start the service again with scripts/dev") from exc
        if args.user:
            print(token)
        else:
            print(f"# {user}: {', '.join(groups)}{' (' + service + ')' if service else ''}")
            print(f"export TOKEN_{user.upper().replace('.', '_')}='{token}'")


def deployed_reason(environ: dict[str, str]) -> str | None:
    """Why this shell points at a deployed stage, or None. Deployed: a stage .chalice/config.json deploys (any
    but "local"), or an AWS endpoint that is not this machine's loopback (moto). The demo staff, their password
    and their TOTP codes exist only in the emulator: these helpers never run against anything else."""
    from urllib.parse import urlsplit

    stages = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]
    stage = environ.get("PEACEOPS_STAGE", "local")
    if stage in stages and stage != "local":
        return f"PEACEOPS_STAGE={stage} is a deployed stage"
    for name in ("PEACEOPS_COGNITO_ENDPOINT", "PEACEOPS_DYNAMODB_ENDPOINT", "PEACEOPS_SES_ENDPOINT"):
        value = environ.get(name)
        if value and urlsplit(value).hostname not in LOOPBACK:
            return f"{name}={value} is not the local emulator"
    return None


def _local_only() -> None:
    reason = deployed_reason(dict(os.environ))
    if reason:
        raise SystemExit(f"scripts/local.py: refusing: {reason}. The demo staff exist only in the local run "
                         "(scripts/dev); in AWS, staff sign in with their own account and authenticator app.")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def cmd_staff(_: argparse.Namespace) -> None:
    """The demo staff's console sign-in details: one member per role (both service coordinators)."""
    _local_only()
    from devtools.cognito_setup import DEMO_USERS, PASSWORD

    print(f"Console: http://127.0.0.1:{APP_PORT}/console/en/sign-in (français : /console/fr/sign-in)")
    print(f"Password (every demo member): {PASSWORD}")
    for user, (groups, service) in DEMO_USERS.items():
        print(f"  {user:<18} {', '.join(groups)}{' (' + service + ')' if service else ''}")
    print("First sign-in: set up TOTP with the key shown; each code: scripts/local.py totp <user>")


def cmd_totp(args: argparse.Namespace) -> None:
    """A current TOTP code for a demo staff member: what their authenticator app would show. moto gives every
    user one secret (its COGNITO_TOTP_MFA_SECRET), so the code is the same for all; in AWS each secret is the
    user's own, kept only in their app."""
    _local_only()
    from devtools.cognito_setup import DEMO_USERS, totp_code

    if args.user not in DEMO_USERS:
        raise SystemExit(f"No demo user {args.user!r}; there are: {', '.join(DEMO_USERS)}")
    print(totp_code())


def cmd_retry(_: argparse.Namespace) -> None:
    """What the 5-minute schedule does in AWS: send the emails whose retry is due."""
    _apply_env()
    from chalicelib.api.wiring import deps
    from chalicelib.services import notifications

    print(json.dumps(notifications.deliver_pending(deps())))


def cmd_retain(args: argparse.Namespace) -> None:
    """What the daily schedule does in AWS (app.py apply_retention), for the day ``--as-of`` (default: today in
    Ottawa): dispose of every file the retention schedule says is due, or with ``--preview`` only count them.
    Prints counts per rule and of held files, never a name, an address or a reference."""
    _local_only()
    _apply_env()
    from datetime import date

    from chalicelib.api.wiring import deps
    from chalicelib.services import retention

    if args.preview:
        shown = retention.preview(deps(), args.as_of)
        print(json.dumps({"as_of": shown["as_of"], "due": shown["due"], "held": len(shown["held"]),
                          **{f"due_{r['rule']}": r["count"] for r in shown["rules"]}}))
        return
    as_of = retention.parse_as_of(args.as_of, deps())
    print(json.dumps({"as_of": date.isoformat(as_of), **retention.run(deps(), as_of)}))


def cmd_scan(args: argparse.Namespace) -> None:
    """What GuardDuty Malware Protection does in AWS, which moto does not emulate: tag each document not yet
    scanned (or the one ``--key`` names) with GuardDutyMalwareScanStatus = ``--status`` (NO_THREATS_FOUND by
    default; THREATS_FOUND, UNSUPPORTED, ACCESS_DENIED or FAILED to see a refusal). Prints the keys it tagged."""
    _local_only()
    _apply_env()
    import boto3

    from chalicelib.config import get_settings
    from chalicelib.domain import documents

    settings = get_settings()
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.s3_endpoint)
    listed = s3.list_objects_v2(Bucket=settings.bucket, Prefix=documents.KEY_ROOT + "/").get("Contents", [])
    keys = [args.key] if args.key else [o["Key"] for o in listed]
    for key in keys:
        tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=settings.bucket, Key=key)["TagSet"]}
        if args.key or documents.SCAN_TAG not in tags:
            s3.put_object_tagging(Bucket=settings.bucket, Key=key, Tagging={"TagSet": [
                *({"Key": k, "Value": v} for k, v in tags.items() if k != documents.SCAN_TAG),
                {"Key": documents.SCAN_TAG, "Value": args.status}]})
            print(f"{args.status} {key}")


def cmd_deliver(args: argparse.Namespace) -> None:
    """What the outbox stream's event source mapping does in AWS, which `chalice local` does not run: read
    moto's stream (GetShardIterator/GetRecords) every ``--every`` seconds and hand the records, as the
    Lambda event, to the same ``app.deliver_emails`` handler. Runs until stopped (``--once``: one pass)."""
    _apply_env()
    _wait_for_moto()
    os.chdir(ROOT)  # app.py finds its data files from the checkout
    from app import deliver_emails
    from chalicelib.adapters.tables import stream_arn
    from chalicelib.config import get_settings
    from devtools.stream_poller import StreamReader

    settings = get_settings()
    reader = StreamReader(stream_arn(settings), settings.region, MOTO)
    while True:
        try:
            for event in reader.events():
                answer = deliver_emails(event, None)
                if answer.get("batchItemFailures"):
                    print(f"deliver: failed records {answer['batchItemFailures']}", file=sys.stderr, flush=True)
        except Exception as exc:  # noqa: BLE001 - a development poller keeps polling (moto restarting, say)
            print(f"deliver: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        if args.once:
            return
        time.sleep(args.every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("env").set_defaults(func=cmd_env)
    b = sub.add_parser("bootstrap")
    b.add_argument("--moto", default=MOTO)
    b.set_defaults(func=cmd_bootstrap)
    sub.add_parser("mail").set_defaults(func=cmd_mail)
    t = sub.add_parser("tokens")
    t.add_argument("--user", help="print only this user's token (e.g. irss)")
    t.set_defaults(func=cmd_tokens)
    sub.add_parser("staff").set_defaults(func=cmd_staff)
    o = sub.add_parser("totp")
    o.add_argument("user", help="a demo staff member, e.g. irss")
    o.set_defaults(func=cmd_totp)
    sub.add_parser("retry").set_defaults(func=cmd_retry)
    sc = sub.add_parser("scan")
    sc.add_argument("--status", default="NO_THREATS_FOUND",
                    choices=["NO_THREATS_FOUND", "THREATS_FOUND", "UNSUPPORTED", "ACCESS_DENIED", "FAILED"])
    sc.add_argument("--key", help="one object's key (default: every document not scanned yet)")
    sc.set_defaults(func=cmd_scan)
    r = sub.add_parser("retain")
    r.add_argument("--as-of", dest="as_of", help="the day the run stands on, YYYY-MM-DD (default: today in Ottawa)")
    r.add_argument("--preview", action="store_true", help="count what a run would dispose of; change nothing")
    r.set_defaults(func=cmd_retain)
    d = sub.add_parser("deliver")
    d.add_argument("--every", type=float, default=1.0, help="seconds between polls of the stream")
    d.add_argument("--once", action="store_true", help="deliver what the stream holds now, then stop")
    d.set_defaults(func=cmd_deliver)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
