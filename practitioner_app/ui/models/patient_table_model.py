"""The patient list: ids for every match, rows fetched only as the view asks for them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from ...domain.changes import Changes
from ...domain.ids import PatientId
from ...domain.patient import PatientRow
from .columns import ColumnsModel

COLUMNS = ("Patient no.", "Name", "Date of birth", "Skin type", "Last session")
# Rows read per database round trip. A screenful is ~40; every key press in the search
# reads the first block again, so it stays near a screenful (200 rows took 3.5 ms, 80 ~1.3).
FETCH_BLOCK = 80


class PatientTableModel(ColumnsModel):
    """Thin model over the patient search.

    Holds the ordered ids of all matches (cheap even for 10,000 patients) and a cache of
    the rows already shown; a row is read from the database, in a block with its
    neighbours, the first time the view paints it.
    """

    refreshed = Signal()  # the query result was replaced; no payload
    #: The same query was read again after a change (`apply`); selections were kept.
    updated = Signal()
    columns = COLUMNS

    def __init__(self, search: Callable[[str], list[PatientId]],
                 rows: Callable[[list[PatientId]], list[PatientRow]], parent=None) -> None:
        super().__init__(parent)
        self._search = search
        self._fetch = rows
        self._ids: list[PatientId] = []
        self._cache: dict[PatientId, PatientRow] = {}
        self._query = ""

    def set_query(self, query: str) -> None:
        self.beginResetModel()
        self._query = query
        self._ids = self._search(query)
        self._cache.clear()
        self.endResetModel()
        self.refreshed.emit()

    @property
    def query(self) -> str:
        return self._query

    def reload(self) -> None:
        """Run the current query again from scratch (the selection is not kept)."""
        self.set_query(self._query)

    def apply(self, changes: Changes) -> bool:
        """Bring the list up to date with `changes` (saved here or at another
        workstation), if they touch patients: the query is run again and only the rows of
        changed patients are read again. Each row a view selected (or had current) stays
        with its patient wherever the patient now is, without any selection signal; the
        row of a patient no longer listed (archived) is dropped. Returns whether anything
        was read again."""
        if not (changes.everything or changes.patients):
            return False
        ids = self._search(self._query)
        if changes.everything:
            self._cache.clear()
        else:
            for patient_id in changes.patients:
                self._cache.pop(patient_id, None)
        if ids == self._ids:
            if ids:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(ids) - 1, len(COLUMNS) - 1))
        else:
            # A layout change, not a reset: the views' persistent indexes (selection,
            # current row) are moved to each patient's new row instead of being cleared.
            self.layoutAboutToBeChanged.emit()
            rows = {patient_id: row for row, patient_id in enumerate(ids)}
            before = self.persistentIndexList()
            after = []
            for index in before:
                row = rows.get(self._ids[index.row()]) if index.row() < len(self._ids) else None
                after.append(QModelIndex() if row is None
                             else self.createIndex(row, index.column()))
            self._ids = ids
            for patient_id in set(self._cache) - rows.keys():
                del self._cache[patient_id]
            self.changePersistentIndexList(before, after)
            self.layoutChanged.emit()
        self.updated.emit()
        return True

    def reload_rows(self) -> None:
        """Re-read the rows shown (e.g. a last-session date changed); keeps the selection."""
        self._cache.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    def row_count(self) -> int:
        return len(self._ids)

    def patient_id(self, row: int) -> PatientId:
        return self._ids[row]

    def row_of(self, patient_id: PatientId) -> int:
        try:
            return self._ids.index(patient_id)
        except ValueError:
            return -1

    def row_data(self, row: int) -> PatientRow | None:
        patient_id = self._ids[row]
        if patient_id not in self._cache:
            block = self._ids[row: row + FETCH_BLOCK]
            self._cache.update((r.id, r) for r in self._fetch(block))
        return self._cache.get(patient_id)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.row_data(index.row())
        if row is None:
            return None
        column = index.column()
        if column == 0:
            return row.number
        if column == 1:
            # Archived patients are listed only on request; say so, row by row.
            return f"{row.full_name} (archived)" if row.archived else row.full_name
        if column == 2:
            return row.date_of_birth.isoformat()
        if column == 3:
            caution = " ⚠" if row.fitzpatrick.needs_pih_caution else ""
            return f"{row.fitzpatrick.value}{caution}"
        if column == 4:
            return row.last_session.isoformat() if row.last_session else ""
        return None
