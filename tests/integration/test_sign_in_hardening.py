"""Sign-in against a guesser: a name that is no account is not kept, is answered like a
wrong password at the same cost, and guesses made at the same instant by several programs
are all counted before any password is checked."""

from __future__ import annotations

import multiprocessing
import queue as queue_module
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from practitioner_app.domain.audit import Action
from practitioner_app.domain.errors import SignInRefused
from practitioner_app.services.accounts import AccountService
from practitioner_app.services.container import open_services
from tests.conftest import CHEAP_HASHER, NOW
from tests.safety_helpers import every_row, query

USER, PASSWORD = "jroe", "correct horse battery"
#: What people type into the username field by mistake: their password.
TYPED_PASSWORD = "Tr0ub4dor&3 horse"


class CountingHasher:
    """The real hasher, counting the password checks it makes (not a stand-in: every
    call goes to argon2)."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self._hasher = hasher
        self.verified = 0

    def verify(self, stored: str, password: str) -> bool:
        self.verified += 1
        return self._hasher.verify(stored, password)

    def __getattr__(self, name):
        return getattr(self._hasher, name)


@pytest.fixture
def account(db_path):
    services = open_services(db_path, clock=lambda: NOW)
    services.accounts.create_first_admin(USER, "Jo Roe", "Nurse", "NMC 1", PASSWORD)
    services.close()


def _accounts(db_path, clock, hasher) -> tuple[AccountService, object]:
    services = open_services(db_path, clock=clock, password_hasher=hasher)
    return services.accounts, services


def _refusal(accounts: AccountService, username: str, password: str) -> SignInRefused:
    with pytest.raises(SignInRefused) as refused:
        accounts.sign_in(username, password)
    return refused.value


def test_a_name_that_is_no_account_is_not_kept_anywhere(db_path, account):
    accounts, services = _accounts(db_path, lambda: NOW, CHEAP_HASHER)
    try:
        _refusal(accounts, TYPED_PASSWORD, "anything at all")
        _refusal(accounts, USER, "wrong password")
    finally:
        services.close()
    stored = repr(every_row(db_path))
    assert TYPED_PASSWORD.lower() not in stored and TYPED_PASSWORD not in stored
    failures = query(db_path, "SELECT details FROM audit_log WHERE action = "
                              f"'{Action.SIGN_IN_FAILED}' ORDER BY id")
    assert len(failures) == 2
    assert "unknown account" in failures[0][0]
    assert USER in failures[1][0]  # a real account's name may be kept


def test_an_unknown_name_is_checked_like_a_real_one_and_answered_alike(db_path, account):
    clock = [NOW]
    hasher = CountingHasher(CHEAP_HASHER)
    accounts, services = _accounts(db_path, lambda: clock[0], hasher)
    try:
        answers = {}
        for name in (USER, "nosuchuser"):
            checks = []
            refusals = []
            for _attempt in range(4):
                before = hasher.verified
                refusals.append(_refusal(accounts, name, "wrong password"))
                checks.append(hasher.verified - before)
            answers[name] = ([str(r) for r in refusals], [r.wait_seconds for r in refusals],
                             checks)
        assert answers[USER] == answers["nosuchuser"]
        messages, waits, checks = answers[USER]
        assert checks == [1, 1, 1, 0]  # a password checked each time until the wait
        assert messages[:3] == ["Wrong username or password."] * 3
        assert messages[3].startswith("Too many wrong passwords. Try again in")
        assert waits[3] > 0
        # once the wait is over, the right password still opens the real account
        clock[0] = NOW + timedelta(minutes=10)
        assert accounts.sign_in(USER, PASSWORD).username == USER
    finally:
        services.close()


def test_the_unknown_name_check_uses_the_hashers_own_cost(db_path, account):
    """The hash checked for a name that is no account has the hasher's parameters, so it
    costs what checking a real account's hash costs."""
    from argon2 import extract_parameters

    product = PasswordHasher(time_cost=2, memory_cost=4096, parallelism=2)
    accounts, services = _accounts(db_path, lambda: NOW, product)
    try:
        dummy = accounts._unknown_account_hash()
    finally:
        services.close()
    assert extract_parameters(dummy) == extract_parameters(product.hash("x"))


# -- guesses from several programs at the same instant --------------------------------

#: Slower than the tests' usual hasher, so that parallel checks overlap as they would
#: with the product's parameters.
PARALLEL_HASHER = dict(time_cost=2, memory_cost=16 * 1024, parallelism=1)
GUESSERS = 8


def _guess(db_path, start, results) -> None:
    """One guessing program: opens the database, waits for the others, guesses once."""
    hasher = CountingHasher(PasswordHasher(**PARALLEL_HASHER))
    services = open_services(db_path, password_hasher=hasher)
    try:
        start.wait(timeout=60)
        try:
            services.accounts.sign_in(USER, "wrong password")
            message = "signed in"
        except SignInRefused as refused:
            message = str(refused)
        except Exception as error:  # reported to the test, which fails on it
            message = f"{type(error).__name__}: {error}"
        results.put((message, hasher.verified))
    finally:
        services.close()


def test_parallel_guesses_are_each_counted_and_the_wait_applies_to_them(db_path):
    services = open_services(db_path, password_hasher=PasswordHasher(**PARALLEL_HASHER))
    services.accounts.create_first_admin(USER, "Jo Roe", "Nurse", "NMC 1", PASSWORD)
    services.close()

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(GUESSERS)
    results = context.Queue()
    guessers = [context.Process(target=_guess, args=(db_path, start, results))
                for _ in range(GUESSERS)]
    for process in guessers:
        process.start()
    answers = []
    try:
        for _ in guessers:
            answers.append(results.get(timeout=120))
    except queue_module.Empty:
        pytest.fail(f"only {len(answers)} of {GUESSERS} guessers answered")
    finally:
        for process in guessers:
            process.join(timeout=60)

    messages = [m for m, _checked in answers]
    assert all(m == "Wrong username or password." or m.startswith("Too many wrong passwords")
               for m in messages), messages
    [(failures,)] = query(db_path, f"SELECT failed_attempts FROM users WHERE username = "
                                   f"'{USER}'")
    assert failures == GUESSERS  # every guess counted, none lost
    checked = sum(verified for _m, verified in answers)
    refused_unchecked = [m for m, verified in answers if not verified]
    assert checked + len(refused_unchecked) == GUESSERS
    assert refused_unchecked and all(m.startswith("Too many wrong passwords")
                                     for m in refused_unchecked)
    assert checked < GUESSERS

    # the next guess, even with the right password, waits and is not checked
    hasher = CountingHasher(PasswordHasher(**PARALLEL_HASHER))
    accounts, services = _accounts(db_path, None, hasher)
    try:
        refused = _refusal(accounts, USER, PASSWORD)
    finally:
        services.close()
    assert str(refused).startswith("Too many wrong passwords") and refused.wait_seconds > 0
    assert hasher.verified == 0
