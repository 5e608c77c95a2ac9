"""Schedules: day-by-day doses for every regimen (cycles 1 and 2), the 45 kg switch, caps,
dates across cycles, choices, and property tests. Expected numbers are the clinical-facts
file's doses times an independently computed Mosteller BSA."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alledu
from alledu import InvalidInput, Patient

CHILD_BSA = math.sqrt(130 * 30 / 3600)  # 1.0408 m2
ADULT_BSA = math.sqrt(170 * 70 / 3600)  # 1.8181 m2


def days_and_doses(frame: pd.DataFrame, cycle: int) -> list[tuple[int, float]]:
    rows = frame[frame.cycle == cycle]
    return list(zip(rows.day.tolist(), rows.dose.tolist(), strict=True))


def expect(days: list[int], dose: float) -> list[tuple[int, float]]:
    return [(d, pytest.approx(dose, rel=1e-9)) for d in days]


def test_review_regimens_listed_in_lesson_order() -> None:
    """The review's eight regimens keep their order; later therapies may be added to the list."""
    ids = alledu.regimen_ids()
    review = [
        "clofarabine_pediatric",
        "clofarabine_adult",
        "nelarabine_adult",
        "nelarabine_pediatric",
        "vincristine_liposomal",
        "blinatumomab_rr",
        "blinatumomab_mrd",
        "inotuzumab",
    ]
    assert [i for i in ids if i in review] == review


def test_issue_example_blinatumomab_child(child_30kg: Patient) -> None:
    frame = alledu.schedule("blinatumomab_rr", child_30kg, cycles=2)
    assert len(frame) == 56
    assert days_and_doses(frame, 1) == expect(list(range(1, 8)), 5 * CHILD_BSA) + expect(
        list(range(8, 29)), 15 * CHILD_BSA
    )
    assert days_and_doses(frame, 2) == expect(list(range(1, 29)), 15 * CHILD_BSA)
    assert f"{frame.dose[0]:.2f}" == "5.20" and f"{frame.dose[7]:.2f}" == "15.61"
    assert set(frame.unit) == {"mcg/day"}
    assert set(frame.basis) == {"per m2"}
    assert not frame.capped.any()
    assert frame.bsa_m2[0] == pytest.approx(CHILD_BSA)
    assert frame.working[0] == "5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day"


def test_blinatumomab_adult_fixed(adult_70kg: Patient) -> None:
    frame = alledu.schedule("blinatumomab_rr", adult_70kg, cycles=2)
    assert days_and_doses(frame, 1) == expect(list(range(1, 8)), 9) + expect(list(range(8, 29)), 28)
    assert days_and_doses(frame, 2) == expect(list(range(1, 29)), 28)
    assert set(frame.basis) == {"fixed"} and frame.bsa_m2.isna().all()


@pytest.mark.parametrize(
    ("weight", "basis", "week1"),
    [(44.9, "per m2", None), (45.0, "fixed", 9.0), (45.1, "fixed", 9.0)],
)
def test_45_kg_switch(weight: float, basis: str, week1: float | None) -> None:
    p = Patient(age_years=14, height_cm=160, weight_kg=weight)
    frame = alledu.schedule("blinatumomab_rr", p)
    assert set(frame.basis) == {basis}
    body = math.sqrt(160 * weight / 3600)
    assert frame.dose[0] == pytest.approx(week1 if week1 is not None else 5 * body)
    assert frame.dose[7] == pytest.approx(28 if week1 is not None else 15 * body)


def test_45_kg_switch_mrd() -> None:
    below = alledu.schedule("blinatumomab_mrd", Patient(age_years=14, height_cm=160, weight_kg=44.9))
    at = alledu.schedule("blinatumomab_mrd", Patient(age_years=14, height_cm=160, weight_kg=45))
    assert below.dose[0] == pytest.approx(15 * math.sqrt(160 * 44.9 / 3600))
    assert at.dose[0] == 28


