"""The series chart: needle depth per zone across a patient's sessions.

One line per treated zone (in `FacialZone` order, each with its own colour and marker so
it survives a greyscale printer), x = session date, y = depth in mm. Where a zone was
treated twice in one session, the deeper row is plotted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.validators import Auto

from practitioner_app.domain.enums import FacialZone
from practitioner_app.domain.session import TreatmentSession

from . import styles
from .fonts import REGULAR
from .text import fmt_depth

HEIGHT = 68 * mm
_LEGEND_WIDTH = 42 * mm
_LEFT = 16 * mm  # room for the y labels and the rotated axis title
_BOTTOM = 11 * mm  # room for the date labels and the axis title
_TOP = 4 * mm
_TICK_LABEL_SIZE = 6.5
_MIN_TICK_GAP = 48  # points between date labels: "2026-11-20" at 6.5 pt is ~40 pt wide

# Eight zones, eight colours distinct on screen and in print, eight marker shapes.
_PALETTE = tuple(colors.HexColor(c) for c in (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
))
_MARKERS = (
    "FilledCircle", "FilledSquare", "FilledDiamond", "FilledTriangle", "FilledCross",
    "FilledPentagon", "FilledStarFive", "FilledHexagon",
)
_CABLE_PT = 1.4  # line width, and the distance between lines of zones at the same depth


def depth_series(
    sessions: Sequence[TreatmentSession],
) -> list[tuple[FacialZone, list[tuple[date, float]]]]:
    """Per treated zone, (session date, deepest depth that session) in session order."""
    series: dict[FacialZone, list[tuple[date, float]]] = {}
    for session in sessions:
        deepest: dict[FacialZone, float] = {}
        for row in session.needling.zones:
            deepest[row.zone] = max(row.depth_mm, deepest.get(row.zone, 0.0))
        for zone, depth in deepest.items():
            series.setdefault(zone, []).append((session.session_date, depth))
    return [(zone, series[zone]) for zone in FacialZone if zone in series]


def depth_chart(sessions: Sequence[TreatmentSession], width: float) -> Drawing | None:
    """The chart `width` points wide, or None when no session recorded a zone."""
    series = depth_series(sessions)
    if not series:
        return None
    drawing = Drawing(width, HEIGHT)
    # The renderer starts every drawing in this font; its default is Helvetica.
    drawing.initialFontName = REGULAR
    plot = LinePlot()
    plot.x, plot.y = _LEFT, _BOTTOM
    plot.width = width - _LEFT - _LEGEND_WIDTH
    plot.height = HEIGHT - _BOTTOM - _TOP
    _date_axis(plot, sorted({day for _, points in series for day, _ in points}))
    _depth_axis(plot, max(depth for _, points in series for _, depth in points))

    # Zones often share a depth. Drawn exactly, their lines would hide one another, so
    # where several zones share a depth at a session their points are spread by a line
    # width (_CABLE_PT, under 0.1 mm on the depth scale) and they run side by side like
    # the strands of a cable; a zone alone at its depth is drawn exactly.
    per_point = (plot.yValueAxis.valueMax - plot.yValueAxis.valueMin) / plot.height
    plot.data = _spread_coinciding(series, _CABLE_PT * per_point)
    # Markers shrink as sessions crowd the axis, so the lines stay readable between them.
    marker_size = 4.5 if len(sessions) <= 12 else 3.5 if len(sessions) <= 30 else 2.5
    for index in range(len(series)):
        colour = _PALETTE[index % len(_PALETTE)]
        line = plot.lines[index]
        line.strokeColor = colour
        line.strokeWidth = _CABLE_PT
        line.symbol = makeMarker(_MARKERS[index % len(_MARKERS)], size=marker_size,
                                 fillColor=colour, strokeColor=colour, strokeWidth=0.5)
    drawing.add(plot)
    drawing.add(_legend(plot, series, x=width - _LEGEND_WIDTH + 4 * mm, top=HEIGHT - _TOP))
    drawing.add(_axis_title("Session date", plot.x + plot.width / 2, 1 * mm))
    title = Group(_axis_title("Needle depth (mm)", 0, 0))
    # Rotated a quarter turn, then moved to the left edge, centred on the plot.
    title.transform = (0, 1, -1, 0, 3 * mm, plot.y + plot.height / 2)
    drawing.add(title)
    return drawing


def _spread_coinciding(series, step: float) -> list[list[tuple[int, float]]]:
    """Plot points per zone, with zones at the same (date, depth) spread `step` apart."""
    sharing: dict[tuple[date, float], list[int]] = {}
    for index, (_, points) in enumerate(series):
        for point in points:
            sharing.setdefault(point, []).append(index)
    data = []
    for index, (_, points) in enumerate(series):
        line = []
        for day, depth in points:
            group = sharing[(day, depth)]
            offset = (group.index(index) - (len(group) - 1) / 2) * step
            line.append((day.toordinal(), depth + offset))
        data.append(line)
    return data


def _date_axis(plot: LinePlot, days: list[date]) -> None:
    first, last = days[0].toordinal(), days[-1].toordinal()
    pad = max(7, (last - first) * 0.04)
    axis = plot.xValueAxis
    axis.valueMin, axis.valueMax = first - pad, last + pad
    # Label only as many session dates as fit side by side without overlapping.
    per_day = plot.width / (axis.valueMax - axis.valueMin)
    ticks: list[int] = []
    for day in days:
        x = day.toordinal()
        if not ticks or (x - ticks[-1]) * per_day >= _MIN_TICK_GAP:
            ticks.append(x)
    if ticks[-1] != last and len(ticks) > 1:
        ticks[-1] = last  # the latest session is the one a reader looks for
    axis.valueSteps = ticks
    axis.labelTextFormat = lambda value: date.fromordinal(int(value)).isoformat()
    axis.labels.fontName = REGULAR
    axis.labels.fontSize = _TICK_LABEL_SIZE
    axis.labels.fillColor = styles.INK
    axis.strokeColor = styles.RULE


def _depth_axis(plot: LinePlot, deepest: float) -> None:
    axis = plot.yValueAxis
    step = 0.25 if deepest <= 1.5 else 0.5
    axis.valueMin = 0
    axis.valueMax = step * (int(deepest / step) + 1)
    axis.valueStep = step
    axis.labelTextFormat = fmt_depth
    axis.labels.fontName = REGULAR
    axis.labels.fontSize = _TICK_LABEL_SIZE
    axis.labels.fillColor = styles.INK
    axis.strokeColor = styles.RULE
    axis.visibleGrid = 1
    axis.gridStrokeColor = styles.GRID
    axis.gridStrokeWidth = 0.3


def _legend(plot: LinePlot, series, *, x: float, top: float) -> Legend:
    legend = Legend()
    # Samples drawn by the plot itself: line and marker, so greyscale prints stay legible.
    legend.swatchMarker = Auto(obj=plot)
    legend.x, legend.y = x, top
    legend.alignment = "right"
    legend.boxAnchor = "nw"
    legend.columnMaximum = len(series)
    legend.fontName = REGULAR
    legend.fontSize = 7
    legend.fillColor = styles.INK
    legend.dx, legend.dy = 14, 6
    legend.deltay = 11
    legend.colorNamePairs = [
        (_PALETTE[index % len(_PALETTE)], zone.label) for index, (zone, _) in enumerate(series)
    ]
    return legend


def _axis_title(text: str, x: float, y: float) -> String:
    return String(x, y, text, fontName=REGULAR, fontSize=7.5, fillColor=styles.MUTED,
                  textAnchor="middle")
