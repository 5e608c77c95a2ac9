"""Lesson 08: plan one CAR-T course - who fits which product, the cell dose, and the days.

Why: a CAR-T course is not a cycle of chemotherapy. The learner sees the three CD19-directed
products judged side by side, the chosen product's cell dose worked out (per kg or flat, never
per m2), and one timeline from lymphodepletion to the end of monitoring, with the rule before
2025-06-26 drawn beside today's. Every number comes from alledu.journey (the regimen files).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as W

from alledu.brief import brief
from alledu.content_loader import content
from alledu.eligibility import scope_line
from alledu.errors import InvalidInput
from alledu.journey import Journey, plan, products
from alledu.patient import Patient
from alledu.schedule import regimen
from alledu.views import STEP_COLUMNS, step_rows
from alledu.widgets.common import CSS, LABEL_STYLE, LessonPanel, brief_html, cite_tag, esc, fold, safety_html, table
from alledu.widgets.controls import entry
from alledu.widgets.print_css import print_summary
from alledu.widgets.progress import control_values, set_controls
from alledu.widgets.svg import Lane, Span, timeline_svg

VERDICT = {"eligible": "✓ Eligible", "not eligible": "✗ Not eligible", "undecided": "? Undecided"}


def _flag_options(field: str) -> list[tuple[str, Any]]:
    decl = content().patient_fields[field]
    return [(label, key) for key, label in (decl.options or {}).items()] + [("Not known", None)]


class CarTJourney(LessonPanel):
    """Lesson 08. `summary` is plain text of the verdicts, the dose and the course's days."""

    def __init__(self) -> None:
        d = content().lessons.defaults.car_t
        p = d.patient
        fields = content().patient_fields
        self.age = entry("age_years", p["age_years"], 0.5)
        self.weight = entry("weight_kg", p["weight_kg"], 0.5)
        self.height = entry("height_cm", p["height_cm"], 0.5)
        self.status = W.ToggleButtons(
            options=[(fields["disease_status"].options[k], k) for k in ("relapsed", "refractory")],  # type: ignore[index]
            value=p["disease_status"],
            description=fields["disease_status"].label,
            style=LABEL_STYLE,
        )
        self.relapses = W.Dropdown(
            options=[("None (refractory)", 0), ("First relapse", 1), ("Second relapse", 2), ("Third or later", 3)],
            value=p.get("relapse_number", 0),
            description=fields["relapse_number"].label,
            style=LABEL_STYLE,
        )
        self.cd19 = W.ToggleButtons(
            options=_flag_options("cd19_positive"),
            value=p.get("cd19_positive"),
            description=fields["cd19_positive"].label,
            style=LABEL_STYLE,
        )
        self.product = W.Dropdown(
            options=[(regimen(rid).short_title, rid) for rid in products()],
            value=products()[0],
            description="Product",
            style=LABEL_STYLE,
            layout=W.Layout(width="480px"),
        )
        self.infusion = W.DatePicker(value=d.infusion, description="Infusion (day 0)", style=LABEL_STYLE)
        self.message = W.HTML()
        self.verdicts = W.HTML()
        self.dose = W.HTML()
        self.plot = W.HTML(layout=W.Layout(width="100%"))
        self.plot.add_class("alledu-wide")  # on a phone: scrolls sideways in its own box
        self.steps = W.HTML()
        self.about = W.HTML()
        self.lanes: list[Lane] = []
        self.journey: Journey | None = None
        super().__init__(
            [
                W.HTML(f"{CSS}<h3>The patient</h3>"),
                self.age,
                self.weight,
                self.height,
                self.status,
                self.relapses,
                self.cd19,
                self.message,
                W.HTML("<h3>Which products fit? (judged by the US label in force)</h3>"),
                self.verdicts,
                W.HTML("<h3>Plan one course</h3>"),
                W.HBox([self.product, self.infusion]),
                self.dose,
                self.plot,
                self.steps,
                self.about,
            ]
        )
        for w in (self.age, self.weight, self.height):
            w.observe(self.guard(self.update), "edits")
        for w in (self.status, self.relapses, self.cd19, self.product, self.infusion):
            w.observe(self.guard(self.update), "value")
        self.guard(self.update)()
        print_summary(self)  # the result as text on paper (print_css.py)

    # kept in the browser (progress.py), in the order they are put back
    REMEMBERED = ("age", "weight", "height", "status", "relapses", "cd19", "product", "infusion")

    def progress_state(self) -> dict[str, Any]:
        return control_values(self, self.REMEMBERED)

    def restore_progress(self, kept: dict[str, Any]) -> None:
        set_controls(self, kept, self.REMEMBERED)

    def clear_results(self) -> None:
        self.verdicts.value = self.dose.value = self.plot.value = self.steps.value = self.about.value = ""
        self.lanes = []
        self.journey = None

    def patient(self) -> Patient:
        if self.status.value == "relapsed" and self.relapses.value == 0:
            raise InvalidInput("relapse_number", 0, "1 or more for relapsed disease", "choose which relapse this is")
        if self.status.value == "refractory" and self.relapses.value != 0:
            self.relapses.value = 0  # refractory disease has not relapsed: the list follows the status
        return Patient(
            age_years=self.age.read(),
            weight_kg=self.weight.read(),
            height_cm=self.height.read(),
            lineage="B",
            disease_status=self.status.value,
            relapse_number=self.relapses.value,
            cd19_positive=self.cd19.value,
        )

    def update(self, *_: Any) -> None:
        patient = self.patient()
        j = plan(self.product.value, patient, self.infusion.value)
        self.journey = j
        rows, cites = [], []
        for v in j.verdicts:
            reasons = "<ul>" + "".join(f"<li>{esc(r)}</li>" for r in v.reasons) + "</ul>"
            rows.append([esc(regimen(v.regimen_id).short_title), f"<b>{VERDICT[v.word]}</b>", reasons])
            cites += [c for c in v.citations if c not in cites]
        self.verdicts.value = f"<p class='alledu-scope'>{esc(scope_line())}</p>" + table(
            ["Product", "Verdict", "Why"], rows, raw=True, cards=True
        )
        info = brief(j.product, patient.age_years)
        reg = regimen(j.product)
        chosen = next(v for v in j.verdicts if v.regimen_id == j.product)
        if chosen.eligible:
            warn = ""
        elif chosen.eligible is None:
            needs = ", ".join(content().patient_fields[f].label for f in chosen.missing)
            warn = f"<div class='alledu-warn'>Undecided for this patient by the label: it needs {esc(needs)}.</div>"
        else:
            warn = f"<div class='alledu-warn'>Not this patient's product by the label: {esc(chosen.word)}.</div>"
        if j.frame is not None:
            dose = table(list(STEP_COLUMNS), step_rows(j.frame))
        else:
            dose = f"<div class='alledu-warn'>{esc(j.dose_note)} {cite_tag(reg.cite)}</div>"
        self.dose.value = (
            f"<p><b>{esc(reg.title)}</b> {cite_tag(reg.cite)} - {esc(reg.route)}</p>"
            + warn
            + safety_html(info.safety)
            + dose
        )
        self._draw(j)
        step_rows_html = [
            [
                esc(s.what),
                esc(s.days()),
                esc(s.dates(j.infusion)),
                esc(s.detail),
                esc(s.source or ""),
                "today's rule" if s.in_force else "earlier rule",
            ]
            for s in j.steps
        ]
        self.steps.value = table(
            ["Step", "Days", "Dates", "What happens", "Source", "In force"], step_rows_html, raw=True
        )
        self.about.value = fold("About this product", brief_html(info))
        self.citations = list(dict.fromkeys([*cites, *info.citations]))
        lines = [f"{v.regimen_id}: {v.word}" for v in j.verdicts]
        lines.append(f"Plan: {reg.short_title}, infusion {j.infusion or 'day 0'}")
        if j.frame is not None:
            lines += [f"{r.drug} day {r.day}: {r.dose_text}" for r in j.frame.itertuples()]
        else:
            lines.append(f"Dose: {j.dose_note}")
        lines += [
            f"{s.what}: {s.days()}" + (f" ({s.source}{'' if s.in_force else ', earlier rule'})" if s.source else "")
            for s in j.steps
        ]
        lines += [f"Safety: {t}" for t in info.safety_texts()]
        self.summary = "\n".join(lines)

    def _draw(self, j: Journey) -> None:
        """One lane per step, on days from the first lymphodepletion day to the end of the longest rule."""
        timed = [s for s in j.steps if s.first_day is not None and s.last_day is not None]
        if not timed:
            self.lanes = []
            self.plot.value = ""
            return
        first = min(min(s.first_day for s in timed), 0)  # type: ignore[type-var]
        last = max(s.last_day for s in timed)  # type: ignore[type-var]
        lanes: dict[str, list[Span]] = {}
        styles: dict[str, str] = {}
        for s in timed:
            label = s.what if s.in_force else f"{s.what} ({s.source}, earlier rule)"
            text = f"{s.what}, {s.days()}: {s.detail}" + (f" ({s.source})" if s.source else "")
            span = Span(s.first_day - first + 1, s.last_day - s.first_day + 1, text)  # type: ignore[operator]
            lanes.setdefault(label, []).append(span)
            styles[label] = "dose" if s.what.startswith("Lymph") else "infusion" if s.what == "Infusion" else (
                "hospital" if s.in_force else "free"
            )  # fmt: skip
        self.lanes = [Lane(label, styles[label], tuple(spans)) for label, spans in lanes.items()]
        start = j.infusion + dt.timedelta(days=first) if j.infusion else None
        title = "The course, from lymphodepletion to the end of monitoring (point at or tap a bar for details)"
        self.plot.value = timeline_svg(self.lanes, last - first + 1, start, title)
