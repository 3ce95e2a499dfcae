"""The number offered for a new patient: one above the highest P-number, whatever other
numbers the clinic uses."""

from __future__ import annotations

import pytest

from tests.factories import a_patient


def register(services, *numbers: str) -> None:
    for n, number in enumerate(numbers):
        services.patients.register(a_patient(number=number, full_name=f"Patient {n}"))


@pytest.mark.parametrize("numbers, suggested", [
    ((), "P000001"),
    (("P000001", "P000002", "P000003"), "P000004"),
    (("P000001", "P000007", "P000003"), "P000008"),              # above the highest, gaps kept
    (("P000041", "X-999", "Q000999", "ab12"), "P000042"),        # other forms ignored
    (("P000041", "P12AB", "P99-1", "P9.9"), "P000042"),          # P, then not only digits
    (("P000041", "P0000500"), "P000501"),                        # longer, with zeros in front
    (("P999998", "P999999", "P1000000"), "P1000001"),            # past a million
    (("P000041", "P7"), "P000042"),                              # shorter and lower
])
def test_the_suggestion_is_one_above_the_highest_p_number(services, numbers, suggested):
    register(services, *numbers)
    assert services.patients.suggest_number() == suggested


def test_a_patient_registered_without_a_number_gets_the_suggested_one(services):
    register(services, "P000005", "P0000009")
    patient = services.patients.register(a_patient(number="", full_name="No Number"))
    assert patient.number == "P000010"
    assert services.patients.suggest_number() == "P000011"
