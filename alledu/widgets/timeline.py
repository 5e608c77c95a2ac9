"""Schedule timeline: cycles on a calendar, two regimens side by side, table and downloads.

Why: a regimen is easier to grasp as weeks on a calendar - when the infusion runs, when the
treatment-free gap falls, which days are in hospital - than as a table of doses. The chart is
SVG drawn by the kernel (alledu/widgets/svg.py); the same schedule feeds the table and the exports.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import pandas as pd

from alledu.brief import Brief, brief
from alledu.bsa import formula_info
from alledu.content_loader import content
from alledu.export import handout_lines, to_csv, to_ics, to_pdf
from alledu.patient import Patient
from alledu.schedule import CycleInfo, cycles_allowed, regimen, schedule, timeline
from alledu.validate import limits
from alledu.views import STEP_COLUMNS, step_rows, timeline_bars
from alledu.widgets.common import (
    CSS,
    LABEL_STYLE,
    LessonPanel,
    brief_html,
    cite_tag,
    esc,
    fit_html,
    fold,
    notice_html,
    references_html,
    safety_html,
    table,
)
from alledu.widgets.controls import ChoiceControls, WholeEntry, entry, lesson_regimen, regimen_options
from alledu.widgets.print_css import SCREEN_ONLY, print_summary
from alledu.widgets.progress import control_values, set_controls
from alledu.widgets.svg import Lane, Span, timeline_svg


@dataclass
class Plan:
    """One regimen's schedule and timeline, as shown."""

    regimen_id: str
    cycles: int
    frame: pd.DataFrame
    infos: list[CycleInfo]
    brief: Brief
    choices: dict[str, Any]


