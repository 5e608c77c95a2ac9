"""Schedule timeline: cycles on a calendar, two regimens side by side, table and downloads.

Why: a regimen is easier to grasp as weeks on a calendar - when the infusion runs, when the
treatment-free gap falls, which days are in hospital - than as a table of doses. The plot is
a plotly FigureWidget updated in place; the same schedule feeds the table and the exports.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go
import traitlets as T

from alledu.brief import Brief, brief
from alledu.bsa import formula_info
from alledu.content_loader import content
from alledu.export import handout_lines, to_csv, to_ics
from alledu.patient import Patient
from alledu.schedule import CycleInfo, cycles_allowed, dose_steps, regimen, schedule, timeline
from alledu.validate import limits
from alledu.widgets.common import (
    CSS,
    LABEL_STYLE,
    PALETTE,
    Guarded,
    brief_html,
    cite_tag,
    esc,
    fit_html,
    notice_html,
    references_html,
    safety_html,
    table,
)
from alledu.widgets.controls import ChoiceControls, NumberEntry, regimen_options
from alledu.widgets.plot import figure_widget

DAY_MS = 86_400_000
FIGURE_LAYOUT = {
    "height": 380,  # no width: the figure takes its column's width (a phone, JupyterLab's narrower cells)
    "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
    "barmode": "overlay",
    "showlegend": False,  # every row is labelled on the axis; colour is never the only cue
    "hoverlabel": {"namelength": -1},
}


@dataclass
class Plan:
    """One regimen's schedule and timeline, as shown."""

    regimen_id: str
    cycles: int
    frame: pd.DataFrame
    infos: list[CycleInfo]
    brief: Brief
    choices: dict[str, Any]


