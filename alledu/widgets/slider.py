"""A slider with an accessible name: the browser's own range input, as a small anywidget.

Why: ipywidgets' FloatSlider draws a `div role="slider"` (noUiSlider) and gives it no name
and no way to set one, so screen readers announce "slider" beside every number and axe-core
reports `aria-input-field-name` (serious) on every lesson with a patient. `<input
type="range" aria-label=...>` is named, keyboard-operable (arrows, Home/End, Page keys) and
touch-friendly on phones, and it shrinks to the width it is given. The Python side keeps
FloatSlider's contract (value clamped to min..max, moving min or max carries the value), so
`NumberEntry` and its tests use it unchanged. The name is the widget's `tooltip`.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets as T

SLIDER_JS = """
const KEYS = ["min", "max", "step", "value", "disabled", "tooltip"];
export default {
  render({ model, el }) {
    const input = document.createElement("input");
    input.type = "range";
    input.className = "alledu-range";
    const draw = () => {
      input.min = String(model.get("min"));
      input.max = String(model.get("max"));
      input.step = String(model.get("step"));
      input.value = String(model.get("value"));
      input.disabled = model.get("disabled");
      input.setAttribute("aria-label", model.get("tooltip") || "Slider");
    };
    const send = () => {
      model.set("value", Number(input.value));
      model.save_changes();
    };
    draw();
    for (const key of KEYS) model.on(`change:${key}`, draw);
    input.addEventListener("change", send);
    input.addEventListener("input", () => model.get("continuous_update") && send());
    el.classList.add("alledu-slider");
    el.appendChild(input);
    return () => KEYS.forEach((key) => model.off(`change:${key}`, draw));
  },
};
"""

SLIDER_CSS = """
.alledu-slider { display: flex; align-items: center; min-height: 32px; max-width: 100%; }
.alledu-slider .alledu-range { width: 100%; min-width: 0; margin: 0 8px; accent-color: #0072B2; }
"""


class Slider(anywidget.AnyWidget):
    """A named range slider for one float; `tooltip` is its accessible name (and hover text)."""

    _esm = SLIDER_JS
    _css = SLIDER_CSS
    value = T.Float(0.0).tag(sync=True)
    min = T.Float(0.0).tag(sync=True)
    max = T.Float(100.0).tag(sync=True)
    step = T.Float(0.1).tag(sync=True)
    disabled = T.Bool(False).tag(sync=True)
    continuous_update = T.Bool(False).tag(sync=True)  # False: send when the learner lets go
    description = T.Unicode("").tag(sync=True)  # empty; ipywidgets' view reads it beside `tooltip`
    readout = T.Bool(False)  # accepted for FloatSlider's signature; the text box beside it shows the value

    def __init__(self, **kwargs: Any) -> None:
        value, lo, hi = (kwargs.pop(k, None) for k in ("value", "min", "max"))
        super().__init__(**kwargs)
        # bounds first, in an order that never crosses them, so the value is clamped to these
        for name, bound in (
            (("max", hi), ("min", lo)) if lo is not None and lo > self.max else (("min", lo), ("max", hi))
        ):
            if bound is not None:
                setattr(self, name, bound)
        if value is not None:
            self.value = value

    @T.validate("value")
    def _clamp(self, proposal: Any) -> float:
        return min(max(proposal["value"], self.min), self.max)

    @T.validate("min")
    def _valid_min(self, proposal: Any) -> float:
        lo = proposal["value"]
        if lo > self.max:
            raise T.TraitError(f"slider minimum {lo} is above its maximum {self.max}")
        if lo > self.value:
            self.value = lo
        return lo

    @T.validate("max")
    def _valid_max(self, proposal: Any) -> float:
        hi = proposal["value"]
        if hi < self.min:
            raise T.TraitError(f"slider maximum {hi} is below its minimum {self.min}")
        if hi < self.value:
            self.value = hi
        return hi
