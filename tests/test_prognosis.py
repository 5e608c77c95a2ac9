"""Prognosis: LALA-94 first relapse, O'Brien second salvage, the labelled cure model."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

import alledu
from alledu import InvalidInput, Patient
from alledu.prognosis import survival_factor_ids

FACTORS = ["cr1_duration", "marrow_blasts", "platelets", "albumin"]  # the paper's order, as in evidence.yaml


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
    """The older call: `adverse` alone decides every factor (the rest are not adverse)."""
    r = alledu.second_salvage(adverse=marked)
    assert r.adverse_count == len(marked) and r.survival_12m_percent == survival
    assert r.unmarked == () and r.survival_range == (survival, survival)


def test_second_salvage_nothing_marked_is_the_full_range_not_the_best_group() -> None:
    """The issue: an unmarked patient was shown "0 adverse factor(s) marked: ... 33%"."""
    r = alledu.second_salvage(Patient(age_years=40, height_cm=170, weight_kg=70, albumin_g_dl=2.0))
    assert r.survival_text == (
        "No survival factor marked yet (4 of 4 factors not marked): 12-month survival could be anywhere from"
        " 0% to 33% (the paper's groups with 0-1 to 4 adverse factors). Mark each factor adverse or not adverse"
        " to see the paper's figure for this patient."
    )
    assert r.survival_12m_percent is None and r.adverse_count is None and r.survival_range == (0, 33)
    assert r.unmarked == tuple(FACTORS) and r.adverse_marked == r.not_adverse_marked == ()
    assert alledu.second_salvage(adverse=None, not_adverse=[]).survival_text == r.survival_text


@pytest.mark.parametrize(
    ("adverse", "survival", "group"),
    [
        ([], 33, "0-1"),  # all four judged not adverse
        (["albumin"], 33, "0-1"),  # 1 adverse + 3 not adverse: the paper's 0-1 band
        (["albumin", "platelets"], 14, "2"),
        (["albumin", "platelets", "marrow_blasts"], 8, "3"),
        (FACTORS, 0, "4"),
    ],
)
def test_second_salvage_every_factor_decided_gives_one_figure(adverse, survival, group) -> None:
    r = alledu.second_salvage(adverse=adverse, not_adverse=[f for f in FACTORS if f not in adverse])
    assert r.survival_text == (
        f"All 4 factors marked, {len(adverse)} adverse: expected 12-month survival {survival}%"
        f" (the paper's group with {group} adverse factors)."
    )
    assert r.survival_12m_percent == survival and r.adverse_count == len(adverse) and r.unmarked == ()


@pytest.mark.parametrize(
    ("adverse", "not_adverse", "low", "high", "text"),
    [
        (
            ["albumin"],
            ["platelets"],
            8,
            33,
            "2 of 4 factors not marked (1 adverse, 1 not adverse so far): expected 12-month survival 8% to 33%,"
            " depending on the unmarked factors (the paper's groups with 0-1 to 3 adverse factors)."
            " Mark them to see a single figure.",
        ),
        (
            ["albumin", "platelets"],
            [],
            0,
            14,
            "2 of 4 factors not marked (2 adverse, 0 not adverse so far): expected 12-month survival 0% to 14%,"
            " depending on the unmarked factors (the paper's groups with 2 to 4 adverse factors)."
            " Mark them to see a single figure.",
        ),
        (
            ["albumin", "platelets", "cr1_duration"],
            [],
            0,
            8,
            "1 of 4 factors not marked (3 adverse, 0 not adverse so far): expected 12-month survival 0% to 8%,"
            " depending on the unmarked factor (the paper's groups with 3 to 4 adverse factors)."
            " Mark it to see a single figure.",
        ),
        (
            [],
            ["albumin", "platelets", "cr1_duration"],
            33,
            33,
            "1 of 4 factors not marked (0 adverse, 3 not adverse so far): expected 12-month survival 33%"
            " whichever way the unmarked factor is marked (the paper's group with 0-1 adverse factors)."
            " Mark it to complete the picture.",
        ),
    ],
)
def test_second_salvage_unmarked_factors_give_a_range(adverse, not_adverse, low, high, text) -> None:
    r = alledu.second_salvage(adverse=adverse, not_adverse=not_adverse)
    assert r.survival_text == text and r.survival_range == (low, high)
    assert r.survival_12m_percent is None and r.adverse_count is None
    assert "All 4 factors marked" not in r.survival_text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"adverse": ["age"]}, "adverse: 'age'"),
        ({"adverse": [], "not_adverse": ["age"]}, "not_adverse: 'age'"),
        ({"adverse": ["albumin"], "not_adverse": ["platelets", "albumin"]}, "not_adverse: 'albumin'"),
        ({"adverse": "albumin"}, "adverse: 'albumin'"),  # a bare string is refused, not read letter by letter
    ],
)
def test_second_salvage_refuses_unknown_or_contradictory_marks(kwargs, message) -> None:
    with pytest.raises(InvalidInput, match=message):
        alledu.second_salvage(**kwargs)


@given(st.lists(st.sampled_from(["adverse", "not_adverse", "unmarked"]), min_size=4, max_size=4))
def test_second_salvage_range_holds_every_completion_of_the_unmarked_factors(states) -> None:
    """Whatever the unmarked factors turn out to be, the figure lies in the range shown, and the
    range is no wider than those figures (its ends are reached)."""
    ids = survival_factor_ids()
    marks = dict(zip(ids, states, strict=True))
    adverse = [k for k, v in marks.items() if v == "adverse"]
    good = [k for k, v in marks.items() if v == "not_adverse"]
    r = alledu.second_salvage(adverse=adverse, not_adverse=good)
    open_ = [k for k, v in marks.items() if v == "unmarked"]
    assert r.unmarked == tuple(open_)
    figures = set()
    for completion in itertools.product([True, False], repeat=len(open_)):
        more = [k for k, bad in zip(open_, completion, strict=True) if bad]
        full = alledu.second_salvage(adverse=adverse + more, not_adverse=[k for k in ids if k not in adverse + more])
        assert full.survival_12m_percent is not None
        assert r.survival_range[0] <= full.survival_12m_percent <= r.survival_range[1]
        figures.add(full.survival_12m_percent)
    assert r.survival_range == (min(figures), max(figures))
    assert (r.survival_12m_percent is None) == bool(open_)
    if r.survival_12m_percent is not None:
        assert figures == {r.survival_12m_percent}


def test_cure_model_passes_through_published_points() -> None:
    m = alledu.cure_model()
    assert m.survival(5.2) == pytest.approx(0.5, abs=1e-9)
    assert m.survival(60) == pytest.approx(0.12, abs=1e-9)
    assert 0 < m.cure_fraction < 0.12
    assert "model" in m.label.lower() and "not trial data" in m.label
    curve = m.curve(72)
    assert curve[0] == (0.0, pytest.approx(1.0)) and all(a[1] >= b[1] for a, b in itertools.pairwise(curve))
