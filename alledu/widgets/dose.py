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
from alledu.rounding import policies, policy_text, round_dose
from alledu.schedule import cycles_allowed, dose_steps, max_cycles, regimen, resolve_choices, schedule
from alledu.validate import limits
from alledu.widgets.common import LABEL_STYLE, Guarded, brief_html, cite_tag, esc, table
from alledu.widgets.controls import WIDE_DROPDOWN, ChoiceControls, NumberEntry, regimen_options
from alledu.widgets.print_css import print_summary


class DoseCalculator(W.VBox, Guarded):
    """The lesson 02 calculator. `summary` holds the plain-text result for tests and checks."""

    summary = T.Unicode("")
    bsa_m2 = T.Float(allow_none=True)
    citations = T.List(T.Unicode())

    def __init__(self, regimen_id: str | None = None, **patient: float) -> None:
        defaults = content().lessons.defaults
        start = {**defaults.patient, **patient}
        lim = limits()
        self.units = W.ToggleButtons(options=["Metric", "Imperial"], description="Units", style=LABEL_STYLE)
        self.height = NumberEntry("Height", "cm", start["height_cm"], lim["height_cm"].min, lim["height_cm"].max, 0.5)
        self.weight = NumberEntry("Weight", "kg", start["weight_kg"], lim["weight_kg"].min, lim["weight_kg"].max, 0.1)
        self.age = NumberEntry("Age", "years", start["age_years"], lim["age_years"].min, lim["age_years"].max, 0.5)
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
                W.HTML("<h3>About this regimen</h3>"),
                self.about,
            ]
        )
        self.choices.show(self.regimen.value)
        self.units.observe(self.guard(self._units_changed), "value")
        self.regimen.observe(self.guard(self._regimen_changed), "value")
        for w, name in ((self.height, "value"), (self.weight, "value"), (self.age, "value")):
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
        v = self.height.value
        return inches_to_cm(v) if self.imperial else v

    def weight_kg(self) -> float:
        v = self.weight.value
        return pounds_to_kg(v) if self.imperial else v

    def set_patient(self, *, height_cm: float | None = None, weight_kg: float | None = None) -> None:
        """Set values in metric whatever the unit shown (for tests and scenario links)."""
        if height_cm is not None:
            self.height.text.value = height_cm / CM_PER_INCH if self.imperial else height_cm
        if weight_kg is not None:
            self.weight.text.value = weight_kg / KG_PER_POUND if self.imperial else weight_kg

    def _units_changed(self, change: dict[str, Any]) -> None:
        lim = limits()
        h_cm = inches_to_cm(self.height.value) if change["old"] == "Imperial" else self.height.value
        w_kg = pounds_to_kg(self.weight.value) if change["old"] == "Imperial" else self.weight.value
        if self.imperial:
            self.height.set_range(
                lim["height_cm"].min / CM_PER_INCH,
                lim["height_cm"].max / CM_PER_INCH,
                round(h_cm / CM_PER_INCH, 2),
                "in",
            )
            self.weight.set_range(
                lim["weight_kg"].min / KG_PER_POUND,
                lim["weight_kg"].max / KG_PER_POUND,
                round(w_kg / KG_PER_POUND, 2),
                "lb",
            )
        else:
            self.height.set_range(lim["height_cm"].min, lim["height_cm"].max, round(h_cm, 2), "cm")
            self.weight.set_range(lim["weight_kg"].min, lim["weight_kg"].max, round(w_kg, 2), "kg")
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

    def on_error(self, exc: BaseException) -> None:
        self.bsa_table.value = self.working.value = self.size_rule.value = self.rounding_note.value = ""
        self.about.value = ""
        self.bsa_m2 = None
        self.summary = f"ERROR {exc}"

    # -- computation ---------------------------------------------------------------------
    def update(self, *_: Any) -> None:
        if getattr(self, "_relabelling", False):
            return
        height, weight = self.height_cm(), self.weight_kg()
        patient = Patient(age_years=self.age.value, height_cm=height, weight_kg=weight)
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
        steps = dose_steps(frame)
        rounded = [round_dose(step.dose, self.rounding.value) for step in steps]
        for step, r in zip(steps, rounded, strict=True):
            if step.capped:
                cap = f"<b>▲ CAPPED</b>: {step.dose_before_cap:.2f} → {step.dose:.2f} {esc(step.unit)}"
            elif step.cap is not None:
                cap = f"cap {step.cap:g} {esc(step.unit)} not reached"
            elif step.basis == "fixed":
                cap = "fixed dose (no BSA, no cap)"
            elif reg.off_label:
                cap = "no cap is stated"
            else:
                cap = "the label sets no cap"
            dev = "" if r.step is None else f" ({r.deviation_percent:.1f}% from computed)"
            out_rows.append(
                [
                    f"Cycle {step.cycle}",
                    step.days_text,
                    esc(step.working),
                    cap,
                    f"<b>{r.text()} {esc(step.unit)}</b>{dev}",
                ]
            )
            lines.append(
                f"Cycle {step.cycle} {step.days_text}: {r.text()} {step.unit} ({step.basis})"
                + (f" CAPPED from {step.dose_before_cap:.2f}" if step.capped else "")
            )
        info = brief(reg.id, patient.age_years)
        lines += [f"Whom this dose is for: {t}" for t in info.fit]
        lines += [f"Safety: {t}" for t in info.safety_texts()]
        self.working.value = (
            f"<p><b>{esc(reg.title)}</b> {cite_tag(reg.cite)} - {esc(reg.route)}</p>"
            + self._fit_and_safety(info)
            + table(["Cycle", "Days", "Basis × BSA = dose", "Cap", "Dose shown"], out_rows, raw=True)
            + self._more_cycles(reg, choices, cycles)
        )
        self.about.value = brief_html(info)
        policy = policies()[self.rounding.value]
        tol = content().rounding.tolerance_percent
        obese = content().rounding.obese_dosing
        worst = max(rounded, key=lambda x: x.deviation_percent)
        css = "alledu-ok" if worst.within_tolerance else "alledu-warn"
        self.rounding_note.value = (
            f'<div class="{css}">Rounding: {esc(policy_text(policy.explain, reg.dose_unit))} Largest change '
            f"{worst.deviation_percent:.1f}% ({'within' if worst.within_tolerance else 'OUTSIDE'} the "
            f"{tol.value:g}% accepted in practice {cite_tag(tol.cite)}). BSA itself is not rounded.</div>"
            f"<p>{esc(obese.text)} {cite_tag(obese.cite)}</p>"
        )
        self.citations = list(
            dict.fromkeys([*info.citations, *formula_info(self.formula.value).cite, *tol.cite, *obese.cite])
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
        edge = rule.weight_kg_at_least
        fixed = weight >= edge.value
        sign = "≥" if fixed else "<"
        what = "fixed dose (BSA not used)" if fixed else "BSA-based dose, per m² with a cap"
        return (
            f'<div class="alledu-ok"><b>{"■ Fixed" if fixed else "○ BSA-based"}:</b> weight {weight:.1f} kg '
            f"{sign} {edge.value:g} {esc(edge.unit)} → {what}. {esc(rule.explain)} {cite_tag(edge.cite)}</div>"
        )
