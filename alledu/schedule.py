"""Day-by-day schedules built from the regimen files.

Why: a schedule is data walked by short code. The code knows how to pick a cycle plan,
choose fixed or BSA-based dosing, apply a cap, pick the premedication stated for this
patient (adult or child) and lay cycles end to end on a calendar; every number it uses comes
from alledu/content/. Schedules follow the label in force by default (`view="label"`); the
2021 review's view (`view="review"`) may allow fewer cycles or no fixed cycle length.
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
from alledu.models import VIEWS, Amount, CyclePlan, Dose, Note, Regimen, Said, View
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
    "dose_low",
    "dose_high",
    "dose_text",
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
    "source",
    "citation",
]


def regimen_ids() -> list[str]:
    """The regimen ids, in lesson order."""
    return list(content().meta.regimens)


def dosed_regimen_ids() -> list[str]:
    """The regimens the suite can dose and schedule, in lesson order (the others are judged only)."""
    return [rid for rid in regimen_ids() if content().regimens[rid].has_dose_plan()]


def dosed_regimen(regimen_id: str) -> Regimen:
    """A regimen with a dose plan; one without says why it has none (never an empty schedule)."""
    reg = regimen(regimen_id)
    if not reg.has_dose_plan():
        hint = f"{reg.short_title} is judged, not dosed, here: its verdict describes the dose"
        raise InvalidInput("regimen_id", regimen_id, "one of " + ", ".join(dosed_regimen_ids()), hint)
    return reg


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


def check_view(view: Any) -> View:
    if view not in VIEWS:
        raise InvalidInput("view", view, "'label' (the label in force, the default) or 'review' (the 2021 review)")
    return view


def max_cycles(reg: Regimen, chosen: dict[str, str | None], view: View = "label") -> tuple[int, str | None]:
    """The most cycles allowed with these choices in this view, and the content's note on why.

    Cycles can only be laid on a calendar while each cycle has a length: a plan whose length
    the source does not give (adult clofarabine; pediatric clofarabine in the review's view)
    is the last one that can be planned.
    """
    display = int(content().limits["display_cycles"].max)
    most, note = 1, None
    for rule in reg.max_cycles:
        if _matches(rule.when, chosen):
            said = rule.value.said(view)
            value = None if said is None else said.value
            most = display if value is None else value
            note = " ".join(filter(None, [rule.note, said.note if said else None]))
            break
    for n in range(1, most):
        plan = _plan_or_none(reg, n, chosen)
        if plan is None or plan.length_days.value(view) is None:
            said = [] if plan is None else [plan.length_days.said(view), plan.length_days.review]
            why = next((s.note for s in said if s is not None and s.note), "no cycle length is given")
            if plan is not None and view == "review" and plan.length_days.review is None:
                why = "the review gives no cycle length"
            first = "cycle 1" if n == 1 else f"the first {n} cycles"
            return n, f"Only {first} can be placed on a calendar: {why}."
    return most, note or None


def cycles_allowed(regimen_id: str, view: View = "label", **choices: Any) -> int:
    """How many cycles can be planned now: the maximum, or fewer while a needed choice is open."""
    reg = dosed_regimen(regimen_id)
    chosen = resolve_choices(reg, choices)
    most, _ = max_cycles(reg, chosen, check_view(view))
    for ch in reg.choices:
        if ch.needed_from_cycle and chosen[ch.name] is None:
            most = min(most, ch.needed_from_cycle - 1)
    return most


def check_cycles(reg: Regimen, cycles: Any, chosen: dict[str, str | None], view: View = "label") -> int:
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
    most, note = max_cycles(reg, chosen, view)
    if not 1 <= cycles <= most:
        raise InvalidInput("cycles", cycles, f"1 to {most} for {reg.short_title}", note)
    return cycles


def _plan_or_none(reg: Regimen, cycle: int, chosen: dict[str, str | None]) -> CyclePlan | None:
    for plan in reg.cycles:
        if plan.covers(cycle) and _matches(plan.when, chosen):
            return plan
    return None


def plan_for(reg: Regimen, cycle: int, chosen: dict[str, str | None]) -> CyclePlan:
    plan = _plan_or_none(reg, cycle, chosen)
    if plan is None:
        raise InvalidInput("cycles", cycle, f"cycles planned in the content of {reg.id}")
    return plan


def is_adult(age_years: float) -> bool:
    """Adult as the facts define it (meta.yaml adult_from_years), for adult/child wording."""
    return age_years >= content().meta.adult_from_years.value


def source_text(view: View, said: Said[Any] | None = None) -> str:
    """Which source a number follows: 'label', 'label (date not verified)', 'review 2021-07-02'."""
    if view == "review":
        return f"review {content().meta.core_review.date.isoformat()}"
    if said is not None and not said.since and said.date_note:
        return "label (date not verified)"
    if said is not None and said.since:
        return f"label {said.dated()}"
    return "label"


@dataclasses.dataclass(frozen=True)
class Premed:
    """One premedication line on one day, for the patient in front of the learner."""

    day: int
    text: str
    who: str  # 'all', 'adults' or 'children'


@dataclasses.dataclass(frozen=True)
class CycleInfo:
    """What a timeline needs for one cycle: days, gaps, stays, premedication, source."""

    cycle: int
    phase: str | None
    start_day: int  # day of the whole course (1-based) on which this cycle starts
    length_days: int | None
    length_note: str | None
    dose_days: tuple[int, ...]
    continuous: bool
    treatment_free: tuple[int, int] | None
    hospital: tuple[int, int] | None
    premedication: tuple[Premed, ...]
    source: str
    start_date: dt.date | None = None  # the date of day 1, or of day 0 for an infusion-day course
    aftercare: tuple[Aftercare, ...] = ()  # after a CAR-T infusion: the rules in force and earlier ones


@dataclasses.dataclass(frozen=True)
class Aftercare:
    """A stretch after the infusion: near the treating centre, or no driving; dated, in force or not."""

    kind: str  # 'near the treating centre' or 'no driving'
    first_day: int
    last_day: int
    source: str  # 'label since 2025-06-26', 'label since 2017-08-30'
    in_force: bool
    since: str = ""  # the entry's date as read ('2025-06-26', 'by 2019-02')


def aftercare(plan: CyclePlan) -> tuple[Aftercare, ...]:
    """Every dated rule for the days after the infusion, the one in force last (label view)."""
    out = []
    for kind, history in (("near the treating centre", plan.near_centre), ("no driving", plan.no_driving)):
        if history is None:
            continue
        now = history.said("label")
        for said in history.label:
            first, last = said.value
            out.append(Aftercare(kind, first, last, f"label {said.dated()}", said is now, said.when()))
    return tuple(out)


def premedication_for(plan: CyclePlan, age_years: float | None, bsa_m2: float | None = None) -> tuple[Premed, ...]:
    """The premedication stated for this patient: adults', children's, or both when age is unknown.

    A child's later blinatumomab cycles carry no dexamethasone line because none is stated for
    them; where the sources state nothing for a population, the line says so.
    """
    group = None if age_years is None else ("adults" if is_adult(age_years) else "children")
    out = []
    for p in plan.premedication:
        if group is not None and p.who not in ("all", group):
            continue
        text = p.text
        if p.dose is not None and bsa_m2 is not None and p.dose.unit.endswith("/m2"):
            value, before, capped = dose_amount("per_m2", p.dose, bsa_m2)
            unit = p.dose.cap.unit if p.dose.cap else p.dose.unit.removesuffix("/m2")
            text += f" For this patient: {value:.2f} {unit}" + (f" (capped from {before:.2f})" if capped else "") + "."
        if group is None and p.who != "all":
            text = f"{p.who.capitalize()}: {text}"
        out += [Premed(day, text, p.who) for day in p.days]
    return tuple(out)


def timeline(
    regimen_id: str,
    cycles: int = 1,
    start: dt.date | None = None,
    view: View = "label",
    age_years: float | None = None,
    **choices: Any,
) -> list[CycleInfo]:
    """Cycle lengths, dose days, treatment-free days, hospital days and premedication.

    `age_years` picks the premedication stated for adults or children (both when None).
    """
    reg = dosed_regimen(regimen_id)
    view = check_view(view)
    chosen = resolve_choices(reg, choices)
    check_cycles(reg, cycles, chosen, view)
    start = _as_date(start)
    infos, offset = [], 0
    for n in range(1, cycles + 1):
        plan = plan_for(reg, n, chosen)
        doses = [d for d in plan.doses if _matches(d.when, chosen)]
        days = tuple(sorted({day for d in doses for day in d.day_list()}))
        said = plan.length_days.said(view)
        length = None if said is None or said.value is None else int(said.value)
        infos.append(
            CycleInfo(
                cycle=n,
                phase=plan.phase,
                start_day=offset + 1,
                length_days=length,
                length_note=said.note if said else None,
                dose_days=days,
                continuous="continuous" in reg.route,
                treatment_free=plan.treatment_free,
                hospital=plan.hospital,
                premedication=premedication_for(plan, age_years),
                source=source_text(view, said if not plan.length_days.plain else None),
                start_date=start + dt.timedelta(days=offset) if start else None,
                aftercare=aftercare(plan),
            )
        )
        offset += length if length is not None else max(days)
    return infos


def _as_date(start: Any) -> dt.date | None:
    return validate.date("start", start)  # also refuses NaT and dates too far for every cycle


def basis_for(reg: Regimen, dose: Dose, weight_kg: float) -> tuple[str, Amount]:
    """Fixed (flat), per m2 or per kg: the size rule decides when a dose offers two bases."""
    scaled = ("per_m2", dose.per_m2) if dose.per_m2 else ("per_kg", dose.per_kg) if dose.per_kg else None
    if dose.fixed and scaled:
        if reg.size_rule is None:
            raise InvalidInput("regimen_id", reg.id, "a regimen with a size rule for two bases")
        return ("fixed", dose.fixed) if reg.size_rule.big(weight_kg) else scaled  # type: ignore[return-value]
    if scaled:
        return scaled  # type: ignore[return-value]
    return "fixed", dose.fixed  # type: ignore[return-value]


def dose_amount(basis: str, amount: Amount, bsa_m2: float, weight_kg: float | None = None) -> tuple[float, float, bool]:
    """(dose, dose before cap, capped) for one administration; never above the cap.

    Per m2 multiplies by the BSA, per kg by the weight (cells: never BSA), fixed is as written.
    For a range, this is the low end; `dose_range` gives both ends.
    """
    if basis == "fixed":
        return amount.value, amount.value, False
    size = bsa_m2 if basis == "per_m2" else weight_kg
    if size is None:
        raise InvalidInput("weight_kg", None, "a weight in kg for a per-kg dose")
    before = amount.value * size
    if amount.cap is not None and before > amount.cap.value:
        return amount.cap.value, before, True
    return before, before, False


def dose_range(basis: str, amount: Amount, bsa_m2: float, weight_kg: float) -> tuple[float, float] | None:
    """(low, high) of a labelled range, each end computed like a dose; None when not a range."""
    if amount.high is None:
        return None
    low, _, _ = dose_amount(basis, amount, bsa_m2, weight_kg)
    high, _, _ = dose_amount(basis, amount.model_copy(update={"value": amount.high}), bsa_m2, weight_kg)
    return low, high


def amount_text(value: float, unit: str) -> str:
    """A number as a learner reads it: '7.0 x 10^7' for cell counts, '58.01' for mg or mcg."""
    if "cells" in unit and value > 0:
        exponent = math.floor(math.log10(value))
        mantissa = value / 10**exponent
        if round(mantissa, 1) >= 10:  # 9.96 -> 10.0 x 10^6 reads as 1.0 x 10^7
            mantissa, exponent = mantissa / 10, exponent + 1
        return f"{mantissa:.1f} x 10^{exponent}"
    return f"{value:.2f}"


def label_range_text(low: float, high: float, unit: str) -> str:
    """A label's range on one power of ten, as labels write it: '0.2 to 5.0 x 10^6'."""
    if "cells" not in unit:
        return f"{low:g} to {high:g}"
    exponent = math.floor(math.log10(high))
    return f"{low / 10**exponent:.1f} to {high / 10**exponent:.1f} x 10^{exponent}"


def dose_text(dose: float, low: float, high: float, unit: str) -> str:
    """A row's dose as a learner reads it: '58.01 mg', '7.0 x 10^7 CAR-positive viable T cells',
    or a range '6.0 x 10^6 to 1.5 x 10^8 CAR-positive viable T cells'."""
    if not math.isnan(low):
        return f"{amount_text(low, unit)} to {amount_text(high, unit)} {unit}"
    return f"{amount_text(dose, unit)} {unit}"


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
    view: View = "label",
    bsa_m2: float | None = None,
    bsa_decimals: int | None = None,
    **choices: Any,
) -> pd.DataFrame:
    """One row per administration day, with the working behind each dose.

    Follows the label in force by default; `view="review"` follows the 2021 review.
    `bsa_m2` uses a given BSA instead of computing one (to study caps directly);
    `bsa_decimals` rounds the BSA before multiplying, only when the learner asks.
    Premedication is the one stated for this patient (adult or child, by age).
    """
    reg = dosed_regimen(regimen_id)
    if not isinstance(patient, Patient):
        raise InvalidInput("patient", patient, "an alledu.Patient")
    infos = timeline(regimen_id, cycles, start, view, None, **choices)
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
        premed: dict[int, str] = {}
        for line in premedication_for(plan, patient.age_years, body):
            premed[line.day] = " | ".join(filter(None, [premed.get(line.day), line.text]))
        for dose in (d for d in plan.doses if _matches(d.when, chosen)):
            basis, amount = basis_for(reg, dose, patient.weight_kg)
            unit = dose.unit or reg.dose_unit
            value, before, capped = dose_amount(basis, amount, body, patient.weight_kg)
            ends = dose_range(basis, amount, body, patient.weight_kg)
            low, high = ends if ends else (math.nan, math.nan)
            if ends:
                value = before = math.nan  # a labelled range has two ends, not one dose
            size = patient.weight_kg if basis == "per_kg" else body
            working = _working(basis, amount, size, before, value, capped, unit)
            if dose.note:
                working += f" ({dose.note})"
            drug = content().drugs[dose.drug].name if dose.drug else reg.drug_name
            offset = 0 if reg.day_zero else 1  # day 0 is the start date of an infusion-day course
            for day in dose.day_list():
                rows.append(
                    {
                        "cycle": info.cycle,
                        "day": day,
                        "date": info.start_date + dt.timedelta(days=day - offset) if info.start_date else None,
                        "regimen_id": reg.id,
                        "drug": drug,
                        "phase": info.phase,
                        "dose": value,
                        "dose_low": low,
                        "dose_high": high,
                        "dose_text": dose_text(value, low, high, unit),
                        "unit": unit,
                        "basis": {"per_m2": "per m2", "per_kg": "per kg"}.get(basis, "fixed"),
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
                        "route": dose.route or reg.route,
                        "source": info.source,
                        "citation": _cites(amount.cite, amount.cap.cite if amount.cap else ()),
                    }
                )
    frame = pd.DataFrame(rows, columns=COLUMNS).sort_values(["cycle", "day"], kind="stable")
    frame = frame.reset_index(drop=True)
    if start is None:
        frame = frame.drop(columns="date")
    return frame


