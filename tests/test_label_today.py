"""Golden tests for the agents the label has beside or after the review (issue 19, facts section 2b).

Each vector quotes the label sentence it comes from. In the label's view these agents are judged
like the others; in the review's view they are "not in the review", never "not eligible".
"""

from __future__ import annotations

import contextlib
import io

import pytest

import alledu
from alledu.cli import main
from alledu.eligibility import scope_line
from alledu.errors import InvalidInput
from alledu.patient import Patient

NEW = ["tisagenlecleucel", "brexucabtagene", "obecabtagene", "dasatinib", "ponatinib", "revumenib"]


def verdicts(view: str = "label", **fields: object) -> dict[str, bool | None]:
    base = {"age_years": 45, "height_cm": 175, "weight_kg": 80}
    p = Patient(**{**base, **fields})
    return {v.regimen_id: v.eligible for v in alledu.eligibility(p, view)}


B_RELAPSE = dict(lineage="B", cd19_positive=True, cd22_positive=True, ph_positive=False, disease_status="relapsed")


def test_adult_first_relapse_fits_two_car_t_products() -> None:
    # TECARTUS / AUCATZYL: "adults with relapsed or refractory B-cell precursor acute lymphoblastic leukemia"
    v = verdicts(**B_RELAPSE, relapse_number=1, prior_regimens=1)
    assert [r for r, ok in v.items() if ok] == ["blinatumomab_rr", "inotuzumab", "brexucabtagene", "obecabtagene"]
    # KYMRIAH: "patients up to 25 years of age with B-cell precursor ALL that is refractory or in second
    # or later relapse": a 45-year-old in first relapse is outside it on both counts
    assert v["tisagenlecleucel"] is False


def test_young_adult_refractory_also_fits_tisagenlecleucel() -> None:
    v = verdicts(age_years=20, **{**B_RELAPSE, "disease_status": "refractory"})
    assert v["tisagenlecleucel"] is True and v["brexucabtagene"] is True and v["obecabtagene"] is True
    # "up to 25 years of age" read through age 25 (to the 26th birthday), like clofarabine's "1 to 21"
    assert verdicts(age_years=25.9, **{**B_RELAPSE, "disease_status": "refractory"})["tisagenlecleucel"] is True
    assert verdicts(age_years=26.0, **{**B_RELAPSE, "disease_status": "refractory"})["tisagenlecleucel"] is False
    # "second or later relapse"
    assert verdicts(age_years=12, **B_RELAPSE, relapse_number=2)["tisagenlecleucel"] is True
    assert verdicts(age_years=12, **B_RELAPSE, relapse_number=1)["tisagenlecleucel"] is False
    # adults only for the other two ("adults with relapsed or refractory ..."): 17.9 is not an adult
    assert verdicts(age_years=17.9, **B_RELAPSE, relapse_number=2)["brexucabtagene"] is False


def test_cd19_negative_relapse_is_not_a_car_t_target() -> None:
    v = verdicts(**{**B_RELAPSE, "cd19_positive": False}, relapse_number=2)
    assert v["tisagenlecleucel"] is False and v["brexucabtagene"] is False and v["obecabtagene"] is False
    assert verdicts(**{**B_RELAPSE, "cd19_positive": None}, relapse_number=2)["brexucabtagene"] is None


def test_ph_positive_adult_fits_dasatinib_and_ponatinib() -> None:
    # SPRYCEL: "adults with Philadelphia chromosome-positive acute lymphoblastic leukemia (Ph+ ALL) with
    # resistance or intolerance to prior therapy"
    ph = {**B_RELAPSE, "ph_positive": True}
    assert verdicts(**ph)["dasatinib"] is True
    assert verdicts(**{**ph, "ph_positive": False})["dasatinib"] is False
    # ICLUSIG: Ph+ ALL "for whom no other tyrosine kinase inhibitor (TKI) therapy is indicated", or
    # "T315I-positive Ph+ ALL": unknown T315I leaves the verdict open, never guessed
    assert verdicts(**ph)["ponatinib"] is None
    assert verdicts(**ph, t315i_positive=True)["ponatinib"] is True
    assert verdicts(**ph, t315i_positive=False)["ponatinib"] is None
    assert verdicts(**ph, t315i_positive=False, other_tki_indicated=False)["ponatinib"] is True
    assert verdicts(**ph, t315i_positive=False, other_tki_indicated=True)["ponatinib"] is False


