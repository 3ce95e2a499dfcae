"""Read-only tables of plain rows, as the administrator's and course windows show them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


def read_only_table(columns: Sequence[str], *, stretch_last: bool = False) -> QTableWidget:
    """A table that selects whole rows, is never edited in place, and sizes its columns
    to their contents."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move within it)
    compact_rows(table)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(stretch_last)
    return table


def fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    """Replace the table's rows with `rows` (text shown as is, never as markup)."""
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(value))


def row_height(view: QAbstractItemView) -> int:
    """A list row as tall as a line of the view's text plus a little air: the style's
    default (about 30 px here) showed three sessions in the 1280x800 window."""
    return view.fontMetrics().height() + 8


def compact_rows(view: QAbstractItemView) -> None:
    """Give every row of `view` (a table) the height `row_height`, fixed, so the view
    never measures its rows."""
    header = view.verticalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setMinimumSectionSize(1)
    header.setDefaultSectionSize(row_height(view))
