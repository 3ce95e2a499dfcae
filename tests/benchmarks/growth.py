"""The growth table: each figure measured on clinics of several sizes, and how much it grew.

The clinician's targets are about growth, not about a time: nothing they wait for may grow
more than 20 % from the smallest clinic to the largest. So every row holds one value per
size, the growth (value at the largest size over the value at the smallest) and the
target: a growth limit, a limit on the value at every size, or both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

#: The clinician's wait may grow at most this much from the smallest clinic to the largest.
WAIT_GROWTH = 1.2
#: The sizes measured by default, each at most the --patients given (which is always one).
DEFAULT_SIZES = (1_000, 10_000, 50_000)


def sizes_for(patients: int, sizes: Sequence[int] = DEFAULT_SIZES) -> tuple[int, ...]:
    """The clinic sizes to measure: those of `sizes` below `patients`, then `patients`."""
    return (*sorted({s for s in sizes if 0 < s < patients}), patients)


@dataclass
class Growth:
    """One row: `values` maps a clinic's size (patients) to the value measured there, in
    `unit` ("ms", "MB", "×" or "rows"); a size where it could not be measured is missing (the
    reason is in `note`). `growth_limit`: the largest size's value over the smallest's may
    be at most this; `limit`: every value at most this (in `unit`)."""

    name: str
    unit: str
    values: dict[int, float] = field(default_factory=dict)
    growth_limit: float | None = WAIT_GROWTH
    limit: float | None = None
    note: str = ""
    #: Sizes whose value is only a lower bound (the measurement was stopped there).
    at_least: frozenset[int] = frozenset()

    def growth(self, sizes: Sequence[int]) -> float | None:
        """Value at the largest size over the smallest's, or None with one size (or a
        value missing)."""
        if len(sizes) < 2 or sizes[0] not in self.values or sizes[-1] not in self.values:
            return None
        return self.values[sizes[-1]] / max(self.values[sizes[0]], 1e-12)

    def met(self, sizes: Sequence[int]) -> bool | None:
        """Whether every target this row has is met; None when it has none that could
        be judged (no limit, and a growth limit with a single size)."""
        verdicts = []
        growth = self.growth(sizes)
        if self.growth_limit is not None and growth is not None and \
                sizes[0] not in self.at_least:
            verdicts.append(growth <= self.growth_limit)
        if self.limit is not None and self.values:
            verdicts.append(all(v <= self.limit for v in self.values.values()))
        return all(verdicts) if verdicts else None

    def target_text(self) -> str:
        parts = []
        if self.growth_limit is not None:
            parts.append(f"growth ≤ {self.growth_limit:g}×")
        if self.limit is not None:
            parts.append(f"≤ {amount(self.limit, self.unit)}")
        return "; ".join(parts) or "—"


def amount(value: float, unit: str) -> str:
    if unit == "×":
        return f"{value:,.1f}×" if value < 100 else f"{value:,.0f}×"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "rows":
        return f"{value:,.0f}"
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def growth_table(rows: Sequence[Growth], sizes: Sequence[int]) -> str:
    """The rows as a Markdown table: one column per size, the growth, the target."""
    sizes = list(sizes)
    heads = [f"{s:,} patients" for s in sizes]
    growth_head = (f"growth ({sizes[-1]:,} / {sizes[0]:,})" if len(sizes) > 1
                   else "growth")
    lines = ["| figure | " + " | ".join(heads) + f" | {growth_head} | target | met? |",
             "|---|" + "---:|" * len(sizes) + "---:|---|---|"]
    for row in rows:
        cells = [("> " if s in row.at_least else "") + amount(row.values[s], row.unit)
                 if s in row.values else "—" for s in sizes]
        growth = row.growth(sizes)
        met = {None: "—", True: "yes", False: "**no**"}[row.met(sizes)]
        shown = "—" if growth is None else f"{growth:.2f}×"
        if growth is not None and row.at_least & {sizes[0], sizes[-1]}:
            shown = "—"  # a lower bound over a value, or over another bound, says nothing
            if sizes[-1] in row.at_least and sizes[0] not in row.at_least:
                shown = f"> {growth:.2f}×"
        lines.append(f"| {row.name} | " + " | ".join(cells) + f" | {shown} | "
                     f"{row.target_text()} | {met} |")
    return "\n".join(lines)
