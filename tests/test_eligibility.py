"""Eligibility: boundaries (ages 1/21/22, MRD 0.1%, prior regimens 1 vs 2), three-valued
logic for unknown facts, the label in force vs the 2021 review, notes and the CR2 -> alloSCT goal."""

from __future__ import annotations

import pytest

import alledu
from alledu import InvalidInput, Patient
from alledu.eligibility import Verdict


def verdicts(view: str = "label", **fields) -> dict[str, Verdict]:
    base = {"age_years": 30, "height_cm": 170, "weight_kg": 70}
    base.update(fields)
    return {v.regimen_id: v for v in alledu.eligibility(Patient(**base), view=view)}


R_R = {"disease_status": "relapsed", "prior_regimens": 2}


@pytest.mark.parametrize(
    ("age", "eligible"), [(0.9, False), (1, True), (21, True), (21.5, True), (21.9, True), (22, False), (22.1, False)]
)
@pytest.mark.parametrize("view", ["label", "review"])
def test_clofarabine_label_ages_run_to_the_22nd_birthday(age: float, eligible: bool, view: str) -> None:
    v = verdicts(view, age_years=age, height_cm=120, weight_kg=25, **R_R)["clofarabine_pediatric"]
    assert v.eligible is eligible
    unit = "year" if age == 1 else "years"
    assert any(f"Patient: {age:g} {unit} ({'met' if eligible else 'not met'})" in r for r in v.reasons)
    assert any("from 1 to 21 years old (up to the 22nd birthday)" in r for r in v.reasons)


@pytest.mark.parametrize(("age", "adult"), [(21, False), (21.9, False), (22, True)])
def test_clofarabine_adult_starts_at_22(age: float, adult: bool) -> None:
    v = verdicts(age_years=age, **R_R)["clofarabine_adult"]
    assert v.eligible is adult
    assert v.off_label and "Off-label" in v.off_label


def test_adult_clofarabine_never_in_first_relapse_after_one_regimen() -> None:
    for view in ("label", "review"):
        v = verdicts(view, age_years=45, disease_status="relapsed", prior_regimens=1, relapse_number=1)
        assert v["clofarabine_adult"].eligible is False
        assert any("at least 2" in r and "(not met)" in r for r in v["clofarabine_adult"].reasons)


@pytest.mark.parametrize(("prior", "eligible"), [(1, False), (2, True), (3, True)])
def test_prior_regimens_boundary(prior: int, eligible: bool) -> None:
    v = verdicts(age_years=10, disease_status="refractory", prior_regimens=prior, lineage="T")
    assert v["clofarabine_pediatric"].eligible is eligible
    assert v["nelarabine_pediatric"].eligible is eligible


@pytest.mark.parametrize(("mrd", "eligible"), [(0.09, False), (0.1, True), (5.0, True), (0.0, False)])
def test_mrd_boundary(mrd: float, eligible: bool) -> None:
    v = verdicts(lineage="B", cd19_positive=True, disease_status="remission", remission_number=1, mrd_percent=mrd)
    assert v["blinatumomab_mrd"].eligible is eligible


@pytest.mark.parametrize(("remission", "eligible"), [(1, True), (2, True), (3, False)])
def test_mrd_needs_cr1_or_cr2(remission: int, eligible: bool) -> None:
    v = verdicts(lineage="B", cd19_positive=True, disease_status="remission", remission_number=remission, mrd_percent=1)
    assert v["blinatumomab_mrd"].eligible is eligible


def test_nelarabine_age_overlap_shows_both_doses() -> None:
    v = verdicts(age_years=18, lineage="T", **R_R)
    assert v["nelarabine_adult"].eligible is True and v["nelarabine_pediatric"].eligible is True
    v = verdicts(age_years=15, lineage="T", **R_R)
    assert v["nelarabine_adult"].eligible is False and v["nelarabine_pediatric"].eligible is True
    v = verdicts(age_years=22, lineage="T", **R_R)
    assert v["nelarabine_adult"].eligible is True and v["nelarabine_pediatric"].eligible is False
    v = verdicts(age_years=30, lineage="B", **R_R)
    assert v["nelarabine_adult"].eligible is False


def test_false_as_soon_as_a_known_criterion_fails() -> None:
    v = verdicts(lineage="T")["blinatumomab_rr"]  # CD19, status, Ph unknown, but lineage fails
    assert v.eligible is False and v.missing == ()


def test_none_only_when_nothing_failed_and_lists_missing() -> None:
    # label in force: CD19 is named, Ph is not a criterion since 2017-07-11
    v = verdicts(lineage="B", disease_status="relapsed")["blinatumomab_rr"]
    assert v.eligible is None
    assert v.missing == ("cd19_positive",)
    assert any("CD19" in r and "unknown" in r for r in v.reasons)
    assert any(r.startswith("Philadelphia chromosome: no criterion in the label in force") for r in v.reasons)
    # the review: Ph-negative is a criterion, CD19 is not named
    v = verdicts("review", lineage="B", disease_status="relapsed")["blinatumomab_rr"]
    assert v.eligible is None and v.missing == ("ph_positive",)


def test_any_node_decided_by_one_known_branch() -> None:
    # Marqibo (review's view, where it is still available): second relapse OR >= 2 prior therapies.
    v = verdicts("review", disease_status="relapsed", ph_positive=False, prior_regimens=3)["vincristine_liposomal"]
    assert v.eligible is True and v.missing == ()
    v = verdicts("review", disease_status="relapsed", ph_positive=False, prior_regimens=1)["vincristine_liposomal"]
    assert v.eligible is None and v.missing == ("relapse_number",)
    v = verdicts("review", disease_status="relapsed", ph_positive=False, prior_regimens=1, relapse_number=1)
    assert v["vincristine_liposomal"].eligible is False


