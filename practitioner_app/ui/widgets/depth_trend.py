"""A small chart of needle depth per zone across a course's sessions."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ...domain.enums import FacialZone
from ...domain.session import TreatmentSession

# Distinguishable on screen and for common colour-vision deficiencies (Okabe–Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#000000")


def depth_series(sessions: list[TreatmentSession]) -> dict[FacialZone, list[tuple[int, float]]]:
    """Zone → [(session index, depth mm)], sessions oldest first."""
    series: dict[FacialZone, list[tuple[int, float]]] = {}
    for i, s in enumerate(sessions):
        for z in s.needling.zones:
            series.setdefault(z.zone, []).append((i, z.depth_mm))
    return series


class DepthTrend(QWidget):
    """Draws one line per zone: x = session (1..n), y = depth in mm; a legend on the right.
    `series` is kept for tests and screen readers (the tooltip lists the values)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(420, 200)
        self.sessions: list[TreatmentSession] = []
        self.series: dict[FacialZone, list[tuple[int, float]]] = {}

    def set_sessions(self, sessions: list[TreatmentSession]) -> None:
        self.sessions = list(sessions)
        self.series = depth_series(self.sessions)
        self.setToolTip("\n".join(
            f"{zone.label}: " + ", ".join(f"{d:g} mm" for _i, d in points)
            for zone, points in self.series.items()))
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        if not self.series:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No zones recorded yet")
            return
        legend_width = 150
        plot = QRectF(40, 12, self.width() - 60 - legend_width, self.height() - 40)
        top = max(d for points in self.series.values() for _i, d in points)
        top = max(0.5, round(top + 0.25, 1))
        count = max(1, len(self.sessions) - 1)
        painter.setPen(QPen(QColor("#999")))
        painter.drawRect(plot)
        for k in range(5):
            depth = top * k / 4
            y = plot.bottom() - plot.height() * k / 4
            painter.drawText(QRectF(0, y - 8, 36, 16), Qt.AlignmentFlag.AlignRight,
                             f"{depth:.2g}")
        for i in range(len(self.sessions)):
            x = plot.left() + plot.width() * i / count if len(self.sessions) > 1 \
                else plot.center().x()
            painter.drawText(QRectF(x - 15, plot.bottom() + 4, 30, 16),
                             Qt.AlignmentFlag.AlignCenter, str(i + 1))
        for n, (zone, points) in enumerate(self.series.items()):
            color = QColor(PALETTE[n % len(PALETTE)])
            painter.setPen(QPen(color, 2))
            xy = [QPointF(plot.left() + plot.width() * i / count if len(self.sessions) > 1
                          else plot.center().x(),
                          plot.bottom() - plot.height() * d / top) for i, d in points]
            for a, b in zip(xy, xy[1:], strict=False):
                painter.drawLine(a, b)
            for p in xy:
                painter.drawEllipse(p, 3, 3)
            painter.drawText(QRectF(plot.right() + 10, plot.top() + 18 * n, legend_width, 16),
                             Qt.AlignmentFlag.AlignLeft, f"— {zone.label}")
        painter.setPen(QPen(QColor("#555")))
        painter.drawText(QRectF(plot.left(), self.height() - 16, plot.width(), 16),
                         Qt.AlignmentFlag.AlignCenter, "session · depth in mm")
