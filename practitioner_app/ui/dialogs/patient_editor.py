"""Register a new patient or edit one; every problem is shown under its field."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...domain.enums import Concern, Fitzpatrick, Sex
from ...domain.errors import (
    DomainError,
    DuplicatePatientNumber,
    Problem,
    StaleRecord,
    ValidationError,
)
from ...domain.ids import PatientId
from ...domain.patient import Patient
from ...domain.validation import fitzpatrick_cautions
from ..confirm import confirm
from ..screen_fit import fit_to_screen
from ..widgets.field_message import FieldMessage
from ..widgets.fields import EnumCombo, parse_date
from ..widgets.form import MessageBoard, text_box
from ..widgets.stale_notice import StaleNotice

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.patients import PatientService

#: What a required choice shows until someone makes it.
CHOOSE = "— choose —"

_TEXT_AREAS = (
    ("address", "Address", "identity"),
    ("medical_history", "Medical history", "medical"),
    ("medications", "Current medications", "medical"),
    ("allergies", "Allergies (incl. anaesthetics)", "medical"),
    ("goals", "Patient's goals", "consultation"),
    ("assessment", "Clinician's assessment", "consultation"),
    ("plan", "Plan", "consultation"),
)


class PatientEditorDialog(QDialog):
    """Edits one patient. Emits `patient_saved(PatientId)` after a successful save.

    The patient is saved over the version it was opened at: when another workstation
    changed it since, the save is refused, `stale_notice` names who and when, every field
    keeps what was typed, and "Reload their version" (after asking) shows theirs."""

    patient_saved = Signal(int)

    def __init__(self, service: PatientService, patient: Patient | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        if patient is not None and patient.id is not None:
            # As stored now: the caller's copy may predate a save made since (here or at
            # another workstation), and a save is checked against what this window shows.
            try:
                patient = service.get(patient.id)
            except DomainError:
                pass  # shown as given; the save will say what is wrong
        self._original = patient
        self.reload_confirmation = None
        self.setWindowTitle("Edit patient" if patient else "Register patient")
        self.board = MessageBoard()
        self._build()
        if patient is not None:
            self._load(patient)
        else:
            self.number.setText(service.suggest_number())
        self._update_caution()
        self._as_opened = self._snapshot()
        self.confirmation = None
        # Keys typed as the window opens land in a field: the first one still to fill in
        # (the full name of a new patient, whose number is suggested), else the first.
        empty = [w for w in (self.number, self.full_name) if not w.text()]
        (empty[0] if empty else self.number).setFocus()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        groups = {key: QFormLayout() for key in ("identity", "skin", "medical", "consultation")}
        titles = {"identity": "Identity and contact", "skin": "Skin type and concerns",
                  "medical": "Medical", "consultation": "Consultation"}
        b = self.board
        f = groups["identity"]
        self.number = QLineEdit()
        self.number.setPlaceholderText("e.g. P000123")
        b.add_row(f, "Patient n&umber", self.number, "number")
        self.full_name = QLineEdit()
        b.add_row(f, "Full &name", self.full_name, "full_name")
        # Typed, never pre-filled: a default date would be saved unnoticed.
        self.date_of_birth = QLineEdit()
        self.date_of_birth.setPlaceholderText("YYYY-MM-DD or DD/MM/YYYY")
        b.add_row(f, "Date of &birth", self.date_of_birth, "date_of_birth")
        # No clinical value is chosen for anyone: both start at "choose" and must be set.
        self.sex = EnumCombo(Sex, optional=True)
        self.sex.setItemText(0, CHOOSE)
        b.add_row(f, "Se&x", self.sex, "sex")
        self.phone = QLineEdit()
        b.add_row(f, "&Phone", self.phone, "phone")
        self.email = QLineEdit()
        b.add_row(f, "&Email", self.email, "email")

        s = groups["skin"]
        self.fitzpatrick = EnumCombo(Fitzpatrick, optional=True)
        self.fitzpatrick.setItemText(0, CHOOSE)
        b.add_row(s, "&Fitzpatrick type", self.fitzpatrick, "fitzpatrick")
        self.fitzpatrick.currentIndexChanged.connect(self._update_caution)
        concerns = QWidget()
        grid = QGridLayout(concerns)
        grid.setContentsMargins(0, 0, 0, 0)
        self.concern_boxes: dict[Concern, QCheckBox] = {}
        for i, concern in enumerate(Concern):
            box = QCheckBox(concern.label)
            self.concern_boxes[concern] = box
            grid.addWidget(box, i // 2, i % 2)
        b.add_row(s, "Concerns", concerns, "concerns")
        self.concerns_other = QLineEdit()
        b.add_row(s, "Other concern", self.concerns_other, "concerns_other")

        self.text_areas = {}
        for name, label, group in _TEXT_AREAS:
            box = text_box()
            self.text_areas[name] = box
            b.add_row(groups[group], label, box, name)

        body = QWidget()
        column = QVBoxLayout(body)
        self.summary = FieldMessage()
        column.addWidget(self.summary)
        for key, form in groups.items():
            group = QGroupBox(titles[key])
            group.setLayout(form)
            column.addWidget(group)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.stale_notice = StaleNotice()
        self.stale_notice.reload_requested.connect(self.ask_to_reload)
        outer = QVBoxLayout(self)
        outer.addWidget(self.stale_notice)
        outer.addWidget(scroll)
        outer.addWidget(self.buttons)
        fit_to_screen(self, 720, 760)

    # -- values ---------------------------------------------------------------------------
    def _load(self, p: Patient) -> None:
        self.number.setText(p.number)
        self.full_name.setText(p.full_name)
        self.date_of_birth.setText(p.date_of_birth.isoformat())
        self.sex.set_value(p.sex)
        self.fitzpatrick.set_value(p.fitzpatrick)
        self.phone.setText(p.phone)
        self.email.setText(p.email)
        for concern, box in self.concern_boxes.items():
            box.setChecked(concern in p.concerns)
        self.concerns_other.setText(p.concerns_other)
        for name, box in self.text_areas.items():
            box.setPlainText(getattr(p, name))

    def value(self) -> Patient | None:
        """The patient as currently entered (not validated); None while the date of birth
        is not a date or sex or skin type is not chosen."""
        patient, problems = self._entered()
        return None if problems else patient

    def _entered(self) -> tuple[Patient, list[Problem]]:
        """The patient as entered, and what is missing before it is one: a date of birth
        that is not a date, sex or skin type not chosen. Stand-ins take their places in the
        patient, so the other fields can be checked at the same time."""
        born = parse_date(self.date_of_birth.text())
        problems = []
        if born is None:
            problems.append(Problem("date_of_birth", "Date of birth is required, as "
                                    "YYYY-MM-DD (e.g. 1985-04-12) or DD/MM/YYYY."))
        if self.sex.value() is None:
            labels = [m.label for m in Sex]
            problems.append(Problem("sex", f"Sex is required: choose {', '.join(labels[:-1])} "
                                           f"or {labels[-1]}."))
        if self.fitzpatrick.value() is None:
            problems.append(Problem("fitzpatrick", "Fitzpatrick type is required: choose "
                                    "I to VI."))
        p = Patient(
            number=self.number.text().strip(),
            full_name=self.full_name.text(),
            date_of_birth=born or date(2000, 1, 1),
            sex=self.sex.value() or Sex.NOT_STATED,
            fitzpatrick=self.fitzpatrick.value() or Fitzpatrick.I,
            phone=self.phone.text(),
            email=self.email.text().strip(),
            concerns=frozenset(c for c, box in self.concern_boxes.items() if box.isChecked()),
            concerns_other=self.concerns_other.text(),
            # Not edited here, so kept as read: saving never un-archives a patient.
            archived_at=self._original.archived_at if self._original else None,
            archive_reason=self._original.archive_reason if self._original else "",
            id=self._original.id if self._original else None,
            version=self._original.version if self._original else 0,
            **{name: box.toPlainText() for name, box in self.text_areas.items()},
        )
        return p, problems

    def _update_caution(self) -> None:
        skin = self.fitzpatrick.value()
        self.board.show(fitzpatrick_cautions(skin, "fitzpatrick") if skin else [])

    def _snapshot(self) -> tuple:
        """Everything typed or chosen, to tell whether anything changed since opening."""
        return (tuple(w.text() for w in (self.number, self.full_name, self.date_of_birth,
                                         self.phone, self.email, self.concerns_other)),
                self.sex.currentIndex(), self.fitzpatrick.currentIndex(),
                tuple(b.isChecked() for b in self.concern_boxes.values()),
                tuple(b.toPlainText() for b in self.text_areas.values()))

    def reject(self) -> None:
        """Cancel or Escape: what was typed is only thrown away once the user says so."""
        if self._snapshot() == self._as_opened:
            super().reject()
            return
        self.confirmation = confirm(
            self, "Discard changes?", "Close without saving? What was typed or chosen here "
            "since the window opened is lost.", "Discard changes",
            lambda: QDialog.reject(self), keep="Keep editing")

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> None:
        patient, missing = self._entered()
        flagged = {p.path for p in missing}  # stand-ins stood there: their checks are moot
        problems = missing + [p for p in self._service.check(patient) if p.path not in flagged]
        if any(p.is_error for p in problems):
            self._show_problems(problems)
            return
        try:
            if patient.id is None:
                saved = self._service.register(patient)
            else:
                saved = self._service.update(patient)
        except ValidationError as error:
            self._show_problems(error.problems)
            return
        except DuplicatePatientNumber as error:
            self._show_problems([Problem("number", str(error))])
            return
        except StaleRecord as error:
            self._update_caution()  # clears the field messages, keeps the skin caution
            self.summary.show_messages([], [])
            self.stale_notice.show_refusal(str(error))
            return
        except DomainError as error:
            self._show_problems([Problem("", str(error))])
            return
        self.saved_patient = saved
        self.patient_saved.emit(PatientId(saved.id))
        self.accept()

    # -- another workstation's version ----------------------------------------------------
    def ask_to_reload(self):
        """Ask before replacing what was typed with the stored version; returns the
        question (tests press its buttons)."""
        self.reload_confirmation = confirm(
            self, "Reload their version?", "Show the patient as saved at the other "
            "workstation? What was typed or chosen in this window is discarded.",
            "Reload their version", self.reload_their_version, keep="Keep editing")
        return self.reload_confirmation

    def reload_their_version(self) -> None:
        """Show the stored patient, at its current version, as if just opened: saving
        then writes over that version."""
        try:
            patient = self._service.get(self._original.id)
        except DomainError as error:
            self.stale_notice.show_refusal(str(error))
            return
        self._original = patient
        self._load(patient)
        self._update_caution()
        self.summary.show_messages([], [])
        self.stale_notice.hide()
        self._as_opened = self._snapshot()
        self.full_name.setFocus()

    def _show_problems(self, problems: list[Problem]) -> None:
        unplaced = self.board.show(problems)
        errors = [p for p in problems if p.is_error]
        self.summary.show_messages(
            [f"Not saved: {len(errors)} problem(s) to correct, shown under the fields."]
            + [p.message for p in unplaced], [])
        widget = self.board.first_error_widget(problems)
        if widget is not None:
            widget.setFocus()

