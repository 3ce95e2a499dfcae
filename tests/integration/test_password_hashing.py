"""How passwords are hashed: the product's Argon2id parameters, and an account hashed with
other parameters brought up to them at its next sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher, Type, extract_parameters

# Taken before tests/conftest.py swaps the module's factory for a cheap one.
from practitioner_app.services.accounts import PASSWORD_HASHING
from practitioner_app.services.accounts import password_hasher as product_hasher
from practitioner_app.services.container import open_services
from tests.safety_helpers import query

USER, PASSWORD = "jroe", "correct horse battery"


def _stored_hash(db_path) -> str:
    [(stored,)] = query(db_path, f"SELECT password_hash FROM users WHERE username = '{USER}'")
    return stored


def test_passwords_are_hashed_with_argon2id_64_mib_3_passes_in_2_lanes():
    stored = product_hasher().hash(PASSWORD)
    params = extract_parameters(stored)
    assert params == PASSWORD_HASHING
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (
        Type.ID, 64 * 1024, 3, 2)
    assert product_hasher().verify(stored, PASSWORD)


def test_a_hash_made_with_other_parameters_is_remade_at_the_next_sign_in(db_path):
    old = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=4)
    new = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2)
    services = open_services(db_path, password_hasher=old)
    try:
        services.accounts.create_first_admin(USER, "Jo Roe", "Nurse", "NMC 1", PASSWORD)
    finally:
        services.close()
    assert extract_parameters(_stored_hash(db_path)).parallelism == 4

    services = open_services(db_path, password_hasher=new)
    try:
        services.accounts.sign_in(USER, PASSWORD)
        remade = _stored_hash(db_path)
        assert extract_parameters(remade) == extract_parameters(new.hash("x"))
        services.accounts.sign_out()
        services.accounts.sign_in(USER, PASSWORD)  # the same password still opens it
        assert _stored_hash(db_path) == remade  # and is not remade again
    finally:
        services.close()
