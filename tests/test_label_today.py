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
    notice, judged, *lines = out.getvalue().splitlines()
    assert notice.startswith("Educational use only")
    assert judged == "Judged by the US label in force on 2026-12-07."
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
    judged = [rid for rid in NEW if not alledu.regimen(rid).has_dose_plan()]
    assert judged == ["obecabtagene", "dasatinib", "ponatinib", "revumenib"]  # the rest: section 2b not verified
    for rid in judged:
        with pytest.raises(InvalidInput, match=r"regimen_id: .* is judged, not dosed, here"):
            alledu.schedule(rid, p)
    assert "not verified" in alledu.regimen("revumenib").dose_note
    assert "not verified" in alledu.regimen("obecabtagene").dose_note


def cells(rid: str, kg: float) -> list[tuple[int, str, str]]:
    f = alledu.schedule(rid, Patient(age_years=20, height_cm=170 if kg > 40 else 135, weight_kg=kg))
    return [(r.day, r.dose_text, r.working) for r in f.itertuples() if r.unit == "CAR-positive viable T cells"]


def test_tisagenlecleucel_cell_dose_at_30_70_120_kg() -> None:
    # KYMRIAH (ALL): "Body weight 50 kg or less: 0.2 to 5 x 10^6 CAR-positive viable T cells per kg of body
    # weight / Body weight above 50 kg: 0.1 to 2.5 x 10^8 CAR-positive viable T cells"
    unit = "CAR-positive viable T cells"
    assert cells("tisagenlecleucel", 30) == [
        (
            0,
            f"6.0 x 10^6 to 1.5 x 10^8 {unit}",
            f"0.2 to 5.0 x 10^6 {unit}/kg x 30 kg = 6.0 x 10^6 to 1.5 x 10^8 {unit}",
        )
    ]
    assert cells("tisagenlecleucel", 50)[0][1] == f"1.0 x 10^7 to 2.5 x 10^8 {unit}"  # 50 kg: still per kg
    for kg in (50.1, 70, 120):
        assert cells("tisagenlecleucel", kg) == [
            (0, f"1.0 x 10^7 to 2.5 x 10^8 {unit}", f"fixed dose 0.1 to 2.5 x 10^8 {unit}")
        ]
    f = alledu.schedule("tisagenlecleucel", Patient(age_years=20, height_cm=135, weight_kg=30))
    row = f[f.day == 0].iloc[0]
    assert row.unit == unit and row.basis == "per kg" and (row.dose_low, row.dose_high) == (6.0e6, 1.5e8)
    assert row.dose != row.dose  # NaN: a range has two ends, not one dose
    assert row.bsa_m2 != row.bsa_m2  # never BSA


def test_brexucabtagene_cell_dose_at_30_70_120_kg() -> None:
    # TECARTUS (ALL): "1 x 10^6 CAR-positive viable T cells per kg body weight (maximum 1 x 10^8 CAR-positive
    # viable T cells)"
    unit = "CAR-positive viable T cells"
    assert [d for _, d, _ in cells("brexucabtagene", 30)] == [f"3.0 x 10^7 {unit}"]
    assert cells("brexucabtagene", 70) == [
        (0, f"7.0 x 10^7 {unit}", f"1.0 x 10^6 {unit}/kg x 70 kg = 7.0 x 10^7 {unit}"
         " (lymphodepleting chemotherapy comes first; its ALL doses and days are not verified here)")
    ]  # fmt: skip
    ((_, dose, working),) = cells("brexucabtagene", 120)
    assert dose == f"1.0 x 10^8 {unit}" and f"= 1.2 x 10^8 {unit}, capped at 1.0 x 10^8 {unit}" in working


def test_infusion_day_zero_and_lymphodepletion_on_negative_days() -> None:
    # KYMRIAH: "Fludarabine (30 mg/m2 IV daily for 4 days) and cyclophosphamide (500 mg/m2 IV daily for 2 days
    # starting with the first dose of fludarabine); infuse tisagenlecleucel 2 to 14 days after completion"
    import datetime as dt

    p = Patient(age_years=20, height_cm=170, weight_kg=70)
    f = alledu.schedule("tisagenlecleucel", p, start="2026-03-02")
    by_drug = f.groupby("drug").day.apply(list).to_dict()
    assert by_drug == {"Fludarabine": [-5, -4, -3, -2], "Cyclophosphamide": [-5, -4], "Tisagenlecleucel": [0]}
    assert f[f.day == 0].date.iloc[0] == dt.date(2026, 3, 2)  # the start date is the infusion day 0
    assert f[f.day == -5].date.iloc[0] == dt.date(2026, 2, 25)
    flu = f[f.drug == "Fludarabine"].iloc[0]
    assert flu.unit == "mg" and round(flu.dose, 2) == 54.54  # 30 mg/m2 x 1.8181 m2
    assert "Acetaminophen and an H1 antihistamine" in f[f.day == 0].premedication.iloc[0]
    info = alledu.timeline("tisagenlecleucel")[0]
    now = [(a.kind, a.first_day, a.last_day) for a in info.aftercare if a.in_force]
    before = [(a.kind, a.last_day, a.source) for a in info.aftercare if not a.in_force]
    assert now == [("near the treating centre", 1, 14), ("no driving", 1, 14)]  # since 2025-06-26
    assert before == [
        ("near the treating centre", 28, "label since 2017-08-30"),
        ("no driving", 56, "label since 2017-08-30"),
    ]


