"""Print-grade PDFs of the record, as pure functions from plain data to bytes.

    build_session_report(SessionReportData) -> bytes
    build_patient_summary(PatientSummaryData) -> bytes
    build_aftercare_sheet(AftercareSheetData) -> bytes

The data classes import only the domain; the builders import ReportLab (~100 ms), so they
are loaded on first use and importing this package stays cheap on the way to the first
window. ReportLab keeps process-wide state (fonts, settings), so run builds from one
thread at a time (the app's single background worker).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .data import AftercareSheetData, PatientSummaryData, SessionReportData

if TYPE_CHECKING:
    from .aftercare_sheet import build_aftercare_sheet
    from .patient_summary import build_patient_summary
    from .session_report import build_session_report

__all__ = [
    "AftercareSheetData",
    "PatientSummaryData",
    "SessionReportData",
    "build_aftercare_sheet",
    "build_patient_summary",
    "build_session_report",
    "prepare",
]

_BUILDERS = {
    "build_session_report": ".session_report",
    "build_patient_summary": ".patient_summary",
    "build_aftercare_sheet": ".aftercare_sheet",
}


def prepare() -> None:
    """Load ReportLab, the builders and the fonts now, so the first document asked for is
    as quick as the next (cold, the first one took ~0.5 s more). The app calls this on
    its worker thread a moment after sign-in, never on the way to the first window."""
    for module in _BUILDERS.values():
        import_module(module, __name__)
    # Named at run time, like the builders, so that importing this package (which the
    # windows do, through the services) never reaches ReportLab.
    import_module(".document", __name__).prepare_reportlab()


def __getattr__(name: str):
    if name in _BUILDERS:
        return getattr(import_module(_BUILDERS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
