"""A patient's sessions, newest first (a patient has tens, not thousands)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from ...domain.ids import SessionId
from ...domain.session import SessionRow
from .columns import ColumnsModel

COLUMNS = ("Date", "Status", "Device", "Zones", "Deepest (mm)", "Practitioner")


class SessionTableModel(ColumnsModel):
    columns = COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[SessionRow] = []

    def set_rows(self, rows: list[SessionRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def session_id(self, row: int) -> SessionId:
        return self._rows[row].id

    def row_count(self) -> int:
        return len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self._rows[index.row()]
        return (
            r.session_date.isoformat(),
            r.status.label,
            r.device_type.label if r.device_type else "",
            str(r.zone_count),
            "" if r.deepest_mm is None else f"{r.deepest_mm:.2f}",
            r.practitioner_name,
        )[index.column()]
