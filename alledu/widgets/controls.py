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
from alledu.schedule import regimen
from alledu.widgets.common import LABEL_STYLE
from alledu.widgets.slider import Slider

WIDE_DROPDOWN = W.Layout(width="560px")


class NumberEntry(W.HBox):
    """A labelled text box (typed value) and a slider for the same number.

    `value` is what the learner typed, even out of the slider's range, so the lesson can say
    what is wrong instead of clamping silently. The visible label names the quantity and unit.
    """

    value = T.Float(allow_none=True)

    def __init__(self, label: str, unit: str, value: float, lo: float, hi: float, step: float = 0.1) -> None:
        self.label = label
        self.text = W.FloatText(value=value, step=step, style=LABEL_STYLE, layout=W.Layout(width="260px"))
        self.slider = Slider(  # a named native range input (axe: aria-input-field-name); name = tooltip
            value=value,
            min=lo,
            max=hi,
            step=step,
            continuous_update=False,
            readout=False,
            layout=W.Layout(width="320px"),
        )
        self.slider.tooltip = f"{label} slider"
        super().__init__([self.text, self.slider])
        self._busy = False
        self.set_unit(unit)
        self.value = value
        self.slider.observe(self._from_slider, "value")
        self.text.observe(self._from_text, "value")

    def set_unit(self, unit: str) -> None:
        self.unit = unit
        self.text.description = f"{self.label} ({unit})" if unit else self.label

    def _from_slider(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self._set(change["new"])

    def _from_text(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self._set(change["new"])

    def _set(self, value: float) -> None:
        self._busy = True
        try:
            self.text.value = value
            if self.slider.min <= value <= self.slider.max:
                self.slider.value = value
            self.value = value
        finally:
            self._busy = False

    def set_range(self, lo: float, hi: float, value: float, unit: str) -> None:
        """Change units: new bounds and value without triggering an out-of-range message."""
        self._busy = True
        try:
            self.slider.min, self.slider.max = min(lo, self.slider.min), max(hi, self.slider.max)
            self.slider.value = min(max(value, lo), hi)
            self.slider.min, self.slider.max = lo, hi
            self.text.value = value
            self.set_unit(unit)
        finally:
            self._busy = False
        self.value = value


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
            if ch.default is None:
                options = [("(not chosen yet)", None), *options]
            dd = W.Dropdown(
                options=options, value=ch.default, description=ch.label, style=LABEL_STYLE, layout=WIDE_DROPDOWN
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
        self.values = {name: dd.value for name, dd in self._dropdowns.items() if dd.value is not None}

    def set(self, name: str, value: str | None) -> None:
        self._dropdowns[name].value = value


def regimen_options() -> list[tuple[str, str]]:
    """(label, id) for every regimen; short titles say 'withdrawn' and 'off-label' where so."""
    return [(regimen(rid).short_title, rid) for rid in content().meta.regimens]