def runs(days: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs: [1,2,3,8] -> [(1,3),(8,8)]."""
    out: list[tuple[int, int]] = []
    for d in sorted(days):
        if out and out[-1][1] == d - 1:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


class ScheduleTimeline(W.VBox, Guarded):
    """Lesson 03. `summary` holds plain text of what is drawn, for tests and checks."""

    summary = T.Unicode("")
    citations = T.List(T.Unicode())

    def __init__(self, regimen_id: str | None = None, compare_with: str | None = "default") -> None:
        d = content().lessons.defaults
        lim = limits()
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
        self.cycles = W.BoundedIntText(
            value=2, min=1, max=int(lim["display_cycles"].max), description="Cycles", style=LABEL_STYLE
        )
        self.height = NumberEntry("Height", "cm", d.patient["height_cm"], lim["height_cm"].min, lim["height_cm"].max)
        self.weight = NumberEntry("Weight", "kg", d.patient["weight_kg"], lim["weight_kg"].min, lim["weight_kg"].max)
        self.age = NumberEntry("Age", "years", d.patient["age_years"], lim["age_years"].min, lim["age_years"].max, 0.5)
        self.message = W.HTML()
        self.notes = W.HTML()
        # The figure is created on the first draw, with its traces: plotly's FigureWidget sends
        # later edits as one-off messages, which a page opened afterwards (Voila's preheated
        # kernels) never receives, so the first state must already be complete.
        self.figure: go.FigureWidget | None = None
        self.plot = W.Box(layout=W.Layout(width="100%"))
        self.plot.add_class("alledu-wide")  # on a phone: scrolls sideways in its own box (widgets/style.py)
        self.table = W.HTML()
        self.downloads = W.HTML()
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
                self.downloads,
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
            w.observe(self.guard(self.update), "value")
        self.guard(self.update)()

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

    def on_error(self, exc: BaseException) -> None:
        self.table.value = self.downloads.value = self.notes.value = self.about.value = ""
        if self.figure is not None:
            self.figure.data = ()
        self.summary = f"ERROR {exc}"

    # -- model ----------------------------------------------------------------------------
    def _plan(self, regimen_id: str, choices: dict[str, Any], patient: Patient) -> Plan:
        cycles = min(self.cycles.value, cycles_allowed(regimen_id, **choices))
        frame = schedule(regimen_id, patient, cycles=cycles, start=self.start.value, **choices)
        infos = timeline(regimen_id, cycles, self.start.value, "label", patient.age_years, **choices)
        return Plan(regimen_id, cycles, frame, infos, brief(regimen_id, patient.age_years), dict(choices))

    def patient(self) -> Patient:
        return Patient(age_years=self.age.value, height_cm=self.height.value, weight_kg=self.weight.value)

    def update(self, *_: Any) -> None:
        patient = self.patient()
        self.plans = [self._plan(self.regimen_a.value, self.choices_a.values, patient)]
        if self.regimen_b.value:
            self.plans.append(self._plan(self.regimen_b.value, self.choices_b.values, patient))
        notes, lines, cites, safety_lines = [], [], [], []
        for plan in self.plans:
            reg = regimen(plan.regimen_id)
            cites += [c for c in plan.brief.citations if c not in cites]
            notes.append(f"<h4>{esc(reg.title)}</h4>" + fit_html(plan.brief.fit) + safety_html(plan.brief.safety))
            if plan.cycles < self.cycles.value:
                notes.append(
                    f'<div class="alledu-warn">{esc(reg.short_title)}: showing {plan.cycles} of the '
                    f"{self.cycles.value} cycles asked for - more need a choice above or go beyond what the "
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
        self.about.value = "<h3>About the regimens shown</h3>" + "".join(
            brief_html(p.brief, heading="h4") for p in self.plans
        )
        self._draw()
        self.citations = cites
        self.table.value = "".join(self._table_html(p) for p in self.plans)
        self.downloads.value = self._downloads_html()
        self.summary = "\n".join(lines + safety_lines)

    def _span(self, plan: Plan) -> tuple[str, str]:
        if "date" in plan.frame:
            return str(plan.frame.date.min()), str(plan.frame.date.max())
        return f"day {plan.infos[0].start_day}", f"day {plan.infos[-1].start_day + int(plan.frame.day.iloc[-1]) - 1}"

    # -- drawing --------------------------------------------------------------------------
    def _x(self, info: CycleInfo, day: int) -> Any:
        """Position of a cycle day: a date when a start date is set, else the course day."""
        offset = info.start_day - 1 + day - 1
        if self.start.value:
            return (self.start.value + dt.timedelta(days=offset)).isoformat()
        return offset + 1

    def _width(self, days: int) -> int:
        return days * DAY_MS if self.start.value else days

    def _draw(self) -> None:
        traces = []
        for plan in self.plans:
            reg = regimen(plan.regimen_id)
            short = reg.drug_name if len(self.plans) == 1 else reg.short_title
            steps = {(s.cycle, d): s for s in dose_steps(plan.frame) for d in range(s.first_day, s.last_day + 1)}
            rows = {k: f"{short}: {k}" for k in ("doses", "treatment-free", "hospital", "premedication")}
            bars: dict[str, dict[str, list]] = {k: {"base": [], "x": [], "text": []} for k in rows}
            premed = {"x": [], "text": []}
            for info in plan.infos:
                for a, b in runs(list(info.dose_days)):
                    s = steps[(info.cycle, a)]
                    kind = "continuous infusion" if info.continuous else "dose"
                    bars["doses"]["base"].append(self._x(info, a))
                    bars["doses"]["x"].append(self._width(b - a + 1))
                    bars["doses"]["text"].append(
                        f"Cycle {info.cycle} days {a}-{b} ({kind})<br>{s.dose:.2f} {s.unit}: {s.working}"
                        if a != b
                        else f"Cycle {info.cycle} day {a}<br>{s.dose:.2f} {s.unit}: {s.working}"
                    )
                for key, span, label in (
                    ("treatment-free", info.treatment_free, "treatment-free"),
                    ("hospital", info.hospital, "in hospital"),
                ):
                    if span:
                        bars[key]["base"].append(self._x(info, span[0]))
                        bars[key]["x"].append(self._width(span[1] - span[0] + 1))
                        bars[key]["text"].append(f"Cycle {info.cycle} days {span[0]}-{span[1]}: {label}")
                for line in info.premedication:
                    premed["x"].append(self._x(info, line.day))
                    premed["text"].append(f"Cycle {info.cycle} day {line.day}: {line.text}")
            styles = {
                "doses": (PALETTE["infusion"] if plan.infos[0].continuous else PALETTE["dose"], ""),
                "treatment-free": (PALETTE["free"], "/"),
                "hospital": (PALETTE["hospital"], "x"),
            }
            for key, (colour, pattern) in styles.items():
                if bars[key]["x"]:
                    traces.append(
                        go.Bar(
                            orientation="h",
                            base=bars[key]["base"],
                            x=bars[key]["x"],
                            y=[rows[key]] * len(bars[key]["x"]),
                            name=rows[key],
                            hovertext=bars[key]["text"],
                            hoverinfo="text",
                            marker={"color": colour, "pattern": {"shape": pattern}},
                        )
                    )
            if premed["x"]:
                traces.append(
                    go.Scatter(
                        x=premed["x"],
                        y=[rows["premedication"]] * len(premed["x"]),
                        mode="markers",
                        name=rows["premedication"],
                        hovertext=premed["text"],
                        hoverinfo="text",
                        marker={"symbol": "triangle-down", "size": 12, "color": PALETTE["premed"]},
                    )
                )
        dated = self.start.value is not None
        layout = {
            "xaxis": {"type": "date" if dated else "linear", "title": {"text": "Date" if dated else "Day of course"}},
            "yaxis": {"autorange": "reversed"},
            "title": {"text": "Timeline - hover a bar for the day's dose and working", "font": {"size": 14}},
        }
        if self.figure is None:
            self.figure = figure_widget(data=traces, layout={**FIGURE_LAYOUT, **layout})
            self.plot.children = [self.figure]
            return
        with self.figure.batch_update():
            self.figure.update_layout(**layout)
        self.figure.data = ()
        self.figure.add_traces(traces)

    # -- table and exports ----------------------------------------------------------------
    def _table_html(self, plan: Plan) -> str:
        reg = regimen(plan.regimen_id)
        rows = []
        for s in dose_steps(plan.frame):
            frame = plan.frame[(plan.frame.cycle == s.cycle) & plan.frame.day.between(s.first_day, s.last_day)]
            dates = f"{frame.date.iloc[0]} to {frame.date.iloc[-1]}" if "date" in frame else ""
            stay = runs(frame[frame.hospital].day.tolist())
            hosp = ", ".join(f"day {a}" if a == b else f"days {a}-{b}" for a, b in stay)
            rows.append([s.cycle, s.days_text, dates, f"{s.dose:.2f} {s.unit}", s.working, hosp])
        return (
            f"<h4>{esc(reg.title)} {cite_tag(reg.cite)}</h4>"
            + fit_html(plan.brief.fit)
            + safety_html(plan.brief.safety)
            + table(["Cycle", "Days", "Dates", "Dose", "Working", "In hospital"], rows)
            + "<details><summary>Every administration day</summary>"
            + plan.frame.to_html(index=False, float_format=lambda x: f"{x:.2f}", classes="alledu-table", border=0)
            + "</details>"
        )

    def _downloads_html(self) -> str:
        links = []
        for plan in self.plans:
            rid = plan.regimen_id
            csv = to_csv(plan.frame, rid, self.age.value, self._context(plan)).encode()
            links.append(_link(f"{rid}.csv", "text/csv", csv, f"CSV ({rid})"))
            if "date" in plan.frame:
                ics = to_ics(plan.frame, rid, self.age.value)
                links.append(_link(f"{rid}.ics", "text/calendar", ics, f"Calendar .ics ({rid})"))
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
            + "".join(f"<li>{esc(line)}</li>" for line in handout_lines(p.regimen_id, self.age.value, self._context(p)))
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