@pytest.mark.parametrize(
    ("bsa_m2", "week1", "week2", "capped1", "capped2"),
    [
        (1.79, 5 * 1.79, 15 * 1.79, False, False),
        (1.80, 9.0, 27.0, False, False),  # 5 x 1.80 = 9 exactly: at the cap, not over it
        (1.85, 9.0, 15 * 1.85, True, False),
        (1.87, 9.0, 28.0, True, True),  # 15 x 1.87 = 28.05 > 28
        (2.5, 9.0, 28.0, True, True),
    ],
)
def test_blinatumomab_caps_with_direct_bsa(
    bsa_m2: float, week1: float, week2: float, capped1: bool, capped2: bool
) -> None:
    p = Patient(age_years=15, height_cm=170, weight_kg=44)
    frame = alledu.schedule("blinatumomab_rr", p, bsa_m2=bsa_m2)
    assert frame.dose[0] == pytest.approx(week1)
    assert frame.dose[7] == pytest.approx(week2)
    assert frame.capped[0] == capped1 and frame.capped[7] == capped2
    assert frame.dose_before_cap[0] == pytest.approx(5 * bsa_m2)
    assert frame.dose_before_cap[7] == pytest.approx(15 * bsa_m2)
    assert frame.cap[0] == 9 and frame.cap[7] == 28
    assert frame.bsa_formula[0] == "given"


def test_mrd_cap_with_direct_bsa() -> None:
    frame = alledu.schedule("blinatumomab_mrd", Patient(age_years=15, height_cm=170, weight_kg=40), bsa_m2=2.0)
    assert frame.dose[0] == 28 and frame.capped[0] and frame.dose_before_cap[0] == pytest.approx(30)


def test_clofarabine_pediatric(child_30kg: Patient) -> None:
    frame = alledu.schedule("clofarabine_pediatric", child_30kg, cycles=2, start=dt.date(2026, 1, 5))
    for cycle in (1, 2):
        assert days_and_doses(frame, cycle) == expect([1, 2, 3, 4, 5], 52 * CHILD_BSA)
    assert frame.date.tolist()[5] == dt.date(2026, 2, 2)  # cycle 2 day 1 = day 29 (28-day cycle)
    assert set(frame.unit) == {"mg"}


def test_clofarabine_adult_cycle1_only(adult_70kg: Patient) -> None:
    frame = alledu.schedule("clofarabine_adult", adult_70kg)
    assert days_and_doses(frame, 1) == expect([1, 2, 3, 4, 5], 40 * ADULT_BSA)
    with pytest.raises(InvalidInput, match="cycles: 2 .*1 to 1 for Clofarabine, adult dose.*no cycle length"):
        alledu.schedule("clofarabine_adult", adult_70kg, cycles=2)


def test_clofarabine_pediatric_cycle_length_label_vs_review(child_30kg: Patient) -> None:
    frame = alledu.schedule("clofarabine_pediatric", child_30kg, cycles=2, start="2026-01-05")
    assert frame[frame.day == 1].date.tolist() == [dt.date(2026, 1, 5), dt.date(2026, 2, 2)]  # 28-day cycle
    assert set(frame.source) == {"label (date not verified)"}
    review = alledu.schedule("clofarabine_pediatric", child_30kg, view="review")
    assert set(review.source) == {"review 2021-07-02"}
    with pytest.raises(InvalidInput, match="cycles: 2 .*1 to 1.*the review gives no cycle length"):
        alledu.schedule("clofarabine_pediatric", child_30kg, cycles=2, view="review")


def test_nelarabine_adult(adult_70kg: Patient) -> None:
    frame = alledu.schedule("nelarabine_adult", adult_70kg, cycles=2, start="2026-03-02")
    for cycle in (1, 2):
        assert days_and_doses(frame, cycle) == expect([1, 3, 5], 1500 * ADULT_BSA)
    assert frame.date.tolist() == [dt.date(2026, 3, d) for d in (2, 4, 6, 23, 25, 27)]


