"""The session editor: the contraindication screen, then the procedure's steps in order,
one page each, with every problem shown beside its field and nothing saved until the
whole session is valid. A saved session is signed here with the practitioner's password;
a signed session opens read-only, with its signature, any addenda, and a loud warning if
the stored record no longer matches its signature."""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
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
from ...domain.errors import (
    DomainError,
    Problem,
    RecordSigned,
    SignInRefused,
    StaleRecord,
    ValidationError,
)
from ...domain.patient import Patient
from ...domain.screening import ScreenAnswer
from ...domain.session import STEPS, TreatmentSession
from ...domain.validation import validate_session
from ..confirm import confirm
from ..messages import message_box
from ..widgets.course_box import CourseBox
from ..widgets.field_message import FieldMessage
from ..widgets.fields import DateField, OptionalDateEdit, OptionalTimeEdit
from ..widgets.form import MessageBoard
from ..widgets.practitioner_choice import PractitionerChoice
from ..widgets.screen_page import ScreenPage
from ..widgets.session_steps import NOTICE_STYLE, PAGES, StepPage
from ..widgets.signature_box import SignatureBox
from ..widgets.stale_notice import StaleNotice
from .addendum_dialog import AddendumDialog
from .previous_session_dialog import PreviousSessionDialog, taken_over
from .sign_session_dialog import SignSessionDialog

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.courses import CourseService
    from ...services.sessions import SessionService

CAUTION_STYLE = ("background: #fff4e0; color: #6b4100; border: 1px solid #c77700; "
                 "padding: 6px; font-weight: 600;")
#: The editor's steps: the screen first, then the procedure (domain.session.STEPS).
EDITOR_STEPS: tuple[tuple[str, str], ...] = (("screen", ScreenPage.title), *STEPS)
LOCKED_STEP_COLOUR = QColor("#9a9a9a")
#: A signed record's inputs are disabled, but its values must stay easy to read.
READ_ONLY_STYLE = ("QLineEdit:disabled, QPlainTextEdit:disabled, QComboBox:disabled, "
                   "QAbstractSpinBox:disabled, QCheckBox:disabled, QRadioButton:disabled, "
                   "QLabel:disabled { color: #1f1f1f; }")


