"""Accessibility and phone pieces checked without a browser (tests/test_a11y.py and
tests/test_phones.py check them in Chromium): the named slider's contract, the table's scroll
box, the rule tree's markup, the page styles."""

from __future__ import annotations

import pytest
import traitlets as T

from alledu.widgets import style
from alledu.widgets.common import CSS, table
from alledu.widgets.controls import NumberEntry
from alledu.widgets.radio import RadioGroup
from alledu.widgets.slider import Slider
from alledu.widgets.tree import EligibilityTree


def test_slider_keeps_floatsliders_contract() -> None:
    s = Slider(value=400, min=150, max=300, step=1)  # bounds above the defaults: set in a safe order
    assert (s.min, s.max, s.value) == (150, 300, 300)  # clamped, as FloatSlider does
    s.value = -5
    assert s.value == 150
    s.min = 200  # moving a bound carries the value along
    assert s.value == 200
    with pytest.raises(T.TraitError, match="slider minimum 400.0 is above its maximum 300.0"):
        s.min = 400


def test_radio_group_keeps_radiobuttons_contract() -> None:
    r = RadioGroup(options=[("B-cell precursor", "B"), ("T-cell", "T")], value=None, tooltip="Lineage")
    assert (r.value, r.index, r._labels) == (None, None, ["B-cell precursor", "T-cell"])  # nothing chosen
    r.index = 1  # what the browser sends when a learner chooses (click, Space or an arrow key)
    assert r.value == "T"
    r.value = "B"
    assert r.index == 0
    r.options = [("Yes", True), ("No", False)]  # a new question: the old choice is not among them
    assert (r.value, r.index, r._labels) == (None, None, ["Yes", "No"])
    r.value = False
    r.options = [("No", False), ("Unknown", "unknown")]  # still offered: kept, at its new place
    assert (r.value, r.index) == (False, 0)
    with pytest.raises(T.TraitError, match="'maybe' is not one of the options"):
        r.value = "maybe"
    with pytest.raises(T.TraitError, match="option 5 does not exist"):
        r.index = 5


def test_number_entry_slider_is_named_and_typed_values_are_not_clamped() -> None:
    entry = NumberEntry("Weight", "kg", 30, 1, 300)
    assert isinstance(entry.slider, Slider) and entry.slider.tooltip == "Weight slider"  # its aria-label
    entry.slider.value = 44.9
    assert entry.value == 44.9 and entry.text.value == "44.9"
    entry.text.value = "500"  # out of the slider's range: kept for the lesson's message, not clamped
    assert entry.value == 500 and entry.slider.value == 44.9


def test_table_scrolls_in_a_named_focusable_box() -> None:
    html = table(["Cycle", "Dose"], [[1, "5.20 mcg/day"]])
    assert html.startswith("<div class='alledu-scroll' tabindex='0' role='group' aria-label='Table: Cycle, Dose'>")
    assert html.endswith("</table></div>")


def test_rule_tree_is_plain_nested_lists() -> None:
    tree = EligibilityTree()
    assert 'role="tree' not in tree.drawing.value and "<li" in tree.drawing.value
    assert "(the question on screen)" in tree.drawing.value  # the outline, said in words too
    assert tree.prompt.tabbable is False and "alledu-question" in tree.prompt._dom_classes  # focus target


def test_page_styles_travel_with_every_lesson() -> None:
    assert style.RESPONSIVE_CSS in CSS and style.A11Y_CSS in CSS
    assert f"@media (max-width: {style.NARROW_MAX_PX}px)" in style.RESPONSIVE_CSS
    assert ":focus-visible" in style.A11Y_CSS