def safety_notes(regimen_id: str, age_years: float | None = None, view: View = "label") -> list[Note]:
    """Every safety note that must stand next to this regimen's dose or schedule.

    The drug's and regimen's own notes (boxed warnings, renal rule, restart rule, route, dose
    window), the withdrawal when there is one, and the hospital days and premedication of
    its cycle plans as stated for this patient (adult or child). A page that cannot show these
    must not show the dose.
    """
    reg = regimen(regimen_id)
    notes = list(reg.safety)
    watch = monitoring_note(reg)
    if watch is not None:
        notes.append(watch)
    withdrawn = reg.withdrawn("label")
    if withdrawn is not None:
        notes.insert(
            0,
            Note(
                text=f"Withdrawn since {withdrawn.when()}: {withdrawn.note or 'US approval withdrawn.'}",
                cite=withdrawn.cite,
            ),
        )
    stays = []
    premeds: dict[str, list[tuple[int, int | None, tuple[int, ...]]]] = {}
    values = [m.value.value(view) for m in reg.max_cycles]
    most = None if None in values or not values else max(values)  # the most cycles any choice allows in this view
    for plan in reg.cycles:
        first, last = plan.cycles
        if most is not None and first > most:
            continue
        if most is not None and (last is None or last > most):
            last = most
        if plan.hospital:
            stay = f"{_span(first, last)} days {plan.hospital[0]}-{plan.hospital[1]}"
            stays += [stay] if stay not in stays else []
        lines = premedication_for(plan, age_years)
        for text in dict.fromkeys(p.text for p in lines):
            entry = (first, last, tuple(sorted({p.day for p in lines if p.text == text})))
            runs = premeds.setdefault(text, [])
            if runs and runs[-1][2] == entry[2] and runs[-1][1] is not None and runs[-1][1] + 1 == first:
                runs[-1] = (runs[-1][0], last, entry[2])  # cycles 1, 2, 3-5 on day 1 -> cycles 1-5
            elif not any(a <= first and (b is None or (last is not None and last <= b)) for a, b, _ in runs):
                runs.append(entry)
    if stays:
        notes.append(Note(text="In hospital: " + "; ".join(stays) + ".", cite=reg.cite))
    if premeds:
        who = "" if age_years is None else (" (adult)" if is_adult(age_years) else " (child)")
        parts = [
            f"{text.rstrip('.')} ({'; '.join(f'{_span(a, b)} day {_days(d)}' for a, b, d in runs)})"
            for text, runs in premeds.items()
        ]
        notes.append(Note(text=f"Premedication{who}: " + ". ".join(parts) + ".", cite=reg.cite))
    return notes


