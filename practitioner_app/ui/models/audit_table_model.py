"""The audit trail as a list: one page of entries at first, older pages read as the view
scrolls to its end (Qt's canFetchMore/fetchMore), never the whole trail."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from ...domain.audit_listing import AuditCursor, AuditFilter, AuditPage, AuditRow
from ...domain.audit_text import label, readable
from ...domain.errors import DomainError
from .columns import ColumnsModel

COLUMNS = ("#", "Time", "User", "Action", "Patient no.", "Session", "Details")
DETAILS = COLUMNS.index("Details")

#: Reads one page: (filter, after) -> AuditPage (AuditService.page).
PageReader = Callable[[AuditFilter, AuditCursor | None], AuditPage]


class AuditTableModel(ColumnsModel):
    """Entries newest first. `set_filter` reads the first page; each `fetchMore` (asked
    by the view when it is scrolled to the last row) appends the next older one.

    Signals: `loaded()` after every page read (`row_count()`, `has_more()` tell where the
    list stands); `failed(str)` with the reason a page could not be read."""

    loaded = Signal()
    failed = Signal(str)
    columns = COLUMNS

    def __init__(self, read_page: PageReader, parent=None) -> None:
        super().__init__(parent)
        self._read = read_page
        self._filter = AuditFilter()
        self._rows: list[AuditRow] = []
        # What each row shows, worked out the first time the view paints it (reading
        # the details as words costs more than reading the row).
        self._shown: dict[int, tuple[str, ...]] = {}
        self._after: AuditCursor | None = None
        self._more = False

    def set_filter(self, wanted: AuditFilter) -> None:
        """List the entries matching `wanted` from the newest (the first page only)."""
        self.beginResetModel()
        self._filter, self._rows, self._shown = wanted, [], {}
        self._after, self._more = None, True
        page = self._page()
        if page is not None:
            self._take(page)
        self.endResetModel()
        if page is not None:
            self.loaded.emit()

    def clear(self) -> None:
        """List nothing (until the next `set_filter`)."""
        self.beginResetModel()
        self._rows, self._shown, self._after, self._more = [], {}, None, False
        self.endResetModel()

    def has_more(self) -> bool:
        """Whether older entries may match beyond those listed."""
        return self._more

    def row_count(self) -> int:
        return len(self._rows)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: N802
        if parent.isValid() or not self._more:
            return
        page = self._page()
        if page is None:
            return
        if page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._take(page)
            self.endInsertRows()
        else:
            self._take(page)
        self.loaded.emit()

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == DETAILS:
            e = self._rows[index.row()].entry  # as stored and hashed, full digests included
            return f"{e.action}: {e.details}"
        return None

    def text(self, row: int, column: int) -> str:
        """What row `row` shows in `column`."""
        shown = self._shown.get(row)
        if shown is None:
            shown = self._shown[row] = _shown(self._rows[row])
        return shown[column]

    def _page(self) -> AuditPage | None:
        try:
            return self._read(self._filter, self._after)
        except DomainError as error:  # a server gone, a filter refused: said, not raised
            self._more = False
            self.failed.emit(str(error))
            return None

    def _take(self, page: AuditPage) -> None:
        self._rows += page.rows
        self._after, self._more = page.after, page.after is not None


def _shown(row: AuditRow) -> tuple[str, ...]:
    e = row.entry
    return (str(e.id), e.at.isoformat(" ", "seconds"), e.username,
            label(e.action, e.details), row.patient_number or "",
            str(e.session_id or ""), readable(e.details))
