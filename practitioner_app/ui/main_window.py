"""The main window: find or register a patient on the left, the patient on the right."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

# Only what the frame needs: QEvent, QAction and QKeySequence make their enumerations
# when first named (~10 ms together), so they are imported where used, behind the prompt.
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QSplitter

from ..domain.changes import Changes, ConnectionState
from ..domain.errors import DomainError, StorageError
from ..domain.ids import PatientId, SessionId
from .access import AccessControl
from .screen_fit import keep_on_screen
from .settings import AppSettings
from .window_context import WindowContext
from .workers import BackgroundTask, run_in_background

if TYPE_CHECKING:  # annotations only: the window shows before SQLAlchemy is loaded
    from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QTableView

    from ..domain.patient import Patient
    from ..services.container import Services
    from .change_bus import ChangeBus
    from .course_actions import CourseActions
    from .data_safety import DataSafety
    from .dialogs.clinic_dialog import ClinicDialog
    from .dialogs.patient_editor import PatientEditorDialog
    from .dialogs.session_editor import SessionEditorDialog
    from .models.patient_table_model import PatientTableModel
    from .record_keeping import RecordKeeping
    from .startup import Opening
    from .widgets.patient_panel import PatientPanel


log = logging.getLogger(__name__)

#: After the first sign-in, how long to leave the clinician's first look alone before the
#: document machinery (ReportLab, ~0.5 s of imports) loads on the worker thread.
PREPARE_DOCUMENTS_AFTER_MS = 1500
#: Rows of the due list shown at first, below the patients: a glance; the patient panel
#: needs the height (at 190 px the list took a quarter of a 1280x800 window).
DUE_LIST_ROWS = 4
#: How long typing in the search must pause before the patient panel follows the list
#: (a key press takes ~10 ms to answer, so a typist's next key comes well after it).
PANEL_AFTER_TYPING_MS = 150
#: The smallest size a restored window opens at (the layout's own room at 1280x800 less
#: the panel's spare width), unless the screen is smaller still.
MIN_RESTORED_SIZE = (1024, 700)
#: What the status bar says about the clinic server's connection (nothing for a file).
SERVER_LOST = ("The clinic server cannot be reached: retrying… "
               "Your unsaved input is kept.")
SERVER_BACK = "The clinic server is back: the lists are up to date."
#: How a view that could not be read again says so in the status bar.
NOT_UPDATED = "Not brought up to date"
SERVER_BACK_SHOWN_MS = 15_000
SERVER_LOST_STYLE = ("background: #fff4e0; color: #6b4100; border: 1px solid #c77700; "
                     "padding: 2px 6px; font-weight: 600;")


class MainWindow(QMainWindow):
    """Dialogs open window-modal without blocking (`open()`), and the last one opened is
    kept in `active_dialog`, so the event loop (and tests) keep running.

    The window shows before its database is open, and before most of itself is built:
    the constructor makes the frame and the sign-in prompt with PySide6 alone, and
    `build` (the search, the list, the patient panel, the menus) runs once the prompt has
    been painted, while the clinician types; ui/startup.py opens the database on a worker
    thread meanwhile and hands the services over with `attach` (which builds first if
    need be, then emits `services_attached`). Until then `services` is None and every
    action but Quit is disabled; dialogs are imported when first opened.

    What is saved, here or (on a clinic server) at another workstation, reaches the views
    through one `ChangeBus` (`bus`, made with the services); each view decides whether it
    is touched. The companions (access, data safety, record keeping, courses) get a
    `WindowContext`, never the window's widgets, and leave refreshing to the bus.
    """

    services_attached = Signal()
    built = Signal()  # `build` has made the rest of the window

    # Made by `build`; annotated here so readers (and type checkers) see the whole window.
    search: QLineEdit
    show_archived: QCheckBox
    patients: PatientTableModel
    patient_view: QTableView
    count_label: QLabel
    panel: PatientPanel
    data_safety: DataSafety
    records: RecordKeeping
    course_actions: CourseActions

    def __init__(self, settings: AppSettings, database_path: Path,
                 has_accounts: bool) -> None:
        super().__init__()
        self.services: Services | None = None
        #: What changed, for every view: made with the services (`attach`).
        self.bus: ChangeBus | None = None
        #: What the companions may use of the window.
        self.context = WindowContext(self)
        #: The clinic server's connection, in the status bar (made for a server only).
        self.connection_label: QLabel | None = None
        # A file's Path, or a server database's Location (its `shown` text names it).
        self.database_path = database_path
        self.settings = settings
        self.active_dialog = None
        self.opening: Opening | None = None  # set by ui/startup.py
        self.is_closing = False
        self.is_built = False
        self._build_asked = False  # by the first paint
        self._typing = False  # a key press in the search is being answered
        #: None until the first sign-in; then False, True once documents are prepared.
        self.documents_prepared: bool | None = None
        self.documents_task: BackgroundTask | None = None
        self.setWindowTitle(f"Practitioner — {database_path.name}")  # file or server db
        # The frame and the prompt only: the rest (about 0.2 s of imports and widgets,
        # Qt's own enumerations among them) would double the wait for the first window.
        self.setCentralWidget(QSplitter())  # hidden until someone signs in; filled by build
        self.quit_action = None
        self.access = AccessControl(self, self.context)
        geometry = settings.geometry("main")
        if geometry is not None:
            self.restoreGeometry(geometry)
            keep_on_screen(self, *MIN_RESTORED_SIZE)
        else:
            self.resize(1280, 800)
        self.access.begin(has_accounts)  # the patient list loads once someone signed in

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        """Let the window's own shortcuts win over the search field's key bindings."""
        if watched is not self.search:
            return super().eventFilter(watched, event)
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QAction, QKeySequence

        if event.type() == QEvent.Type.ShortcutOverride:
            pressed = QKeySequence(event.keyCombination())
            for act in self.findChildren(QAction):
                if any(pressed.matches(s) == QKeySequence.SequenceMatch.ExactMatch
                       for s in act.shortcuts()):
                    return True  # not accepted by the field: the shortcut fires
        return super().eventFilter(watched, event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if not self._build_asked:  # the prompt is on screen now: build the rest behind it
            self._build_asked = True
            QTimer.singleShot(0, self, self.build)

    def build(self) -> None:
        """The rest of the window, behind the prompt: the search and the patient list,
        the patient panel, the due list, the menus and the toolbar. Runs once, at the
        first turn of the event loop after the window was painted, or sooner when
        something needs it (`attach`, which comes before any sign-in can)."""
        if self.is_built:
            return
        self.is_built = True
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import (
            QAbstractItemView,
            QCheckBox,
            QLabel,
            QLineEdit,
            QTableView,
            QVBoxLayout,
            QWidget,
        )

        from ..domain.patient import SEARCH_MAX
        from .models.patient_table_model import PatientTableModel
        from .widgets.patient_panel import PatientPanel
        from .widgets.tables import compact_rows

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name or patient number")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(SEARCH_MAX)  # a pasted page is cut, never searched whole
        # Where the keyboard is after signing in: the window's shortcuts (Ctrl+E edits the
        # patient) must work from here, but a line edit claims Ctrl+E and others itself.
        self.search.installEventFilter(self)
        self.show_archived = QCheckBox("Show archived patients")
        # The whole clinic is counted and its ids read a page at a time (the model's
        # docstring): signing in costs the same at any size.
        self.patients = PatientTableModel(
            lambda query, limit=None: self.services.patients.search(
                query, limit, include_archived=self.show_archived.isChecked()),
            lambda ids: self.services.patients.rows(ids), self,
            count=lambda: self.services.patient_count(self.show_archived.isChecked()))
        self.patient_view = QTableView()
        self.patient_view.setModel(self.patients)
        self.patient_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.patient_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.patient_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.patient_view.verticalHeader().setVisible(False)
        # Fixed row heights and columns sized from the font, not the rows: the view never
        # measures every row, so 10,000 patients cost no more than a screenful.
        compact_rows(self.patient_view)
        self.count_label = QLabel()

        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(self.search)
        column.addWidget(self.show_archived)
        self.show_archived.toggled.connect(lambda _on: self.patients.reload())
        column.addWidget(self.patient_view, 1)
        column.addWidget(self.count_label)
        self.panel = PatientPanel()
        splitter = self.centralWidget()
        splitter.addWidget(left)
        splitter.addWidget(self.panel)
        # A wider window widens the patient: the list's columns are whole at 560 px (its
        # name column took most of a 1920 px window's list); the divider still moves.
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        # The list wide enough for its five columns with most names whole at 1280 px.
        splitter.setSizes([560, 720])
        self._size_patient_columns()

        self._build_actions()
        self.search.textChanged.connect(self._search_for)
        self.patients.refreshed.connect(self._after_search)
        self.patient_view.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._show_patient_at(current.row()))
        self.panel.new_session_requested.connect(self.new_session)
        self.panel.edit_requested.connect(self.edit_patient)
        self.panel.session_opened.connect(lambda sid: self.open_session(SessionId(sid)))
        self.panel.report_requested.connect(self.show_report)
        self.panel.consent_requested.connect(self.records.record_consent)
        # The due list is a glance; the patient needs the height (at 800 px the panel
        # was squeezed until its consent warning was cut off).
        dock, due = self.course_actions.dock, self.course_actions.due_list
        title = dock.sizeHint().height() - due.sizeHint().height()  # and the dock's frame
        self.resizeDocks([dock], [title + due.height_for_rows(DUE_LIST_ROWS)],
                         Qt.Orientation.Vertical)
        self.access.built()  # what is shown and enabled follows whoever is signed in
        self.built.emit()

    def _size_patient_columns(self) -> None:
        """Each column of the patient list as wide as its heading or its widest value
        (numbers, dates and skin types have one width), the name taking the rest: fixed
        pixel widths cut the skin type off at 1280x800 and gave the last column the spare
        width. Sized from the font, never by measuring the rows."""
        from PySide6.QtWidgets import QHeaderView, QStyle

        from .models.patient_table_model import COLUMNS

        header = self.patient_view.horizontalHeader()
        header.setStretchLastSection(False)
        widest = {0: "P000000", 2: "0000-00-00", 3: "VI ⚠", 4: "0000-00-00"}
        air = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 12
        for column, sample in widest.items():
            self.patient_view.setColumnWidth(column, air + max(
                self.patient_view.fontMetrics().horizontalAdvance(sample),
                header.fontMetrics().horizontalAdvance(COLUMNS[column])))
        header.setSectionResizeMode(COLUMNS.index("Name"), QHeaderView.ResizeMode.Stretch)

    def attach(self, services: Services) -> None:
        """The database is open and checked: from now on the window works on `services`
        (a sign-in already submitted is carried out now)."""
        from .change_bus import ChangeBus

        self.build()
        self.services = services
        if self.bus is not None:  # services opened again (a damaged file restored)
            self.bus.detach()
            self.bus.deleteLater()
        # Held until someone signs in: nothing is shown yet to bring up to date.
        self.bus = ChangeBus(services, self, held=not self.access.is_open)
        self.bus.changed.connect(self._changes_arrived)
        self.course_actions.follow(self.bus)
        if services.on_server:
            self.bus.connection_changed.connect(self._show_connection)
            self._show_connection(self.bus.state.value)
        self.statusBar().showMessage(f"Database: {services.location.shown}")
        self.data_safety.start()
        self.access.services_ready()
        self.services_attached.emit()

    # -- what changed -----------------------------------------------------------------------
    def _changes_arrived(self, changes: Changes) -> None:
        """The list first, then the patient shown, unless the list has just shown one
        (signing in shows the first patient: read once, not twice)."""
        shown = self.panel.shown_patient
        self._update_list(changes)
        if self.panel.shown_patient is shown:
            self._update_panel(changes)

    def _update_list(self, changes: Changes) -> None:
        """The patient list, up to date with `changes`: the search text, the selected
        patient and the scroll position stay as they are."""
        try:
            if self.patients.query != self.search.text():  # never searched (signing in)
                self.patients.set_query(self.search.text())
            elif self.patients.apply(changes):
                if self.panel.shown_patient is None:
                    self._after_search()  # nothing shown: show the first, as a search does
                else:
                    self._show_count()
        except DomainError as error:  # e.g. the server went away meanwhile
            self._not_updated(error)

    def _update_panel(self, changes: Changes) -> None:
        """The patient shown, read again if `changes` touch it (its sessions, courses,
        consents, details). Dialogs with unsaved input are windows of their own: the
        panel behind them is brought up to date freely."""
        if not self.panel.concerns(changes):
            return
        try:
            patient = self._find(self.panel.shown_patient.id)
            if patient is None:  # gone: a restored backup without them
                self.panel.show_patient(None, [])
                if self.patients.rowCount():
                    self._after_search()
                return
            self._show(patient)
        except DomainError as error:
            self._not_updated(error)

    def _find(self, patient_id: PatientId) -> Patient | None:
        from ..domain.errors import NotFound

        try:
            return self.services.patients.get(patient_id)
        except NotFound:
            return None

    def _not_updated(self, error: DomainError) -> None:
        """A view could not be read again: it stays as it was, and the status bar says so
        (never a box over the clinician's work)."""
        log.warning("A view was not brought up to date: %s", error)
        if self.connection_label is not None and self.connection_label.text() == SERVER_LOST \
                and self.connection_label.isVisible():
            return  # said already beside it; every view reads again once the server is back
        self.statusBar().showMessage(f"{NOT_UPDATED}: {error}", 15_000)

    def _show_connection(self, state: str) -> None:
        """Say plainly when the clinic server cannot be reached, and when it is back."""
        from PySide6.QtWidgets import QLabel

        if self.connection_label is None:
            self.connection_label = QLabel()
            self.connection_label.setObjectName("server_connection")
            self.statusBar().addPermanentWidget(self.connection_label)
            self._connection_timer = QTimer(self)
            self._connection_timer.setSingleShot(True)
            self._connection_timer.timeout.connect(self.connection_label.hide)
        label = self.connection_label
        self._connection_timer.stop()
        if state == ConnectionState.LOST.value:
            label.setText(SERVER_LOST)
            label.setStyleSheet(SERVER_LOST_STYLE)
            label.show()
        elif state == ConnectionState.BACK.value:
            label.setText(SERVER_BACK)
            label.setStyleSheet("")
            label.show()
            if self.statusBar().currentMessage().startswith(NOT_UPDATED):
                self.statusBar().clearMessage()  # what failed is read again now
            self._connection_timer.start(SERVER_BACK_SHOWN_MS)
        else:
            label.hide()

    def sign_in_again(self) -> None:
        """Hide the records and ask who is there, the search cleared (after a restore)."""
        self.search.clear()
        self.access.begin()  # signing in reads everything again, through the bus

    def _build_actions(self) -> None:
        from PySide6.QtGui import QKeySequence

        from .actions import action
        from .course_actions import CourseActions
        from .data_safety import DataSafety
        from .record_keeping import RecordKeeping

        self.new_patient_action = action(self, "&New patient…", self.new_patient,
                                         QKeySequence.StandardKey.New)
        self.edit_patient_action = action(self, "&Edit patient…", self.edit_patient,
                                          "Ctrl+E")
        self.new_session_action = action(self, "New &session…", self.new_session,
                                         "Ctrl+Shift+N")
        self.find_action = action(self, "&Find patient", self._focus_search,
                                  QKeySequence.StandardKey.Find)
        self.quit_action = action(self, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.clinic_action = action(self, "&Clinic details…", self.edit_clinic)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.quit_action)
        patient_menu = self.menuBar().addMenu("&Patient")
        for a in (self.new_patient_action, self.edit_patient_action, self.find_action):
            patient_menu.addAction(a)
        # Back up / restore / check, the automatic backups, patient data export: data_safety.py
        self.data_safety = DataSafety(self, self.context, file_menu, patient_menu)
        session_menu = self.menuBar().addMenu("&Session")
        session_menu.addAction(self.new_session_action)
        clinic_menu = self.menuBar().addMenu("&Clinic")
        clinic_menu.addAction(self.clinic_action)
        # Consent, archiving, the screen's rules, the audit of prints: record_keeping.py
        self.records = RecordKeeping(self, self.context, patient_menu, clinic_menu)
        # Sign-in, the idle lock and the administrator's items: access.py
        self.access.add_actions(file_menu, clinic_menu)
        self.access.admin_actions.append(self.records.screen_rules_action)
        # The due list, a patient's courses, lot recall: course_actions.py
        self.course_actions = CourseActions(self, self.context, patient_menu, clinic_menu)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        for a in (self.new_patient_action, self.new_session_action, self.find_action):
            toolbar.addAction(a)

    # -- patients ---------------------------------------------------------------------------
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_for(self, text: str) -> None:
        """Answer a key press in the search: the list, then its first match selected."""
        self._typing = True
        try:
            self.patients.set_query(text)
        except StorageError as error:  # the server away: said in the status bar, and the
            self._not_updated(error)  # list is read again, as typed, once it is back
        finally:
            self._typing = False

    def _show_count(self) -> None:
        n = self.patients.rowCount()
        self.count_label.setText(f"{n:,} patient{'s' if n != 1 else ''}")

    def _after_search(self) -> None:
        self._show_count()
        n = self.patients.rowCount()
        if n:
            self.patient_view.setCurrentIndex(self.patients.index(0, 0))
        else:
            self.panel.show_patient(None, [])

    def current_patient_id(self) -> PatientId | None:
        index = self.patient_view.currentIndex()
        return self.patients.patient_id(index.row()) if index.isValid() else None

    def _show_patient_at(self, row: int) -> None:
        if row < 0:
            self.panel.show_patient(None, [])
            return
        patient_id = self.patients.patient_id(row)
        if not self._typing:
            self.show_patient(patient_id)
            return
        # A key press in the search: the list answers at once; the panel follows once
        # typing pauses (PANEL_AFTER_TYPING_MS), so the keys in between pay only for the
        # list. Typing on often keeps the same first match, already shown as stored
        # (every change re-shows it): then nothing is read at all.
        shown = self.panel.shown_patient
        if shown is not None and shown.id == patient_id:
            self.panel.cancel_pending()
            return
        self.panel.show_later(lambda: self.show_patient(patient_id), PANEL_AFTER_TYPING_MS)

    def show_patient(self, patient_id: PatientId) -> None:
        from PySide6.QtWidgets import QMessageBox

        try:
            patient = self.services.patients.get(patient_id)
        except StorageError as error:  # the server away: not a box over the clinician's work
            self._not_updated(error)
            return
        except DomainError as error:
            QMessageBox.warning(self, "Patient not found", str(error))
            return
        self._show(patient)

    def _show(self, patient: Patient) -> None:
        """`patient` on the panel, with their sessions and consents as stored now."""
        self.panel.show_patient(patient, self.services.sessions.rows_for_patient(patient.id))
        # Consents, and what may be done with them.
        self.panel.show_consents(*self.records.patient_shown(patient))

    def select_patient(self, patient_id: PatientId) -> None:
        row = self.patients.row_of(patient_id)
        if row < 0:  # not in the current search: clear it so the patient shows
            self.search.clear()
            row = self.patients.row_of(patient_id)
        if row >= 0:
            from PySide6.QtCore import QItemSelectionModel

            self.patient_view.selectionModel().setCurrentIndex(
                self.patients.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
            self.patient_view.scrollTo(self.patients.index(row, 0))
            self.show_patient(patient_id)

    def new_patient(self) -> PatientEditorDialog:
        from .dialogs.patient_editor import PatientEditorDialog

        dialog = PatientEditorDialog(self.services.patients, parent=self)
        dialog.patient_saved.connect(self._patient_saved)
        return self._open(dialog)

    def edit_patient(self) -> PatientEditorDialog | None:
        if self.panel.patient is None:
            return None
        from .dialogs.patient_editor import PatientEditorDialog

        dialog = PatientEditorDialog(self.services.patients, self.panel.patient, parent=self)
        dialog.patient_saved.connect(self._patient_saved)
        return self._open(dialog)

    def _patient_saved(self, patient_id: int) -> None:
        # The list already has the patient (the bus told it at the save): show them.
        self.select_patient(PatientId(patient_id))

    # -- sessions ---------------------------------------------------------------------------
    def new_session(self) -> SessionEditorDialog | None:
        patient = self.panel.patient
        if patient is None:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.information(self, "New session", "Select or register a patient first.")
            return None
        from .dialogs.session_editor import SessionEditorDialog

        user = self.services.accounts.current_user
        # The signed-in practitioner, rather than whoever last saved on this computer.
        dialog = SessionEditorDialog(
            self.services.sessions, patient, **self._session_context(),
            practitioner_name=user.full_name if user else self.settings.practitioner_name,
            practitioner_role=user.role_title if user else self.settings.practitioner_role,
            parent=self)
        return self._open_session_dialog(dialog)

    def _session_context(self) -> dict:
        """What every session editor needs besides the session: today's screen questions
        (for a new session, or a draft saved without any), who signs, and the courses."""
        user = self.services.accounts.current_user
        return {"questions": self.services.screening.new_screen(),
                "signer": user.printed_name if user else "",
                "courses": self.services.courses}

    def open_session(self, session_id: SessionId) -> SessionEditorDialog | None:
        from PySide6.QtWidgets import QMessageBox

        patient = self.panel.patient
        try:
            session = self.services.sessions.get(session_id)
        except DomainError as error:
            QMessageBox.warning(self, "Session not found", str(error))
            return None
        if patient is None or session.patient_id != patient.id:  # never under another name
            return None
        from .dialogs.session_editor import SessionEditorDialog

        dialog = SessionEditorDialog(self.services.sessions, patient, session,
                                     **self._session_context(), parent=self)
        return self._open_session_dialog(dialog)

    def _open_session_dialog(self, dialog: SessionEditorDialog) -> SessionEditorDialog:
        def saved(_session_id: int) -> None:
            # The panel, the list's last session and the due list follow the bus.
            self.settings.practitioner_name = dialog.practitioner_name.text().strip()
            self.settings.practitioner_role = dialog.practitioner_role.text().strip()

        dialog.session_saved.connect(saved)
        dialog.consent_requested.connect(lambda: self.records.record_consent(parent=dialog))
        return self._open(dialog)

    # -- documents ---------------------------------------------------------------------------
    def prepare_documents(self) -> None:
        """A moment after the first sign-in, load the document machinery on the worker
        thread, so the first document is as quick as the next; once per window."""
        if self.documents_prepared is not None:
            return
        self.documents_prepared = False

        def prepare() -> None:
            if not self.is_closing:
                self.documents_task = run_in_background(
                    self.services.reports.warm_up, self._documents_ready,
                    lambda error: log.warning("Preparing documents failed: %s", error))

        QTimer.singleShot(PREPARE_DOCUMENTS_AFTER_MS, self, prepare)

    def _documents_ready(self, _result) -> None:
        self.documents_prepared = True

    def show_report(self, kind: str, session_id: int = 0) -> BackgroundTask | None:
        """Build a document off the GUI thread, then preview it (with Print and Save).

        kind is "session", "aftercare" (of `session_id`) or "summary" (of the patient shown).
        """
        from PySide6.QtWidgets import QMessageBox, QProgressDialog

        patient = self.panel.patient
        if patient is None:
            return None
        reports = self.services.reports
        if kind == "summary":
            build = partial(reports.patient_summary, patient.id)
            title, name = "Patient summary", f"{patient.number}-summary.pdf"
        elif kind == "session":
            build = partial(reports.session_report, SessionId(session_id))
            title, name = "Treatment report", f"{patient.number}-session-{session_id}.pdf"
        else:
            build = partial(reports.aftercare_sheet, SessionId(session_id))
            title, name = "Aftercare sheet", f"{patient.number}-aftercare-{session_id}.pdf"
        busy = QProgressDialog(f"Preparing the {title.lower()}…", None, 0, 0, self)
        busy.setWindowTitle(title)
        busy.setMinimumDuration(300)  # only shows for documents that take a while

        def done(pdf: bytes) -> None:
            from .dialogs.pdf_preview import PdfPreviewDialog

            busy.close()
            preview = PdfPreviewDialog(pdf, f"{title} — {patient.full_name}", name, self)
            self.records.watch_document(preview, kind, patient.id, session_id)
            self._open(preview)

        def failed(error: Exception) -> None:
            busy.close()
            QMessageBox.warning(self, f"{title} not prepared", str(error))

        self.report_task = run_in_background(build, done, failed)
        return self.report_task

    def edit_clinic(self) -> ClinicDialog:
        from .dialogs.clinic_dialog import ClinicDialog

        return self._open(ClinicDialog(self.services.clinic, self))

    def open_dialog(self, dialog):
        """Open `dialog` window-modal without blocking, deleted when closed; it becomes
        `active_dialog`."""
        from PySide6.QtCore import Qt

        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.active_dialog = dialog
        dialog.open()
        return dialog

    _open = open_dialog  # the window's own name for it, kept for existing callers

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.settings.set_geometry("main", self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
        if event.isAccepted():
            self.is_closing = True
            if self.bus is not None:
                self.bus.detach()
            if self.is_built:  # else nothing was typed, and no services were attached
                self.panel.cancel_pending()  # typed just before closing: the panel stays
                self.data_safety.window_closed()  # backup if changed, release the database
            else:  # closed before its first paint: an opening still waiting for a copy
                # that is closing stops waiting, so quitting does not wait for it
                lock = getattr(getattr(self, "opening", None), "lock", None)
                if getattr(lock, "waiting", False):
                    lock.stop_waiting()
