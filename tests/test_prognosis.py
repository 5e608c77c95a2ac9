"""Prognosis: LALA-94 first relapse, O'Brien second salvage, the labelled cure model."""

from __future__ import annotations

import itertools

import pytest

import alledu
from alledu import InvalidInput, Patient


def test_first_relapse_figures() -> None:
    r = alledu.first_relapse()
    assert r.figures["patients"].value == 421 and r.figures["cr2_patients"].value == 187
    assert r.figures["cr2_percent"].value == 44
    assert r.figures["median_dfs_months"].value == 5.2 and r.figures["dfs_5y_percent"].value == 12
    assert r.cite == ("tavernier2007",)
    assert r.figures["patients"].cite == ("tavernier2007",)


@pytest.mark.parametrize(
    ("cr1", "platelets", "transplant", "present"),
    [
        (12.0, 100.0, False, [False, False, False]),  # "more than": 12 months and 100 are not enough
        (12.5, 101.0, True, [True, True, True]),
        (None, 150.0, None, [None, None, True]),
    ],
)
def test_first_relapse_factors(cr1, platelets, transplant, present) -> None:
    p = Patient(age_years=40, height_cm=170, weight_kg=70, cr1_duration_months=cr1, platelets_1e9_per_l=platelets)
    r = alledu.first_relapse(p, transplant_in_cr2=transplant)
    assert [f.present for f in r.factors] == present
    assert [f.p_value for f in r.factors] == ["P<0.0001", "P=0.04", "P=0.04"]
    assert r.favourable_count == present.count(True)


@pytest.mark.parametrize(
    ("cr1", "platelets", "low", "expected"),
    [(35.9, 49.0, True, 7.0), (36.0, 49.0, False, None), (20.0, 50.0, False, None), (None, 20.0, None, None)],
)
def test_second_salvage_low_cr_rule(cr1, platelets, low, expected) -> None:
    p = Patient(age_years=40, height_cm=170, weight_kg=70, cr1_duration_months=cr1, platelets_1e9_per_l=platelets)
    r = alledu.second_salvage(p)
    assert r.low_cr_group is low and r.expected_cr_percent == expected


@pytest.mark.parametrize(
    ("marked", "survival"),
    [
        ([], 33),
        (["albumin"], 33),
        (["albumin", "platelets"], 14),
        (["albumin", "platelets", "cr1_duration"], 8),
        (["albumin", "platelets", "cr1_duration", "marrow_blasts"], 0),
    ],
)
def test_second_salvage_survival_by_marked_factors(marked, survival) -> None:
    r = alledu.second_salvage(adverse=marked)
    assert r.adverse_count == len(marked) and r.survival_12m_percent == survival


def test_second_salvage_needs_learner_marks_no_cutoffs() -> None:
    r = alledu.second_salvage(Patient(age_years=40, height_cm=170, weight_kg=70, albumin_g_dl=2.0))
    assert r.survival_12m_percent is None and r.adverse_count is None
    with pytest.raises(InvalidInput, match="adverse: 'age'"):
        alledu.second_salvage(adverse=["age"])


def test_cure_model_passes_through_published_points() -> None:
    m = alledu.cure_model()
    assert m.survival(5.2) == pytest.approx(0.5, abs=1e-9)
    assert m.survival(60) == pytest.approx(0.12, abs=1e-9)
    assert 0 < m.cure_fraction < 0.12
    assert "model" in m.label.lower() and "not trial data" in m.label
    curve = m.curve(72)
    assert curve[0] == (0.0, pytest.approx(1.0)) and all(a[1] >= b[1] for a, b in itertools.pairwise(curve))
