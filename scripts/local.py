"""Local-run helper for scripts/dev: environment, bootstrap, sent emails, tokens.

    python scripts/local.py env         # export lines for the local stage
    python scripts/local.py bootstrap   # tables, SES sender, missions, demo coordinators
    python scripts/local.py mail        # the emails the local service has sent
    python scripts/local.py tokens      # an ID token for each demo coordinator
    python scripts/local.py retry       # run the scheduled email job once (chalice local runs no schedule)
"""
from __future__ import annotations

import argparse
import html
import re
import json
import os
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOTO_PORT = os.environ.get("PEACEOPS_MOTO_PORT", "5001")
APP_PORT = os.environ.get("PEACEOPS_APP_PORT", "8000")
MOTO = f"http://127.0.0.1:{MOTO_PORT}"
STATE = ROOT / ".local" / "state.json"

LOCAL_ENV = {
    "AWS_DEFAULT_REGION": "ca-central-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "PEACEOPS_DYNAMODB_ENDPOINT": MOTO,
    "PEACEOPS_SES_ENDPOINT": MOTO,
    "PEACEOPS_COGNITO_ENDPOINT": MOTO,
    "PEACEOPS_STAGE": "local",
    "PEACEOPS_TABLE_PREFIX": "peaceops-local",
    "PEACEOPS_SENDER": "no-reply@peaceops.local.example.ca",
    "PEACEOPS_BASE_URL": f"http://127.0.0.1:{APP_PORT}",
}


def _apply_env() -> None:
    for k, v in LOCAL_ENV.items():
        os.environ.setdefault(k, v)
    if STATE.exists():
        for k, v in json.loads(STATE.read_text()).get("env", {}).items():
            os.environ.setdefault(k, v)
    sys.path.insert(0, str(ROOT))


def cmd_env(_: argparse.Namespace) -> None:
    _apply_env()
    keys = list(LOCAL_ENV) + (list(json.loads(STATE.read_text()).get("env", {})) if STATE.exists() else [])
    for k in keys:
        print(f"export {k}='{os.environ[k]}'")


def _wait_for_moto(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{MOTO}/moto-api/", timeout=1).read()
            return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"moto server did not start on {MOTO}; see .local/moto.log") from exc
            time.sleep(0.2)


def cmd_bootstrap(_: argparse.Namespace) -> None:
    _apply_env()
    _wait_for_moto()
    from chalicelib.adapters.tables import create_all, verify_sender
    from chalicelib.api.wiring import deps
    from chalicelib.config import get_settings
    from chalicelib.services import catalogue

    settings = get_settings()
    created = create_all(settings)
    verify_sender(settings)
    n = catalogue.seed(deps())
    from devtools.cognito_setup import DEMO_USERS, create_pool

    pool = create_pool(settings.region, MOTO)
    state: dict = {"env": {"PEACEOPS_COGNITO_USER_POOL_ID": pool.user_pool_id,
                           "PEACEOPS_COGNITO_CLIENT_ID": pool.client_id},
                   "demo_users": sorted(DEMO_USERS)}
    STATE.parent.mkdir(exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2))
    print(f"tables created: {len(created)}; sender verified: {settings.sender}; catalogue items: {n}")


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
    _apply_env()
    from devtools.cognito_setup import DEMO_USERS, Pool

    if not STATE.exists():
        raise SystemExit("Start the service first: scripts/dev")
    env = json.loads(STATE.read_text())["env"]
    pool = Pool(env["PEACEOPS_COGNITO_USER_POOL_ID"], env["PEACEOPS_COGNITO_CLIENT_ID"], "ca-central-1", MOTO)
    for user, (groups, service) in DEMO_USERS.items():
        if args.user and user != args.user:
            continue
        token = pool.id_token(user)
        if args.user:
            print(token)
        else:
            print(f"# {user}: {', '.join(groups)}{' (' + service + ')' if service else ''}")
            print(f"export TOKEN_{user.upper().replace('.', '_')}='{token}'")


def cmd_retry(_: argparse.Namespace) -> None:
    """What the 5-minute schedule does in AWS: send the emails whose retry is due."""
    _apply_env()
    from chalicelib.api.wiring import deps
    from chalicelib.services import notifications

    print(json.dumps(notifications.deliver_pending(deps())))


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
    sub.add_parser("retry").set_defaults(func=cmd_retry)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
