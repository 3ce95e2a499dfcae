"""Lot recall: every patient and session that used a lot, with contact details, as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ValidationError
from ...services.courses import recall_csv
from ..widgets.tables import fill, read_only_table

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.container import Services

COLUMNS = ("Patient no.", "Name", "Phone", "Email", "Session", "Date", "Used as", "Product",
           "Lot")


class RecallDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.rows = []
        self.setWindowTitle("Lot recall")
        self.lot = QLineEdit()
        self.lot.setPlaceholderText("the lot number (capitals and spaces around it do not matter)")
        self.product = QLineEdit()
        self.product.setPlaceholderText("optional: part of the product name")
        self.search_button = QPushButton("&Search")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.clicked.connect(self._export_with_dialog)
        form = QFormLayout()
        form.addRow("&Lot", self.lot)
        form.addRow("&Product", self.product)
        self.table = read_only_table(COLUMNS)
        self.message = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.search_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.resize(1100, 600)

    def search(self) -> None:
        try:
            self.rows = self._services.courses.recall(self.lot.text(),
                                                      self.product.text().strip() or None)
        except ValidationError as error:
            self.message.setText(" ".join(p.message for p in error.problems))
            return
        fill(self.table, [
            (row.patient_number, row.full_name, row.phone, row.email, str(row.session_id),
             row.session_date.isoformat(), row.used_as, row.product, row.lot)
            for row in self.rows])
        self.message.setText(f"{len(self.rows)} use(s) of lot {self.lot.text().strip()}.")

    def _export_with_dialog(self) -> None:
        from ..file_dialogs import ask_save_file

        path = ask_save_file(self, "Export recall as CSV", Path.home() / "recall.csv",
                             "CSV (*.csv)")
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path) -> bool:
        from ...services.files import StorageError, write_file

        try:  # the one writer: owner-only, never a truncated CSV over an earlier one
            write_file(path, recall_csv(self.rows))
        except StorageError as error:
            self.message.setText(f"{path} could not be written: {error}")
            return False
        self.message.setText(f"{len(self.rows)} row(s) written to {path}.")
        return True


