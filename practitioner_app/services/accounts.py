"""Practitioner accounts: the first administrator, sign-in, passwords, deactivation.

Passwords are hashed with Argon2id (argon2-cffi) and never stored or logged in plain text.
Failed attempts are counted in the database, so restarting the app does not reset the
growing wait between attempts. A sign-in with a name that is no account is answered like
one with a wrong password, at the same cost, and the name is not recorded: people type
their password into the username field.
"""

from __future__ import annotations

import base64
import dataclasses
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION
from argon2.profiles import RFC_9106_LOW_MEMORY

from ..domain.accounts import (
    User,
    failed_sign_in_delay,
    password_problems,
    sign_in_wait,
    validate_account,
)
from ..domain.audit import Action
from ..domain.errors import NotFound, PermissionDenied, Problem, SignInRefused, ValidationError
from .base import Service

WRONG_CREDENTIALS = "Wrong username or password."

#: How passwords are hashed: Argon2id with RFC 9106's second recommended memory and passes
#: (64 MiB, 3 passes; argon2-cffi's defaults) in 2 lanes instead of 4. The lanes are the
#: threads one check uses (RFC 9106 §4: as many as the machine can run at once); the
#: smallest clinic workstation has 2 cores, where 4 lanes made one check ~35% slower
#: (threads queueing for cores) for no gain: memory and passes, what a guesser pays for
#: each guess, are unchanged. A hash made with other parameters still verifies and is
#: remade with these at its next sign-in.
PASSWORD_HASHING = dataclasses.replace(RFC_9106_LOW_MEMORY, parallelism=2)


def password_hasher() -> PasswordHasher:
    """The product's password hasher (PASSWORD_HASHING)."""
    return PasswordHasher.from_parameters(PASSWORD_HASHING)


