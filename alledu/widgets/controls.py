"""Reusable labelled controls: a number entered by slider or by typing, and regimen choices.

Why: learners drag sliders, keyboard users type; both must reach the same value, and a typed
value outside the slider's range must produce a clear message rather than be clamped silently.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import traitlets as T

from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.schedule import dosed_regimen_ids, regimen
from alledu.validate import WHOLE_TEXT, limits, read_decimal
from alledu.widgets.common import LABEL_STYLE
from alledu.widgets.slider import Slider

WIDE_DROPDOWN = W.Layout(width="560px")
NOT_CHOSEN, NOT_CHOSEN_LABEL = "", "(not chosen yet - choose to plan later cycles)"


class NumberEntry(W.HBox):
    """A labelled text box (what the learner typed) and a slider for the same number.

    The text box is plain text, read by `read()`: "12,5" is 12.5 (never 125), and an empty box,
    "abc" or a value outside the range raises InvalidInput naming the field in learner words,
    the text as typed and the accepted range, so the lesson shows a message instead of a dose.
    Nothing is clamped or silently restored. `value` is the last number read (None while the
    text is not a number); `edits` counts every change, so a lesson redraws on each one.
    """

    value = T.Float(allow_none=True)
    edits = T.Int(0)

    def __init__(
        self,
        label: str,
        unit: str,
        value: float,
        lo: float,
        hi: float,
        step: float = 0.1,
        field: str | None = None,
        slider_max: float | None = None,
    ) -> None:
        self.label = label
        self.field = field or label.lower()
        self.lo, self.hi = lo, hi
        self.text = W.Text(
            value=f"{value:g}", style=LABEL_STYLE, layout=W.Layout(width="260px"), continuous_update=False
        )
        self.slider = Slider(  # a named native range input (axe: aria-input-field-name); name = tooltip
            value=value,
            min=lo,
            max=hi if slider_max is None else slider_max,
            step=step,
            continuous_update=False,
            readout=False,
            layout=W.Layout(width="320px"),
        )
        self.slider.tooltip = f"{label} slider"
        super().__init__([self.text, self.slider])
        self.add_class("alledu-entry")  # printed on one sheet (print_css.py)
        self._busy = False
        self.set_unit(unit)
        self.value = value
        self.slider.observe(self._from_slider, "value")
        self.text.observe(self._from_text, "value")

    def set_unit(self, unit: str) -> None:
        self.unit = unit
        self.text.description = f"{self.label} ({unit})" if unit else self.label

    def accepted(self) -> str:
        return f"{self.lo:g} to {self.hi:g} {self.unit}".strip()

    def read(self) -> float:
        """The typed number; InvalidInput (field, text as typed, accepted range) when it is not one."""
        text = self.text.value
        x = read_decimal(text)
        if x is None:
            hint = "enter a number" if text.strip() == "" else "must be a number like 30 or 30.5"
            raise InvalidInput(self.field, text.strip(), self.accepted(), hint)
        if not self.lo <= x <= self.hi:
            raise InvalidInput(self.field, text.strip(), self.accepted())
        return x

    def _from_slider(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self._busy = True
            try:
                self.text.value = f"{change['new']:g}"
            finally:
                self._busy = False
            self._changed()

    def _from_text(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self._changed()

    def _changed(self) -> None:
        x = read_decimal(self.text.value)
        if x is not None and self.slider.min <= x <= self.slider.max:
            self._busy = True
            try:
                self.slider.value = x
            finally:
                self._busy = False
        self.value = x
        self.edits += 1

    def set(self, value: float) -> None:
        """Type a number (tests, unit changes, scenario links)."""
        self.text.value = f"{value:g}"

    def set_range(self, lo: float, hi: float, value: float | None, unit: str, field: str | None = None) -> None:
        """Change units: new bounds and value (None: keep the text as typed, it is not a number)."""
        self._busy = True
        try:
            self.lo, self.hi = lo, hi
            self.field = field or self.field
            self.slider.min, self.slider.max = min(lo, self.slider.min), max(hi, self.slider.max)
            if value is not None:
                self.slider.value = min(max(value, lo), hi)
                self.text.value = f"{value:g}"
            self.slider.min, self.slider.max = lo, hi
            self.set_unit(unit)
        finally:
            self._busy = False
        self.value = value


def entry(field: str, start: float, step: float, slider_max: float | None = None) -> NumberEntry:
    """A slider-and-text entry for a declared patient field: label, unit and range from content."""
    decl = content().patient_fields[field]
    lim = limits()[field]
    return NumberEntry(decl.label, decl.unit or "", start, lim.min, lim.max, step, field=field, slider_max=slider_max)


class WholeEntry(W.Text):
    """A whole number typed as text (e.g. cycles): out of range or not whole gets a message, never a clamp."""

    def __init__(self, field: str, label: str, value: int, lo: int, hi: int, unit: str = "") -> None:
        super().__init__(value=str(value), description=label, style=LABEL_STYLE, continuous_update=False)
        self.field, self.lo, self.hi, self.unit = field, lo, hi, unit

    def read(self) -> int:
        text = self.value.strip()
        accepted = f"a whole number from {self.lo} to {self.hi}" + (f" {self.unit}" if self.unit else "")
        if not WHOLE_TEXT.fullmatch(text) or not self.lo <= int(text) <= self.hi:
            raise InvalidInput(self.field, text, accepted)
        return int(text)


class ChoiceControls(W.VBox):
    """Dropdowns for the choices a regimen offers (from its content file). `values` is a dict."""

    values = T.Dict()

    def __init__(self) -> None:
        super().__init__()
        self._dropdowns: dict[str, W.Dropdown] = {}

    def show(self, regimen_id: str) -> bool:
        """Rebuild for a regimen; True when `values` changed (its observers have then run)."""
        before = dict(self.values)
        reg = regimen(regimen_id)
        self._dropdowns = {}
        for ch in reg.choices:
            options = [(label, key) for key, label in ch.options.items()]
            if ch.default is None:  # a real option, not None: a Dropdown shows None as an empty box
                options = [(NOT_CHOSEN_LABEL, NOT_CHOSEN), *options]
            dd = W.Dropdown(
                options=options,
                value=NOT_CHOSEN if ch.default is None else ch.default,
                description=ch.label,
                style=LABEL_STYLE,
                layout=WIDE_DROPDOWN,
            )
            dd.observe(self._changed, "value")
            self._dropdowns[ch.name] = dd
        children: list[W.Widget] = []
        for ch in reg.choices:
            children.append(self._dropdowns[ch.name])
            if ch.explain:  # what the choice means, in the content's words
                children.append(W.HTML(f"<div class='alledu-cite'>{html.escape(ch.explain)}</div>"))
        self.children = children
        self._changed()
        return self.values != before

    def _changed(self, *_: Any) -> None:
        self.values = {name: dd.value for name, dd in self._dropdowns.items() if dd.value not in (None, NOT_CHOSEN)}

    def set(self, name: str, value: str | None) -> None:
        self._dropdowns[name].value = NOT_CHOSEN if value is None else value


def regimen_options() -> list[tuple[str, str]]:
    """(label, id) for the regimens lessons 02 and 03 dose by BSA and cycles; short titles say 'withdrawn' and
    'off-label' where so. A course counted from an infusion day 0 (CAR-T) is not among them: its cell dose
    and days are shown by the command line and its exports for now."""
    return [(regimen(rid).short_title, rid) for rid in dosed_regimen_ids() if not regimen(rid).day_zero]


def lesson_regimen(regimen_id: str | None, field: str = "regimen_id") -> str | None:
    """A regimen id lessons 02 and 03 can show; a CAR-T or judged-only id says where it is taught.

    Why: a dropdown given a value outside its options raises a traitlets error (a traceback
    for whoever built the page); this names the field, the value and the accepted ids instead.
    """
    if regimen_id is None:
        return None
    ids = [rid for _, rid in regimen_options()]
    if regimen_id not in ids:
        if not isinstance(regimen_id, str) or regimen_id not in content().regimens:
            raise InvalidInput(field, regimen_id, "one of " + ", ".join(ids))
        hint = (
            "a CAR-T course (counted from infusion day 0) is planned in lesson 08"
            if regimen(regimen_id).day_zero
            else f"{regimen(regimen_id).short_title} is judged, not dosed, here"
        )
        raise InvalidInput(field, regimen_id, "one of " + ", ".join(ids), hint)
    return regimen_id
