"""A patient's data for an access request: the whole record as JSON and as a printable PDF.

Both files are named with the patient number and written beside each other in the chosen
folder, each through a `.part` file renamed into place, so a failure never leaves half a
file. No Qt: the windows call `export` from a worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ..domain.audit import Action
from ..domain.ids import PatientId
from ..persistence.safety import StorageError, write_file
from .audit import AuditService
from .exchange import ExchangeService, dumps
from .patients import PatientService
from .reports import ReportService

#: Called after an export was written, with the patient's id and the files written.
ExportListener = Callable[[PatientId, list[Path]], None]


def _safe(number: str) -> str:
    """The patient number as a file-name part (a clinic's numbers may hold a slash)."""
    return re.sub(r"[^\w.-]", "_", number) or "patient"


class PatientDataExport:
    def __init__(self, patients: PatientService, exchange: ExchangeService,
                 reports: ReportService, audit: AuditService | None = None) -> None:
        self._patients = patients
        self._exchange = exchange
        self._reports = reports
        self._audit = audit
        #: Listeners run after both files were written (the audit entry is made before).
        self.on_exported: list[ExportListener] = []

    def file_names(self, number: str) -> tuple[str, str]:
        stem = _safe(number)
        return f"{stem}-data.json", f"{stem}-summary.pdf"

    def export(self, patient_id: PatientId, folder: Path) -> list[Path]:
        """Write `<number>-data.json` (the export document) and `<number>-summary.pdf`
        (the patient summary) into `folder`, replacing earlier exports of the same patient.
        Returns both paths. Raises NotFound or StorageError (folder not writable, disk
        full); on error no file of this export is left half-written.

        The record leaves the app, so it is recorded in the audit trail before either file
        is written (nothing is written when that fails), and recorded as not written when
        writing then fails."""
        patient = self._patients.get(patient_id)
        document = dumps(self._exchange.export_document(patient.number)).encode("utf-8")
        summary = self._reports.patient_summary(patient_id)
        json_name, pdf_name = self.file_names(patient.number)
        folder = Path(folder)
        entry = None
        if self._audit is not None:
            entry = self._audit.log(Action.EXPORTED, patient_id=patient_id,
                                    purpose="access request", files=[json_name, pdf_name],
                                    folder=str(folder.absolute()))
        try:
            written = [write_file(folder / json_name, document),
                       write_file(folder / pdf_name, summary)]
        except StorageError as error:
            if entry is not None:
                self._audit.not_written(entry, folder, error, patient_id=patient_id)
            raise
        for listener in self.on_exported:
            listener(patient_id, written)
        return written


