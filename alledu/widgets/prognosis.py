"""Prognosis factor explorer: set a patient's factors, see which published ones apply.

Why: learners should link each favourable or adverse factor to the cohort figure it comes
with, and see the difference between trial figures and a model curve.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from alledu.content_loader import content
from alledu.patient import Patient
from alledu.prognosis import cure_model, first_relapse, second_salvage
from alledu.widgets.common import CSS, LABEL_STYLE, MARK, LessonPanel, cite_tag, esc, table
from alledu.widgets.controls import entry
from alledu.widgets.print_css import print_summary
from alledu.widgets.progress import control_values, set_controls
from alledu.widgets.radio import RadioGroup
from alledu.widgets.svg import curve_svg

# Each survival factor's three states: the paper gives no cut-offs, so the learner decides, and
# "not marked" stays distinct from "not adverse" (an unmarked factor is unknown, not absent).
ADVERSE, NOT_ADVERSE, NOT_MARKED = "adverse", "not_adverse", "not_marked"
# the starting state first: one arrow key (Down or Right) from it marks "Adverse", two "Not adverse"
MARKS = [("Not marked", NOT_MARKED), ("Adverse", ADVERSE), ("Not adverse", NOT_ADVERSE)]
MARK_WORDS = {ADVERSE: "adverse", NOT_ADVERSE: "not adverse", NOT_MARKED: "not marked"}
# one row per factor: its name, then the three options side by side (they wrap on a phone)
FACTOR_CSS = """<style>
.alledu-factor .widget-radio-box { flex-direction: row; flex-wrap: wrap; gap: 0 16px; }
.alledu-factor .alledu-radio-title { min-width: 17em; }
</style>"""


class FactorExplorer(LessonPanel):
    """Lesson 01. `summary` is plain text of the factors and figures shown."""

    def __init__(self) -> None:
        ev = content().evidence
        body = content().lessons.defaults.patient
        self._body = body
        factors = content().lessons.defaults.factors
        start, top = factors["start"], factors["slider_max"]
        self.cr1 = entry("cr1_duration_months", start["cr1_duration_months"], 1, top["cr1_duration_months"])
        self.platelets = entry("platelets_1e9_per_l", start["platelets_1e9_per_l"], 1, top["platelets_1e9_per_l"])
        self.transplant = W.ToggleButtons(
            options=[("Yes", True), ("No", False), ("Not known", None)],
            value=None,
            description="Transplant in CR2?",
            style=LABEL_STYLE,
        )
        self.marks = {f.id: self._factor_marks(f.label) for f in ev.second_salvage.survival_factors}
        self.message = W.HTML()
        self.first = W.HTML()
        self.second = W.HTML()
        self.figure = self._curve_figure()
        general = "".join(f"<li>{esc(t)}</li>" for t in ev.general.statements)
        super().__init__(
            [
                W.HTML(
                    f"{CSS}<h3>What the review says about relapse</h3><ul>{general}</ul>{cite_tag(ev.general.cite)}"
                    f"<p><b>{esc(ev.goal.text)}</b> {cite_tag(ev.goal.cite)}</p><h3>Set the patient's factors</h3>"
                ),
                self.cr1,
                self.platelets,
                self.transplant,
                self.message,
                W.HTML(f"<h3>{esc(ev.first_relapse.trial)}</h3>"),
                self.first,
                W.HTML(
                    f"{FACTOR_CSS}<h3>{esc(ev.second_salvage.trial)}</h3>"
                    f"<p>{esc(ev.second_salvage.survival_factors_note)} Mark each factor adverse or not adverse"
                    " for this patient; a factor left not marked is unknown, not absent:</p>"
                ),
                W.VBox(list(self.marks.values())),
                self.second,
                W.HTML("<h3>An illustrative curve</h3>"),
                self.figure,
            ]
        )
        for w in (self.cr1, self.platelets):
            w.observe(self.guard(self.update), "edits")
        for w in (self.transplant, *self.marks.values()):
            w.observe(self.guard(self.update), "value")
        self.guard(self.update)()
        print_summary(self)  # the result as text on paper (print_css.py)

    REMEMBERED = ("cr1", "platelets", "transplant")  # kept in the browser (progress.py), with the marks

    def progress_state(self) -> dict[str, Any]:
        return {**control_values(self, self.REMEMBERED), "marks": {k: w.value for k, w in self.marks.items()}}

    def restore_progress(self, kept: dict[str, Any]) -> None:
        set_controls(self, kept, self.REMEMBERED)
        for factor, mark in dict(kept.get("marks") or {}).items():
            if factor in self.marks:  # a factor the content no longer has is skipped
                self.marks[factor].value = mark

    def clear_results(self) -> None:
        self.first.value = self.second.value = ""

    def update(self, *_: Any) -> None:
        patient = Patient(**self._body, cr1_duration_months=self.cr1.read(), platelets_1e9_per_l=self.platelets.read())
        fr = first_relapse(patient, transplant_in_cr2=self.transplant.value)
        rows = [[f"{MARK[f.present]} {esc(f.label)}", esc(f.p_value or ""), esc(f.detail)] for f in fr.factors]
        figs = "".join(f"<li>{esc(a.label)}: <b>{a.value:g}{_unit(a.unit)}</b></li>" for a in fr.figures.values())
        cohort = content().evidence.first_relapse
        self.first.value = (
            f"<ul>{figs}</ul>{cite_tag(fr.cite)}"
            f'<div class="alledu-warn" role="note">{esc(cohort.cohort_note)}</div>'
            + table(["Favourable factor", "P value", "This patient"], rows, raw=True)
            + f"<p>{esc(fr.summary)}</p><p>Did not change the outcome: {esc(', '.join(fr.no_influence))}.</p>"
            f"<p>{esc(cohort.best_subset)}</p>"
        )
        ss = second_salvage(
            patient,
            adverse=[k for k, group in self.marks.items() if group.value == ADVERSE],
            not_adverse=[k for k, group in self.marks.items() if group.value == NOT_ADVERSE],
        )
        decided = ss.survival_12m_percent is not None
        css = "alledu-warn" if ss.low_cr_group else "alledu-ok"
        figs2 = "".join(f"<li>{esc(a.label)}: <b>{a.value:g}{_unit(a.unit)}</b></li>" for a in ss.figures.values())
        self.second.value = (
            f'<div class="{css}">{"⚠ " if ss.low_cr_group else ""}{esc(ss.low_cr_text)}</div>'
            f'<div class="{"alledu-ok" if decided else "alledu-warn"}">{"" if decided else "? "}'
            f"{esc(ss.survival_text)}</div><ul>{figs2}</ul>{cite_tag(ss.cite)}"
        )
        self.citations = list(dict.fromkeys([*fr.cite, *ss.cite, *content().evidence.model.cite]))
        self.summary = "\n".join(
            [f"{f.label}: {({True: 'yes', False: 'no', None: 'unknown'})[f.present]}" for f in fr.factors]
            + [ss.low_cr_text, self._marks_line(), ss.survival_text]
        )

    @staticmethod
    def _factor_marks(label: str) -> RadioGroup:
        """One named radio group per factor (one Tab stop, arrows choose), starting at "Not marked"."""
        group = RadioGroup(options=MARKS, value=NOT_MARKED, description=label)
        group.add_class("alledu-factor")
        return group

    def _marks_line(self) -> str:
        """The learner's marks in words, so the printed page says what the figure rests on."""
        labels = {f.id: f.label for f in content().evidence.second_salvage.survival_factors}
        return "Survival factors: " + "; ".join(f"{labels[k]}: {MARK_WORDS[g.value]}" for k, g in self.marks.items())

    @staticmethod
    def _curve_figure() -> W.HTML:
        """The model curve and the published points, drawn as SVG (see alledu/widgets/svg.py)."""
        model = cure_model()
        m = content().evidence.model
        svg = curve_svg(
            model.curve(72, 0.5),
            [(p.months, p.survival, p.label) for p in m.points],
            f"Illustrative model, not trial data - cure fraction {model.cure_fraction:.1%}",
            m.x_axis,
            m.axis,
            "Model (illustrative, not trial data)",
        )
        return W.HTML(f"<p>{esc(m.label)} {cite_tag(m.cite)}</p>{svg}", layout=W.Layout(width="100%"))


def _unit(unit: str) -> str:
    if not unit:
        return ""
    return unit if unit == "%" else f" {unit}"
