"""Dose calculator: height, weight, age -> five BSAs -> the working of every dose step.

Why: learners should see each step of a dose (basis x BSA = dose, then cap, then rounding)
and watch blinatumomab switch from BSA-based to fixed dosing as the weight crosses 45 kg.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import traitlets as T

from alledu.brief import brief
from alledu.bsa import CM_PER_INCH, KG_PER_POUND, all_formulas, formula_ids, formula_info, inches_to_cm, pounds_to_kg
from alledu.content_loader import content
from alledu.patient import Patient
from alledu.rounding import policies, policy_text
from alledu.schedule import cycles_allowed, max_cycles, regimen, resolve_choices, schedule
from alledu.validate import limits
from alledu.views import dose_rows
from alledu.widgets.common import LABEL_STYLE, LessonPanel, brief_html, cite_tag, esc, fold, table
from alledu.widgets.controls import WIDE_DROPDOWN, ChoiceControls, NumberEntry, entry, lesson_regimen, regimen_options
from alledu.widgets.print_css import print_summary
from alledu.widgets.progress import control_values, set_controls


def _kept(metric: float | None, per_unit: float, box: NumberEntry) -> float | None:
    """The value to show after a unit change; None keeps an unreadable entry's text as typed."""
    return None if metric is None else round(metric / per_unit, 2)


