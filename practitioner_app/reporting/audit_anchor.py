"""The audit anchor sheet: the newest audit entry's number and hash on one printed page,
with the command that checks them later, for an administrator to keep away from the
computer.

Guarantees beyond those of `document.render`: the hash and the command print whole
(long words are split across lines, never cut), and the same anchor and clinic always
give the same bytes. It carries no patient data.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from practitioner_app.domain.audit import AuditAnchor
from practitioner_app.domain.clinic import ClinicProfile

from . import styles
from .blocks import full_width_fields, para
from .document import pdf_builder, render
from .page import PageFurniture
from .text import one_line

TITLE = "Audit anchor"
_MOMENT = "%Y-%m-%d %H:%M:%S"


@pdf_builder
def _build(data: tuple[AuditAnchor, ClinicProfile]) -> bytes:
    anchor, clinic = data
    furniture = PageFurniture(
        clinic=clinic, title=TITLE,
        patient_fields=(("Database", one_line(anchor.database)),
                        ("Audit entry", str(anchor.anchor.entry_id))),
        generated_at=anchor.taken_at)
    story: list[Flowable] = [
        para("Audit anchor", styles.TITLE),
        para("Keep this page away from the computer. It lets anyone check later that the "
             "audit trail was not altered, cut short or rewritten after it was printed.",
             styles.SUBTITLE),
        full_width_fields([
            ("Clinic", anchor.clinic),
            ("Database", anchor.database),
            ("Anchor taken", anchor.taken_at.strftime(_MOMENT)),
            ("Newest entry", str(anchor.anchor.entry_id)),
            ("Recorded", f"{anchor.recorded_at.strftime(_MOMENT)} by {anchor.recorded_by} "
                         f"({anchor.action})"),
            ("Hash", anchor.anchor.hash),
            ("Hash, read aloud", " ".join(anchor.anchor.hash[i:i + 8]
                                          for i in range(0, len(anchor.anchor.hash), 8))),
        ]),
        Spacer(1, 5 * mm),
        para("To check", styles.SECTION),
        para("On the computer that holds the database, run:", styles.BODY),
        Spacer(1, 1.5 * mm),
        para(anchor.check_command, styles.VALUE),
        Spacer(1, 1.5 * mm),
        para("It exits 0 and says the trail holds when the audit trail still has this "
             "entry with this hash and every entry verifies. Any other answer means the "
             "trail was altered, cut short or rewritten after this anchor was taken. "
             "The hash may be typed in its groups of eight if the whole --expect value "
             "is put in quotes.", styles.BODY),
    ]
    return render(story, furniture)


def build_audit_anchor(anchor: AuditAnchor, clinic: ClinicProfile) -> bytes:
    """The anchor sheet of `anchor` on `clinic`'s letterhead, as PDF bytes."""
    return _build((anchor, clinic))
