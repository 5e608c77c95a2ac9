"""Day-by-day schedules built from the regimen files.

Why: a schedule is data walked by short code. The code knows how to pick a cycle plan,
choose fixed or BSA-based dosing, apply a cap and lay cycles end to end on a calendar;
every number it uses comes from alledu/content/regimens/.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import pandas as pd

from alledu import validate
from alledu.bsa import bsa as compute_bsa
from alledu.bsa import dosing_bsa, formula_info
from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.models import Amount, CyclePlan, Dose, Layer, Regimen
from alledu.patient import Patient
from alledu.rounding import round_bsa

COLUMNS = [
    "cycle",
    "day",
    "date",
    "regimen_id",
    "drug",
    "phase",
    "dose",
    "unit",
    "basis",
    "basis_amount",
    "basis_unit",
    "bsa_m2",
    "bsa_formula",
    "dose_before_cap",
    "cap",
    "capped",
    "working",
    "hospital",
    "premedication",
    "route",
    "layer",
    "citation",
]


def regimen_ids() -> list[str]:
    """The regimen ids, in lesson order."""
    return list(content().meta.regimens)


def regimen(regimen_id: str) -> Regimen:
    """A regimen by id; an unknown id lists the valid ones."""
    regs = content().regimens
    if not isinstance(regimen_id, str) or regimen_id not in regs:  # also unhashable ids: no TypeError
        raise InvalidInput("regimen_id", regimen_id, "one of " + ", ".join(regs))
    return regs[regimen_id]


def _as_option(value: Any) -> str | None:
    """Accept natural Python spellings: True -> 'yes', 28 -> '28'."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return value


def resolve_choices(reg: Regimen, choices: dict[str, Any]) -> dict[str, str | None]:
    """Validate a regimen's choices and fill defaults; unknown names are errors."""
    declared = {c.name: c for c in reg.choices}
    for name in choices:
        if name not in declared:
            accepted = ", ".join(declared) if declared else "none for this regimen"
            raise InvalidInput(name, choices[name], f"choices for {reg.id}: {accepted}")
    resolved: dict[str, str | None] = {}
    for name, ch in declared.items():
        value = _as_option(choices.get(name, ch.default))
        if value is None and ch.default is not None:  # only an open choice may be None
            raise InvalidInput(name, None, "one of " + ", ".join(map(repr, ch.options)))
        if value is not None and (not isinstance(value, str) or value not in ch.options):  # no TypeError
            raise InvalidInput(name, choices[name], "one of " + ", ".join(map(repr, ch.options)))
        resolved[name] = value
    return resolved


def _matches(when: dict[str, str | None], chosen: dict[str, str | None]) -> bool:
    return all(chosen.get(k) == v for k, v in when.items())


def max_cycles(reg: Regimen, chosen: dict[str, str | None]) -> tuple[int, str | None]:
    """The most cycles allowed with these choices, and the content's note on why."""
    display = int(content().limits["display_cycles"].max)
    for rule in reg.max_cycles:
        if _matches(rule.when, chosen):
            return (display if rule.value is None else rule.value), rule.note
    return 1, None


def cycles_allowed(regimen_id: str, **choices: Any) -> int:
    """How many cycles can be planned now: the maximum, or fewer while a needed choice is open."""
    reg = regimen(regimen_id)
    chosen = resolve_choices(reg, choices)
    most, _ = max_cycles(reg, chosen)
    for ch in reg.choices:
        if ch.needed_from_cycle and chosen[ch.name] is None:
            most = min(most, ch.needed_from_cycle - 1)
    return most


def check_cycles(reg: Regimen, cycles: Any, chosen: dict[str, str | None]) -> int:
    if isinstance(cycles, bool) or not isinstance(cycles, int):
        raise InvalidInput("cycles", cycles, "a whole number of cycles")
    for ch in reg.choices:
        if ch.needed_from_cycle and cycles >= ch.needed_from_cycle and chosen[ch.name] is None:
            raise InvalidInput(
                ch.name,
                None,
                "one of " + ", ".join(map(repr, ch.options)),
                f"needed to plan cycle {ch.needed_from_cycle} onwards",
            )
    most, note = max_cycles(reg, chosen)
    if not 1 <= cycles <= most:
        raise InvalidInput("cycles", cycles, f"1 to {most} for {reg.id}", note)
    return cycles