class ScheduleTimeline(LessonPanel):
    """Lesson 03. `summary` holds plain text of what is drawn, for tests and checks."""

    def __init__(self, regimen_id: str | None = None, compare_with: str | None = "default") -> None:
        d = content().lessons.defaults
        lim = limits()
        regimen_id = lesson_regimen(regimen_id)
        if compare_with != "default":
            compare_with = lesson_regimen(compare_with, "compare_with")
        self.regimen_a = W.Dropdown(
            options=regimen_options(),
            value=regimen_id or d.regimen,
            description="Regimen",
            style=LABEL_STYLE,
            layout=W.Layout(width="480px"),
        )
        self.choices_a = ChoiceControls()
        self.regimen_b = W.Dropdown(
            options=[("(none)", None), *regimen_options()],
            value=d.compare_with if compare_with == "default" else compare_with,
            description="Compare with",
            style=LABEL_STYLE,
            layout=W.Layout(width="480px"),
        )
        self.choices_b = ChoiceControls()
        self.start = W.DatePicker(value=d.start, description="Start date (cycle 1 day 1)", style=LABEL_STYLE)
        shown = lim["display_cycles"]
        self.cycles = WholeEntry("cycles", "Cycles", 2, int(shown.min), int(shown.max), "cycles")
        self.height = entry("height_cm", d.patient["height_cm"], 0.5)
        self.weight = entry("weight_kg", d.patient["weight_kg"], 0.1)
        self.age = entry("age_years", d.patient["age_years"], 0.5)
        self.message = W.HTML()
        self.notes = W.HTML()
        self.plot = W.HTML(layout=W.Layout(width="100%"))
        self.lanes: list[Lane] = []
        self.plot.add_class("alledu-wide")  # on a phone: scrolls sideways in its own box (widgets/style.py)
        self.table = W.HTML()
        self.downloads = W.HTML()
        # files are built when asked for, not on every change: a class of 60 redrawing a timeline
        # must not build 60 CSVs, calendars and printable pages per keystroke
        self.prepare = W.Button(
            description="Prepare downloads",
            tooltip="Build CSV, calendar and printable page",
            layout=W.Layout(width="auto"),  # ipywidgets' 148 px cut the label to "Prepare do..."
        )
        self.prepare.on_click(self.guard(lambda _: self.build_downloads()))
        self.about = W.HTML()
        super().__init__(
            [
                W.HBox([W.VBox([self.regimen_a, self.choices_a]), W.VBox([self.regimen_b, self.choices_b])]),
                W.HBox([self.start, self.cycles]),
                self.height,
                self.weight,
                self.age,
                self.message,
                self.notes,
                self.plot,
                W.HBox([self.prepare, self.downloads]),
                self.table,
                self.about,
            ]
        )
        self.plans: list[Plan] = []
        self.choices_a.show(self.regimen_a.value)
        if self.regimen_b.value:
            self.choices_b.show(self.regimen_b.value)
        self.regimen_a.observe(self.guard(lambda _: self._regimen_changed(self.regimen_a, self.choices_a)), "value")
        self.regimen_b.observe(self.guard(lambda _: self._regimen_changed(self.regimen_b, self.choices_b)), "value")
        for w in (self.start, self.cycles):
            w.observe(self.guard(self.update), "value")
        for w in (self.choices_a, self.choices_b):
            w.observe(self.guard(self.update), "values")
        for w in (self.height, self.weight, self.age):
            w.observe(self.guard(self.update), "edits")
        self.guard(self.update)()
        print_summary(self)  # the result as text on paper (print_css.py)

    def _regimen_changed(self, dropdown: W.Dropdown, controls: ChoiceControls) -> None:
        if dropdown.value:
            if controls.show(dropdown.value):
                return  # the choice observers already redrew
        else:
            controls.children = []
            if controls.values:
                controls.values = {}
                return
        self.update()

    # the learner's controls, in the order they are put back (a regimen before its choices)
    REMEMBERED = ("regimen_a", "choices_a", "regimen_b", "choices_b", "start", "cycles", "height", "weight", "age")

    def progress_state(self) -> dict[str, Any]:
        return control_values(self, self.REMEMBERED)

    def restore_progress(self, kept: dict[str, Any]) -> None:
        set_controls(self, kept, self.REMEMBERED)

    def clear_results(self) -> None:
        self.table.value = self.downloads.value = self.notes.value = self.about.value = ""
        self.plot.value = ""
        self.lanes = []

    # -- model ----------------------------------------------------------------------------
    def _plan(self, regimen_id: str, choices: dict[str, Any], patient: Patient) -> Plan:
        cycles = min(self.asked, cycles_allowed(regimen_id, **choices))
        frame = schedule(regimen_id, patient, cycles=cycles, start=self.start.value, **choices)
        infos = timeline(regimen_id, cycles, self.start.value, "label", patient.age_years, **choices)
        return Plan(regimen_id, cycles, frame, infos, brief(regimen_id, patient.age_years), dict(choices))

    def patient(self) -> Patient:
        return Patient(age_years=self.age.read(), height_cm=self.height.read(), weight_kg=self.weight.read())

    def update(self, *_: Any) -> None:
        patient = self.patient()
        self.asked = self.cycles.read()
        self.plans = [self._plan(self.regimen_a.value, self.choices_a.values, patient)]
        if self.regimen_b.value:
            self.plans.append(self._plan(self.regimen_b.value, self.choices_b.values, patient))
        notes, lines, cites, safety_lines = [], [], [], []
        for plan in self.plans:
            reg = regimen(plan.regimen_id)
            cites += [c for c in plan.brief.citations if c not in cites]
            notes.append(f"<h3>{esc(reg.title)}</h3>" + fit_html(plan.brief.fit) + safety_html(plan.brief.safety))
            if plan.cycles < self.asked:
                notes.append(
                    f'<div class="alledu-warn">{esc(reg.short_title)}: showing {plan.cycles} of the '
                    f"{self.asked} cycles asked for - more need a choice above or go beyond what the "
                    "source allows.</div>"
                )
            safety_lines += [f"{plan.regimen_id} safety: {t}" for t in plan.brief.safety_texts()]
            safety_lines += [f"{plan.regimen_id} whom for: {t}" for t in plan.brief.fit]
            free = sum(i.treatment_free[1] - i.treatment_free[0] + 1 for i in plan.infos if i.treatment_free)
            hosp = int(plan.frame.hospital.sum())
            premed = int((plan.frame.premedication != "").sum())
            first, last = self._span(plan)
            lines.append(
                f"{plan.regimen_id}: {plan.cycles} cycle(s), {len(plan.frame)} administration days, "
                f"{free} treatment-free days, {hosp} hospital days, {premed} premedication days, {first} to {last}"
            )
        self.notes.value = "".join(notes)
        self.about.value = fold(
            "About the regimens shown", "".join(brief_html(p.brief, heading="h4") for p in self.plans)
        )
        self._draw()
        self.citations = cites
        self.table.value = "".join(self._table_html(p) for p in self.plans)
        self.downloads.value = f"<p class='{SCREEN_ONLY}'>Files for what is shown: press <b>Prepare downloads</b>.</p>"
        self.summary = "\n".join(lines + safety_lines)

    def _span(self, plan: Plan) -> tuple[str, str]:
        if "date" in plan.frame:
            return str(plan.frame.date.min()), str(plan.frame.date.max())
        return f"day {plan.infos[0].start_day}", f"day {plan.infos[-1].start_day + int(plan.frame.day.iloc[-1]) - 1}"

    # -- drawing --------------------------------------------------------------------------
    def _draw(self) -> None:
        """The timeline as server-drawn SVG: one lane per kind of day, per regimen."""
        lanes: list[Lane] = []
        last = 1
        for plan in self.plans:
            reg = regimen(plan.regimen_id)
            short = reg.drug_name if len(self.plans) == 1 else reg.short_title
            by_kind: dict[str, list[Span]] = {}
            for bar in timeline_bars(plan.infos, plan.frame):
                by_kind.setdefault(bar.kind, []).append(Span(bar.course_day, bar.length, bar.text))
                last = max(last, bar.course_day + bar.length - 1)
            end = plan.infos[-1]
            last = max(last, end.start_day + (end.length_days or max(end.dose_days)) - 1)
            styles = {
                "doses": "infusion" if plan.infos[0].continuous else "dose",
                "treatment-free": "free",
                "hospital": "hospital",
                "premedication": "premed",
            }
            for kind, style in styles.items():
                if by_kind.get(kind):
                    lanes.append(Lane(f"{short}: {kind}", style, tuple(by_kind[kind])))
        self.lanes = lanes
        title = "Timeline - point at or tap a bar for the day's dose and working"
        self.plot.value = timeline_svg(lanes, last, self.start.value, title)

    # -- table and exports ----------------------------------------------------------------
    def _table_html(self, plan: Plan) -> str:
        reg = regimen(plan.regimen_id)
        return (
            f"<h4>{esc(reg.title)} {cite_tag(reg.cite)}</h4>"
            + fit_html(plan.brief.fit)
            + safety_html(plan.brief.safety)
            + table(list(STEP_COLUMNS), step_rows(plan.frame))
            + "<details><summary>Every administration day</summary>"
            + _day_table(plan.frame)
            + "</details>"
        )

    def build_downloads(self) -> None:
        """Build the files for the schedule on screen (CSV, calendar, printable page)."""
        self.downloads.value = self._downloads_html()

    def _downloads_html(self) -> str:
        links = []
        for plan in self.plans:
            rid, name = plan.regimen_id, regimen(plan.regimen_id).short_title
            csv = to_csv(plan.frame, rid, self.age.read(), self._context(plan)).encode()
            links.append(_link(f"{rid}.csv", "text/csv", csv, f"CSV ({name})"))
            if "date" in plan.frame:
                ics = to_ics(plan.frame, rid, self.age.read())
                links.append(_link(f"{rid}.ics", "text/calendar", ics, f"Calendar .ics ({name})"))
            pdf = to_pdf(plan.frame, rid, self.age.read(), self._context(plan), plan.brief.fit)
            links.append(_link(f"{rid}.pdf", "application/pdf", pdf, f"PDF handout ({name})"))
        page = self.printable_html().encode()
        links.append(_link("alledu-schedule.html", "text/html", page, "Printable page"))
        return "<p><b>Download:</b> " + " · ".join(links) + "</p>"

    def _context(self, plan: Plan) -> dict[str, str]:
        """Who and what the schedule was built for, printed on every handout."""
        p = self.patient()
        bsa = plan.frame.bsa_m2.dropna()
        reg = regimen(plan.regimen_id)
        chosen = [
            f"{reg.choice(k).label}: {reg.choice(k).options[v]}" for k, v in plan.choices.items() if reg.choice(k)
        ]
        return {
            "Patient": f"age {p.age_years:g} years, height {p.height_cm:g} cm, weight {p.weight_kg:g} kg",
            "BSA": f"{bsa.iloc[0]:.4f} m2 ({formula_info(content().bsa.default).label}, unrounded)"
            if len(bsa)
            else "not used (fixed doses)",
            "Start": str(self.start.value or "no date chosen"),
            "Cycles shown": str(plan.cycles),
            "Choices": "; ".join(chosen) or "none",
            "Follows": "the US label in force as checked " + content().meta.content_checked.isoformat(),
        }

    def printable_html(self) -> str:
        """A standalone page to print: notice, patient, choices, safety, tables, references; no scripts."""
        body = self.table.value or "".join(self._table_html(p) for p in self.plans)
        context = "".join(
            f"<h3>{esc(regimen(p.regimen_id).title)}</h3><ul>"
            + "".join(
                f"<li>{esc(line)}</li>" for line in handout_lines(p.regimen_id, self.age.read(), self._context(p))
            )
            + "</ul>"
            for p in self.plans
        )
        return (
            f"<!doctype html><html><head><meta charset='utf-8'><title>alledu schedule</title>{CSS}</head>"
            f"<body class='alledu-page'><h1>{esc(content().meta.title)}</h1>{notice_html()}{context}{body}"
            f"<h2>References</h2>{references_html(self.citations)}</body></html>"
        )


def _link(filename: str, mime: str, data: bytes, label: str) -> str:
    b64 = base64.b64encode(data).decode()
    return f'<a download="{esc(filename)}" href="data:{mime};base64,{b64}">{esc(label)}</a>'


DAY_COLUMNS = {
    "cycle": "Cycle",
    "day": "Day",
    "date": "Date",
    "dose": "Dose",
    "unit": "Unit",
    "hospital": "In hospital",
    "premedication": "Premedication",
    "working": "Working",
}


def _day_table(frame: pd.DataFrame) -> str:
    """Every administration day, in the learner's columns (not the schedule's 22 data columns)."""
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for col in DAY_COLUMNS:
            if col not in frame.columns:
                continue
            value = getattr(row, col)
            if col == "dose":
                value = f"{value:.2f}"
            elif col == "hospital":
                value = "yes" if value else ""
            cells.append(value)
        rows.append(cells)
    heads = [label for col, label in DAY_COLUMNS.items() if col in frame.columns]
    return f"<div class='alledu-scroll'>{table(heads, rows)}</div>"
