"""The whole clinic's list (an empty search) is counted and its ids read a page at a time:
signing in reads the same few ids at any clinic size, and scrolling, choosing a patient
or searching still finds every patient in its place."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QTableView

from practitioner_app.domain.changes import Changes
from practitioner_app.services.container import open_services
from practitioner_app.ui.models import patient_table_model
from practitioner_app.ui.models.patient_table_model import PatientTableModel
from tests.factories import a_patient

#: A first page smaller than the clinics below, so they are "large".
FIRST = 8


@pytest.fixture
def small_first_page(monkeypatch):
    monkeypatch.setattr(patient_table_model, "FIRST_IDS", FIRST)


def a_clinic(services, size: int) -> None:
    for i in range(size):
        services.patients.register(a_patient(number=f"P{i:06d}", full_name=f"Patient {i:03d}"))


def paged_model(services, include_archived: bool = False) -> PatientTableModel:
    return PatientTableModel(
        lambda query, limit=None: services.patients.search(query, limit, include_archived),
        services.patients.rows, count=lambda: services.patient_count(include_archived))


@pytest.mark.parametrize("size", [12, 40])
def test_the_whole_clinic_reads_one_page_of_ids_at_any_size(services, small_first_page,
                                                            size):
    a_clinic(services, size)
    model = paged_model(services)
    model.set_query("")
    assert model.rowCount() == size  # counted, so the count label and scroll bar are whole
    assert model.ids_read == FIRST
    model.data(model.index(0, 1))  # the first screen painted
    assert model.ids_read == FIRST


def test_rows_further_down_are_read_as_they_are_shown(qtmodeltester, services,
                                                     small_first_page):
    a_clinic(services, 30)
    model = paged_model(services)
    model.set_query("")
    qtmodeltester.check(model)
    assert model.data(model.index(29, 1)) == "Patient 029"
    assert [model.patient_id(r) for r in range(30)] == services.patients.search("")


def test_a_patient_not_read_yet_is_found_in_its_place(services, small_first_page):
    a_clinic(services, 30)
    last = services.patients.search("")[-1]
    model = paged_model(services)
    model.set_query("")
    assert model.row_of(last) == 29
    assert model.row_of(10_000) == -1


def test_a_search_with_words_reads_every_match(services, small_first_page):
    a_clinic(services, 30)
    model = paged_model(services)
    model.set_query("patient")
    assert model.rowCount() == model.ids_read == 30


def test_archived_patients_are_counted_only_when_shown(services, small_first_page):
    a_clinic(services, 12)
    first = services.patients.search("")[0]
    services.patients.archive(first, "Moved away")
    hidden, shown = paged_model(services), paged_model(services, include_archived=True)
    hidden.set_query("")
    shown.set_query("")
    assert (hidden.rowCount(), shown.rowCount()) == (11, 12)
    assert hidden.row_of(first) == -1 and shown.row_of(first) >= 0


def test_a_change_reads_the_clinic_only_as_far_as_it_was_read(services, small_first_page):
    a_clinic(services, 30)
    model = paged_model(services)
    model.set_query("")
    services.patients.register(a_patient(number="P000999", full_name="Aaron First"))
    assert model.apply(Changes.of(patients=(1,)))
    assert (model.rowCount(), model.ids_read) == (31, FIRST)
    assert model.data(model.index(0, 1)) == "Aaron First"


def test_a_selected_patient_renamed_far_down_stays_selected(qtbot, services,
                                                           small_first_page):
    a_clinic(services, 30)
    view = QTableView()
    qtbot.addWidget(view)
    model = paged_model(services)
    model.set_query("")
    view.setModel(model)
    first = model.patient_id(0)
    view.setCurrentIndex(model.index(0, 0))
    patient = services.patients.get(first)
    services.patients.update(replace(patient, full_name="Zed Last"))
    model.apply(Changes.of(patients=(first,)))
    assert view.currentIndex().row() == 29 and model.patient_id(29) == first
    assert model.data(model.index(29, 1)) == "Zed Last"


def test_the_window_signs_in_reading_one_page_of_the_clinic(start_app, db_path,
                                                           small_first_page):
    services = open_services(db_path)
    try:
        a_clinic(services, 20)
    finally:
        services.close()
    window = start_app()
    assert window.patients.ids_read == FIRST
    assert window.patients.rowCount() == 20 and window.count_label.text() == "20 patients"
    assert window.current_patient_id() == window.patients.patient_id(0)