def test_nelarabine_pediatric(child_30kg: Patient) -> None:
    frame = alledu.schedule("nelarabine_pediatric", child_30kg, cycles=2)
    for cycle in (1, 2):
        assert days_and_doses(frame, cycle) == expect([1, 2, 3, 4, 5], 650 * CHILD_BSA)


@pytest.mark.parametrize(("step", "per_m2"), [("full", 2.25), ("step1", 2.0), ("step2", 1.825), ("step3", 1.5)])
def test_vincristine_liposomal_weekly(adult_70kg: Patient, step: str, per_m2: float) -> None:
    frame = alledu.schedule("vincristine_liposomal", adult_70kg, cycles=2, start="2026-01-01", dose_step=step)
    assert days_and_doses(frame, 1) == expect([1], per_m2 * ADULT_BSA)
    assert days_and_doses(frame, 2) == expect([1], per_m2 * ADULT_BSA)
    assert frame.date.tolist() == [dt.date(2026, 1, 1), dt.date(2026, 1, 8)]
    assert not frame.capped.any()  # no 2 mg cap: unlike conventional vincristine


def test_vincristine_liposomal_dose_is_not_capped_at_2mg(adult_70kg: Patient) -> None:
    frame = alledu.schedule("vincristine_liposomal", adult_70kg)
    assert frame.dose[0] == pytest.approx(2.25 * ADULT_BSA) and frame.dose[0] > 2


def test_inotuzumab_cycle1_and_response(adult_70kg: Patient) -> None:
    cr = alledu.schedule("inotuzumab", adult_70kg, cycles=2, response="cr")
    assert days_and_doses(cr, 1) == [
        (1, pytest.approx(0.8 * ADULT_BSA)),
        (8, pytest.approx(0.5 * ADULT_BSA)),
        (15, pytest.approx(0.5 * ADULT_BSA)),
    ]
    assert days_and_doses(cr, 2) == expect([1, 8, 15], 0.5 * ADULT_BSA)
    no_cr = alledu.schedule("inotuzumab", adult_70kg, cycles=2, response="no_cr")
    assert days_and_doses(no_cr, 2) == days_and_doses(cr, 1)
    # per-cycle totals match the label's 1.8 and 1.5 mg/m2
    assert cr[cr.cycle == 1].dose.sum() == pytest.approx(1.8 * ADULT_BSA)
    assert cr[cr.cycle == 2].dose.sum() == pytest.approx(1.5 * ADULT_BSA)


@pytest.mark.parametrize(("cycle1_days", "cycle2_start"), [(21, dt.date(2026, 1, 22)), ("28", dt.date(2026, 1, 29))])
def test_inotuzumab_cycle1_length_moves_cycle2(adult_70kg: Patient, cycle1_days: object, cycle2_start: dt.date) -> None:
    frame = alledu.schedule(
        "inotuzumab", adult_70kg, cycles=2, start="2026-01-01", response="cr", cycle1_days=cycle1_days
    )
    assert frame[frame.cycle == 2].date.tolist()[0] == cycle2_start
    info = alledu.timeline("inotuzumab", 2, response="cr", cycle1_days=cycle1_days)
    assert info[0].length_days == int(cycle1_days)
    assert info[0].treatment_free == ((22, 28) if int(cycle1_days) == 28 else None)


def test_inotuzumab_limits(adult_70kg: Patient) -> None:
    with pytest.raises(InvalidInput, match=r"response: None.*'cr', 'cr_after_2', 'cr_after_3', 'no_cr'.*cycle 2"):
        alledu.schedule("inotuzumab", adult_70kg, cycles=2)
    with pytest.raises(InvalidInput, match=r"cycles: 4 .*1 to 3.*no CR/CRi within 3 cycles"):
        alledu.schedule("inotuzumab", adult_70kg, cycles=4, response="no_cr")
    assert alledu.schedule("inotuzumab", adult_70kg, cycles=6, response="cr").cycle.max() == 6
    with pytest.raises(InvalidInput, match=r"cycles: 7 .*1 to 6"):
        alledu.schedule("inotuzumab", adult_70kg, cycles=7, response="cr")
    with pytest.raises(InvalidInput, match=r"response: 'partial'.*'cr', 'cr_after_2', 'cr_after_3', 'no_cr'"):
        alledu.schedule("inotuzumab", adult_70kg, cycles=2, response="partial")
    with pytest.raises(InvalidInput, match=r"cycle1_days: 35"):
        alledu.schedule("inotuzumab", adult_70kg, cycle1_days=35)