def plan_for(reg: Regimen, cycle: int, chosen: dict[str, str | None]) -> CyclePlan:
    for plan in reg.cycles:
        if plan.covers(cycle) and _matches(plan.when, chosen):
            return plan
    raise InvalidInput("cycles", cycle, f"cycles planned in the content of {reg.id}")


@dataclasses.dataclass(frozen=True)
class CycleInfo:
    """What a timeline needs for one cycle, with no patient: days, gaps, stays, premedication."""

    cycle: int
    phase: str | None
    start_day: int  # day of the whole course (1-based) on which this cycle starts
    length_days: int | None
    length_note: str | None
    dose_days: tuple[int, ...]
    continuous: bool
    treatment_free: tuple[int, int] | None
    hospital: tuple[int, int] | None
    premedication: tuple[tuple[int, str], ...]
    layer: Layer
    start_date: dt.date | None = None


def timeline(regimen_id: str, cycles: int = 1, start: dt.date | None = None, **choices: Any) -> list[CycleInfo]:
    """Cycle lengths, dose days, treatment-free days, hospital days and premedication."""
    reg = regimen(regimen_id)
    chosen = resolve_choices(reg, choices)
    check_cycles(reg, cycles, chosen)
    start = _as_date(start)
    infos, offset = [], 0
    for n in range(1, cycles + 1):
        plan = plan_for(reg, n, chosen)
        doses = [d for d in plan.doses if _matches(d.when, chosen)]
        days = tuple(sorted({day for d in doses for day in d.day_list()}))
        length = int(plan.length_days.value) if plan.length_days else None
        infos.append(
            CycleInfo(
                cycle=n,
                phase=plan.phase,
                start_day=offset + 1,
                length_days=length,
                length_note=plan.length_note,
                dose_days=days,
                continuous="continuous" in reg.route,
                treatment_free=plan.treatment_free,
                hospital=plan.hospital,
                premedication=tuple((day, p.text) for p in plan.premedication for day in p.days),
                layer=plan.layer or reg.layer,
                start_date=start + dt.timedelta(days=offset) if start else None,
            )
        )
        offset += length if length is not None else max(days)
    return infos


def _as_date(start: Any) -> dt.date | None:
    return validate.date("start", start)  # also refuses NaT and dates too far for every cycle


def basis_for(reg: Regimen, dose: Dose, weight_kg: float) -> tuple[str, Amount]:
    """Fixed or per-m2: the size rule decides when a dose offers both."""
    if dose.fixed and dose.per_m2:
        if reg.size_rule is None:
            raise InvalidInput("regimen_id", reg.id, "a regimen with a size rule for two bases")
        if weight_kg >= reg.size_rule.weight_kg_at_least.value:
            return "fixed", dose.fixed
        return "per_m2", dose.per_m2
    if dose.per_m2:
        return "per_m2", dose.per_m2
    return "fixed", dose.fixed  # type: ignore[return-value]


def dose_amount(basis: str, amount: Amount, bsa_m2: float) -> tuple[float, float, bool]:
    """(dose, dose before cap, capped) for one administration; never above the cap."""
    if basis == "fixed":
        return amount.value, amount.value, False
    before = amount.value * bsa_m2
    if amount.cap is not None and before > amount.cap.value:
        return amount.cap.value, before, True
    return before, before, False


def _cites(*groups: tuple[str, ...]) -> str:
    seen: list[str] = []
    for group in groups:
        seen += [c for c in group if c not in seen]
    return ", ".join(seen)


