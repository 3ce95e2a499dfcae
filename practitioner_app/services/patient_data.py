"""A patient's data for an access request: the whole record as JSON and as a printable PDF.

Both files are named with the patient number and written beside each other in the chosen
folder, each through a `.part` file renamed into place, so a failure never leaves half a
file. No Qt: the windows call `export` from a worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ..domain.ids import PatientId
from ..persistence.safety import write_file
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
                 reports: ReportService) -> None:
        self._patients = patients
        self._exchange = exchange
        self._reports = reports
        #: HOOK (audit log): every export is recorded by the listeners added here — e.g.
        #: `services.patient_data.on_exported.append(audit.record_patient_export)` — which
        #: run after both files were written.
        self.on_exported: list[ExportListener] = []

    def file_names(self, number: str) -> tuple[str, str]:
        stem = _safe(number)
        return f"{stem}-data.json", f"{stem}-summary.pdf"

    def export(self, patient_id: PatientId, folder: Path) -> list[Path]:
        """Write `<number>-data.json` (the export document) and `<number>-summary.pdf`
        (the patient summary) into `folder`, replacing earlier exports of the same patient.
        Returns both paths. Raises NotFound or StorageError (folder not writable, disk
        full); on error no file of this export is left half-written."""
        patient = self._patients.get(patient_id)
        document = dumps(self._exchange.export_document(patient.number)).encode("utf-8")
        summary = self._reports.patient_summary(patient_id)
        json_name, pdf_name = self.file_names(patient.number)
        folder = Path(folder)
        written = [write_file(folder / json_name, document),
                   write_file(folder / pdf_name, summary)]
        for listener in self.on_exported:
            listener(patient_id, written)
        return written


