"""BSA formulas: golden values from the clinical-facts table, inputs, and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import alledu
from alledu import InvalidInput

# shared/clinical-facts.md section 3, "Worked values (unrounded BSA, m^2)"
GOLDEN = {
    (170, 70): {
        "mosteller": 1.8181,
        "dubois": 1.8097,
        "haycock": 1.8257,
        "gehan_george": 1.8313,
        "boyd": 1.8347,
    },
    (130, 30): {
        "mosteller": 1.0408,
        "dubois": 1.0393,
        "haycock": 1.0407,
        "gehan_george": 1.0573,
        "boyd": 1.0593,
    },
    (50, 3.5): {
        "mosteller": 0.2205,
        "dubois": 0.2086,
        "haycock": 0.2244,
        "gehan_george": 0.2338,
        "boyd": 0.2299,
    },
}
CASES = [(h, w, f, v) for (h, w), row in GOLDEN.items() for f, v in row.items()]


@pytest.mark.parametrize(("height", "weight", "formula", "expected"), CASES)
def test_golden_values(height: float, weight: float, formula: str, expected: float) -> None:
    assert alledu.bsa(height_cm=height, weight_kg=weight, formula=formula) == pytest.approx(expected, abs=1e-3)


def test_default_formula_is_mosteller() -> None:
    assert alledu.bsa(height_cm=170, weight_kg=70) == alledu.bsa(height_cm=170, weight_kg=70, formula="mosteller")


def test_result_is_unrounded() -> None:
    assert alledu.bsa(height_cm=130, weight_kg=30) == pytest.approx(math.sqrt(130 * 30 / 3600), rel=1e-15)


def test_formula_ids_are_the_five() -> None:
    assert alledu.formula_ids() == ["mosteller", "dubois", "haycock", "gehan_george", "boyd"]


def test_all_formulas_side_by_side() -> None:
    values = alledu.all_formulas(height_cm=170, weight_kg=70)
    assert values == pytest.approx(GOLDEN[(170, 70)], abs=1e-3)


def test_imperial_helpers() -> None:
    assert alledu.inches_to_cm(10) == pytest.approx(25.4)
    assert alledu.pounds_to_kg(100) == pytest.approx(45.359237)
    h, w = alledu.inches_to_cm(66.929), alledu.pounds_to_kg(154.324)  # ~170 cm, ~70 kg
    assert alledu.bsa(height_cm=h, weight_kg=w) == pytest.approx(1.8181, abs=1e-3)
    with pytest.raises(InvalidInput, match="height_in"):
        alledu.inches_to_cm(float("nan"))


@pytest.mark.parametrize(
    ("field", "kwargs", "needle"),
    [
        ("height_cm", {"height_cm": 29.9, "weight_kg": 70}, "30 to 250 cm"),
        ("height_cm", {"height_cm": 250.1, "weight_kg": 70}, "30 to 250 cm"),
        ("weight_kg", {"height_cm": 170, "weight_kg": 0}, "1 to 300 kg"),
        ("weight_kg", {"height_cm": 170, "weight_kg": -5}, "1 to 300 kg"),
        ("weight_kg", {"height_cm": 170, "weight_kg": 300.5}, "1 to 300 kg"),
        ("weight_kg", {"height_cm": 170, "weight_kg": float("nan")}, "finite"),
        ("height_cm", {"height_cm": float("inf"), "weight_kg": 70}, "finite"),
        ("height_cm", {"height_cm": "170", "weight_kg": 70}, "must be a number"),
        ("weight_kg", {"height_cm": 170, "weight_kg": True}, "must be a number"),
    ],
)
def test_bad_input_names_field_value_and_range(field: str, kwargs: dict, needle: str) -> None:
    with pytest.raises(InvalidInput) as err:
        alledu.bsa(**kwargs)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")
    assert needle in str(err.value)
    assert isinstance(err.value, ValueError)


def test_unknown_formula_lists_valid_ones() -> None:
    with pytest.raises(InvalidInput, match="formula: 'mostellar'.*mosteller, dubois, haycock, gehan_george, boyd"):
        alledu.bsa(height_cm=170, weight_kg=70, formula="mostellar")


def test_limits_are_inclusive() -> None:
    assert alledu.bsa(height_cm=30, weight_kg=1) > 0
    assert alledu.bsa(height_cm=250, weight_kg=300) > 0


heights = st.floats(min_value=30, max_value=250)
weights = st.floats(min_value=1, max_value=300)


@given(heights, weights, st.sampled_from(["mosteller", "dubois", "haycock", "gehan_george", "boyd"]))
def test_bsa_increases_with_weight_and_height(h: float, w: float, formula: str) -> None:
    base = alledu.bsa(height_cm=h, weight_kg=w, formula=formula)
    assert base > 0
    if w * 1.01 <= 300:
        assert alledu.bsa(height_cm=h, weight_kg=w * 1.01, formula=formula) > base
    if h * 1.01 <= 250:
        assert alledu.bsa(height_cm=h * 1.01, weight_kg=w, formula=formula) > base


@given(heights, weights)
def test_mosteller_scales_as_square_root(h: float, w: float) -> None:
    # doubling H*W multiplies Mosteller BSA by sqrt(2), a property of the formula itself
    if w * 2 <= 300:
        ratio = alledu.bsa(height_cm=h, weight_kg=2 * w) / alledu.bsa(height_cm=h, weight_kg=w)
        assert ratio == pytest.approx(math.sqrt(2), rel=1e-12)
