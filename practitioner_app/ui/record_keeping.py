"""Records that hold up, from the main window: the patient's consent, archiving (never
erasing) a patient, the clinic's contraindication screen, and an audit entry for every
document printed or saved.

Dialogs open without blocking through the window context's `open_dialog`, so each is the
window's `active_dialog`. What they change reaches the window's views through the change
bus, not from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from ..domain.audit import Action
from ..domain.patient import Patient
from .actions import action
from .messages import message_box

if TYPE_CHECKING:  # imported when first opened: the window shows sooner
    from ..domain.signing import Consent
    from .dialogs.archive_dialog import ArchivePatientDialog
    from .dialogs.consent_dialog import ConsentDialog
    from .dialogs.pdf_preview import PdfPreviewDialog
    from .dialogs.screen_rules_dialog import ScreenRulesDialog
    from .window_context import WindowContext


class RecordKeeping(QObject):
    """Adds Patient ▸ Record consent… / Archive patient… and Clinic ▸ Contraindication
    screen… to `window`'s menus and runs them."""

    def __init__(self, window, context: WindowContext, patient_menu: QMenu,
                 clinic_menu: QMenu) -> None:
        super().__init__(window)
        self.context = context
        self.message: QMessageBox | None = None

        self.consent_action = action(window, "Record &consent…", self.record_consent)
        self.archive_action = action(window, "&Archive patient…", self.archive_patient)
        self.screen_rules_action = action(window, "Contraindication &screen…",
                                          self.edit_screen_rules)
        patient_menu.addSeparator()
        patient_menu.addAction(self.consent_action)
        patient_menu.addAction(self.archive_action)
        clinic_menu.addAction(self.screen_rules_action)
        # Whoever is signed in can change while the window is open (sign-in, the idle
        # lock), so what they may do is settled each time a menu opens.
        patient_menu.aboutToShow.connect(self.sync_actions)
        clinic_menu.aboutToShow.connect(self.sync_actions)

    @property
    def services(self):
        return self.context.services

    def sync_actions(self) -> None:
        signed_in = (self.services is not None
                     and self.services.accounts.current_user is not None)
        patient = self.context.current_patient() if signed_in else None
        self.consent_action.setEnabled(patient is not None)
        self.archive_action.setEnabled(patient is not None and patient.archived_at is None)
        self.screen_rules_action.setEnabled(self._is_admin())

    def _is_admin(self) -> bool:
        user = self.services.accounts.current_user if self.services is not None else None
        return bool(user and user.is_admin)

    def tell(self, title: str, text: str) -> QMessageBox:
        self.message = message_box(self.context.widget, title, text)
        self.context.set_active(self.message)
        return self.message

    # -- the patient shown ------------------------------------------------------------------
    def patient_shown(self, patient: Patient) -> tuple[list[Consent], str]:
        """The patient's consents and the consent text in force, for the panel (asked
        whenever a patient is shown); what may be done is settled again."""
        consents = self.services.consents
        found = consents.for_patient(patient.id), consents.current_version()
        self.sync_actions()
        return found

    def record_consent(self, parent: QWidget | None = None) -> ConsentDialog | None:
        from .dialogs.consent_dialog import ConsentDialog

        patient = self.context.current_patient()
        if patient is None:
            self.tell("Record consent", "Select a patient first.")
            return None
        dialog = ConsentDialog(self.services.consents, patient,
                               parent=parent or self.context.widget)
        return self.context.open_dialog(dialog)

    def archive_patient(self) -> ArchivePatientDialog | None:
        from .dialogs.archive_dialog import ArchivePatientDialog

        patient = self.context.current_patient()
        if patient is None or patient.archived_at is not None:
            self.tell("Archive patient", "Select a patient who is not archived yet.")
            return None
        dialog = ArchivePatientDialog(self.services.patients, patient, self.context.widget)
        dialog.patient_archived.connect(self._archived)
        return self.context.open_dialog(dialog)

    def _archived(self, _patient_id: int) -> None:
        # The list drops the patient (unless archived ones are shown) by the change bus.
        self.context.show_status("Patient archived; the record is kept.", 8000)

    # -- the clinic ---------------------------------------------------------------------------
    def edit_screen_rules(self) -> ScreenRulesDialog | None:
        from .dialogs.screen_rules_dialog import ScreenRulesDialog

        if not self._is_admin():
            self.tell("Contraindication screen",
                      "Only an administrator may change the contraindication screen.")
            return None
        return self.context.open_dialog(ScreenRulesDialog(
            self.services.screening, self.services.consents, self.context.widget))

    # -- documents ------------------------------------------------------------------------------
    def watch_document(self, preview: PdfPreviewDialog, kind: str, patient_id: int,
                       session_id: int | None) -> None:
        """Record in the audit log each time `preview`'s document is printed or saved:
        who (the signed-in account), when, which document, and the pages or the file (a
        file before it is written, and as not written if writing it then fails)."""
        where = {"patient_id": patient_id, "session_id": session_id or None,
                 "document": kind}
        audit = self.services.audit
        preview.printed.connect(
            lambda pages: audit.log(Action.REPORT_PRINTED, pages=pages, **where))

        def record_saving(path):
            # Recorded before the file is written: a document leaves the app recorded, or
            # not at all.
            entry = audit.log(Action.REPORT_SAVED, path=str(path), **where)
            return lambda error: audit.not_written(entry, path, error, patient_id=patient_id,
                                                   session_id=session_id or None)

        preview.record_saving = record_saving
