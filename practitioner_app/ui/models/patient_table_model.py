"""The patient list: ids for every match (for the whole clinic, a page at a time), rows
fetched only as the view asks for them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from ...domain.changes import Changes
from ...domain.ids import PatientId
from ...domain.patient import PatientRow
from ...services.container import LIST_FIRST_IDS, LIST_ROW_BLOCK
from .columns import ColumnsModel

COLUMNS = ("Patient no.", "Name", "Date of birth", "Skin type", "Last session")
# Rows read per database round trip. A screenful is ~40; every key press in the search
# reads the first block again, so it stays near a screenful (200 rows took 3.5 ms, 80 ~1.3).
# The same value warms the first screen (services/container.py).
FETCH_BLOCK = LIST_ROW_BLOCK
#: Ids read at first for the whole clinic (an empty search), when the model can count it.
FIRST_IDS = LIST_FIRST_IDS


class PatientTableModel(ColumnsModel):
    """Thin model over the patient search.

    Holds the ordered ids of the matches and a cache of the rows already shown; a row is
    read from the database, in a block with its neighbours, the first time the view
    paints it. Given `count`, the whole clinic (an empty search) is counted and only its
    first FIRST_IDS ids are read; more are read, the list read so far at least doubling,
    as rows further down are shown or a patient is looked for, so showing the clinic
    costs the same at 1,000 patients as at 50,000 (reading 50,000 ids took 27 ms).
    `search(query, limit)` then takes a limit; a search with words reads every match.
    """

    refreshed = Signal()  # the query result was replaced; no payload
    #: The same query was read again after a change (`apply`); selections were kept.
    updated = Signal()
    columns = COLUMNS

    def __init__(self, search: Callable[..., list[PatientId]],
                 rows: Callable[[list[PatientId]], list[PatientRow]], parent=None,
                 count: Callable[[], int] | None = None) -> None:
        super().__init__(parent)
        self._search = search
        self._fetch = rows
        self._count = count
        self._ids: list[PatientId] = []
        #: Rows listed: len(_ids) once every id is read, else the count.
        self._total = 0
        #: Whether every id of the list has been read.
        self._complete = True
        self._cache: dict[PatientId, PatientRow] = {}
        #: None until the list is first read (signing in reads it).
        self._query: str | None = None

    def set_query(self, query: str) -> None:
        self.beginResetModel()
        self._query = query
        self._cache.clear()
        if self._count is not None and not query.strip():
            # Counted first: a patient added between the two reads is then found by
            # reading further (and the change it made brings the list up to date).
            total = self._count()
            self._ids = self._search(query, FIRST_IDS)
            self._complete = len(self._ids) < FIRST_IDS
            self._total = len(self._ids) if self._complete else max(total, len(self._ids))
        else:
            self._ids = self._search(query)
            self._total, self._complete = len(self._ids), True
        self.endResetModel()
        self.refreshed.emit()

    @property
    def ids_read(self) -> int:
        """How many ids of the current list have been read from the database."""
        return len(self._ids)

    def _read_ids(self, upto: int | None) -> None:
        """Ids read at least up to row `upto` (every id for None), if not read yet. The
        rows listed stay as counted (views know them); rows beyond the ids there are
        (patients archived meanwhile) show empty until the change brings the list up to
        date."""
        if self._complete or (upto is not None and upto < len(self._ids)):
            return
        if upto is None:
            self._ids, self._complete = self._search(self._query), True
        else:
            limit = max(2 * len(self._ids), upto + FETCH_BLOCK)
            self._ids = self._search(self._query, limit)
            self._complete = len(self._ids) < limit

    @property
    def query(self) -> str | None:
        """The search the list shows; None until it is first read."""
        return self._query

    def reload(self) -> None:
        """Run the current query again from scratch (the selection is not kept)."""
        self.set_query(self._query or "")

    def apply(self, changes: Changes) -> bool:
        """Bring the list up to date with `changes` (saved here or at another
        workstation), if they touch patients: the query is run again and only the rows of
        changed patients are read again. Each row a view selected (or had current) stays
        with its patient wherever the patient now is, without any selection signal; the
        row of a patient no longer listed (archived) is dropped. The whole clinic is
        counted again and read as far as it had been (further only if a selected
        patient moved beyond that). A list never read is read as `set_query` does.
        Returns whether anything was read again."""
        if not (changes.everything or changes.patients):
            return False
        if self._query is None:
            self.set_query("")
            return True
        if self._complete:
            ids, total, complete = self._search(self._query), None, True
        else:
            total = self._count()
            limit = max(len(self._ids), FIRST_IDS)
            ids = self._search(self._query, limit)
            complete = len(ids) < limit
        if changes.everything:
            self._cache.clear()
        else:
            for patient_id in changes.patients:
                self._cache.pop(patient_id, None)
        before = self.persistentIndexList()
        kept = [self._ids[index.row()] for index in before if index.row() < len(self._ids)]
        if not complete and not set(kept) <= set(ids):
            # A selected patient moved beyond the ids read (renamed): read them all.
            ids, complete = self._search(self._query), True
        total = len(ids) if complete else max(total, len(ids))
        if ids == self._ids and total == self._total:
            self._complete = complete
            if total:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(total - 1, len(COLUMNS) - 1))
        else:
            # A layout change, not a reset: the views' persistent indexes (selection,
            # current row) are moved to each patient's new row instead of being cleared.
            self.layoutAboutToBeChanged.emit()
            rows = {patient_id: row for row, patient_id in enumerate(ids)}
            after = []
            for index in before:
                row = rows.get(self._ids[index.row()]) if index.row() < len(self._ids) else None
                after.append(QModelIndex() if row is None
                             else self.createIndex(row, index.column()))
            self._ids, self._total, self._complete = ids, total, complete
            for patient_id in set(self._cache) - rows.keys():
                del self._cache[patient_id]
            self.changePersistentIndexList(before, after)
            self.layoutChanged.emit()
        self.updated.emit()
        return True

    def reload_rows(self) -> None:
        """Re-read the rows shown (e.g. a last-session date changed); keeps the selection."""
        self._cache.clear()
        if self._total:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self._total - 1, len(COLUMNS) - 1))

    def row_count(self) -> int:
        return self._total

    def patient_id(self, row: int) -> PatientId:
        self._read_ids(row)
        return self._ids[row]

    def row_of(self, patient_id: PatientId) -> int:
        try:
            return self._ids.index(patient_id)
        except ValueError:
            if self._complete:
                return -1
        self._read_ids(None)
        return self.row_of(patient_id)

    def row_data(self, row: int) -> PatientRow | None:
        self._read_ids(row)
        if row >= len(self._ids):
            return None
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