def monitoring_note(reg: Regimen) -> Note | None:
    """After the infusion: the rule in force, with the earlier rule beside it, each dated."""
    if reg.monitoring is None:
        return None
    now = reg.monitoring.said("label")
    if now is None:
        return None
    text = f"After the infusion (label {now.dated()}): {now.value}"
    if now.note:
        text += f" ({now.note})"
    cites = list(now.cite)
    earlier = reg.monitoring.label[:-1]
    if earlier:  # the rule it replaced, beside it
        text += f" Until {now.when()}: {earlier[-1].value}"
        cites += [c for c in earlier[-1].cite if c not in cites]
    return Note(text=text, cite=tuple(cites))


def _span(first: int, last: int | None) -> str:
    if last is None:
        return f"every cycle from cycle {first}"
    return f"cycle {first}" if first == last else f"cycles {first}-{last}"


def _days(days: tuple[int, ...]) -> str:
    return ", ".join(map(str, days[:-1])) + (" and " if len(days) > 1 else "") + str(days[-1])


def _working(basis: str, amount: Amount, body: float, before: float, value: float, capped: bool, unit: str) -> str:
    """The sum a learner should be able to redo by hand (per m2: x BSA; per kg: x weight)."""
    if basis == "fixed":
        if amount.high is not None:
            return f"fixed dose {label_range_text(amount.value, amount.high, unit)} {unit}"
        return f"fixed dose {amount.value:g} {amount.unit}"
    if basis == "per_kg":
        each = amount_text(amount.value, unit)
        if amount.high is not None:
            each = label_range_text(amount.value, amount.high, unit)
            total = f"{amount_text(amount.value * body, unit)} to {amount_text(amount.high * body, unit)}"
        else:
            total = amount_text(before, unit)
        text = f"{each} {unit}/kg x {body:g} kg = {total} {unit}"
        if capped:
            text += f", capped at {amount_text(amount.cap.value, unit)} {unit}"  # type: ignore[union-attr]
        return text
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
    cap: float | None = None  # the cap on this dose, when the label sets one
    drug: str = ""
    text: str = ""  # the dose as a learner reads it ('58.01 mg', '7.0 x 10^7 CAR-positive viable T cells')

    @property
    def days_text(self) -> str:
        if self.first_day == self.last_day:
            return f"day {self.first_day}"
        joiner = " to " if self.first_day < 0 or self.last_day < 0 else "-"  # "days -5 to -2", "days 1-5"
        return f"days {self.first_day}{joiner}{self.last_day}"


def dose_steps(frame: pd.DataFrame) -> list[DoseStep]:
    """Group a schedule's rows into runs of consecutive days with the same dose."""
    steps: list[DoseStep] = []
    for row in frame.itertuples(index=False):
        # the run this row continues: same cycle and working, the day before (two drugs may interleave)
        i = next(
            (
                i
                for i in range(len(steps) - 1, -1, -1)
                if steps[i].cycle == row.cycle
                and steps[i].last_day == row.day - 1
                and steps[i].working == row.working
                and steps[i].drug == row.drug
            ),
            None,
        )
        if i is not None:
            steps[i] = dataclasses.replace(steps[i], last_day=row.day)
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
                None if math.isnan(row.cap) else float(row.cap),
                row.drug,
                row.dose_text,
            )
        )
    return steps
