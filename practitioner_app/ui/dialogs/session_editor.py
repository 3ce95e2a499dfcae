"""The session editor: the procedure's steps in order, one page each, with every problem
shown beside its field and nothing saved until the whole session is valid."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.enums import PIH_CAUTION, SessionStatus
from ...domain.errors import DomainError, Problem, ValidationError
from ...domain.patient import Patient
from ...domain.session import STEPS, TreatmentSession
from ...domain.validation import validate_session
from ...services.sessions import SessionService
from ..widgets.fields import FieldMessage, to_qdate
from ..widgets.form import MessageBoard
from ..widgets.session_steps import PAGES, StepPage

CAUTION_STYLE = ("background: #fff4e0; color: #6b4100; border: 1px solid #c77700; "
                 "padding: 6px; font-weight: 600;")


class SessionEditorDialog(QDialog):
    """Records one session of `patient`, new or resumed.

    Emits `session_saved(int)` with the session id after each successful save.
    """

    session_saved = Signal(int)

    def __init__(self, service: SessionService, patient: Patient,
                 session: TreatmentSession | None = None, *, practitioner_name: str = "",
                 practitioner_role: str = "", today: date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._patient = patient
        self._session_id = session.id if session else None
        self._guidance = service.zone_guidance()
        self._attempted_completion = False
        self.saved_session: TreatmentSession | None = session
        self.board = MessageBoard()
        self.setWindowTitle(f"Treatment session — {patient.full_name} ({patient.number})")
        self._today = today or date.today()
        self._build(self._today)
        if session is not None:
            self._load(session)
        else:
            self.practitioner_name.setText(practitioner_name)
            self.practitioner_role.setText(practitioner_role)
        self._dirty = False
        self._refresh()

    # -- layout ---------------------------------------------------------------------------
    def _build(self, today: date) -> None:
        p = self._patient
        banner = QLabel(f"{p.full_name}   ·   No. {p.number}   ·   born "
                        f"{p.date_of_birth.isoformat()} (age {p.age_on(today)})   ·   "
                        f"Fitzpatrick {p.fitzpatrick.value}")
        banner.setTextFormat(Qt.TextFormat.PlainText)
        banner.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.caution = QLabel(PIH_CAUTION.format(type=p.fitzpatrick.value))
        self.caution.setWordWrap(True)
        self.caution.setStyleSheet(CAUTION_STYLE)
        self.caution.setVisible(p.fitzpatrick.needs_pih_caution)

        header = QFormLayout()
        self.session_date = QDateEdit(to_qdate(today))
        self.session_date.setDisplayFormat("yyyy-MM-dd")
        self.session_date.setCalendarPopup(True)
        self.board.add_row(header, "Session &date", self.session_date, "session_date")
        self.practitioner_name = QLineEdit()
        self.board.add_row(header, "&Practitioner", self.practitioner_name, "practitioner_name")
        self.practitioner_role = QLineEdit()
        self.practitioner_role.setPlaceholderText("e.g. Aesthetic nurse prescriber")
        self.board.add_row(header, "&Role", self.practitioner_role, "practitioner_role")
        self.status_label = QLabel()
        header.addRow("Status", self.status_label)
        for w, signal in ((self.session_date, "dateChanged"),
                          (self.practitioner_name, "textChanged"),
                          (self.practitioner_role, "textChanged")):
            getattr(w, signal).connect(self._changed)

        self.step_list = QListWidget()
        self.step_list.setMaximumWidth(260)
        self.pages = QStackedWidget()
        self.step_pages: dict[str, StepPage] = {}
        for number, (page_cls, (step, heading)) in enumerate(zip(PAGES, STEPS, strict=True), 1):
            page = page_cls(self.board)
            assert page.step == step, "pages must follow the procedure order in STEPS"
            page.changed.connect(self._changed)
            self.step_pages[step] = page
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            self.pages.addWidget(scroll)
            self.step_list.addItem(f"{number}. {heading}")
        self.step_list.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.step_list.setCurrentRow(0)
        splitter = QSplitter()
        splitter.addWidget(self.step_list)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)

        self.summary = FieldMessage()
        self.previous_button = QPushButton("◀ Pre&vious step")
        self.next_button = QPushButton("Ne&xt step ▶")
        self.save_draft_button = QPushButton("Save &draft")
        self.complete_button = QPushButton("Save as &completed")
        self.cancel_button = QPushButton("Close")
        self.complete_button.setDefault(True)
        self.previous_button.clicked.connect(lambda: self._step_by(-1))
        self.next_button.clicked.connect(lambda: self._step_by(1))
        self.save_draft_button.clicked.connect(lambda: self.save(SessionStatus.DRAFT))
        self.complete_button.clicked.connect(lambda: self.save(SessionStatus.COMPLETED))
        self.cancel_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self,
                  activated=lambda: self.save(SessionStatus.DRAFT))
        buttons = QHBoxLayout()
        for b in (self.previous_button, self.next_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.save_draft_button, self.complete_button, self.cancel_button):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addWidget(banner)
        layout.addWidget(self.caution)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self.resize(1180, 820)

    def _step_by(self, delta: int) -> None:
        row = min(max(self.step_list.currentRow() + delta, 0), self.step_list.count() - 1)
        self.step_list.setCurrentRow(row)

    def show_step(self, step: str) -> None:
        self.step_list.setCurrentRow([s for s, _ in STEPS].index(step))

    # -- values ---------------------------------------------------------------------------
    def _load(self, s: TreatmentSession) -> None:
        self.session_date.setDate(QDate(s.session_date.year, s.session_date.month,
                                        s.session_date.day))
        self.practitioner_name.setText(s.practitioner_name)
        self.practitioner_role.setText(s.practitioner_role)
        for step, page in self.step_pages.items():
            page.load(getattr(s, step))

    def value(self, status: SessionStatus = SessionStatus.DRAFT) -> TreatmentSession:
        """The session as currently entered, with `status` (not validated)."""
        return TreatmentSession(
            id=self._session_id,
            patient_id=self._patient.id,
            session_date=self.session_date.date().toPython(),
            practitioner_name=self.practitioner_name.text().strip(),
            practitioner_role=self.practitioner_role.text().strip(),
            status=status,
            **{step: page.value() for step, page in self.step_pages.items()},
        )

    def _changed(self) -> None:
        self._dirty = True
        self._refresh()

    def _refresh(self) -> None:
        status = SessionStatus.COMPLETED if self._attempted_completion else SessionStatus.DRAFT
        self._show_problems(self._problems(self.value(status)))
        saved = self.saved_session
        self.status_label.setText(
            "New, not saved yet" if saved is None or saved.id is None else
            f"{saved.status.label} (saved)" + (" — unsaved changes" if self._dirty else ""))

    def _problems(self, session: TreatmentSession) -> list[Problem]:
        return validate_session(session, self._guidance, self._patient.fitzpatrick,
                                born=self._patient.date_of_birth, today=self._today)

    def _show_problems(self, problems: list[Problem]) -> None:
        shown = [p for p in problems if p.path != "patient.fitzpatrick"]  # the banner says it
        self.board.show(shown)
        self.step_pages["needling"].grid.mark(shown)
        for row, (step, heading) in enumerate(STEPS):
            mine = [p for p in shown if p.path.startswith(step + ".")]
            mark = " ✖" if any(p.is_error for p in mine) else (" ⚠" if mine else "")
            self.step_list.item(row).setText(f"{row + 1}. {heading}{mark}")
        errors = [p for p in shown if p.is_error]
        if errors:
            self.summary.show_messages(
                [f"{len(errors)} problem(s) to correct before saving; the first: "
                 f"{errors[0].message}"], [])
        else:
            self.summary.show_messages([], [])

    # -- saving ---------------------------------------------------------------------------
    def save(self, status: SessionStatus) -> bool:
        """Save the whole session with `status`; on any problem save nothing, show every
        problem by its field and go to the first step that has one."""
        if status is SessionStatus.COMPLETED:
            self._attempted_completion = True
        session = self.value(status)
        try:
            saved = self._service.save(self._patient.id, session)
        except ValidationError as error:
            self._show_problems(self._problems(session))
            self._go_to_first(error.problems)
            return False
        except DomainError as error:
            QMessageBox.warning(self, "Session not saved", str(error))
            return False
        self.saved_session = saved
        self._session_id = saved.id
        self._dirty = False
        self._refresh()
        self.session_saved.emit(int(saved.id))
        if status is SessionStatus.COMPLETED:
            self.accept()
        return True

    def _go_to_first(self, problems: list[Problem]) -> None:
        for p in problems:
            step = p.path.split(".", 1)[0]
            if step in self.step_pages:
                self.show_step(step)
                break
        widget = self.board.first_error_widget(problems)
        if widget is not None:
            widget.setFocus()

    def reject(self) -> None:
        if self._dirty:
            answer = QMessageBox.question(
                self, "Unsaved changes",
                "This session has changes that are not saved. Close without saving them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()