def test_blinatumomab_cycle_limits_label_vs_review(adult_70kg: Patient) -> None:
    # the label in force (default): continued therapy, up to 9 cycles
    frame = alledu.schedule("blinatumomab_rr", adult_70kg, cycles=9, start="2026-01-01")
    assert len(frame) == 9 * 28
    starts = frame[frame.day == 1].date.tolist()
    gaps = [(b - a).days for a, b in itertools.pairwise(starts)]
    assert gaps == [42, 42, 42, 42, 42, 84, 84, 84]
    assert set(frame[frame.cycle >= 6].source) == {"label by 2019-02 at the latest (exact date not verified)"}
    assert set(frame[frame.cycle <= 5].source) == {"label"}
    assert set(frame[frame.cycle >= 6].phase) == {"continued therapy"}
    with pytest.raises(InvalidInput, match=r"cycles: 10 .*1 to 9"):
        alledu.schedule("blinatumomab_rr", adult_70kg, cycles=10)
    # the 2021 review: 2 induction + 3 consolidation
    assert alledu.schedule("blinatumomab_rr", adult_70kg, cycles=5, view="review").cycle.max() == 5
    with pytest.raises(InvalidInput, match=r"cycles: 6 .*1 to 5.*2 induction \+ 3 consolidation"):
        alledu.schedule("blinatumomab_rr", adult_70kg, cycles=6, view="review")
    with pytest.raises(InvalidInput, match=r"cycles: 5 .*1 to 4"):
        alledu.schedule("blinatumomab_mrd", adult_70kg, cycles=5)


def test_dates_and_hospital_and_premedication(child_30kg: Patient) -> None:
    frame = alledu.schedule("blinatumomab_rr", child_30kg, cycles=2, start="2026-01-05")
    c2 = frame[frame.cycle == 2]
    assert c2.date.iloc[0] == dt.date(2026, 2, 16)  # 42 days after 2026-01-05
    assert frame[frame.hospital].groupby("cycle").day.apply(list).to_dict() == {
        1: list(range(1, 10)),
        2: [1, 2],
    }
    # a child: dexamethasone in the first cycle only (day 1 and the step-up day), none in cycle 2
    premed = frame[frame.premedication != ""][["cycle", "day"]].values.tolist()
    assert premed == [[1, 1], [1, 8]]
    first = frame.premedication[0]
    assert first.startswith("Dexamethasone 5 mg/m2 (max 20 mg)") and "For this patient: 5.20 mg" in first


def test_adult_blinatumomab_premedication_every_cycle(adult_70kg: Patient) -> None:
    frame = alledu.schedule("blinatumomab_rr", adult_70kg, cycles=3)
    premed = frame[frame.premedication != ""][["cycle", "day"]].values.tolist()
    assert premed == [[1, 1], [1, 8], [2, 1], [3, 1]]
    assert set(frame[frame.premedication != ""].premedication.str[:24]) == {"Dexamethasone 20 mg IV 1"}


@pytest.mark.parametrize(("age", "adult"), [(17.9, False), (18, True)])
def test_adult_means_18_or_older(age: float, adult: bool) -> None:
    p = Patient(age_years=age, height_cm=160, weight_kg=50)
    frame = alledu.schedule("blinatumomab_rr", p, cycles=2)
    assert bool((frame[frame.cycle == 2].premedication != "").any()) is adult


@pytest.mark.parametrize(("bsa_m2", "shown"), [(1.0, "5.00 mg."), (3.99, "19.95 mg."), (4.0, "20.00 mg.")])
def test_child_dexamethasone_per_m2_up_to_20_mg(bsa_m2: float, shown: str) -> None:
    p = Patient(age_years=15, height_cm=160, weight_kg=44)
    premed = alledu.schedule("blinatumomab_rr", p, bsa_m2=bsa_m2).premedication[0]
    assert premed.endswith(f"For this patient: {shown}") and "capped" not in premed


