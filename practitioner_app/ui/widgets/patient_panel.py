"""The selected patient: who they are, cautions, and their sessions newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.changes import Changes
from ...domain.enums import PIH_CAUTION
from ...domain.ids import SessionId
from ...domain.patient import Patient
from ...domain.session import SessionRow
from ...domain.signing import Consent
from ..models.session_table_model import SessionTableModel
from .tables import compact_rows

CAUTION_STYLE = ("background: #fff4e0; color: #6b4100; border: 1px solid #c77700; "
                 "padding: 6px; font-weight: 600;")
ARCHIVED_STYLE = ("background: #ececec; color: #333; border: 1px solid #888; "
                  "padding: 6px; font-weight: 600;")
NO_CONSENT_STYLE = "color: #b00020; font-weight: 600;"


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names may contain < and &
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class PatientPanel(QWidget):
    """Shows one patient. Emits `session_opened(int)` (a session id) when the user opens
    a session from the list, `new_session_requested` and `edit_requested` (no payload).

    `patient` is always the patient the panel shows or is about to show: a change asked
    for with `show_later` is carried out first when anything reads it, so no action can
    work on a patient other than the one selected."""

    session_opened = Signal(int)
    new_session_requested = Signal()
    edit_requested = Signal()
    #: A document was asked for: ("session" | "aftercare", session id) or ("summary", 0).
    report_requested = Signal(str, int)
    #: Record consent… was pressed (no payload).
    consent_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._patient: Patient | None = None
        self._pending: Callable[[], None] | None = None
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self.show_pending)
        self.name = _plain()
        self.name.setStyleSheet("font-size: 18pt; font-weight: 600;")
        self.caution = _plain()
        self.caution.setStyleSheet(CAUTION_STYLE)
        # The details in two columns (who they are | what matters clinically) and the
        # consents across both: at 1280x800 one column of eleven rows left the session
        # list three rows.
        self.fields = {}
        self.details = QHBoxLayout()
        for rows in ((("number", "Patient no."), ("born", "Date of birth"), ("sex", "Sex"),
                      ("skin", "Fitzpatrick type"), ("contact", "Contact")),
                     (("concerns", "Concerns"), ("allergies", "Allergies"),
                      ("medications", "Medications"), ("history", "Medical history"))):
            column = QFormLayout()
            for key, label in rows:
                self.fields[key] = _plain()
                column.addRow(label, self.fields[key])
            self.details.addLayout(column, 1)
        self.fields["allergies"].setStyleSheet("font-weight: 600;")
        # Consent and archive state: filled by show_consents() and show_patient().
        self.treatment_consent = _plain()
        self.photo_consent = _plain()
        self.record_consent_button = QPushButton("Record consen&t…")
        self.record_consent_button.clicked.connect(self.consent_requested.emit)
        self.consents = QFormLayout()
        self.consents.addRow("Treatment consent", self.treatment_consent)
        self.consents.addRow("Photo consent", self.photo_consent)
        self.archived = _plain()
        self.archived.setStyleSheet(ARCHIVED_STYLE)

        self.edit_button = QPushButton("&Edit patient")
        self.new_session_button = QPushButton("&New session")
        self.open_session_button = QPushButton("&Open session")
        self.session_report_button = QPushButton("Session &report…")
        self.aftercare_button = QPushButton("&Aftercare sheet…")
        self.summary_button = QPushButton("Patient s&ummary…")
        self.session_report_button.clicked.connect(lambda: self._report_current("session"))
        self.aftercare_button.clicked.connect(lambda: self._report_current("aftercare"))
        self.summary_button.clicked.connect(lambda: self.report_requested.emit("summary", 0))
        self.edit_button.clicked.connect(self.edit_requested.emit)
        self.new_session_button.clicked.connect(self.new_session_requested.emit)
        self.open_session_button.clicked.connect(self._open_current)

        self.sessions = SessionTableModel(self)
        self.session_view = QTableView()
        self.session_view.setModel(self.sessions)
        self.session_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.session_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.session_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.session_view.verticalHeader().setVisible(False)
        compact_rows(self.session_view)
        self.session_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        # Columns fit the rows on screen and up to 20 in all, not every row of a long
        # series: measuring all 50 sessions' cells took half of opening the patient.
        self.session_view.horizontalHeader().setResizeContentsPrecision(20)
        # Each column as wide as its contents, none stretched: on a wide screen a
        # stretched last column (the practitioner) took most of the width.
        self.session_view.horizontalHeader().setStretchLastSection(False)
        self.session_view.activated.connect(lambda index: self._open_row(index.row()))

        # Who: the name, with what is done to the patient's record beside it.
        top = QHBoxLayout()
        top.addWidget(self.name, 1)
        for b in (self.edit_button, self.record_consent_button):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        # The sessions: their heading, with what is done to sessions beside it.
        heading = QHBoxLayout()
        self.sessions_heading = QLabel("Sessions (newest first)")
        self.sessions_heading.setStyleSheet("font-weight: 600;")
        heading.addWidget(self.sessions_heading, 1)
        for b in (self.new_session_button, self.open_session_button):
            heading.addWidget(b)
        documents = QHBoxLayout()
        for b in (self.session_report_button, self.aftercare_button, self.summary_button):
            documents.addWidget(b)
        documents.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.archived)
        layout.addWidget(self.caution)
        layout.addLayout(self.details)
        layout.addLayout(self.consents)
        layout.addLayout(heading)
        layout.addWidget(self.session_view, 1)
        layout.addLayout(documents)
        self.show_patient(None, [])

    @property
    def patient(self) -> Patient | None:
        self.show_pending()
        return self._patient

    @property
    def shown_patient(self) -> Patient | None:
        """The patient on screen now, even while another is about to be shown."""
        return self._patient

    @property
    def is_pending(self) -> bool:
        return self._pending is not None

    def show_later(self, show: Callable[[], None], delay_ms: int) -> None:
        """Run `show()` (which calls show_patient) after `delay_ms`, unless asked for
        again sooner: the panel follows the search once typing pauses, and the key
        presses in between pay only for the list."""
        self._pending = show
        self._later.start(delay_ms)

    def cancel_pending(self) -> None:
        self._pending = None
        self._later.stop()

    def show_pending(self) -> None:
        """Carry out a change asked for with `show_later` now (nothing if none)."""
        show, self._pending = self._pending, None
        self._later.stop()
        if show is not None:
            show()

    def concerns(self, changes: Changes) -> bool:
        """Whether `changes` (saved here or at another workstation) may alter what the
        panel shows: the patient's details, sessions, courses or consents, or a clinic
        setting (the consent text in force decides the consent warning). Only the
        patient on screen counts: one about to be shown is read when it is."""
        if self._patient is None or self._pending is not None:
            return False
        return changes.touches_patient(self._patient.id) or bool(changes.settings)

    def show_patient(self, patient: Patient | None, sessions: list[SessionRow],
                     today: date | None = None) -> None:
        """Show `patient` with `sessions` (newest first). Showing the same patient again
        (brought up to date) keeps the session selected, if it is still listed."""
        self.cancel_pending()
        kept = None
        if patient is not None and self._patient is not None and patient.id == self._patient.id:
            index = self.session_view.currentIndex()
            kept = self.sessions.session_id(index.row()) if index.isValid() else None
        self._patient = patient
        has = patient is not None
        self.sessions.set_rows(sessions)
        for w in (self.edit_button, self.new_session_button, self.summary_button,
                  self.record_consent_button):
            w.setEnabled(has)
        for w in (self.open_session_button, self.session_report_button, self.aftercare_button):
            w.setEnabled(bool(sessions))
        # Until show_consents() says otherwise, no consent is claimed for this patient.
        for label in (self.treatment_consent, self.photo_consent):
            label.clear()
        if patient is None:
            self.name.setText("No patient selected")
            self.caution.hide()
            self.archived.hide()
            for label in self.fields.values():
                label.clear()
            return
        p = patient
        today = today or date.today()
        self.name.setText(p.full_name)
        self.archived.setText(
            f"Archived on {p.archived_at:%Y-%m-%d %H:%M} — {p.archive_reason}. The record "
            "is kept and can still be opened and printed." if p.archived_at else "")
        self.archived.setVisible(p.archived_at is not None)
        self.caution.setText(PIH_CAUTION.format(type=p.fitzpatrick.value))
        self.caution.setVisible(p.fitzpatrick.needs_pih_caution)
        concerns = [c.label for c in p.concerns]
        if p.concerns_other:
            concerns.append(p.concerns_other)
        values = {
            "number": p.number,
            "born": f"{p.date_of_birth.isoformat()} (age {p.age_on(today)})",
            "sex": p.sex.label,
            "skin": p.fitzpatrick.label,
            "contact": "   ".join(x for x in (p.phone, p.email) if x),
            "concerns": ", ".join(concerns),
            "allergies": p.allergies or "None recorded",
            "medications": p.medications,
            "history": p.medical_history,
        }
        for key, text in values.items():
            self.fields[key].setText(text)
        self.sessions_heading.setText(f"Sessions (newest first): {len(sessions)}")
        if sessions:
            ids = [row.id for row in sessions]
            self.session_view.selectRow(ids.index(kept) if kept in ids else 0)

    def show_consents(self, consents: list[Consent], current_version: str) -> None:
        """The newest treatment consent on the consent text in force (red when there is
        none: sessions cannot be signed), and the newest photo consent."""
        treatment = [c for c in consents if c.kind == "treatment"]
        valid = [c for c in treatment if c.text_version == current_version]
        if valid:
            c = valid[-1]
            self.treatment_consent.setText(
                f"Version {c.text_version} on {c.consent_date.isoformat()}, witnessed by "
                f"{c.witnessed_by}")
            self.treatment_consent.setStyleSheet("")
        else:
            older = (f"; the last recorded is version {treatment[-1].text_version} of "
                     f"{treatment[-1].consent_date.isoformat()}" if treatment else "")
            self.treatment_consent.setText(
                f"No treatment consent on the current text (version {current_version})"
                f"{older}. Sessions cannot be signed until it is recorded.")
            self.treatment_consent.setStyleSheet(NO_CONSENT_STYLE)
        photo = [c for c in consents if c.kind == "photo"]
        self.photo_consent.setText(
            f"Given on {photo[-1].consent_date.isoformat()}, witnessed by "
            f"{photo[-1].witnessed_by}" if photo else "Not recorded")

    def _stale(self) -> bool:
        """Whether another patient is about to be shown: a session of the one on screen
        is then not acted on (the panel is brought up to date instead)."""
        if self._pending is None:
            return False
        self.show_pending()
        return True

    def _report_current(self, kind: str) -> None:
        if self._stale():
            return
        index = self.session_view.currentIndex()
        if index.isValid():
            self.report_requested.emit(kind, int(self.sessions.session_id(index.row())))

    def _open_current(self) -> None:
        index = self.session_view.currentIndex()
        if index.isValid():
            self._open_row(index.row())

    def _open_row(self, row: int) -> None:
        if self._stale():
            return
        self.session_opened.emit(int(SessionId(self.sessions.session_id(row))))