def schedule(
    regimen_id: str,
    patient: Patient,
    cycles: int = 1,
    start: dt.date | str | None = None,
    bsa_formula: str = "mosteller",
    *,
    bsa_m2: float | None = None,
    bsa_decimals: int | None = None,
    **choices: Any,
) -> pd.DataFrame:
    """One row per administration day, with the working behind each dose.

    `bsa_m2` uses a given BSA instead of computing one (to study caps directly);
    `bsa_decimals` rounds the BSA before multiplying, only when the learner asks.
    """
    reg = regimen(regimen_id)
    if not isinstance(patient, Patient):
        raise InvalidInput("patient", patient, "an alledu.Patient")
    infos = timeline(regimen_id, cycles, start, **choices)
    chosen = resolve_choices(reg, choices)
    formula = formula_info(bsa_formula)  # a bad formula is an error even when bsa_m2 is given
    if bsa_m2 is not None:
        body = validate.number("bsa_m2", bsa_m2)
        formula_label = "given"
    else:
        body = compute_bsa(height_cm=patient.height_cm, weight_kg=patient.weight_kg, formula=bsa_formula)
        body = dosing_bsa(body, height_cm=patient.height_cm, weight_kg=patient.weight_kg)
        formula_label = formula.label
    if bsa_decimals is not None:
        body = round_bsa(body, bsa_decimals)
    rows = []
    for info in infos:
        plan = plan_for(reg, info.cycle, chosen)
        premed = dict(info.premedication)
        for dose in (d for d in plan.doses if _matches(d.when, chosen)):
            basis, amount = basis_for(reg, dose, patient.weight_kg)
            value, before, capped = dose_amount(basis, amount, body)
            working = _working(basis, amount, body, before, value, capped, reg.dose_unit)
            for day in dose.day_list():
                rows.append(
                    {
                        "cycle": info.cycle,
                        "day": day,
                        "date": info.start_date + dt.timedelta(days=day - 1) if info.start_date else None,
                        "regimen_id": reg.id,
                        "drug": reg.drug_name,
                        "phase": info.phase,
                        "dose": value,
                        "unit": reg.dose_unit,
                        "basis": "per m2" if basis == "per_m2" else "fixed",
                        "basis_amount": amount.value,
                        "basis_unit": amount.unit,
                        "bsa_m2": body if basis == "per_m2" else math.nan,
                        "bsa_formula": formula_label if basis == "per_m2" else None,
                        "dose_before_cap": before,
                        "cap": amount.cap.value if amount.cap else math.nan,
                        "capped": capped,
                        "working": working,
                        "hospital": bool(info.hospital and info.hospital[0] <= day <= info.hospital[1]),
                        "premedication": premed.get(day, ""),
                        "route": reg.route,
                        "layer": (plan.layer or amount.layer).describe(),
                        "citation": _cites(amount.cite, amount.cap.cite if amount.cap else ()),
                    }
                )
    frame = pd.DataFrame(rows, columns=COLUMNS).sort_values(["cycle", "day"], kind="stable")
    frame = frame.reset_index(drop=True)
    if start is None:
        frame = frame.drop(columns="date")
    return frame


def _working(basis: str, amount: Amount, body: float, before: float, value: float, capped: bool, unit: str) -> str:
    """The sum a learner should be able to redo by hand."""
    if basis == "fixed":
        return f"fixed dose {amount.value:g} {amount.unit}"
    text = f"{amount.value:g} {amount.unit} x {body:.4f} m2 = {before:.2f} {unit}"
    if capped:
        text += f", capped at {amount.cap.value:g} {amount.cap.unit}"  # type: ignore[union-attr]
    return text


@dataclasses.dataclass(frozen=True)
class DoseStep:
    """A run of consecutive days in one cycle with the same dose: how a learner reads a plan."""

    cycle: int
    first_day: int
    last_day: int
    dose: float
    unit: str
    basis: str
    working: str
    capped: bool
    dose_before_cap: float
    citation: str

    @property
    def days_text(self) -> str:
        if self.first_day == self.last_day:
            return f"day {self.first_day}"
        return f"days {self.first_day}-{self.last_day}"


def dose_steps(frame: pd.DataFrame) -> list[DoseStep]:
    """Group a schedule's rows into runs of consecutive days with the same dose."""
    steps: list[DoseStep] = []
    for row in frame.itertuples(index=False):
        last = steps[-1] if steps else None
        if last and last.cycle == row.cycle and last.last_day == row.day - 1 and last.working == row.working:
            steps[-1] = dataclasses.replace(last, last_day=row.day)
            continue
        steps.append(
            DoseStep(
                row.cycle,
                row.day,
                row.day,
                row.dose,
                row.unit,
                row.basis,
                row.working,
                bool(row.capped),
                row.dose_before_cap,
                row.citation,
            )
        )
    return steps
