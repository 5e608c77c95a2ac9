"""One CAR-T course, planned end to end: who fits which product, the cell dose, and the days.

Why: lesson 08 walks a learner from leukapheresis to the end of monitoring. The steps are plain
rows computed from the regimen files (lymphodepletion and infusion days, the dated near-centre
and no-driving spans), so the widget only draws them and tests check them with plain asserts.
Leukapheresis has no day number: its timing is weeks before and varies with manufacturing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd

from alledu.content_loader import content
from alledu.eligibility import Verdict, eligibility
from alledu.patient import Patient
from alledu.schedule import aftercare, regimen, schedule


@dataclasses.dataclass(frozen=True)
class Step:
    """One stretch of the course, in days counted from the infusion (day 0)."""

    what: str  # 'Lymphodepletion: Fludarabine', 'Infusion', 'Near the treating centre', 'No driving'
    first_day: int | None  # None: no day number (leukapheresis, or a product whose days are not coded)
    last_day: int | None
    detail: str
    in_force: bool = True  # False: an earlier rule, shown beside today's with its date
    source: str = ""

    def days(self) -> str:
        if self.first_day is None:
            return "-"
        if self.first_day == self.last_day:
            return f"day {self.first_day}"
        joiner = " to " if self.first_day < 0 or (self.last_day or 0) < 0 else "-"
        return f"days {self.first_day}{joiner}{self.last_day}"

    def dates(self, infusion: dt.date | None) -> str:
        if infusion is None or self.first_day is None or self.last_day is None:
            return ""
        first = infusion + dt.timedelta(days=self.first_day)
        last = infusion + dt.timedelta(days=self.last_day)
        return first.isoformat() if first == last else f"{first} to {last}"


@dataclasses.dataclass(frozen=True)
class Journey:
    """The plan for one product and one patient."""

    product: str
    verdicts: tuple[Verdict, ...]  # every compared product, judged by the label in force
    frame: pd.DataFrame | None  # the dose rows (None when the product's dose is not coded)
    steps: tuple[Step, ...]
    dose_note: str | None  # why no dose is computed, for a product judged but not dosed
    infusion: dt.date | None


def products() -> tuple[str, ...]:
    """The CAR-T products lesson 08 compares (lessons.yaml)."""
    return content().lessons.defaults.car_t.products


def plan(product: str, patient: Patient, infusion: dt.date | None = None) -> Journey:
    """Verdicts for every product, and for `product`: its dose rows and the course's steps."""
    reg = regimen(product)
    judged = {v.regimen_id: v for v in eligibility(patient)}
    verdicts = tuple(judged[rid] for rid in products())
    lead = Step(
        "Leukapheresis",
        None,
        None,
        "The patient's own T cells are collected weeks before the infusion; manufacturing time varies, and "
        "bridging therapy may be given meanwhile.",
    )
    if not reg.has_dose_plan():
        return Journey(product, verdicts, None, (lead, *_aftercare_text(reg)), reg.dose_note, infusion)
    frame = schedule(product, patient, start=infusion)
    steps = [lead]
    for drug, rows in frame.groupby("drug", sort=False):
        days = sorted(int(d) for d in rows.day)
        what = "Infusion" if drug == reg.drug_name else f"Lymphodepletion: {drug}"
        dose = rows.dose_text.iloc[0] + ("" if drug == reg.drug_name else " a day")
        steps.append(Step(what, days[0], days[-1], f"{dose}. {rows.working.iloc[0]}"))
    cares = aftercare(reg.cycles[0])
    today = {c.kind: c.since for c in cares if c.in_force}
    for care in cares:
        near = care.kind.startswith("near")
        what = "Near the treating centre" if near else "No driving"
        detail = "Stay near the treating centre" if near else "Do not drive"
        if not care.in_force and care.kind in today:
            detail += f" (the rule until {today[care.kind]})"
        steps.append(Step(what, care.first_day, care.last_day, detail, care.in_force, care.source))
    return Journey(product, verdicts, frame, tuple(steps), None, infusion)


def _aftercare_text(reg: Any) -> list[Step]:
    """A product without coded days: its monitoring rule in words, dated."""
    if reg.monitoring is None or not reg.monitoring.label:
        return []
    now = reg.monitoring.said("label")
    if now is None:
        return []
    return [Step("After the infusion", None, None, str(now.value), True, f"label {now.dated()}")]