class DoseCalculator(LessonPanel):
    """The lesson 02 calculator. `summary` holds the plain-text result for tests and checks."""

    bsa_m2 = T.Float(allow_none=True)

    def __init__(self, regimen_id: str | None = None, **patient: float) -> None:
        defaults = content().lessons.defaults
        regimen_id = lesson_regimen(regimen_id)
        start = {**defaults.patient, **patient}
        self.units = W.ToggleButtons(options=["Metric", "Imperial"], description="Units", style=LABEL_STYLE)
        self.height = entry("height_cm", start["height_cm"], 0.5)
        self.weight = entry("weight_kg", start["weight_kg"], 0.1)
        self.age = entry("age_years", start["age_years"], 0.5)
        self.formula = W.Dropdown(
            options=[(formula_info(f).label, f) for f in formula_ids()],
            value=content().bsa.default,
            description="BSA formula",
            style=LABEL_STYLE,
        )
        self.regimen = W.Dropdown(
            options=regimen_options(),
            value=regimen_id or defaults.regimen,
            description="Regimen",
            style=LABEL_STYLE,
            layout=WIDE_DROPDOWN,
        )
        self.choices = ChoiceControls()
        self.rounding = W.Dropdown(
            options=self._rounding_options(content().regimens[regimen_id or defaults.regimen].dose_unit),
            value=content().rounding.default,
            description="Round the shown dose",
            style=LABEL_STYLE,
            layout=WIDE_DROPDOWN,  # the default width cut "Exact (no rounding)" to "Exact (no roundin"
        )
        self.message = W.HTML()
        self.about = W.HTML()
        self.size_rule = W.HTML()
        self.bsa_table = W.HTML()
        self.working = W.HTML()
        self.rounding_note = W.HTML()
        super().__init__(
            [
                W.HTML("<h3>Patient</h3>"),
                self.units,
                self.height,
                self.weight,
                self.age,
                W.HTML("<h3>Regimen and formula</h3>"),
                self.regimen,
                self.choices,
                self.formula,
                self.rounding,
                self.message,
                W.HTML("<h3>Body surface area, five formulas</h3>"),
                self.bsa_table,
                W.HTML("<h3>Working</h3>"),
                self.size_rule,
                self.working,
                self.rounding_note,
                self.about,
            ]
        )
        self.choices.show(self.regimen.value)
        self.units.observe(self.guard(self._units_changed), "value")
        self.regimen.observe(self.guard(self._regimen_changed), "value")
        for w, name in ((self.height, "edits"), (self.weight, "edits"), (self.age, "edits")):
            w.observe(self.guard(self.update), name)
        for w in (self.formula, self.rounding):
            w.observe(self.guard(self.update), "value")
        self.choices.observe(self.guard(self.update), "values")
        self.guard(self.update)()
        print_summary(self)  # the result as text on paper (print_css.py)

    # -- state ---------------------------------------------------------------------------
    @property
    def imperial(self) -> bool:
        return self.units.value == "Imperial"

    def height_cm(self) -> float:
        v = self.height.read()
        return inches_to_cm(v) if self.imperial else v

    def weight_kg(self) -> float:
        v = self.weight.read()
        return pounds_to_kg(v) if self.imperial else v

    def set_patient(self, *, height_cm: float | None = None, weight_kg: float | None = None) -> None:
        """Set values in metric whatever the unit shown (for tests and scenario links)."""
        if height_cm is not None:
            self.height.set(round(height_cm / CM_PER_INCH if self.imperial else height_cm, 4))
        if weight_kg is not None:
            self.weight.set(round(weight_kg / KG_PER_POUND if self.imperial else weight_kg, 4))

    def _units_changed(self, change: dict[str, Any]) -> None:
        lim = limits()
        was_imperial = change["old"] == "Imperial"
        h, w = self.height.value, self.weight.value
        h_cm = None if h is None else inches_to_cm(h) if was_imperial else h
        w_kg = None if w is None else pounds_to_kg(w) if was_imperial else w
        if self.imperial:
            lo_h, hi_h = round(lim["height_cm"].min / CM_PER_INCH, 1), round(lim["height_cm"].max / CM_PER_INCH, 1)
            lo_w, hi_w = round(lim["weight_kg"].min / KG_PER_POUND, 1), round(lim["weight_kg"].max / KG_PER_POUND, 1)
            self.height.set_range(lo_h, hi_h, _kept(h_cm, CM_PER_INCH, self.height), "in", "height_in")
            self.weight.set_range(lo_w, hi_w, _kept(w_kg, KG_PER_POUND, self.weight), "lb", "weight_lb")
        else:
            self.height.set_range(
                lim["height_cm"].min, lim["height_cm"].max, _kept(h_cm, 1, self.height), "cm", "height_cm"
            )
            self.weight.set_range(
                lim["weight_kg"].min, lim["weight_kg"].max, _kept(w_kg, 1, self.weight), "kg", "weight_kg"
            )
        self.update()

    @staticmethod
    def _rounding_options(unit: str) -> list[tuple[str, str]]:
        """Policy labels in the dose's own unit: 'Nearest 5 mcg/day', never '5 mg' on a mcg dose."""
        return [(policy_text(p.label, unit), k) for k, p in policies().items()]

    def _regimen_changed(self, *_: Any) -> None:
        unit = regimen(self.regimen.value).dose_unit
        options = self._rounding_options(unit)
        if options != list(self.rounding.options):
            chosen = self.rounding.value
            self._relabelling = True  # the same policy, relabelled: no recomputation in between
            try:
                self.rounding.options = options
                self.rounding.value = chosen
            finally:
                self._relabelling = False
        if not self.choices.show(self.regimen.value):
            self.update()

    # the learner's controls, in the order they are put back (a regimen before its choices)
    REMEMBERED = ("units", "height", "weight", "age", "formula", "regimen", "choices", "rounding")

    def progress_state(self) -> dict[str, Any]:
        return control_values(self, self.REMEMBERED)

    def restore_progress(self, kept: dict[str, Any]) -> None:
        set_controls(self, kept, self.REMEMBERED)

    def clear_results(self) -> None:
        self.bsa_table.value = self.working.value = self.size_rule.value = self.rounding_note.value = ""
        self.about.value = ""
        self.bsa_m2 = None

    # -- computation ---------------------------------------------------------------------
    def update(self, *_: Any) -> None:
        if getattr(self, "_relabelling", False):
            return
        height, weight = self.height_cm(), self.weight_kg()
        patient = Patient(age_years=self.age.read(), height_cm=height, weight_kg=weight)
        reg = regimen(self.regimen.value)
        choices = self.choices.values
        cycles = min(2, cycles_allowed(reg.id, **choices))
        frame = schedule(reg.id, patient, cycles=cycles, bsa_formula=self.formula.value, **choices)
        values = all_formulas(height_cm=height, weight_kg=weight)
        chosen = list(values).index(self.formula.value)
        rows = [
            [formula_info(f).label + (" ◀ used" if i == chosen else ""), f"{v:.4f}", cite_tag(formula_info(f).cite)]
            for i, (f, v) in enumerate(values.items())
        ]
        spread = (max(values.values()) - min(values.values())) / min(values.values()) * 100
        self.bsa_table.value = table(["Formula", "BSA (m²)", "Source"], rows, chosen, raw=True) + (
            f"<p>Height {height:.1f} cm, weight {weight:.1f} kg. The formulas differ by {spread:.1f}% here.</p>"
        )
        self.bsa_m2 = values[self.formula.value]
        lines = [f"BSA {self.bsa_m2:.4f} m2 ({formula_info(self.formula.value).label})"]
        self.size_rule.value = self._size_rule_html(reg, weight)
        out_rows = []
        rows = dose_rows(frame, reg, self.rounding.value)
        for row in rows:
            dev = "" if row.deviation_percent is None else f" ({row.deviation_percent:.1f}% from computed)"
            cap = f"<b>{esc(row.cap)}</b>" if row.capped else esc(row.cap)
            out_rows.append(
                [f"Cycle {row.cycle}", row.days, f"<b>{row.shown} {esc(row.unit)}</b>{dev}", esc(row.working), cap]
            )
            lines.append(
                f"Cycle {row.cycle} {row.days}: {row.shown} {row.unit} ({row.basis})"
                + (f" CAPPED from {row.dose_before_cap:.2f}" if row.capped else "")
            )
        info = brief(reg.id, patient.age_years)
        lines += [f"Whom this dose is for: {t}" for t in info.fit]
        lines += [f"Safety: {t}" for t in info.safety_texts()]
        self.working.value = (
            f"<p><b>{esc(reg.title)}</b> {cite_tag(reg.cite)} - {esc(reg.route)}</p>"
            + self._fit_and_safety(info)
            # the dose beside its cycle: on a phone the table scrolls sideways, and the last column
            # was never on screen together with the first
            + table(["Cycle", "Days", "Dose shown", "Basis × BSA = dose", "Cap"], out_rows, raw=True)
            + self._more_cycles(reg, choices, cycles)
        )
        self.about.value = fold("About this regimen", brief_html(info))
        policy = policies()[self.rounding.value]
        tol = content().rounding.tolerance_percent
        obese = content().rounding.obese_dosing
        worst = max(rows, key=lambda x: x.deviation_percent or 0)
        css = "alledu-ok" if worst.within_tolerance else "alledu-warn"
        self.rounding_note.value = (
            f'<div class="{css}">Rounding: {esc(policy_text(policy.explain, reg.dose_unit))} Largest change '
            f"{worst.deviation_percent or 0:.1f}% ({'within' if worst.within_tolerance else 'OUTSIDE'} the "
            f"{tol.value:g}% accepted in practice {cite_tag(tol.cite)}). BSA itself is not rounded.</div>"
            f"<p>{esc(obese.text)} {cite_tag(obese.cite)}</p>"
        )
        self.citations = list(
            dict.fromkeys(
                [*info.citations, *(c for f in formula_ids() for c in formula_info(f).cite), *tol.cite, *obese.cite]
            )
        )
        self.summary = "\n".join(lines)

    @staticmethod
    def _fit_and_safety(info: Any) -> str:
        from alledu.widgets.common import fit_html, safety_html

        return fit_html(info.fit) + safety_html(info.safety)

    @staticmethod
    def _more_cycles(reg: Any, choices: dict[str, Any], shown: int) -> str:
        """Why only this many cycles are shown: a choice is still open, or the source stops here."""
        open_choices = [c.label for c in reg.choices if c.needed_from_cycle and c.name not in choices]
        if open_choices:
            return f"<p>Later cycles: choose “{esc(open_choices[0])}” above to plan them.</p>"
        most, note = max_cycles(reg, resolve_choices(reg, choices))
        if most == 1 and shown == 1:
            return f"<p>Only cycle 1 is shown. {esc(note or '')}</p>"
        return ""

    def _size_rule_html(self, reg: Any, weight: float) -> str:
        rule = reg.size_rule
        if rule is None:
            return f"<p>{esc(reg.drug_name)} is dosed per m² of BSA at every weight.</p>"
        edge = rule.edge
        fixed = rule.big(weight)
        sign = ("≥" if fixed else "<") if rule.weight_kg_at_least else (">" if fixed else "≤")
        what = "fixed dose (BSA not used)" if fixed else "BSA-based dose, per m² with a cap"
        return (
            f'<div class="alledu-ok"><b>{"■ Fixed" if fixed else "○ BSA-based"}:</b> weight {weight:.1f} kg '
            f"{sign} {edge.value:g} {esc(edge.unit)} → {what}. {esc(rule.explain)} {cite_tag(edge.cite)}</div>"
        )
