"""The due list read again keeps the clinician's chosen order and sizes its columns to
what they now hold."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt

from practitioner_app.domain.course import DueRow
from practitioner_app.ui.widgets.due_list import DueList

TODAY = date(2026, 12, 3)


def due_rows(names: list[str]) -> list[DueRow]:
    return [DueRow(i + 1, f"P{i + 1:06d}", name, "+44 20 7946 0001", 1, 2, 6,
                   TODAY - timedelta(days=30), TODAY + timedelta(days=i))
            for i, name in enumerate(names)]


def test_a_refresh_keeps_the_order_chosen_and_fits_the_new_names(qtbot):
    shown = due_rows(["Cara", "Abe", "Bea"])
    due = DueList(lambda _within, limit: shown[:limit])
    qtbot.addWidget(due)
    due.show()
    due.refresh(TODAY)
    assert [due.table.item(r, 2).text() for r in range(3)] == ["Cara", "Abe", "Bea"]
    due.table.sortItems(2, Qt.SortOrder.DescendingOrder)
    long_name = "Dorothea Wolstenholme-Featherstonehaugh"
    shown[:] = due_rows(["Cara", long_name, "Abe", "Bea"])
    due.refresh(TODAY)
    assert [due.table.item(r, 2).text() for r in range(4)] == [
        long_name, "Cara", "Bea", "Abe"]
    assert due.table.columnWidth(2) >= due.table.fontMetrics().horizontalAdvance(long_name)
    due.table.setCurrentCell(3, 0)
    with qtbot.waitSignal(due.patient_opened) as opened:
        due._open(due.table.currentRow())
    assert opened.args == [3]  # Abe, wherever the sort put him