def test_cell_doses_on_the_command_line() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["schedule", "--age", "40", "--height-cm", "170", "--weight-kg", "70", "brexucabtagene"])
    assert "7.0 x 10^7 CAR-positive viable T cells" in out.getvalue()
    assert "mg" not in out.getvalue().split("working")[-1].split("\n")[1]


def test_calendar_export_keeps_each_drug_on_its_own_event() -> None:
    from alledu.export import to_ics

    p = Patient(age_years=20, height_cm=135, weight_kg=30)
    data = to_ics(alledu.schedule("tisagenlecleucel", p, start="2026-03-02"), "tisagenlecleucel", 20)
    text = data.decode() if isinstance(data, bytes) else data
    uids = [line for line in text.splitlines() if line.startswith("UID:")]
    assert len(uids) == len(set(uids)) == 3  # fludarabine days -5 to -2, cyclophosphamide -5 to -4, the infusion
    assert "SUMMARY:Tisagenlecleucel 6.0 x 10^6 to 1.5 x 10^8 CAR-positive viable T ce" in text
    assert "SUMMARY:Fludarabine 31.82 mg\\, IV\\, daily for 4 days (lymphodepletion) (cy" in text


def test_lymphodepletion_rows_carry_their_own_route_not_the_infusions() -> None:
    """Fludarabine's row said "one IV infusion (day 0), after lymphodepleting chemotherapy"."""
    frame = alledu.schedule("tisagenlecleucel", Patient(age_years=20, height_cm=135, weight_kg=30))
    routes = dict(zip(frame.drug, frame.route, strict=True))
    assert routes == {
        "Fludarabine": "IV, daily for 4 days (lymphodepletion)",
        "Cyclophosphamide": "IV, daily for 2 days (lymphodepletion)",
        "Tisagenlecleucel": "one IV infusion (day 0), after lymphodepleting chemotherapy",
    }


def test_case_feedback_never_marks_a_car_t_product_wrong() -> None:
    from alledu import exercises as E

    s = E.scenario("young_adult_refractory_car_t")
    review = next(st for st in s.steps if st.kind == "eligible" and st.view == "review")
    want = ["clofarabine_adult", "vincristine_liposomal", "blinatumomab_rr", "inotuzumab"]
    fb = E.check_step(s, review, [*want, "tisagenlecleucel"])
    assert fb.correct  # not in the review: not counted, never wrong
    assert "Not counted: Tisagenlecleucel (CAR-T) (the 2021 review (2021-07-02) does not name" in fb.text
    assert fb.text.endswith(scope_line())
    label = next(st for st in s.steps if st.kind == "eligible" and st.view == "label")
    # "under the current label": the off-label adult clofarabine is not a label answer
    assert E.step_answer(s, label) == [
        "blinatumomab_rr",
        "inotuzumab",
        "tisagenlecleucel",
        "brexucabtagene",
        "obecabtagene",
    ]
    fb = E.check_step(s, label, [*E.step_answer(s, label), "clofarabine_adult"])
    assert not fb.correct and "Why not: Clofarabine, adult dose (off-label): off-label (" in fb.text


def test_one_month_as_a_learner_types_it_and_bars_on_negative_days() -> None:
    from alledu.views import timeline_bars

    base = dict(height_cm=54, weight_kg=4.2, lineage="B", cd19_positive=True, disease_status="relapsed")
    for age, fits in ((0.083, True), (0.0833, True), (0.075, False), (0.04, False)):
        judged = {v.regimen_id: v.eligible for v in alledu.eligibility(Patient(age_years=age, **base))}
        assert judged["blinatumomab_rr"] is fits, age
    p = Patient(age_years=20, height_cm=170, weight_kg=70)
    bars = timeline_bars(alledu.timeline("tisagenlecleucel"), alledu.schedule("tisagenlecleucel", p))
    texts = [b.text for b in bars if b.kind == "doses"]
    assert texts[0].startswith("Cycle 1 days -5 to -2 (dose): Fludarabine 54.54 mg")
    assert not any("--" in t for t in texts)


def test_day_and_cycle_syntax_edges() -> None:
    from alledu.models import parse_cycles, parse_days

    with pytest.raises(ValueError, match="cycle numbers start at 1"):
        parse_cycles("from 0")
    with pytest.raises(ValueError, match="write '1-5' for the range or '1, 5'"):
        parse_days([5, 1])
