"""What a commit changed is announced once it is committed, worked out from the database
session itself: the views (and, on a clinic server, the other workstations) hear of every
saved change, and of nothing that was rolled back."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date

import psycopg
import pytest

from practitioner_app.domain.changes import Changes, ConnectionState
from practitioner_app.domain.signing import Consent
from practitioner_app.persistence.database import Database
from practitioner_app.services.consents import VERSION_KEY
from practitioner_app.services.container import open_services
from tests.conftest import NOW, TEST_SERVER
from tests.factories import a_full_session, a_patient

PASSWORD = "correct horse battery"

#: How long a notice may take between two connections to one server (generous: the
#: machine is shared; a waiting test passes as soon as it arrives).
HEARD_WITHIN_S = 10


class Heard:
    """A subscriber that keeps what it heard, and lets a test wait for a condition."""

    def __init__(self) -> None:
        self.changes: list[Changes] = []
        self.states: list[ConnectionState] = []
        self._arrived = threading.Condition()

    def __call__(self, changes: Changes) -> None:
        with self._arrived:
            self.changes.append(changes)
            self._arrived.notify_all()

    def state(self, state: ConnectionState) -> None:
        with self._arrived:
            self.states.append(state)
            self._arrived.notify_all()

    def wait_for(self, condition) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: condition(self), timeout=HEARD_WITHIN_S)


@pytest.fixture
def heard(services) -> Heard:
    heard = Heard()
    services.changes.subscribe(heard)
    yield heard
    services.changes.unsubscribe(heard)


@pytest.fixture
def admin(services):
    return services.accounts.create_first_admin(
        "jroe", "Dr Jane Roe", "Aesthetic nurse prescriber", "NMC 12A3456B", PASSWORD)


def test_registering_a_patient_announces_that_patient(services, heard):
    patient = services.patients.register(a_patient())
    assert heard.changes == [Changes.of(patients={patient.id})]


def test_saving_a_session_announces_the_session_and_its_patient(services, heard):
    patient = services.patients.register(a_patient())
    saved = services.sessions.save(patient.id, a_full_session())
    assert heard.changes[-1] == Changes.of(patients={patient.id}, sessions={saved.id})


def test_an_addendum_announces_its_session_and_that_sessions_patient(services, admin):
    patient = services.patients.register(a_patient())
    services.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1),
                                                 "Sam Witness"))
    saved = services.sessions.save(patient.id, a_full_session())
    services.sessions.sign(saved.id, PASSWORD)
    heard = Heard()
    services.changes.subscribe(heard)
    services.sessions.add_addendum(saved.id, "Depth misrecorded", "Cheeks were 1.25 mm.")
    assert heard.changes == [Changes.of(patients={patient.id}, sessions={saved.id})]


def test_a_consent_and_a_course_announce_their_patient(services, heard):
    from practitioner_app.domain.course import Course

    patient = services.patients.register(a_patient())
    consent = services.consents.record(patient.id, Consent("treatment", "1",
                                                           date(2026, 11, 1), "Sam Witness"))
    course = services.courses.save(patient.id, Course(0, date(2026, 11, 1)))
    assert heard.changes[1:] == [Changes.of(patients={patient.id}, consents={consent.id}),
                                 Changes.of(patients={patient.id}, courses={course.id})]


def test_a_changed_patient_is_announced_and_an_archived_one_too(services, heard):
    patient = services.patients.register(a_patient())
    services.patients.update(dataclasses.replace(patient, allergies="Lidocaine"))
    services.patients.archive(patient.id, "Moved away")
    assert heard.changes == [Changes.of(patients={patient.id})] * 3


def test_a_clinic_setting_is_announced_by_its_key(services, heard):
    services.consents.set_current_version("2026-11")
    assert heard.changes == [Changes.of(settings={VERSION_KEY})]


def test_a_unit_of_work_left_without_commit_announces_nothing(database):
    db = Database(database)
    heard = Heard()
    db.changes.subscribe(heard)
    try:
        with db.unit_of_work() as uow:
            uow.patients.add(a_patient(), NOW)  # written (flushed), never committed
        with pytest.raises(RuntimeError), db.unit_of_work() as uow:
            uow.patients.add(a_patient(number="P000002"), NOW)
            raise RuntimeError("the action failed half way")
        with db.unit_of_work() as uow:
            assert uow.patients.count() == 0
    finally:
        db.close()
    assert heard.changes == []


def test_what_only_reaches_the_audit_trail_or_the_accounts_announces_nothing(
        services, admin, heard):
    from practitioner_app.domain.audit import Action
    from practitioner_app.domain.errors import SignInRefused

    services.audit.log(Action.LOCKED)
    with pytest.raises(SignInRefused):
        services.accounts.sign_in("jroe", "not the password")
    assert heard.changes == []


def test_records_written_in_bulk_around_the_orm_announce_everything(services, heard):
    services.demo.generate(2, seed=1)
    assert heard.changes == [Changes.all()]


def test_a_subscriber_that_fails_does_not_fail_the_save(services, heard):
    def broken(_changes):
        raise RuntimeError("a view failed")

    services.changes.subscribe(broken)
    patient = services.patients.register(a_patient())
    assert services.patients.get(patient.id).full_name == patient.full_name
    assert heard.changes == [Changes.of(patients={patient.id})]


# -- between workstations on a clinic server ----------------------------------------------
@pytest.fixture
def server_database(request):
    if not TEST_SERVER:
        pytest.skip("needs a PostgreSQL test server (PRACTITIONER_APP_TEST_PG)")
    databases = request.getfixturevalue("_server_template")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def two_workstations(server_database):
    first = open_services(server_database, clock=lambda: NOW)
    second = open_services(server_database, clock=lambda: NOW)
    yield first, second
    first.close()
    second.close()


def _listening(services) -> Heard:
    """A subscriber to `services`' feed, once it listens (a notice committed before
    LISTEN is not heard)."""
    heard = Heard()
    services.changes.subscribe_state(heard.state)
    services.changes.subscribe(heard)
    assert services.changes.listening.wait(HEARD_WITHIN_S)
    return heard


def test_another_workstation_hears_a_registered_patient_and_its_own_save_once(
        two_workstations):
    first, second = two_workstations
    at_first, at_second = _listening(first), _listening(second)
    patient = first.patients.register(a_patient())
    assert at_first.changes == [Changes.of(patients={patient.id})]  # heard at commit
    assert at_second.wait_for(lambda h: Changes.of(patients={patient.id}) in h.changes)
    other = second.patients.register(a_patient(number="P000002"))
    # Notices arrive in commit order: once the second's is heard, the first's own came
    # back before it, and was not told twice.
    assert at_first.wait_for(lambda h: len(h.changes) == 2)
    assert at_first.changes == [Changes.of(patients={patient.id}),
                                Changes.of(patients={other.id})]


def test_a_rolled_back_change_is_never_heard_at_another_workstation(two_workstations):
    first, second = two_workstations
    at_second = _listening(second)
    with first._database.unit_of_work() as uow:
        uow.patients.add(a_patient(), NOW)  # never committed
    kept = first.patients.register(a_patient(number="P000002"))
    assert at_second.wait_for(lambda h: h.changes)
    assert at_second.changes == [Changes.of(patients={kept.id})]


def test_a_lost_server_connection_is_said_retried_and_everything_read_again(
        two_workstations, server_database):
    _first, second = two_workstations
    at_second = _listening(second)
    feed = second.changes
    cut = feed.listener_pid
    with psycopg.connect(server_database, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [cut])
    assert at_second.wait_for(lambda h: ConnectionState.BACK in h.states)
    assert at_second.states[-2:] == [ConnectionState.LOST, ConnectionState.BACK]
    assert at_second.wait_for(lambda h: Changes.all() in h.changes)
    assert feed.listener_pid != cut


def test_a_server_that_cannot_be_reached_is_said_and_retried_until_closed(server_database):
    from practitioner_app.persistence.change_feed import ServerChangeFeed
    from tests.server_databases import with_database

    feed = ServerChangeFeed(with_database(server_database, "no_such_database"))
    heard = Heard()
    feed.subscribe_state(heard.state)
    assert heard.wait_for(lambda h: h.states == [ConnectionState.LOST])
    assert not feed.listening.is_set()
    feed.close()
    assert not feed._thread.is_alive()


# -- the notice itself ------------------------------------------------------------------------
def test_a_notice_merges_and_says_when_it_is_empty():
    first = Changes.of(patients={1}, sessions={7})
    second = Changes.of(patients={2}, settings={VERSION_KEY})
    assert Changes().is_empty and not Changes()
    assert first.merge(second) == Changes.of(patients={1, 2}, sessions={7},
                                             settings={VERSION_KEY})
    assert first.merge(Changes.all()) == Changes.all()
    assert first.touches_patient(1) and not first.touches_patient(2)
    assert Changes.all().touches_patient(2)


def test_a_notice_travels_as_compact_json_and_a_large_one_says_everything():
    notice = Changes.of(patients={3, 1}, sessions={7}, courses={2}, consents={5},
                        settings={VERSION_KEY})
    text = notice.to_json()
    assert text == ('{"p":[1,3],"s":[7],"c":[2],"n":[5],'
                    '"k":["consent.treatment_version"]}')
    assert Changes.from_json(text) == notice
    imported = Changes.of(patients=range(1, 5000))
    assert len(imported.to_json()) <= 7000
    assert Changes.from_json(imported.to_json()) == Changes.all()
    assert Changes.from_json(Changes.all().to_json()) == Changes.all()


def test_a_notice_that_cannot_be_read_is_taken_as_everything():
    for text in ("", "not json", "[1, 2]", '{"p": ["x"]}', '{"p": 5}'):
        assert Changes.from_json(text) == Changes.all()