def test_revumenib_needs_a_kmt2a_translocation() -> None:
    # FDA, 2024-11-15: "relapsed or refractory acute leukemia with a lysine methyltransferase 2A gene
    # (KMT2A) translocation in adult and pediatric patients 1 year and older"
    assert verdicts(**B_RELAPSE)["revumenib"] is None  # KMT2A unknown: open
    assert verdicts(**B_RELAPSE, kmt2a_rearranged=True)["revumenib"] is True
    assert verdicts(**B_RELAPSE, kmt2a_rearranged=False)["revumenib"] is False
    assert verdicts(age_years=0.9, **B_RELAPSE, kmt2a_rearranged=True)["revumenib"] is False
    assert verdicts(age_years=1.0, lineage="T", disease_status="refractory", kmt2a_rearranged=True)["revumenib"]


def test_review_view_says_not_in_the_review_never_not_eligible() -> None:
    p = Patient(age_years=20, height_cm=175, weight_kg=70, **{**B_RELAPSE, "disease_status": "refractory"})
    by_review = {v.regimen_id: v for v in alledu.eligibility(p, "review")}
    for rid in NEW:
        v = by_review[rid]
        assert v.eligible is None and v.word == "not in the review", rid
        assert v.reasons[0].startswith("Not in the review: the 2021 review (2021-07-02) does not name")
    assert "since 2017-08-30" in by_review["tisagenlecleucel"].reasons[0]
    assert {v.regimen_id: v.word for v in alledu.eligibility(p)}["tisagenlecleucel"] == "eligible"


def test_cli_lists_scope_and_the_new_agents() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["eligibility", "--age", "45", "--height-cm", "175", "--weight-kg", "80", "--lineage", "B"])
    lines = out.getvalue().splitlines()
    assert lines[0] == scope_line()
    assert lines[0].startswith("Covered here: Clofarabine, Nelarabine, Vincristine sulfate liposome, Blinatumomab")
    assert (
        "Tisagenlecleucel, Brexucabtagene autoleucel, Obecabtagene autoleucel, Dasatinib, Ponatinib, Revumenib"
        in (lines[0])
    )
    assert "Not covered here: salvage chemotherapy combinations (e.g. hyper-CVAD, FLAG-IDA); imatinib;" in lines[0]


def test_car_t_monitoring_is_a_dated_history() -> None:
    from alledu.schedule import safety_notes

    (note,) = [n.text for n in safety_notes("tisagenlecleucel") if n.text.startswith("After the infusion")]
    assert note.startswith("After the infusion (label since 2025-06-26): REMS eliminated. Monitor for at least 2 weeks")
    assert "no driving for 2 weeks" in note
    assert "Until 2025-06-26: Available only under a REMS" in note and "at least 4 weeks" in note
    assert "no driving for 8 weeks" in note


def test_judged_agents_are_never_dosed_silently() -> None:
    p = Patient(age_years=40, height_cm=170, weight_kg=70)
    for rid in NEW:
        with pytest.raises(InvalidInput, match=r"regimen_id: .* is judged, not dosed, here"):
            alledu.schedule(rid, p)
    dose = alledu.regimen("brexucabtagene").dose_note
    assert "1 x 10^6 CAR-positive viable T cells per kg of body weight, at most 1 x 10^8" in dose
    assert "not verified" in alledu.regimen("revumenib").dose_note
    assert "not verified" in alledu.regimen("obecabtagene").dose_note