def test_mrd_premedication_child_not_stated_adult_prednisone(child_30kg: Patient, adult_70kg: Patient) -> None:
    child = alledu.schedule("blinatumomab_mrd", child_30kg)
    assert child.premedication[0] == "Premedication for children: not stated in the sources used here."
    adult = alledu.schedule("blinatumomab_mrd", adult_70kg)
    assert adult.premedication[0].startswith("Prednisone 100 mg IV")


def test_safety_notes_for_every_regimen() -> None:
    from alledu.schedule import safety_notes

    def texts(rid: str, age: float | None = 40) -> str:
        return " ".join(n.text for n in safety_notes(rid, age))

    for rid in ("nelarabine_adult", "nelarabine_pediatric"):
        assert "Boxed warning: neurologic toxicity" in texts(rid)
    for rid in ("clofarabine_pediatric", "clofarabine_adult"):
        assert "halve the dose at a creatinine clearance of 30-60 mL/min" in texts(rid)
        assert "no sooner than 14 days from the starting day of the previous cycle" in texts(rid)
        assert "after the last dose" not in texts(rid)
        assert "ANC of at least 0.75 x 10^9/L" in texts(rid)
    marqibo = texts("vincristine_liposomal")
    assert "Verify the drug name and dose" in marqibo and "IV only" in marqibo
    assert "Withdrawn since 2022-05-02" in marqibo
    blin_adult, blin_child = texts("blinatumomab_rr", 40), texts("blinatumomab_rr", 9)
    assert "In hospital: cycle 1 days 1-9; cycle 2 days 1-2." in blin_adult
    assert "cycles 2-2" not in blin_adult
    assert "Dexamethasone 20 mg" in blin_adult and "5 mg/m2" not in blin_adult
    assert "5 mg/m2" in blin_child and "Dexamethasone 20 mg IV" not in blin_child
    assert "In hospital: cycle 1 days 1-3; cycle 2 days 1-2." in texts("blinatumomab_mrd")
    ino = texts("inotuzumab")
    assert "Corticosteroid, antipyretic and antihistamine" in ino and "up to 2 days" in ino


def test_timeline_exposes_gaps_and_stays() -> None:
    info = alledu.timeline("blinatumomab_mrd", 2, start=dt.date(2026, 1, 1))
    assert [(i.length_days, i.treatment_free, i.hospital) for i in info] == [
        (42, (29, 42), (1, 3)),
        (42, (29, 42), (1, 2)),
    ]
    assert info[1].start_day == 43 and info[1].start_date == dt.date(2026, 2, 12)
    assert info[0].continuous and info[0].dose_days == tuple(range(1, 29))


def test_schedule_without_start_has_no_date(child_30kg: Patient) -> None:
    assert "date" not in alledu.schedule("blinatumomab_rr", child_30kg).columns


def test_citation_and_source_columns(child_30kg: Patient) -> None:
    frame = alledu.schedule("nelarabine_pediatric", child_30kg)
    assert set(frame.citation) == {"review2021, arranon"}
    assert set(frame.source) == {"label"}
    assert set(alledu.schedule("nelarabine_pediatric", child_30kg, view="review").source) == {"review 2021-07-02"}


def test_bsa_formula_choice_changes_dose(adult_70kg: Patient) -> None:
    frame = alledu.schedule("nelarabine_adult", adult_70kg, bsa_formula="dubois")
    assert frame.dose[0] == pytest.approx(1500 * alledu.bsa(height_cm=170, weight_kg=70, formula="dubois"))
    assert frame.bsa_formula[0] == "DuBois & DuBois"


