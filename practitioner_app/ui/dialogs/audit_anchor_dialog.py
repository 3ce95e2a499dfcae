"""The audit anchor for administrators (Clinic ▸ Audit anchor…): the newest audit
entry's number and hash on a one-page sheet to print or save and keep away from the
computer, with the command that checks it later. Taking it adds nothing to the trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from .pdf_preview import PdfPreviewDialog

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...domain.audit import AuditAnchor
    from ...services.container import Services


class AuditAnchorDialog(PdfPreviewDialog):
    """The anchor sheet in the document preview (Print…, Save as PDF…), under a line
    that says what it is for and can be selected and copied."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        clinic = services.clinic.profile()
        # Whoever opens this has signed in, which the trail records: it is never empty.
        self.anchor: AuditAnchor = services.audit.anchor(services.location, clinic)
        entry = self.anchor.anchor.entry_id
        super().__init__(services.audit.anchor_pdf(self.anchor, clinic),
                         f"Audit anchor — entry {entry}", f"audit-anchor-entry-{entry}.pdf",
                         parent)
        self.explanation = QLabel(
            f"Print or save this sheet and keep it away from the computer. To check later "
            f"that the audit trail still holds entry {entry} unchanged, run:\n"
            f"{self.anchor.check_command}")
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout().insertWidget(0, self.explanation)
