"""Staff accounts on MemoryStorage and the in-memory pool: the rules an administrator meets (services/staff_accounts.py).

Given an administrator and the fake pool, when they invite, change roles, disable and enable, then each refusal is
clear (a coordinator without a service, a service on another role, an unknown role, a duplicate address, their own
account), each change is audited under the account's subject with who did it and no password, the person is
emailed in their language, and the invitation's password leaves the outbox row once the email is sent.
"""
from __future__ import annotations

import re
import string

import pytest

from chalicelib.adapters.memory import MemoryStaffDirectory
from chalicelib.domain import sign_in_limits as sl
from chalicelib.domain import staff_accounts as sa
from chalicelib.domain import staff_sessions as ss
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.workflow import Actor
from chalicelib.services import staff_accounts as accounts

from .fakes import make_deps

ADMIN = Actor(role="admin", actor_id="sub-admin", username="admin")
INVITE = {"name": "Jeanne Tremblay", "email": "J.Tremblay@SPVM.example.ca", "role": "service_coordinator",
          "police_service": "spvm", "language": "fr"}


@pytest.fixture
def deps():
    return make_deps()


@pytest.fixture
def pool() -> MemoryStaffDirectory:
    return MemoryStaffDirectory()


def codes(err: ValidationFailed) -> dict[str, str]:
    return {e.pointer: e.code for e in err.errors}


def test_an_invitation_makes_the_account_and_emails_its_temporary_password_sealed_until_sent(deps, pool):
    # When the administrator invites a coordinator for SPVM, in French
    answer = accounts.invite(deps, pool, ADMIN, INVITE)
    # Then the account's user name is the address in lower case, in the coordinators' group, with its service
    assert answer["username"] == "j.tremblay@spvm.example.ca" and answer["invited"] is True
    account = pool.get("j.tremblay@spvm.example.ca")
    assert (account.role, account.police_service, account.language) == ("service_coordinator", "spvm", "fr")
    password = pool.passwords[account.username]
    assert len(password) >= 14 and all(any(c in kind for c in password) for kind in (
        string.ascii_lowercase, string.ascii_uppercase, string.digits, sa.PASSWORD_SYMBOLS))
    assert "password" not in str(answer).lower()
    # And the audit names who did it and what, never the password
    [entry] = accounts.trail(deps, account.username)
    assert (entry.kind, entry.actor_id, entry.actor_role) == ("account_invited", "sub-admin", "admin")
    assert entry.details["role"] == "service_coordinator" and entry.details["police_service"] == "spvm"
    assert password not in str(entry)
    # And the outbox row holds the password only sealed
    [row] = [r for r in deps.store.outbox._s.outbox.values() if r.template == "staff_account_invited"]
    assert password not in str(row.params)
    assert accounts.unseal_password(deps.settings.token_secret, row.params["extra"][accounts.SEALED]) == password
    # When the email is sent, then it is in French with the user name and password, and the sealed value is gone
    [email] = [e for e in deps.mailer.sent if e.to == "j.tremblay@spvm.example.ca"]
    assert "Mot de passe temporaire" in email.text and password in email.text
    assert "j.tremblay@spvm.example.ca" in email.text and "/console/fr/sign-in" in email.text
    assert "3\u00a0jours" in email.text
    assert accounts.SEALED not in deps.store.outbox.get(row.message_id).params["extra"]


@pytest.mark.parametrize("change, field, code", [
    ({"police_service": ""}, "/police_service", "service-required"),
    ({"role": "irss"}, "/police_service", "service-not-allowed"),
    ({"police_service": "nypd"}, "/police_service", "unknown-service"),
    ({"role": "superuser", "police_service": ""}, "/role", "unknown-role"),
    ({"email": "not an address"}, "/email", "invalid-email"),
    ({"name": ""}, "/name", "invalid-name"),
    ({"language": "de"}, "/language", "invalid-language"),
])
def test_an_invitation_that_breaks_a_rule_is_refused_and_nothing_is_made(deps, pool, change, field, code):
    with pytest.raises(ValidationFailed) as err:
        accounts.invite(deps, pool, ADMIN, {**INVITE, **change})
    assert codes(err.value)[field] == code
    assert pool.accounts == {} and deps.store.outbox._s.outbox == {}


def test_an_address_that_has_an_account_is_refused_whatever_its_case(deps, pool):
    accounts.invite(deps, pool, ADMIN, INVITE)
    with pytest.raises(sa.AccountExists) as err:
        accounts.invite(deps, pool, ADMIN, {**INVITE, "email": "j.tremblay@spvm.EXAMPLE.ca", "role": "admin",
                                            "police_service": ""})
    assert err.value.status == 409
    # The existing account is untouched (an admin session cannot take over an account by inviting its address)
    assert pool.get("j.tremblay@spvm.example.ca").role == "service_coordinator"
    assert len(accounts.trail(deps, "j.tremblay@spvm.example.ca")) == 1


