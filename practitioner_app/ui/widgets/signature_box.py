"""A signed session at a glance: who signed it and when (green), a loud red warning when
the record no longer matches its signature, and the addenda added since, oldest first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from ...domain.session import TreatmentSession
from ...domain.signing import Addendum, Signature

SIGNED_STYLE = ("background: #e6f4ea; color: #14532d; border: 1px solid #2e7d32; "
                "padding: 6px; font-weight: 600;")
MISMATCH_STYLE = ("background: #b00020; color: white; border: 2px solid #6d0014; "
                  "padding: 8px; font-size: 12pt; font-weight: 700;")
ADDENDUM_STYLE = "background: #f6f6f6; border-left: 4px solid #2e7d32; padding: 4px 8px;"
#: Addenda beyond this height scroll, so a long history never hides the record itself.
ADDENDA_MAX_HEIGHT = 150


def _plain(style: str = "") -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)  # names, reasons and text are user text
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(style)
    return label


def signed_text(s: Signature) -> str:
    who = ", ".join(x for x in (s.signer_name, s.signer_role) if x)
    # A signature made in another database says where it came from: this clinic did not
    # see it made.
    imported = "" if s.imported is None else (
        f"Imported signature from {s.imported.source}, {s.imported.imported_at:%Y-%m-%d %H:%M}"
        f", by {s.imported.imported_by}. ")
    return (f"{imported}Signed by {who} on {s.signed_at:%Y-%m-%d %H:%M} · SHA-256 "
            f"{s.digest[:16]}… — read-only; corrections are added as addenda.")


def addendum_text(number: int, a: Addendum) -> str:
    return (f"Addendum {number} · {a.created_at:%Y-%m-%d %H:%M} · {a.author_name}\n"
            f"Reason: {a.reason}\n{a.text}")


class SignatureBox(QWidget):
    """Hidden until `show_session` is given a signed session."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.signed_banner = _plain(SIGNED_STYLE)
        self.mismatch_banner = _plain(MISMATCH_STYLE)
        self.addenda_heading = QLabel()
        self.addenda_heading.setStyleSheet("font-weight: 600;")
        self.addenda_list = QWidget()
        self._addenda_layout = QVBoxLayout(self.addenda_list)
        self._addenda_layout.setContentsMargins(0, 0, 0, 0)
        self._addenda_layout.setSpacing(4)
        self.addenda_scroll = QScrollArea()
        self.addenda_scroll.setWidgetResizable(True)
        self.addenda_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.addenda_scroll.setWidget(self.addenda_list)
        self.addenda_scroll.setMaximumHeight(ADDENDA_MAX_HEIGHT)
        self.addendum_labels: list[QLabel] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.mismatch_banner, self.signed_banner, self.addenda_heading,
                  self.addenda_scroll):
            layout.addWidget(w)
        self.hide()

    def show_session(self, session: TreatmentSession, mismatch: str | None = None) -> None:
        if session.signature is None:
            self.hide()
            return
        self.signed_banner.setText(signed_text(session.signature))
        self.mismatch_banner.setText(mismatch or "")
        self.mismatch_banner.setVisible(bool(mismatch))
        for label in self.addendum_labels:
            label.deleteLater()
        self.addendum_labels = []
        for number, addendum in enumerate(session.addenda, 1):
            label = _plain(ADDENDUM_STYLE)
            label.setText(addendum_text(number, addendum))
            self._addenda_layout.addWidget(label)
            self.addendum_labels.append(label)
        count = len(session.addenda)
        self.addenda_heading.setText(f"Addenda ({count}), oldest first" if count else "")
        self.addenda_heading.setVisible(bool(count))
        self.addenda_scroll.setVisible(bool(count))
        self.show()