class AccountService(Service):
    def __init__(self, uow, clock=None, actor=None, hasher: PasswordHasher | None = None):
        kwargs = {} if clock is None else {"clock": clock}
        super().__init__(uow, actor=actor, **kwargs)
        self._hasher = hasher or password_hasher()
        self._dummy_hash: str | None = None

    @property
    def current_user(self) -> User | None:
        return self._actor.user

    def has_accounts(self) -> bool:
        with self._uow() as uow:
            return uow.users.count() > 0

    def users(self) -> list[User]:
        with self._uow() as uow:
            return uow.users.all()

    def create_first_admin(self, username: str, full_name: str, role_title: str,
                           registration_number: str, password: str) -> User:
        """The administrator's account, only while the database has no account at all.
        Signs that administrator in."""
        problems = validate_account(username, full_name, role_title, registration_number,
                                    password)
        if problems:
            raise ValidationError(problems)
        with self._uow() as uow:
            if uow.users.count():
                raise PermissionDenied("This database already has an administrator.")
            user = uow.users.add(User(0, username, full_name, role_title,
                                      registration_number, True, True),
                                 self._hasher.hash(password), self._clock())
            self._actor.user = user
            self._audit(uow, Action.ACCOUNT_CREATED, account=username, admin=True)
            uow.commit()
        return user

    def add_user(self, username: str, full_name: str, role_title: str,
                 registration_number: str, password: str, is_admin: bool = False) -> User:
        self._require_admin()
        problems = validate_account(username, full_name, role_title, registration_number,
                                    password)
        if problems:
            raise ValidationError(problems)
        with self._uow() as uow:
            if uow.users.record(username) is not None:
                raise ValidationError([Problem("username", f"Username {username} is taken.")])
            user = uow.users.add(User(0, username, full_name, role_title,
                                      registration_number, is_admin, True),
                                 self._hasher.hash(password), self._clock())
            self._audit(uow, Action.ACCOUNT_CREATED, account=username, admin=is_admin)
            uow.commit()
        return user

    def set_active(self, user_id: int, active: bool) -> User:
        """Deactivate (or reactivate) an account. Accounts are never deleted, so old
        records keep their author; the last active administrator stays active."""
        self._require_admin()
        with self._uow() as uow:
            record = uow.users.record_by_id(user_id)
            if record is None:
                raise NotFound(f"No account with id {user_id}.")
            if not active and record.is_admin and record.active and uow.users.active_admins() == 1:
                raise PermissionDenied("The last active administrator cannot be deactivated.")
            record.active = active
            self._audit(uow, Action.ACCOUNT_CHANGED, account=record.username,
                        field="active", old=not active, new=active)
            uow.commit()
            return uow.users.as_user(record)

    def set_password(self, user_id: int, password: str) -> None:
        """An administrator resets anyone's password; a user may change their own."""
        me = self._actor.user
        if me is None or (me.id != user_id and not me.is_admin):
            raise PermissionDenied("Only an administrator may change another's password.")
        problems = password_problems(password)
        if problems:
            raise ValidationError(problems)
        with self._uow() as uow:
            record = uow.users.record_by_id(user_id)
            if record is None:
                raise NotFound(f"No account with id {user_id}.")
            record.password_hash = self._hasher.hash(password)
            record.failed_attempts = 0
            self._audit(uow, Action.ACCOUNT_CHANGED, account=record.username, field="password")
            uow.commit()

    def sign_in(self, username: str, password: str) -> User:
        """Check the password and make the account the acting user.

        Raises SignInRefused with one message for unknown users and wrong passwords (no
        hint which), and with `wait_seconds` while repeated failures are cooling down.
        """
        user = self._check(username.strip().lower(), password, log_success=True)
        self._actor.user = user
        return user

    def confirm_password(self, password: str) -> User:
        """The acting user's password again (signing a record, unlocking the app)."""
        me = self._actor.user
        if me is None:
            raise SignInRefused("Nobody is signed in.")
        return self._check(me.username, password, log_success=False)

    def _check(self, username: str, password: str, *, log_success: bool) -> User:
        """Failures are always logged; a success only for a sign-in (an unlock or a
        signature is logged by what it was for).

        The attempt is counted, in its own committed transaction, before its password is
        checked, so attempts made at the same instant by several programs each count and
        each sees the others'; one made while the wait runs is counted (the wait grows)
        and refused without a check. A name that is no account costs the same: its
        attempts are counted together (the name is neither stored nor logged) and a hash
        with the product's parameters is checked, so neither the answer nor its time says
        whether the account exists.
        """
        now = self._clock()
        with self._uow() as uow:
            counted = uow.users.count_attempt(username)  # first: takes the write lock
            if counted is None:
                user_id = None
                earlier, last_failed_at = uow.users.count_unknown_attempt()
                stored_hash = self._unknown_account_hash()
            else:
                user_id, earlier, last_failed_at = counted
                stored_hash = uow.users.record_by_id(user_id).password_hash
            remaining = sign_in_wait(earlier, last_failed_at, now)
            if not remaining:
                uow.users.note_check(user_id, now)
            uow.commit()
        if remaining:
            raise SignInRefused(
                f"Too many wrong passwords. Try again in {int(remaining) + 1} s.", remaining)
        try:
            self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            with self._uow() as uow:
                uow.users.hold_writes()
                account = ({"reason": "unknown account"} if user_id is None
                           else {"account": username})
                self._audit(uow, Action.SIGN_IN_FAILED, **account, attempt=earlier + 1)
                uow.commit()
            raise SignInRefused(WRONG_CREDENTIALS, failed_sign_in_delay(earlier + 1)) from None
        with self._uow() as uow:
            record = uow.users.reset_attempts(user_id)
            if not record.active:
                raise SignInRefused("This account is deactivated; ask an administrator.")
            if self._hasher.check_needs_rehash(record.password_hash):
                record.password_hash = self._hasher.hash(password)
            user = uow.users.as_user(record)
            if log_success:
                saved_actor = self._actor.user
                self._actor.user = user
                self._audit(uow, Action.SIGN_IN, account=username)
                self._actor.user = saved_actor
            uow.commit()
        return user

    def _unknown_account_hash(self) -> str:
        """A hash in the hasher's format and parameters that no password matches: checking
        it costs what checking a real account's hash costs. Written out rather than made
        by hashing, which would cost a second hash on the first unknown name."""
        if self._dummy_hash is None:
            h = self._hasher
            self._dummy_hash = (
                f"$argon2{h.type.name.lower()}$v={ARGON2_VERSION}$m={h.memory_cost},"
                f"t={h.time_cost},p={h.parallelism}${_b64(os.urandom(h.salt_len))}"
                f"${_b64(bytes(h.hash_len))}")
        return self._dummy_hash

    def sign_out(self) -> None:
        self._actor.user = None


def _b64(raw: bytes) -> str:
    """Base64 without padding, as in Argon2's hash strings."""
    return base64.b64encode(raw).decode("ascii").rstrip("=")
