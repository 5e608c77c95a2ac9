"""View models: what the dose table and the timeline show, as plain rows (no widgets).

Why: a widget that builds HTML inside its callback can only be tested by reading HTML. These
pure functions turn domain results into rows - one per dose step, one per timeline bar - that
tests check with plain asserts; the widgets only render them.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import pandas as pd

from alledu.models import Regimen
from alledu.rounding import round_dose
from alledu.schedule import CycleInfo, dose_steps


@dataclasses.dataclass(frozen=True)
class DoseRow:
    """One run of days with the same dose, as the dose table shows it."""

    cycle: int
    days: str  # "days 1-7"
    working: str  # "5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day"
    cap: str  # "cap 9 mcg/day not reached", "the label sets no cap", "▲ CAPPED: ..."
    shown: str  # the dose under the rounding policy, e.g. "5.20"
    unit: str
    deviation_percent: float | None  # how far rounding moved it (None: no rounding)
    within_tolerance: bool
    capped: bool
    dose_before_cap: float
    basis: str  # "per m2" or "fixed"


def dose_rows(frame: pd.DataFrame, reg: Regimen, rounding: str) -> list[DoseRow]:
    """The dose table's rows: each step's working, its cap in words and the dose shown."""
    rows = []
    for step in dose_steps(frame):
        r = round_dose(step.dose, rounding)
        if step.capped:
            cap = f"▲ CAPPED: {step.dose_before_cap:.2f} → {step.dose:.2f} {step.unit}"
        elif step.cap is not None:
            cap = f"cap {step.cap:g} {step.unit} not reached"
        elif step.basis == "fixed":
            cap = "fixed dose (no BSA, no cap)"
        elif reg.off_label:
            cap = "no cap is stated"
        else:
            cap = "the label sets no cap"
        rows.append(
            DoseRow(
                cycle=step.cycle,
                days=step.days_text,
                working=step.working,
                cap=cap,
                shown=r.text(),
                unit=step.unit,
                deviation_percent=None if r.step is None else r.deviation_percent,
                within_tolerance=r.within_tolerance,
                capped=step.capped,
                dose_before_cap=step.dose_before_cap,
                basis=step.basis,
            )
        )
    return rows


BarKind = Literal["doses", "treatment-free", "hospital", "premedication"]


@dataclasses.dataclass(frozen=True)
class Bar:
    """One bar (or premedication mark) on the timeline, in days of the course."""

    kind: BarKind
    cycle: int
    first_day: int  # day of the cycle
    last_day: int
    course_day: int  # day of the whole course on which the bar starts (1-based)
    text: str  # the hover text

    @property
    def length(self) -> int:
        return self.last_day - self.first_day + 1


def timeline_bars(infos: list[CycleInfo], frame: pd.DataFrame) -> list[Bar]:
    """Every bar of one regimen's timeline: a dose bar per run of days with the same dose (so a
    step-up on day 8 starts a new bar with its own dose), treatment-free and hospital spans,
    and one mark per premedication line."""
    steps = dose_steps(frame)
    several = frame.drug.nunique() > 1  # lymphodepletion before a CAR-T infusion: name each drug
    bars: list[Bar] = []
    for info in infos:
        kind = "continuous infusion" if info.continuous else "dose"
        for s in (s for s in steps if s.cycle == info.cycle):
            days = [d for d in info.dose_days if s.first_day <= d <= s.last_day]
            for a, b in runs(days):
                joiner = " to " if a < 0 or b < 0 else "-"  # "days -5 to -2", never "days -5--2"
                where = f"day {a}" if a == b else f"days {a}{joiner}{b} ({kind})"
                drug = f"{s.drug} " if several else ""
                text = f"Cycle {info.cycle} {where}: {drug}{s.text} - {s.working}"
                bars.append(Bar("doses", info.cycle, a, b, info.start_day + a - 1, text))
        for key, span, label in (
            ("treatment-free", info.treatment_free, "treatment-free"),
            ("hospital", info.hospital, "in hospital"),
        ):
            if span:
                text = f"Cycle {info.cycle} days {span[0]}-{span[1]}: {label}"
                bars.append(Bar(key, info.cycle, span[0], span[1], info.start_day + span[0] - 1, text))  # type: ignore[arg-type]
        for line in info.premedication:
            text = f"Cycle {info.cycle} day {line.day}: {line.text}"
            bars.append(Bar("premedication", info.cycle, line.day, line.day, info.start_day + line.day - 1, text))
    return bars


def runs(days: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs: [1,2,3,8] -> [(1,3),(8,8)]."""
    out: list[tuple[int, int]] = []
    for d in sorted(days):
        if out and out[-1][1] == d - 1:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


STEP_COLUMNS = ("Cycle", "Days", "Dates", "Dose", "Working", "In hospital")


def step_rows(frame: pd.DataFrame) -> list[list[str]]:
    """The day table, one row per run of days at one dose (columns: `STEP_COLUMNS`).

    Lesson 03's table and the PDF handout show the same rows, so they come from here.
    """
    rows = []
    several = frame.drug.nunique() > 1  # lymphodepletion before a CAR-T infusion: name each drug
    for s in dose_steps(frame):
        part = frame[(frame.cycle == s.cycle) & frame.day.between(s.first_day, s.last_day) & (frame.drug == s.drug)]
        dates = f"{part.date.iloc[0]} to {part.date.iloc[-1]}" if "date" in part else ""
        stay = runs([int(d) for d in part[part.hospital].day])
        hosp = ", ".join(f"day {a}" if a == b else f"days {a}-{b}" for a, b in stay)
        dose = f"{s.drug}: {s.text}" if several else s.text
        rows.append([str(s.cycle), s.days_text, dates, dose, s.working, hosp])
    return rows
