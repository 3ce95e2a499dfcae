"""Start a session from the course's last one: each item is offered with its value and
copied only if the clinician ticks it (nothing is copied silently). Lots, expiries,
times and observed endpoints are never copied: they belong to the new visit."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.session import Numbing, Serum, Sunscreen, TreatmentSession, ZoneTreatment


def offers(previous: TreatmentSession) -> dict[str, str]:
    """What can be taken over, described for the clinician."""
    nd = previous.needling
    items = {}
    if nd.device_type is not None:
        items["device"] = (f"Device: {nd.device_type.label}, {nd.device_make} "
                           f"{nd.device_model} (serial {nd.device_serial or '—'}), "
                           f"{nd.cartridge_needles or '—'}-needle cartridge")
    if nd.zones:
        items["zones"] = "Zones: " + "; ".join(
            f"{z.zone.label} {z.depth_mm:g} mm × {z.passes}" for z in nd.zones)
    if previous.numbing.used and previous.numbing.agent:
        items["numbing"] = f"Numbing agent: {previous.numbing.agent}"
    if previous.serum.product:
        items["serum"] = f"Serum: {previous.serum.product} {previous.serum.amount}".strip()
    if previous.sunscreen.product:
        items["sunscreen"] = (f"Sunscreen: {previous.sunscreen.product}"
                              + (f", SPF {previous.sunscreen.spf}"
                                 if previous.sunscreen.spf else ""))
    return items


def taken_over(current: TreatmentSession, previous: TreatmentSession,
               chosen: set[str]) -> TreatmentSession:
    """`current` with the chosen items of `previous`."""
    s, p = current, previous
    if "device" in chosen:
        s = dataclasses.replace(s, needling=dataclasses.replace(
            s.needling, device_type=p.needling.device_type, device_make=p.needling.device_make,
            device_model=p.needling.device_model, device_serial=p.needling.device_serial,
            cartridge_needles=p.needling.cartridge_needles))
    if "zones" in chosen:
        zones = tuple(ZoneTreatment(z.zone, z.depth_mm, z.passes, speed=z.speed,
                                    technique=z.technique, rf_energy=z.rf_energy,
                                    rf_pulse_ms=z.rf_pulse_ms) for z in p.needling.zones)
        s = dataclasses.replace(s, needling=dataclasses.replace(s.needling, zones=zones))
    if "numbing" in chosen:
        s = dataclasses.replace(s, numbing=dataclasses.replace(
            s.numbing or Numbing(), used=True, agent=p.numbing.agent))
    if "serum" in chosen:
        s = dataclasses.replace(s, serum=dataclasses.replace(
            s.serum or Serum(), product=p.serum.product, amount=p.serum.amount))
    if "sunscreen" in chosen:
        s = dataclasses.replace(s, sunscreen=dataclasses.replace(
            s.sunscreen or Sunscreen(), product=p.sunscreen.product, spf=p.sunscreen.spf))
    return s


class PreviousSessionDialog(QDialog):
    def __init__(self, previous: TreatmentSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.previous = previous
        self.setWindowTitle("Start from the last session")
        intro = QLabel(f"The last session of this course, on "
                       f"{previous.session_date.isoformat()}. Tick what to take over; you can "
                       "still change every value afterwards. Lots, expiries, times and "
                       "endpoints are never taken over.")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        self.boxes: dict[str, QCheckBox] = {}
        for key, text in offers(previous).items():
            box = QCheckBox(text)
            self.boxes[key] = box
            layout.addWidget(box)
        accept_all = QPushButton("Tick all")
        accept_all.clicked.connect(lambda: [b.setChecked(True) for b in self.boxes.values()])
        layout.addWidget(accept_all)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Take over")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    def chosen(self) -> set[str]:
        return {key for key, box in self.boxes.items() if box.isChecked()}


