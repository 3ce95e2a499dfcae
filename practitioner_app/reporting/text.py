"""Turning record values into printable text.

Two kinds of output live here and must not be mixed up:

- `escape_text` / `markup` give Paragraph *markup*: user text is always escaped, so a
  name like ``O'Neil <script>`` or ``<img src=...>`` prints literally and can never be
  obeyed as a tag (PITFALLS 1); characters DejaVu lacks (CJK, emoji) are then put in a
  fallback font (fonts.with_fallbacks).
- `one_line` and the `fmt_*` helpers give plain strings, for the canvas (which does not
  parse markup) and as inputs to the above.

Dates on records are ISO (YYYY-MM-DD) and times are 24-hour (HH:MM), so a printed record
cannot be misread across locales; `spoken_date` is for the patient's aftercare sheet.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from xml.sax.saxutils import escape

from .fonts import with_fallbacks

#: Printed wherever a value was not recorded; never "0" or an empty cell.
NOT_RECORDED = "—"

# C0 controls other than tab/newline and DEL: the paragraph parser rejects some of them
# and none of them prints.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def clean(text: str) -> str:
    """`text` with unprintable control characters dropped and line ends made "\\n"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", text)


def escape_text(text: str) -> str:
    """User text as Paragraph markup that prints exactly as typed, line breaks kept, in
    fonts that have its characters."""
    return with_fallbacks(escape(clean(text)).replace("\n", "<br/>"))


def markup(template: str, *values: str) -> str:
    """`template` (our own trusted markup, with %s slots) filled with escaped `values`."""
    return template % tuple(escape_text(v) for v in values)


def one_line(text: str, separator: str = ", ") -> str:
    """User text on a single line (for the canvas): line breaks become `separator`."""
    lines = (line.strip() for line in clean(text).split("\n"))
    return separator.join(line for line in lines if line)


def or_dash(text: str) -> str:
    return text if text.strip() else NOT_RECORDED


def fmt_date(day: date | None) -> str:
    return day.isoformat() if day else NOT_RECORDED


def fmt_time(moment: time | None) -> str:
    return moment.strftime("%H:%M") if moment else NOT_RECORDED


def fmt_datetime(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def fmt_number(value: float | None) -> str:
    """A depth or similar measure: at least one decimal, at most two ("0.25", "1.5", "2.0")."""
    if value is None:
        return NOT_RECORDED
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def fmt_depth(value: float | None) -> str:
    """A needle depth in mm, always with two decimals ("0.50", "1.25"), so a column of
    depths reads one way and 1.25 is never set beside 0.5."""
    return NOT_RECORDED if value is None else f"{value:.2f}"


def fmt_int(value: int | None, unit: str = "") -> str:
    if value is None:
        return NOT_RECORDED
    return f"{value} {unit}" if unit else str(value)


def spoken_date(day: date) -> str:
    """A date as a patient reads it: "Friday 20 November 2026" (locale-independent)."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def spoken_list(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
