"""Eligibility: boundaries (ages 1/21/22, MRD 0.1%, prior regimens 1 vs 2), three-valued
logic for unknown facts, layers, notes and the CR2 -> alloSCT goal."""

from __future__ import annotations

import pytest

import alledu
from alledu import InvalidInput, Patient
from alledu.eligibility import Verdict


def verdicts(**fields) -> dict[str, Verdict]:
    base = {"age_years": 30, "height_cm": 170, "weight_kg": 70}
    base.update(fields)
    return {v.regimen_id: v for v in alledu.eligibility(Patient(**base))}


R_R = {"disease_status": "relapsed", "prior_regimens": 2}


@pytest.mark.parametrize(("age", "eligible"), [(0.9, False), (1, True), (21, True), (21.5, False), (22, False)])
def test_clofarabine_label_ages(age: float, eligible: bool) -> None:
    v = verdicts(age_years=age, height_cm=120, weight_kg=25, **R_R)["clofarabine_pediatric"]
    assert v.eligible is eligible
    assert any(f"Patient: {age:g} years ({'met' if eligible else 'not met'})" in r for r in v.reasons)


@pytest.mark.parametrize(("age", "adult"), [(21, False), (22, True)])
def test_clofarabine_adult_starts_after_21(age: float, adult: bool) -> None:
    assert verdicts(age_years=age, **R_R)["clofarabine_adult"].eligible is adult


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
    v = verdicts(lineage="B", disease_status="relapsed")["blinatumomab_rr"]
    assert v.eligible is None
    assert v.missing == ("cd19_positive", "ph_positive")
    assert any("CD19" in r and "unknown" in r for r in v.reasons)


def test_any_node_decided_by_one_known_branch() -> None:
    # Marqibo: second relapse OR >= 2 prior therapies. A known True branch decides it.
    v = verdicts(disease_status="relapsed", ph_positive=False, prior_regimens=3)["vincristine_liposomal"]
    assert v.eligible is True and v.missing == ()
    v = verdicts(disease_status="relapsed", ph_positive=False, prior_regimens=1)["vincristine_liposomal"]
    assert v.eligible is None and v.missing == ("relapse_number",)
    v = verdicts(disease_status="relapsed", ph_positive=False, prior_regimens=1, relapse_number=1)
    assert v["vincristine_liposomal"].eligible is False


def test_withdrawn_marqibo_is_flagged_and_unavailable_now() -> None:
    fields = {"disease_status": "relapsed", "ph_positive": False, "relapse_number": 2}
    core = verdicts(**fields)["vincristine_liposomal"]
    assert core.eligible is True and core.status == "withdrawn"
    assert core.notes[0].startswith("Withdrawn 2022-05-02")
    assert "marqibo_withdrawal" in core.citations
    now = {
        v.regimen_id: v
        for v in alledu.eligibility(Patient(age_years=30, height_cm=170, weight_kg=70, **fields), layer="current")
    }
    assert now["vincristine_liposomal"].eligible is False


def test_blinatumomab_ph_positive_core_vs_current() -> None:
    fields = {"lineage": "B", "cd19_positive": True, "disease_status": "relapsed", "ph_positive": True}
    p = Patient(age_years=30, height_cm=170, weight_kg=70, **fields)
    core = {v.regimen_id: v for v in alledu.eligibility(p)}["blinatumomab_rr"]
    now = {v.regimen_id: v for v in alledu.eligibility(p, layer="current")}["blinatumomab_rr"]
    assert core.eligible is False and now.eligible is True
    assert any("no longer carries a Ph restriction" in n for n in core.notes)
    assert any(r.startswith("No longer a criterion") for r in now.reasons)


def test_inotuzumab_child_core_vs_2024_update() -> None:
    fields = {"lineage": "B", "cd22_positive": True, "disease_status": "relapsed"}
    p = Patient(age_years=8, height_cm=125, weight_kg=25, **fields)
    core = {v.regimen_id: v for v in alledu.eligibility(p)}["inotuzumab"]
    now = {v.regimen_id: v for v in alledu.eligibility(p, layer="current")}["inotuzumab"]
    assert core.eligible is False and now.eligible is True
    assert any("Update 2024-03-06" in n and "1 year" in n for n in core.notes)


def test_cd19_negative_relapse_rules_out_blinatumomab() -> None:
    v = verdicts(lineage="B", cd19_positive=False, cd22_positive=True, disease_status="relapsed", ph_positive=False)
    assert v["blinatumomab_rr"].eligible is False
    assert v["inotuzumab"].eligible is True


def test_goal_is_stated_for_eligible_relapse_verdicts() -> None:
    v = verdicts(lineage="B", cd22_positive=True, disease_status="relapsed")["inotuzumab"]
    assert v.eligible is True and "CR2" in v.goal and "alloSCT" in v.goal
    assert "tavernier2007" in v.citations
    assert verdicts(lineage="T")["inotuzumab"].goal is None


def test_tree_can_be_drawn_with_lit_path() -> None:
    v = verdicts(lineage="B", cd19_positive=True, disease_status="relapsed", ph_positive=False)["blinatumomab_rr"]
    assert v.tree.kind == "all" and v.tree.result is True
    assert [c.result for c in v.tree.children] == [True, True, True, True]
    assert [c.path for c in v.tree.children] == ["0.0", "0.1", "0.2", "0.3"]


def test_every_regimen_judged_once() -> None:
    assert [
        v.regimen_id for v in alledu.eligibility(Patient(age_years=5, height_cm=110, weight_kg=18))
    ] == alledu.regimen_ids()


def test_bad_layer_and_patient() -> None:
    with pytest.raises(InvalidInput, match="layer: '2019'"):
        alledu.eligibility(Patient(age_years=5, height_cm=110, weight_kg=18), layer="2019")
    with pytest.raises(InvalidInput, match="patient"):
        alledu.eligibility({"age_years": 5})
