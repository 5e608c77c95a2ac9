"""Radio buttons that behave as one native group: one Tab stop, arrow keys move and choose.

Why: ipywidgets' RadioButtons draws its `<input type="radio">`s without a shared `name`, so
the browser treats every option as a group of its own: each is a Tab stop and the arrow keys
do nothing. Here the inputs share a name inside a `role="radiogroup"`, so the browser's own
keyboard rules apply (Tab enters at the chosen option, arrows move and choose, Space chooses),
in Voila and in JupyterLab alike (there the group opts out of the notebook's keyboard shortcuts,
which would otherwise take the arrow keys to move between cells). The DOM keeps ipywidgets' classes (`widget-radio-box`,
text then input inside each label), so the page and print styles apply unchanged. The Python
side keeps RadioButtons' contract the lessons use: `options` as labels or (label, value)
pairs, `value` (None: nothing chosen), `index`, `disabled`, `description`, `tooltip`.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets as T

RADIO_JS = """
let groups = 0;
export default {
  render({ model, el }) {
    const name = `alledu-radio-${++groups}-${Math.random().toString(36).slice(2, 8)}`;
    const title = document.createElement("span");
    title.className = "widget-label alledu-radio-title";
    title.id = `${name}-title`;
    const box = document.createElement("div");
    box.className = "widget-radio-box widget-radio-box-vertical";
    box.setAttribute("role", "radiogroup");
    // JupyterLab: keep the arrow keys for the group (in command mode they would move between cells)
    box.setAttribute("data-lm-suppress-shortcuts", "true");
    box.addEventListener("keydown", (event) => event.key.startsWith("Arrow") && event.stopPropagation());
    let drawn = null;
    const draw = () => {
      const labels = model.get("_labels");
      if (JSON.stringify(labels) !== drawn) {
        drawn = JSON.stringify(labels);
        box.textContent = "";
        labels.forEach((text, i) => {
          const label = document.createElement("label");
          label.textContent = text;
          const input = document.createElement("input");
          input.type = "radio";
          input.name = name;
          input.value = String(i);
          label.appendChild(input);
          box.appendChild(label);
        });
      }
      const index = model.get("index");
      box.querySelectorAll("input").forEach((input, i) => {
        input.checked = index === i;
        input.disabled = model.get("disabled");
      });
      const description = model.get("description");
      title.textContent = description;
      title.style.display = description ? "" : "none";
      if (description) {
        box.setAttribute("aria-labelledby", title.id);
        box.removeAttribute("aria-label");
      } else {
        box.removeAttribute("aria-labelledby");
        box.setAttribute("aria-label", model.get("tooltip") || "Choose one");
      }
    };
    box.addEventListener("change", (event) => {
      if (event.target.name !== name || !event.target.checked) return;
      model.set("index", Number(event.target.value));
      model.save_changes();
    });
    const keys = ["_labels", "index", "disabled", "description", "tooltip"];
    draw();
    for (const key of keys) model.on(`change:${key}`, draw);
    el.classList.add("widget-radio", "alledu-radio");
    el.append(title, box);
    return () => keys.forEach((key) => model.off(`change:${key}`, draw));
  },
};
"""

RADIO_CSS = """
.alledu-radio { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 4px 8px; max-width: 100%; }
.alledu-radio .widget-radio-box { display: flex; flex-direction: column; margin: 0; border: 0; padding: 0; }
.alledu-radio .widget-radio-box label { margin: 2px 0; cursor: pointer; }
.alledu-radio .widget-radio-box input { margin: 3px 6px 0 0; }
"""


class RadioGroup(anywidget.AnyWidget):
    """One choice among labelled options; `value` is None until the learner chooses."""

    _esm = RADIO_JS
    _css = RADIO_CSS
    _labels = T.List(T.Unicode()).tag(sync=True)
    index = T.Int(None, allow_none=True).tag(sync=True)
    disabled = T.Bool(False).tag(sync=True)
    description = T.Unicode("").tag(sync=True)  # shown before the options and names the group
    tooltip = T.Unicode("").tag(sync=True)  # the group's name when there is no description
    options = T.Any(())
    value = T.Any(None, allow_none=True)

    def __init__(self, options: Any = (), value: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options
        self.value = value

    @property
    def _pairs(self) -> list[tuple[str, Any]]:
        return [o if isinstance(o, tuple) else (str(o), o) for o in self.options]

    @T.observe("options")
    def _options_changed(self, _: Any) -> None:
        """New options keep the chosen value when it is still offered, else nothing is chosen."""
        values = [v for _, v in self._pairs]
        index = next((i for i, v in enumerate(values) if self.value is not None and v == self.value), None)
        self.set_trait("index", None)  # the old index may not exist in the new options
        self._labels = [label for label, _ in self._pairs]
        self.index = index

    @T.validate("value")
    def _valid_value(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is not None and not any(v == value for _, v in self._pairs):
            raise T.TraitError(f"{value!r} is not one of the options")
        return value

    @T.validate("index")
    def _valid_index(self, proposal: Any) -> int | None:
        index = proposal["value"]
        if index is not None and not 0 <= index < len(self._labels):
            raise T.TraitError(f"option {index} does not exist (there are {len(self._labels)})")
        return index

    @T.observe("value")
    def _value_to_index(self, change: Any) -> None:
        value = change["new"]
        self.index = None if value is None else next(i for i, (_, v) in enumerate(self._pairs) if v == value)

    @T.observe("index")
    def _index_to_value(self, change: Any) -> None:
        index = change["new"]
        value = None if index is None else self._pairs[index][1]
        if value is not self.value and value != self.value:
            self.value = value