def _signed_in(deps, username: str) -> str:
    """A console session of ``username``, listed under them as a sign-in lists it."""
    sid, session = ss.started_session(int(deps.clock().timestamp()), {"sub": "x", "cognito:groups": ["irss"]}, "")
    session = session.__class__(**{**session.__dict__, "user_key": sl.user_key(username)})
    deps.store.sessions.put(session)
    deps.store.sessions.index_for_user(session.user_key, session.key, session.created_at + ss.ABSOLUTE_SECONDS)
    return session.key


def test_a_role_change_moves_the_groups_ends_every_session_and_tells_the_person(deps, pool):
    accounts.invite(deps, pool, ADMIN, INVITE)
    key = _signed_in(deps, "j.tremblay@spvm.example.ca")
    answer = accounts.change_role(deps, pool, ADMIN, "J.Tremblay@spvm.example.ca", {"role": "irss"})
    assert answer["role"] == "irss" and answer["police_service"] is None and answer["sessions_ended"] == 1
    assert pool.get("j.tremblay@spvm.example.ca").role == "irss"
    assert deps.store.sessions.get(key) is None and pool.signed_out == ["j.tremblay@spvm.example.ca"]
    entry = accounts.trail(deps, "j.tremblay@spvm.example.ca")[-1]
    assert entry.kind == "account_role_changed"
    assert (entry.details["from_role"], entry.details["role"], entry.details["from_police_service"]) == (
        "service_coordinator", "irss", "spvm")
    [email] = [e for e in deps.mailer.sent if "rôle" in e.subject]
    assert "Recrutement, présélection et sélection" in email.text
    # The same change again: nothing to change
    with pytest.raises(sa.Unchanged):
        accounts.change_role(deps, pool, ADMIN, "j.tremblay@spvm.example.ca", {"role": "irss"})


def test_an_administrator_cannot_demote_or_disable_themselves(deps, pool):
    accounts.invite(deps, pool, ADMIN, {**INVITE, "email": "admin.two@example.ca", "role": "admin",
                                        "police_service": ""})
    me = Actor(role="admin", actor_id=pool.get("admin.two@example.ca").sub, username="admin.two@example.ca")
    with pytest.raises(sa.SelfChangeRefused):
        accounts.change_role(deps, pool, me, "admin.two@example.ca", {"role": "irss"})
    with pytest.raises(sa.SelfChangeRefused):
        accounts.disable(deps, pool, me, "ADMIN.TWO@example.ca")
    assert pool.get("admin.two@example.ca").enabled and pool.get("admin.two@example.ca").role == "admin"


def test_disable_ends_the_sessions_and_enable_lets_the_person_back(deps, pool):
    accounts.invite(deps, pool, ADMIN, {**INVITE, "language": "en"})
    key = _signed_in(deps, "j.tremblay@spvm.example.ca")
    assert accounts.disable(deps, pool, ADMIN, "j.tremblay@spvm.example.ca")["sessions_ended"] == 1
    assert not pool.get("j.tremblay@spvm.example.ca").enabled and deps.store.sessions.get(key) is None
    with pytest.raises(sa.Unchanged):
        accounts.disable(deps, pool, ADMIN, "j.tremblay@spvm.example.ca")
    accounts.enable(deps, pool, ADMIN, "j.tremblay@spvm.example.ca")
    assert pool.get("j.tremblay@spvm.example.ca").enabled
    kinds = [e.kind for e in accounts.trail(deps, "j.tremblay@spvm.example.ca")]
    assert kinds == ["account_invited", "account_disabled", "account_enabled"]
    subjects = [e.subject for e in deps.mailer.sent]
    assert "Your peaceops console account is disabled" in subjects
    assert "Your peaceops console account is enabled again" in subjects


def test_an_unknown_account_is_not_found(deps, pool):
    for act in (lambda: accounts.disable(deps, pool, ADMIN, "nobody@example.ca"),
                lambda: accounts.enable(deps, pool, ADMIN, "nobody@example.ca"),
                lambda: accounts.change_role(deps, pool, ADMIN, "nobody@example.ca", {"role": "irss"})):
        with pytest.raises(NotFound):
            act()


