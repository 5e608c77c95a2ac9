"""Patient: frozen, keyword-only, strict; unknown is None."""

from __future__ import annotations

import dataclasses

import pytest

from alledu import InvalidInput, Patient


def test_fields_exactly() -> None:
    assert [f.name for f in dataclasses.fields(Patient)] == [
        "age_years",
        "height_cm",
        "weight_kg",
        "lineage",
        "ph_positive",
        "cd19_positive",
        "cd22_positive",
        "disease_status",
        "prior_regimens",
        "relapse_number",
        "remission_number",
        "mrd_percent",
        "cr1_duration_months",
        "platelets_1e9_per_l",
        "albumin_g_dl",
        "marrow_blasts_percent",
        "t315i_positive",
        "other_tki_indicated",
        "kmt2a_rearranged",
    ]


def test_frozen_and_unknown_is_none() -> None:
    p = Patient(age_years=9, height_cm=130, weight_kg=30)
    assert p.lineage is None and p.mrd_percent is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.age_years = 10  # type: ignore[misc]
    with pytest.raises(TypeError):
        Patient(9, 130, 30)  # type: ignore[misc]


def test_replace_validates_again() -> None:
    p = Patient(age_years=9, height_cm=130, weight_kg=30)
    assert p.replace(weight_kg=45).weight_kg == 45
    with pytest.raises(InvalidInput, match="weight_kg"):
        p.replace(weight_kg=0)


@pytest.mark.parametrize(
    ("changes", "field", "needle"),
    [
        ({"age_years": -1}, "age_years", "0 to 120 years"),
        ({"age_years": 121}, "age_years", "0 to 120 years"),
        ({"age_years": float("nan")}, "age_years", "finite"),
        ({"height_cm": 251}, "height_cm", "30 to 250 cm"),
        ({"weight_kg": 0}, "weight_kg", "1 to 300 kg"),
        ({"mrd_percent": 100.5}, "mrd_percent", "0 to 100 %"),
        ({"mrd_percent": -0.1}, "mrd_percent", "0 to 100 %"),
        ({"marrow_blasts_percent": 101}, "marrow_blasts_percent", "0 to 100 %"),
        ({"prior_regimens": 1.5}, "prior_regimens", "whole number"),
        ({"prior_regimens": -1}, "prior_regimens", "0 to 20"),
        ({"lineage": "X"}, "lineage", "'B', 'T'"),
        ({"disease_status": "cured"}, "disease_status", "'relapsed', 'refractory', 'remission'"),
        ({"ph_positive": "yes"}, "ph_positive", "True or False"),
        ({"platelets_1e9_per_l": "many"}, "platelets_1e9_per_l", "must be a number"),
    ],
)
def test_bad_values(changes: dict, field: str, needle: str) -> None:
    fields = {"age_years": 9, "height_cm": 130, "weight_kg": 30, **changes}
    with pytest.raises(InvalidInput) as err:
        Patient(**fields)
    assert err.value.field == field and needle in str(err.value)


def test_lineage_case_is_normalised_and_whole_floats_accepted() -> None:
    p = Patient(age_years=9, height_cm=130, weight_kg=30, lineage="b", prior_regimens=2.0)
    assert p.lineage == "B" and p.prior_regimens == 2 and isinstance(p.prior_regimens, int)