class SessionEditorDialog(QDialog):
    """Records one session of `patient`, new or resumed.

    `questions` are the clinic's screen questions (unanswered) for a new session, or for
    a draft saved before it had any. `signer` names who signs with Sign… (the signed-in
    practitioner).

    Signals: `session_saved(int)` the session id after each save, and after signing;
    `consent_requested` (no payload) the user asked to record the patient's consent.

    Saves and signatures go over the version the editor shows: when another workstation
    changed (or signed) the session since, they are refused, `stale_notice` names who and
    when, everything typed stays, and "Reload their version" (after asking) shows theirs.
    """

    session_saved = Signal(int)
    consent_requested = Signal()

    def __init__(self, service: SessionService, patient: Patient,
                 session: TreatmentSession | None = None, *,
                 questions: tuple[ScreenAnswer, ...] = (), signer: str = "",
                 practitioner_name: str = "", practitioner_role: str = "",
                 courses: CourseService | None = None,
                 today: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._courses = courses
        self.course_box: CourseBox | None = None
        self.previous_dialog: PreviousSessionDialog | None = None
        self._service = service
        self._patient = patient
        self._session_id = session.id if session else None
        #: The stored version this window's input is based on (0: not saved yet).
        self._version = session.version if session else 0
        self._questions = questions
        self.reload_confirmation: QMessageBox | None = None
        self._signer = signer
        self._guidance = service.zone_guidance()
        self._attempted_completion = False
        self.read_only = False
        self.mismatch: str | None = None
        self.saved_session: TreatmentSession | None = session
        self.sign_dialog: SignSessionDialog | None = None
        self.addendum_dialog: AddendumDialog | None = None
        self.message_box: QMessageBox | None = None
        self.board = MessageBoard()
        self.setWindowTitle(f"Treatment session — {patient.full_name} ({patient.number})")
        self._today = today or date.today()
        self._build(self._today)
        if session is not None:
            self._load(session, questions)
        else:
            self.screen_page.load(questions)
            # The signed-in practitioner (whom the window passes), else the first account.
            self.practitioner_name.choose(practitioner_name, practitioner_role)
            if self.course_box is not None:
                self.course_box.select_open_course()
        self._dirty = False
        self._refresh()
        if session is not None and session.is_signed:
            # Checked every time it is opened: a record changed behind the app's back
            # must never look trustworthy. The service records a mismatch in the audit log.
            self.mismatch = service.verify(session.id)
            self._show_signed(session)

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
        self.signature_box = SignatureBox()
        self.blocked_banner = QLabel()
        self.blocked_banner.setTextFormat(Qt.TextFormat.PlainText)  # the clinic's wording
        self.blocked_banner.setWordWrap(True)
        self.blocked_banner.setStyleSheet(NOTICE_STYLE)
        self.blocked_banner.hide()
        self.stale_notice = StaleNotice()
        self.stale_notice.reload_requested.connect(self.ask_to_reload)

        header = QFormLayout()
        self.session_date = DateField(today)
        self.board.add_row(header, "Session &date", self.session_date, "session_date")
        # One of the clinic's accounts: a name and role typed here could be anybody's.
        self.practitioner_name = PractitionerChoice(self._service.practitioners())
        self.board.add_row(header, "&Practitioner", self.practitioner_name, "practitioner_name")
        self.practitioner_role = QLineEdit()
        self.practitioner_role.setReadOnly(True)  # the chosen account's role
        self.practitioner_role.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.practitioner_name.chosen.connect(
            lambda: self.practitioner_role.setText(self.practitioner_name.role()))
        self.practitioner_role.setText(self.practitioner_name.role())
        self.board.add_row(header, "Role", self.practitioner_role, "practitioner_role")
        self.status_label = QLabel()
        header.addRow("Status", self.status_label)
        if self._courses is not None:
            self._build_course_rows(header)
        for w, signal in ((self.session_date, "changed"),
                          (self.practitioner_name, "chosen")):
            getattr(w, signal).connect(self._changed)

        self.step_list = QListWidget()
        self.step_list.setMaximumWidth(260)
        self.pages = QStackedWidget()
        self.screen_page = ScreenPage(self.board)
        self.screen_page.changed.connect(self._changed)
        self._add_page(self.screen_page)
        self.step_pages: dict[str, StepPage] = {}
        for page_cls, (step, _heading) in zip(PAGES, STEPS, strict=True):
            page = page_cls(self.board)
            assert page.step == step, "pages must follow the procedure order in STEPS"
            page.changed.connect(self._changed)
            self.step_pages[step] = page
            self._add_page(page)
        for number, (_step, heading) in enumerate(EDITOR_STEPS, 1):
            self.step_list.addItem(f"{number}. {heading}")
        self.step_list.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.step_list.setCurrentRow(0)
        splitter = QSplitter()
        splitter.addWidget(self.step_list)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)

        self.summary = FieldMessage()
        # Why the last Sign… was refused, including what has no field here (consent).
        self.sign_problems = FieldMessage()
        self.record_consent_button = QPushButton("Record consen&t…")
        self.record_consent_button.clicked.connect(self.consent_requested.emit)
        self.record_consent_button.hide()
        sign_row = QHBoxLayout()
        sign_row.addWidget(self.sign_problems, 1)
        sign_row.addWidget(self.record_consent_button, 0, Qt.AlignmentFlag.AlignTop)

        self.previous_button = QPushButton("◀ Pre&vious step")
        self.next_button = QPushButton("Ne&xt step ▶")
        self.save_draft_button = QPushButton("Save dra&ft")
        self.complete_button = QPushButton("Save as &completed")
        self.sign_button = QPushButton("&Sign…")
        self.sign_button.setToolTip("Sign the saved session with your password; it can "
                                    "then no longer change.")
        self.addendum_button = QPushButton("Add &addendum…")
        self.addendum_button.hide()
        self.cancel_button = QPushButton("Close")
        self.complete_button.setDefault(True)
        self.previous_button.clicked.connect(lambda: self._step_by(-1))
        self.next_button.clicked.connect(lambda: self._step_by(1))
        self.save_draft_button.clicked.connect(lambda: self.save(SessionStatus.DRAFT))
        self.complete_button.clicked.connect(lambda: self.save(SessionStatus.COMPLETED))
        self.sign_button.clicked.connect(self.sign)
        self.addendum_button.clicked.connect(self.add_addendum)
        self.cancel_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self,
                  activated=lambda: self.save(SessionStatus.DRAFT))
        buttons = QHBoxLayout()
        for b in (self.previous_button, self.next_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.save_draft_button, self.complete_button, self.sign_button,
                  self.addendum_button, self.cancel_button):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addWidget(banner)
        layout.addWidget(self.caution)
        layout.addWidget(self.signature_box)
        layout.addWidget(self.stale_notice)
        layout.addWidget(self.blocked_banner)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.summary)
        layout.addLayout(sign_row)
        layout.addLayout(buttons)
        from ..screen_fit import fit_to_screen

        fit_to_screen(self, 1180, 860)  # Save and Sign stay on a 1280x800 display

    def _add_page(self, page: QWidget) -> None:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        self.pages.addWidget(scroll)

    def _step_by(self, delta: int) -> None:
        row = min(max(self.step_list.currentRow() + delta, 0), self.step_list.count() - 1)
        self.step_list.setCurrentRow(row)

    def show_step(self, step: str) -> None:
        """Go to `step`: "screen" or a step name of domain.session.STEPS."""
        self.step_list.setCurrentRow([s for s, _ in EDITOR_STEPS].index(step))

    def current_step(self) -> str:
        return EDITOR_STEPS[self.step_list.currentRow()][0]

    # -- values ---------------------------------------------------------------------------
    # -- the course (issue: courses of treatment) ---------------------------------------------
    def _build_course_rows(self, header: QFormLayout) -> None:
        box = CourseBox(self._courses, self._patient.id, self._session_id)
        self.course_box = box
        self.board.add_row(header, "C&ourse", box, "course_number")
        self._reason_rows = {
            "interval_override_reason": self.board.add_row(
                header, "Reason, early session", box.interval_reason,
                "interval_override_reason").parentWidget(),
            "expired_lot_reason": self.board.add_row(
                header, "Reason, expired lot", box.lot_reason,
                "expired_lot_reason").parentWidget(),
        }
        self._header = header
        box.changed.connect(self._course_changed)
        box.previous_requested.connect(self.offer_previous_session)
        self.session_date.changed.connect(self._course_changed)

    def _course_changed(self) -> None:
        self.course_box.describe(self._session_date())
        self._changed()

    def _show_reason_rows(self, problems: list[Problem]) -> None:
        """A reason field shows only when its warning applies or it holds a reason."""
        if self.course_box is None:
            return
        paths = {p.path for p in problems}
        for path, row in self._reason_rows.items():
            field = (self.course_box.interval_reason if path == "interval_override_reason"
                     else self.course_box.lot_reason)
            self._header.setRowVisible(row, path in paths or bool(field.text()))

    def offer_previous_session(self) -> PreviousSessionDialog | None:
        course = self.course_box.course() if self.course_box else None
        if course is None:
            return None
        previous = self._courses.previous_session(self._patient.id, course.number)
        if previous is None:
            return None
        dialog = PreviousSessionDialog(previous, self)
        dialog.accepted.connect(lambda: self.take_over(previous, dialog.chosen()))
        self.previous_dialog = dialog
        dialog.open()
        return dialog

    def take_over(self, previous: TreatmentSession, chosen: set[str]) -> None:
        merged = taken_over(self.value(), previous, chosen)
        for step in ("numbing", "needling", "serum", "sunscreen"):
            self.step_pages[step].load(getattr(merged, step))
        self._changed()

    def _load(self, s: TreatmentSession, questions: tuple[ScreenAnswer, ...]) -> None:
        self.session_date.set_value(s.session_date)
        self.practitioner_name.choose(s.practitioner_name, s.practitioner_role)
        # A draft saved before it had a screen is asked today's questions; a signed
        # record shows exactly what it holds.
        self.screen_page.load(s.screen or (() if s.is_signed else questions))
        for step, page in self.step_pages.items():
            page.load(getattr(s, step))
        if self.course_box is not None:
            self.course_box.load(s)

    def value(self, status: SessionStatus = SessionStatus.DRAFT) -> TreatmentSession:
        """The session as currently entered, with `status` (not validated)."""
        return TreatmentSession(
            id=self._session_id,
            patient_id=self._patient.id,
            version=self._version,
            session_date=self._session_date(),
            practitioner_name=self.practitioner_name.text(),
            practitioner_role=self.practitioner_name.role(),
            status=status,
            screen=self.screen_page.value(),
            **self._course_values(),
            **{step: page.value() for step, page in self.step_pages.items()},
        )

    def _session_date(self) -> date:
        """The date typed, or while the text is not a date the last one it held (the
        text itself is refused by `typing_problems`, so nothing is saved with it)."""
        return (self.session_date.value() or self.session_date.last_value()
                or self._today)

    def _course_values(self) -> dict:
        box = self.course_box
        if box is None:
            return {}
        course = box.course()
        return {"course_number": course.number if course else None,
                "interval_override_reason": box.interval_reason.text().strip(),
                "expired_lot_reason": box.lot_reason.text().strip()}

    def _changed(self) -> None:
        self._dirty = True
        self._refresh()

    def _refresh(self) -> None:
        saved = self.saved_session
        if self.read_only:
            self.status_label.setText("Signed — read-only")
            return
        self._gate_needling()
        status = SessionStatus.COMPLETED if self._attempted_completion else SessionStatus.DRAFT
        self._show_problems(self._problems(self.value(status)))
        self.status_label.setText(
            "New, not saved yet" if saved is None or saved.id is None else
            f"{saved.status.label} (saved)" + (" — unsaved changes" if self._dirty else ""))
        self.sign_button.setEnabled(self._session_id is not None)

    def _gate_needling(self) -> None:
        """Lock the needling step while the screen forbids it, and say why."""
        screen = self.screen_page
        blocking = screen.blocking_item()
        left = screen.unanswered()
        if blocking is not None:
            reason = (f"Session blocked: “{blocking}” was answered Yes on the "
                      "contraindication screen. No needling today; the other steps can "
                      "still be recorded.")
        elif not screen.rows:
            reason = ("The clinic's contraindication screen has no questions, so needling "
                      "cannot be recorded. An administrator sets them in Clinic ▸ "
                      "Contraindication screen.")
        elif left:
            reason = (f"Answer the contraindication screen first (step 1): {left} "
                      f"question{'s' if left != 1 else ''} not answered yet.")
        else:
            reason = None
        self.step_pages["needling"].set_locked(reason, blocked=blocking is not None)
        self.blocked_banner.setText(reason if blocking is not None else "")
        self.blocked_banner.setVisible(blocking is not None)
        item = self.step_list.item([s for s, _ in EDITOR_STEPS].index("needling"))
        # Tooltips guess at rich text; the clinic's wording is escaped and always rich.
        item.setToolTip(f"<p>{html.escape(reason)}</p>" if reason else "")
        item.setForeground(QBrush(LOCKED_STEP_COLOUR) if reason else QBrush())

    def _problems(self, session: TreatmentSession) -> list[Problem]:
        problems = self.board.typing_problems()
        problems += validate_session(session, self._guidance, self._patient.fitzpatrick,
                                     born=self._patient.date_of_birth, today=self._today)
        if self.course_box is not None:
            problems += self.course_box.problems(session)
            self._show_reason_rows(problems)
        return problems

    def _show_problems(self, problems: list[Problem]) -> None:
        shown = [p for p in problems if p.path != "patient.fitzpatrick"]  # the banner says it
        self.board.show(shown)
        self.step_pages["needling"].grid.mark(shown)
        for row, (step, heading) in enumerate(EDITOR_STEPS):
            mine = [p for p in shown if _step_of(p.path) == step]
            mark = " ✖" if any(p.is_error for p in mine) else (" ⚠" if mine else "")
            self.step_list.item(row).setText(f"{row + 1}. {heading}{mark}")
        errors = [p for p in shown if p.is_error]
        goal = ("this session can be completed or signed" if self._attempted_completion
                else "saving")
        if errors:
            self.summary.show_messages(
                [f"{len(errors)} problem(s) to correct before {goal}; the first: "
                 f"{errors[0].message}"], [])
        else:
            self.summary.show_messages([], [])

    # -- saving ---------------------------------------------------------------------------
    def save(self, status: SessionStatus) -> bool:
        """Save the whole session with `status`; on any problem save nothing, show every
        problem by its field and go to the first step that has one. Saving as completed
        closes the editor."""
        if not self._store(status):
            return False
        if status is SessionStatus.COMPLETED:
            self.accept()
        return True

    def _store(self, status: SessionStatus) -> bool:
        if self.read_only:
            return False
        if status is SessionStatus.COMPLETED:
            self._attempted_completion = True
        session = self.value(status)
        typed = self.board.typing_problems()
        if typed:  # a date or time as typed is not one: the last good value is not saved
            self._show_problems(self._problems(session))
            self._go_to_first(typed)
            return False
        try:
            saved = self._service.save(self._patient.id, session)
        except ValidationError as error:
            self._show_problems(self._problems(session))
            self._go_to_first(error.problems)
            return False
        except StaleRecord as error:
            self.stale_notice.show_refusal(str(error))
            return False
        except DomainError as error:
            self.tell("Session not saved", str(error))
            return False
        self.stale_notice.hide()
        self.saved_session = saved
        self._session_id = saved.id
        self._version = saved.version
        self._dirty = False
        self._refresh()
        self.session_saved.emit(int(saved.id))
        return True

    def _go_to_first(self, problems: list[Problem]) -> None:
        for p in problems:
            step = _step_of(p.path)
            if step is not None:
                self.show_step(step)
                break
        widget = self.board.first_error_widget(problems)
        if widget is not None:
            widget.setFocus()

    # -- signing --------------------------------------------------------------------------
    def sign(self) -> SignSessionDialog | None:
        """Ask for the password and sign the stored session (saving unsaved changes
        first, with the status it has, so what is signed is what is shown)."""
        if self.read_only or self._session_id is None:
            return None
        if self._dirty and not self._store(self.saved_session.status):
            return None
        dialog = SignSessionDialog(self._signer, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.password_entered.connect(self._sign_with)
        self.sign_dialog = dialog
        dialog.open()
        return dialog

    def _sign_with(self, password: str) -> None:
        dialog = self.sign_dialog
        try:
            signed = self._service.sign(self._session_id, password, version=self._version)
        except SignInRefused as error:
            dialog.refuse(str(error))
            return
        except ValidationError as error:
            dialog.accept()
            self._show_sign_refusal(error.problems)
            return
        except (StaleRecord, RecordSigned) as error:  # changed or signed elsewhere
            dialog.accept()
            self.stale_notice.show_refusal(str(error))
            return
        except DomainError as error:
            dialog.accept()
            self.tell("Session not signed", str(error))
            return
        dialog.accept()
        self._show_signed(signed)
        self.session_saved.emit(int(signed.id))

    def _show_sign_refusal(self, problems: list[Problem]) -> None:
        """Every missing item by its field, the full list below, and the first one shown."""
        self._attempted_completion = True  # keep completeness messages while fixing them
        current = self._problems(self.value(SessionStatus.COMPLETED))
        self._show_problems(current + [p for p in problems if p not in current])
        self.summary.show_messages([], [])  # the list below says it all, consent included
        self.sign_problems.show_messages(
            ["Not signed yet. Complete these, then press Sign… again:"]
            + [f"• {p.message}" for p in problems], [])
        needs_consent = any(p.path == "consent" for p in problems)
        self.record_consent_button.setVisible(needs_consent)
        self._go_to_first(problems)
        if needs_consent and all(_step_of(p.path) is None for p in problems):
            self.record_consent_button.setFocus()

    def _show_signed(self, session: TreatmentSession) -> None:
        """Freeze the editor: every input disabled, saving and signing gone, the
        signature (and any mismatch and addenda) shown."""
        self.saved_session = session
        self.read_only = True
        self._dirty = False
        header = [self.session_date, self.practitioner_name, self.practitioner_role]
        if self.course_box is not None:
            header += [self.course_box.combo, self.course_box.interval_reason,
                       self.course_box.lot_reason]
            self.course_box.previous_button.hide()
        for w in header:
            w.setEnabled(False)
            w.setStyleSheet(READ_ONLY_STYLE)
        self.pages.setStyleSheet(READ_ONLY_STYLE)
        # In dark text an unticked date or time would read as recorded: show none at all.
        for optional in (self.findChildren(OptionalDateEdit)
                         + self.findChildren(OptionalTimeEdit)):
            optional.edit.setVisible(optional.value() is not None)
        for now_button in (t.now_button for t in self.findChildren(OptionalTimeEdit)):
            now_button.hide()
        self.screen_page.set_read_only(True)
        for page in self.step_pages.values():
            page.set_locked(None)
            page.body.setEnabled(False)
        for b in (self.save_draft_button, self.complete_button, self.sign_button,
                  self.record_consent_button):
            b.hide()
        self.addendum_button.show()
        self.blocked_banner.hide()
        self.board.show([])
        self.summary.show_messages([], [])
        self.sign_problems.show_messages([], [])
        for row, (_step, heading) in enumerate(EDITOR_STEPS):
            item = self.step_list.item(row)
            item.setText(f"{row + 1}. {heading}")
            item.setForeground(QBrush())
            item.setToolTip("")
        self.signature_box.show_session(session, self.mismatch)
        self.cancel_button.setDefault(True)
        self._refresh()

    # -- another workstation's version ----------------------------------------------------
    def ask_to_reload(self) -> QMessageBox:
        """Ask before replacing what was typed with the stored session; returns the
        question (tests press its buttons)."""
        self.reload_confirmation = confirm(
            self, "Reload their version?", "Show the session as saved at the other "
            "workstation? What was typed or chosen in this window since it was last saved "
            "is discarded.", "Reload their version", self.reload_their_version,
            keep="Keep editing")
        return self.reload_confirmation

    def reload_their_version(self) -> None:
        """Show the stored session at its current version, as if just opened (read-only
        when it was signed there); saving then writes over that version."""
        try:
            session = self._service.get(self._session_id)
        except DomainError as error:
            self.stale_notice.show_refusal(str(error))
            return
        self.stale_notice.hide()
        self._load(session, self._questions)
        self.saved_session = session
        self._version = session.version
        self._dirty = False
        if session.is_signed:
            self.mismatch = self._service.verify(session.id)
            self._show_signed(session)
        else:
            self._refresh()

    # -- addenda --------------------------------------------------------------------------
    def add_addendum(self) -> AddendumDialog | None:
        if not self.read_only:
            return None
        dialog = AddendumDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(self._store_addendum)
        self.addendum_dialog = dialog
        dialog.open()
        return dialog

    def _store_addendum(self, reason: str, text: str) -> None:
        dialog = self.addendum_dialog
        try:
            session = self._service.add_addendum(self._session_id, reason, text)
        except ValidationError as error:
            dialog.show_problems(error.problems)
            return
        except DomainError as error:
            dialog.show_problems([Problem("text", str(error))])
            return
        dialog.accept()
        self.saved_session = session
        self.signature_box.show_session(session, self.mismatch)

    # -- closing --------------------------------------------------------------------------
    def tell(self, title: str, text: str) -> QMessageBox:
        """Say something that has no field to sit by (tests replace or read this)."""
        self.message_box = message_box(self, title, text)
        return self.message_box

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


def _step_of(path: str) -> str | None:
    """The editor step that holds the field at `path` (`screen[2].present` → "screen");
    None for what has no step here (e.g. "consent", kept with the patient)."""
    head = path.split(".", 1)[0].split("[", 1)[0]
    return head if head in {s for s, _ in EDITOR_STEPS} else None