def test_withdrawn_marqibo_is_never_offered_as_available_today() -> None:
    fields = {"disease_status": "relapsed", "ph_positive": False, "relapse_number": 2}
    review = verdicts("review", **fields)["vincristine_liposomal"]
    assert review.eligible is True and review.available is True
    assert review.notes[0].startswith("Withdrawn since 2022-05-02")
    assert "marqibo_withdrawal" in review.citations
    now = verdicts(**fields)["vincristine_liposomal"]
    assert now.eligible is False and now.available is False
    assert now.reasons[-1].startswith("No longer available") and "2022-05-02" in now.reasons[-1]
    assert any("Availability" in d and "withdrawn" in d for d in now.differences)


def test_blinatumomab_ph_positive_label_vs_review() -> None:
    fields = {"lineage": "B", "cd19_positive": True, "disease_status": "relapsed", "ph_positive": True}
    review = verdicts("review", **fields)["blinatumomab_rr"]
    now = verdicts(**fields)["blinatumomab_rr"]
    assert now.eligible is True and review.eligible is False
    (ph,) = [d for d in now.differences if d.startswith("Philadelphia chromosome")]
    assert "review (2021-07-02) says: Philadelphia chromosome: Ph-negative" in ph
    assert "since 2017-07-11" in ph and "already out of date on its own date" in ph
    assert "tower2017" in now.citations


def test_inotuzumab_child_review_vs_2024_label() -> None:
    fields = {"lineage": "B", "cd22_positive": True, "disease_status": "relapsed"}
    p = {"age_years": 8, "height_cm": 125, "weight_kg": 25, **fields}
    assert verdicts("review", **p)["inotuzumab"].eligible is False
    now = verdicts(**p)["inotuzumab"]
    assert now.eligible is True
    assert any(d.startswith("Age") and "since 2024-03-06" in d for d in now.differences)
    # CD22 is named by the label since 2024-03-06: unknown CD22 leaves the verdict open
    unknown = verdicts(**{**p, "cd22_positive": None})["inotuzumab"]
    assert unknown.eligible is None and unknown.missing == ("cd22_positive",)
    assert verdicts("review", **{**p, "age_years": 30, "cd22_positive": None})["inotuzumab"].eligible is True


@pytest.mark.parametrize(("age", "eligible"), [(0.9, False), (1, True), (17.9, True), (18, True)])
def test_inotuzumab_label_ages(age: float, eligible: bool) -> None:
    v = verdicts(age_years=age, height_cm=100, weight_kg=15, lineage="B", cd22_positive=True, disease_status="relapsed")
    assert v["inotuzumab"].eligible is eligible


def test_cd19_negative_relapse_rules_out_blinatumomab_by_the_label() -> None:
    fields = {"lineage": "B", "cd19_positive": False, "cd22_positive": True, "disease_status": "relapsed"}
    v = verdicts(ph_positive=False, **fields)
    assert v["blinatumomab_rr"].eligible is False
    assert v["inotuzumab"].eligible is True
    # the review names no CD19 requirement: the difference is shown, not hidden
    assert verdicts("review", ph_positive=False, **fields)["blinatumomab_rr"].eligible is True
    assert any(d.startswith("CD19 on the blasts") for d in v["blinatumomab_rr"].differences)


def test_population_fit_says_whom_the_dose_is_for() -> None:
    from alledu.eligibility import population_fit

    reg = alledu.regimen
    assert any("this patient is 9 years old" in t for t in population_fit(reg("nelarabine_adult"), 9))
    assert any("this patient is 40 years old" in t for t in population_fit(reg("nelarabine_pediatric"), 40))
    assert population_fit(reg("nelarabine_pediatric"), 21.9) == []
    assert population_fit(reg("blinatumomab_rr"), 3) == []
    adult = population_fit(reg("clofarabine_adult"), 40)
    assert len(adult) == 1 and adult[0].startswith("Off-label")
    assert any("before" not in t and "22nd birthday" in t for t in population_fit(reg("clofarabine_pediatric"), 40))
    assert population_fit(reg("inotuzumab"), 9) == []
    assert any("adults" in t for t in population_fit(reg("inotuzumab"), 9, "review"))


def test_goal_is_stated_for_eligible_relapse_verdicts() -> None:
    v = verdicts(lineage="B", cd22_positive=True, disease_status="relapsed")["inotuzumab"]
    assert v.eligible is True and "CR2" in v.goal and "alloSCT" in v.goal
    assert "tavernier2007" in v.citations
    assert verdicts(lineage="T")["inotuzumab"].goal is None


def test_tree_can_be_drawn_with_lit_path() -> None:
    v = verdicts(lineage="B", cd19_positive=True, disease_status="relapsed", ph_positive=False)["blinatumomab_rr"]
    assert v.tree.kind == "all" and v.tree.result is True
    assert [c.result for c in v.tree.children] == [True, True, True, True, True]
    assert [c.path for c in v.tree.children] == ["0.0", "0.1", "0.2", "0.3", "0.4"]
    assert v.tree.children[3].criterion is None  # Ph: no criterion in the label in force
    assert v.tree.children[4].criterion.op == "months_at_least"  # one month and older (label 2024-06-14)


def test_every_regimen_judged_once() -> None:
    assert [
        v.regimen_id for v in alledu.eligibility(Patient(age_years=5, height_cm=110, weight_kg=18))
    ] == alledu.regimen_ids()


def test_bad_view_and_patient() -> None:
    with pytest.raises(InvalidInput, match="view: '2019'"):
        alledu.eligibility(Patient(age_years=5, height_cm=110, weight_kg=18), view="2019")
    with pytest.raises(InvalidInput, match="patient"):
        alledu.eligibility({"age_years": 5})