def test_bsa_rounding_only_when_asked(adult_70kg: Patient) -> None:
    exact = alledu.schedule("nelarabine_adult", adult_70kg)
    rounded = alledu.schedule("nelarabine_adult", adult_70kg, bsa_decimals=2)
    assert exact.dose[0] == pytest.approx(1500 * ADULT_BSA)
    assert rounded.dose[0] == pytest.approx(1500 * 1.82)


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda p: alledu.schedule("blinatumomab", p), "regimen_id: 'blinatumomab'.*blinatumomab_rr"),
        (lambda p: alledu.schedule("inotuzumab", p, colour="red"), "colour: 'red'.*choices for inotuzumab"),
        (lambda p: alledu.schedule("clofarabine_pediatric", p, cycles=0), "cycles: 0 .*1 to 12"),
        (lambda p: alledu.schedule("clofarabine_pediatric", p, cycles=2.5), "cycles: 2.5"),
        (lambda p: alledu.schedule("clofarabine_pediatric", p, start="05/01/2026"), "start: '05/01/2026'"),
        (lambda p: alledu.schedule("clofarabine_pediatric", p, bsa_m2=0), "bsa_m2: 0"),
        (lambda p: alledu.schedule("clofarabine_pediatric", p, bsa_formula="x"), "formula: 'x'"),
        (lambda p: alledu.schedule("clofarabine_pediatric", {"age_years": 9}), "patient:"),
    ],
)
def test_bad_schedule_input(child_30kg: Patient, call, needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        call(child_30kg)


def test_rounding_policies() -> None:
    r = alledu.round_dose(54.1233, "whole")
    assert r.shown == 54 and r.within_tolerance and r.deviation_percent == pytest.approx(0.2278, abs=1e-3)
    assert alledu.round_dose(2.675, "hundredth").shown == 2.68  # half up, decimal-exact
    assert alledu.round_dose(5.2041, "exact").shown == 5.2041
    far = alledu.round_dose(1.2, "five")
    assert far.shown == 0 and not far.within_tolerance and far.tolerance_percent == 10
    with pytest.raises(InvalidInput, match="rounding: 'banker'"):
        alledu.round_dose(1.0, "banker")
    assert alledu.round_bsa(1.8181186, 2) == 1.82


# ---- properties -------------------------------------------------------------------------
bsas = st.floats(min_value=0.1, max_value=4.0)


@settings(max_examples=60, deadline=None)
@given(bsas, st.floats(min_value=1.01, max_value=3.0))
def test_dose_linear_in_bsa_below_cap_and_never_above(body: float, factor: float) -> None:
    p = Patient(age_years=10, height_cm=140, weight_kg=35)
    for rid in ("blinatumomab_rr", "clofarabine_pediatric", "nelarabine_pediatric", "inotuzumab"):
        a = alledu.schedule(rid, p, bsa_m2=body)
        big = min(body * factor, 4.0)
        b = alledu.schedule(rid, p, bsa_m2=big)
        for (_, ra), (_, rb) in zip(a.iterrows(), b.iterrows(), strict=True):
            assert ra.dose_before_cap == pytest.approx(ra.basis_amount * body)
            if not math.isnan(ra.cap):
                assert ra.dose <= ra.cap and rb.dose <= rb.cap
            if not ra.capped and not rb.capped:
                assert rb.dose / ra.dose == pytest.approx(big / body)
            assert rb.dose >= ra.dose


@settings(max_examples=40, deadline=None)
@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
    st.sampled_from(["clofarabine_pediatric", "nelarabine_adult", "blinatumomab_rr", "vincristine_liposomal"]),
    st.integers(min_value=1, max_value=5),
)
def test_dates_follow_cycle_and_day(start: dt.date, rid: str, cycles: int) -> None:
    p = Patient(age_years=30, height_cm=170, weight_kg=70)
    frame = alledu.schedule(rid, p, cycles=cycles, start=start)
    info = alledu.timeline(rid, cycles)
    for row in frame.itertuples():
        offset = info[row.cycle - 1].start_day - 1 + row.day - 1
        assert row.date == start + dt.timedelta(days=offset)
    assert frame.date.is_monotonic_increasing and frame.date.is_unique