def test_a_resent_invitation_replaces_the_password_only_before_the_first_sign_in(deps, pool):
    accounts.invite(deps, pool, ADMIN, INVITE)
    first = pool.passwords["j.tremblay@spvm.example.ca"]
    accounts.resend_invitation(deps, pool, ADMIN, "j.tremblay@spvm.example.ca")
    second = pool.passwords["j.tremblay@spvm.example.ca"]
    assert second != first
    assert any(second in e.text for e in deps.mailer.sent)
    pool.accounts["j.tremblay@spvm.example.ca"] = pool.accounts["j.tremblay@spvm.example.ca"].__class__(
        **{**pool.accounts["j.tremblay@spvm.example.ca"].__dict__, "status": "CONFIRMED"})
    with pytest.raises(sa.Unchanged):
        accounts.resend_invitation(deps, pool, ADMIN, "j.tremblay@spvm.example.ca")


def test_the_list_filters_by_role(deps, pool):
    accounts.invite(deps, pool, ADMIN, INVITE)
    accounts.invite(deps, pool, ADMIN, {**INVITE, "email": "h@example.ca", "role": "health", "police_service": ""})
    assert [a["username"] for a in accounts.list_accounts(pool, "health")] == ["h@example.ca"]
    assert len(accounts.list_accounts(pool)) == 2
    assert all(re.fullmatch(r"[a-z.@]+", a["username"]) for a in accounts.list_accounts(pool))


def test_an_invitation_that_bounces_for_good_keeps_no_password_either(deps, pool):
    deps.mailer.fail_permanently()
    accounts.invite(deps, pool, ADMIN, INVITE)
    assert deps.mailer.sent == []
    [row] = [r for r in deps.store.outbox._s.outbox.values() if r.template == "staff_account_invited"]
    assert deps.store.outbox.get(row.message_id).status == "failed"
    assert accounts.SEALED not in deps.store.outbox.get(row.message_id).params["extra"]


class _Outage(Exception):
    """The table refusing a write (a DynamoDB outage), after Cognito was changed."""


def _failing_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.memory import MemoryUnitOfWork

    real, calls = MemoryUnitOfWork.commit, []

    def commit(self: MemoryUnitOfWork) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise _Outage()
        real(self)

    monkeypatch.setattr(MemoryUnitOfWork, "commit", commit)


def test_a_role_change_whose_record_failed_is_recorded_when_asked_again_never_lost_or_doubled(deps, pool, monkeypatch):
    accounts.invite(deps, pool, ADMIN, INVITE)
    # Given Cognito changed but the audit row and email failed to write
    _failing_once(monkeypatch)
    with pytest.raises(_Outage):
        accounts.change_role(deps, pool, ADMIN, "j.tremblay@spvm.example.ca", {"role": "irss"})
    assert pool.get("j.tremblay@spvm.example.ca").role == "irss"
    assert [e.kind for e in accounts.trail(deps, "j.tremblay@spvm.example.ca")] == ["account_invited"]
    # When the administrator asks again, it is recorded now (not "unchanged"), from the role the trail last said
    accounts.change_role(deps, pool, ADMIN, "j.tremblay@spvm.example.ca", {"role": "irss"})
    entry = accounts.trail(deps, "j.tremblay@spvm.example.ca")[-1]
    assert (entry.kind, entry.details["from_role"], entry.details["role"]) == (
        "account_role_changed", "service_coordinator", "irss")
    assert entry.details["recorded_after_a_failure"] is True
    assert len([e for e in deps.mailer.sent if "rôle" in e.subject]) == 1
    # And once recorded, the same change again is unchanged: no second row, no second email
    with pytest.raises(sa.Unchanged):
        accounts.change_role(deps, pool, ADMIN, "j.tremblay@spvm.example.ca", {"role": "irss"})
    assert len(accounts.trail(deps, "j.tremblay@spvm.example.ca")) == 2


def test_a_disable_whose_record_failed_is_recorded_when_asked_again(deps, pool, monkeypatch):
    accounts.invite(deps, pool, ADMIN, {**INVITE, "language": "en"})
    _failing_once(monkeypatch)
    with pytest.raises(_Outage):
        accounts.disable(deps, pool, ADMIN, "j.tremblay@spvm.example.ca")
    assert not pool.get("j.tremblay@spvm.example.ca").enabled
    accounts.disable(deps, pool, ADMIN, "j.tremblay@spvm.example.ca")
    kinds = [e.kind for e in accounts.trail(deps, "j.tremblay@spvm.example.ca")]
    assert kinds == ["account_invited", "account_disabled"]
    assert [e.subject for e in deps.mailer.sent].count("Your peaceops console account is disabled") == 1
    with pytest.raises(sa.Unchanged):
        accounts.disable(deps, pool, ADMIN, "j.tremblay@spvm.example.ca")
    accounts.enable(deps, pool, ADMIN, "j.tremblay@spvm.example.ca")
    assert "recorded_after_a_failure" not in accounts.trail(deps, "j.tremblay@spvm.example.ca")[-1].details
