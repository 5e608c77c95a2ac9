"""Golden tests for the statements a hematology teacher rejected (issue 18), on what a learner sees.

Each test reproduces one statement as the command line, the dose table or a verdict shows it,
and checks the corrected value against shared/clinical-facts.md (cited in each test).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from pathlib import Path

import pytest

import alledu
from alledu.cli import main
from alledu.content_loader import content, load_from
from alledu.eligibility import history_differences
from alledu.errors import ContentError
from alledu.models import History, parse_cycles, parse_days, parse_span
from alledu.patient import Patient
from alledu.schedule import cycles_allowed
from tests.test_content import _copy  # one helper for a scratch copy of the content

OUT_OF_DATE = "already out of date on its own date"


def cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


def block(text: str, regimen_id: str) -> str:
    """One regimen's block of `alledu eligibility` output."""
    m = re.search(rf"^{regimen_id}: .*?(?=^\w+: |\Z)", text, re.S | re.M)
    assert m, regimen_id
    return m.group(0)


MRD_CR1 = ["--age", "30", "--height-cm", "170", "--weight-kg", "70", "--lineage", "B", "--cd19-positive", "yes"]
MRD_CR1 += ["--status", "remission", "--remission-number", "1", "--mrd", "0.5"]


# 1. "out of date" only from a dated entry that says the label's meaning changed -------------
def test_mrd_indication_is_not_called_out_of_date() -> None:
    mrd = block(cli("eligibility", *MRD_CR1), "blinatumomab_mrd")
    assert mrd.startswith("blinatumomab_mrd: ELIGIBLE")
    assert OUT_OF_DATE not in mrd and "out of date" not in mrd
    # the review's "accelerated approval" was right in 2021; full approval came in 2023-06
    assert (
        "Indication: the review (2021-07-02) says: CD19-positive B-cell precursor ALL in first or second complete "
        "remission with MRD of 0.1% or more (accelerated approval); the label has said: Adults and children one "
        "month and older with CD19-positive B-cell precursor ALL in first or second complete remission with MRD of "
        "0.1% or more (current wording) since 2024-06-14." in mrd
    )


def test_mrd_label_history_2018_accelerated_without_cd19_2023_full_with_cd19() -> None:
    reg = content().regimens["blinatumomab_mrd"]
    assert [(s.when(), "accelerated" in s.value, "CD19" in s.value) for s in reg.indication.label[:2]] == [
        ("2018-03-29", True, False),
        ("2023-06", False, True),
    ]
    # in the label view the 2018 wording had no CD19 criterion; today's has one
    cd19 = next(r.dated for r in reg.eligibility.all if r.dated and r.dated.field == "cd19_positive")
    assert [(s.when(), s.value is None) for s in cd19.history.label] == [("2018-03-29", True), ("by 2023-06", False)]


def test_out_of_date_is_said_only_where_a_dated_entry_backs_it() -> None:
    """Every generated 'out of date' sentence names a label entry marked outdates_review."""
    patient = Patient(age_years=30, height_cm=170, weight_kg=70)
    for v in alledu.eligibility(patient):
        reg = alledu.regimen(v.regimen_id)
        backed = [
            s
            for h in _histories(reg)
            for s in h.label
            if s.outdates_review and s.since and s.since < content().meta.core_review.date
        ]
        for line in v.differences:
            if "out of date" in line:
                assert backed, (v.regimen_id, line)
                assert any(s.when() in line for s in backed), line
    rr = alledu.eligibility(patient)[alledu.regimen_ids().index("blinatumomab_rr")]
    lines = [d for d in rr.differences if OUT_OF_DATE in d]
    assert [d.split(":")[0] for d in lines] == ["Indication", "Philadelphia chromosome", "Most cycles"]


def _histories(reg: alledu.models.Regimen) -> list[History]:
    out = [reg.indication, reg.status] + [m.value for m in reg.max_cycles] + [p.length_days for p in reg.cycles]

    def walk(rule: alledu.models.Rule) -> None:
        if rule.dated is not None:
            out.append(rule.dated.history)
        for child in rule.all or rule.any or ():
            walk(child)

    walk(reg.eligibility)
    return out


def test_a_difference_in_wording_never_says_out_of_date() -> None:
    history = History.model_validate(
        {
            "review": {"value": "Ph-negative relapsed B-ALL (accelerated approval)."},
            "label": [{"since": "2018-03-29", "value": "Ph-negative relapsed B-ALL."}],
        }
    )
    (line,) = history_differences("Indication", history, lambda s: s.value)
    assert "since 2018-03-29" in line and "out of date" not in line
    marked = History.model_validate(
        {
            "review": {"value": "Ph-negative relapsed B-ALL."},
            "label": [
                {"since": "2017-07-11", "value": "Relapsed B-ALL, Ph-positive included.", "outdates_review": True}
            ],
        }
    )
    (line,) = history_differences("Indication", marked, lambda s: s.value)
    assert line.endswith("since 2017-07-11. The review was already out of date on its own date.")


def test_outdates_review_after_the_review_date_is_refused_at_load(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "inotuzumab.yaml"
    f.write_text(
        f.read_text().replace(
            'since: 2024-03-06, value: "Adults', 'since: 2024-03-06, outdates_review: true, value: "Adults'
        )
    )
    with pytest.raises(ContentError, match=r"inotuzumab\.yaml: .*outdates_review on an entry dated 2024-03-06"):
        load_from(root)


# 2. clofarabine: restart rule and the label's 28-day cycle -------------------------------------
CHILD = ["--age", "10", "--height-cm", "140", "--weight-kg", "32"]


def test_clofarabine_restart_rule_counts_from_the_starting_day() -> None:
    out = cli("schedule", *CHILD, "clofarabine_pediatric")
    assert (
        "  Safety: Restart rule: start the next cycle no sooner than 14 days from the starting day of the previous "
        "cycle, and only with an ANC of at least 0.75 x 10^9/L. [clolar]" in out.splitlines()
    )
    assert "after the last dose" not in out


def test_clofarabine_cycle_length_is_not_a_review_versus_label_difference() -> None:
    elig = cli("eligibility", *CHILD, "--status", "relapsed", "--prior-regimens", "2", "--lineage", "B")
    clo = block(elig, "clofarabine_pediatric")
    assert "Cycle length" not in clo and "2 to 6 weeks" not in clo
    notes = [n.text for n in alledu.regimen("clofarabine_pediatric").notes]
    assert any("28-day cycle" in n and "every 2 to 6 weeks" in n for n in notes)
    # the calendar uses the label's 28 days
    frame = alledu.schedule(
        "clofarabine_pediatric", Patient(age_years=10, height_cm=140, weight_kg=32), cycles=2, start="2026-01-05"
    )
    assert frame[frame.day == 1].date.tolist() == [dt.date(2026, 1, 5), dt.date(2026, 2, 2)]


# 3. boxed warnings next to every blinatumomab and inotuzumab dose -------------------------------
@pytest.mark.parametrize(
    ("rid", "warning"),
    [
        ("blinatumomab_rr", "Boxed warning: cytokine release syndrome and neurological toxicities, including immune"),
        ("blinatumomab_mrd", "Boxed warning: cytokine release syndrome and neurological toxicities, including immune"),
        ("inotuzumab", "Boxed warning: hepatotoxicity, including fatal or life-threatening veno-occlusive disease"),
    ],
)
def test_boxed_warning_in_the_cli_dose_table(rid: str, warning: str) -> None:
    out = cli("schedule", "--age", "40", "--height-cm", "170", "--weight-kg", "70", rid, *_choice(rid))
    line = next(x for x in out.splitlines() if warning in x)
    assert line.startswith("  Safety: Boxed warning:")
    assert ("ICANS" in line) if rid.startswith("blin") else ("non-relapse mortality after allogeneic stem cell" in line)


def _choice(rid: str) -> list[str]:
    return ["--choice", "response=cr"] if rid == "inotuzumab" else []


def test_boxed_warning_next_to_the_dose_in_the_calculator() -> None:
    from alledu.widgets.dose import DoseCalculator

    calc = DoseCalculator(regimen_id="inotuzumab", age_years=40, height_cm=170, weight_kg=70)
    assert "Boxed warning: hepatotoxicity" in calc.working.value
    assert "1.45 mg" in calc.working.value  # 0.8 mg/m2 x 1.8181 m2, next to the warning


# 4. lower age bounds --------------------------------------------------------------------------
def _blin(age: float, view: str = "label") -> dict[str, bool | None]:
    p = Patient(
        age_years=age,
        height_cm=52,
        weight_kg=3.8,
        lineage="B",
        cd19_positive=True,
        ph_positive=False,
        disease_status="relapsed",
        prior_regimens=1,
        relapse_number=1,
    )
    return {v.regimen_id: v.eligible for v in alledu.eligibility(p, view)}


def test_two_week_old_is_not_eligible_for_blinatumomab() -> None:
    assert _blin(0.04)["blinatumomab_rr"] is False  # about 2 weeks
    assert _blin(1 / 12)["blinatumomab_rr"] is True  # one month exactly
    assert _blin(0.1)["blinatumomab_rr"] is True
    out = cli(
        "eligibility", "--age", "0.04", "--height-cm", "52", "--weight-kg", "3.8", "--lineage", "B",
        "--cd19-positive", "yes", "--ph-positive", "no", "--status", "relapsed", "--prior-regimens", "1",
    )  # fmt: skip
    rr = block(out, "blinatumomab_rr")
    assert rr.startswith("blinatumomab_rr: not eligible")
    assert (
        "Age at least 1 month - the label covers adults and children one month and older. "
        "Patient: 0.04 years, about 0.5 months (not met)." in rr
    )


def test_mrd_use_has_the_same_lower_age() -> None:
    p = dict(lineage="B", cd19_positive=True, disease_status="remission", remission_number=1, mrd_percent=0.5)
    young = alledu.eligibility(Patient(age_years=0.04, height_cm=52, weight_kg=3.8, **p))
    assert young[alledu.regimen_ids().index("blinatumomab_mrd")].eligible is False
    month = alledu.eligibility(Patient(age_years=1 / 12, height_cm=54, weight_kg=4.2, **p))
    assert month[alledu.regimen_ids().index("blinatumomab_mrd")].eligible is True


def test_nelarabine_pediatric_from_one_year() -> None:
    def nel(age: float) -> tuple[bool | None, str]:
        p = Patient(age_years=age, height_cm=70, weight_kg=8, lineage="T", disease_status="relapsed", prior_regimens=2)
        v = alledu.eligibility(p)[alledu.regimen_ids().index("nelarabine_pediatric")]
        return v.eligible, " ".join(v.reasons)

    assert nel(0.5)[0] is False  # a 6-month-old (label: age 1 year and older)
    assert "Age at least 1 year - the current label covers patients age 1 year and older." in nel(0.5)[1]
    assert nel(1.0)[0] is True
    assert nel(21.9)[0] is True and nel(22.0)[0] is False


# 5. teaching details ---------------------------------------------------------------------------
def test_review_rr_sentence_is_not_said_to_call_the_antibody_cd19_directed() -> None:
    reg = alledu.regimen("blinatumomab_rr")
    cd19 = next(r.dated for r in reg.eligibility.all if r.dated and r.dated.field == "cd19_positive")
    assert cd19.history.review.value is None
    assert "CD19-directed" not in (cd19.history.review.note or "")
    assert "relapsed/refractory sentence names no CD19 requirement" in cd19.history.review.note


def test_cycles_6_to_9_were_in_the_label_by_2019_02() -> None:
    out = cli("eligibility", "--age", "40", "--height-cm", "170", "--weight-kg", "70", "--lineage", "B")
    rr = block(out, "blinatumomab_rr")
    line = next(x for x in rr.splitlines() if "Most cycles" in x)
    assert "the review (2021-07-02) says: 5 - 2 induction + 3 consolidation cycles" in line
    assert "the label has said: 9 - " in line and "by 2019-02 at the latest (exact date not verified)." in line
    assert line.endswith(OUT_OF_DATE + ".")
    frame = alledu.schedule("blinatumomab_rr", Patient(age_years=40, height_cm=170, weight_kg=70), cycles=6)
    assert set(frame[frame.cycle == 6].source) == {"label by 2019-02 at the latest (exact date not verified)"}


BSA_70 = 1.8181  # Mosteller 170 cm / 70 kg (clinical-facts section 3)


def test_inotuzumab_later_cycle_follows_the_response_reached_by_then() -> None:
    adult = Patient(age_years=40, height_cm=170, weight_kg=70)

    def doses(response: str, cycles: int) -> dict[int, list[float]]:
        f = alledu.schedule("inotuzumab", adult, cycles=cycles, response=response)
        return {c: [round(x, 2) for x in f[f.cycle == c].dose] for c in range(1, cycles + 1)}

    first, in_cr = [1.45, 0.91, 0.91], [0.91, 0.91, 0.91]  # 0.8/0.5/0.5 and 0.5 x 3 mg/m2 x 1.8181 m2
    assert doses("cr", 3) == {1: first, 2: in_cr, 3: in_cr}
    assert doses("cr_after_2", 3) == {1: first, 2: first, 3: in_cr}  # CR/CRi in cycle 2 changes cycle 3
    assert doses("cr_after_3", 4) == {1: first, 2: first, 3: first, 4: in_cr}
    assert doses("no_cr", 3) == {1: first, 2: first, 3: first}
    with pytest.raises(alledu.errors.InvalidInput, match="1 to 3 .*no CR/CRi within 3 cycles"):
        alledu.schedule("inotuzumab", adult, cycles=4, response="no_cr")


def test_inotuzumab_transplant_plan_is_choosable() -> None:
    adult = Patient(age_years=40, height_cm=170, weight_kg=70)
    assert cycles_allowed("inotuzumab", response="cr") == 6
    assert cycles_allowed("inotuzumab", response="cr", transplant="yes") == 2
    assert cycles_allowed("inotuzumab", response="cr_after_2", transplant="yes_third") == 3
    with pytest.raises(alledu.errors.InvalidInput, match=r"cycles: 3 .*1 to 2.*Proceeding to transplant - 2 cycles"):
        alledu.schedule("inotuzumab", adult, cycles=3, response="cr", transplant="yes")
    choice = alledu.regimen("inotuzumab").choice("transplant")
    assert choice is not None and choice.default == "no" and set(choice.options) == {"no", "yes", "yes_third"}


# the day syntax --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "days"),
    [
        (3, (3,)),
        ("1-5", (1, 2, 3, 4, 5)),
        ("-5 to -3", (-5, -4, -3)),
        ("0", (0,)),
        ("1, 8, 15", (1, 8, 15)),
        ([1, 8, 15], (1, 8, 15)),
        ([7, 8], (7, 8)),
        ("1-3, 8", (1, 2, 3, 8)),
    ],
)
def test_day_syntax_reads_as_protocols_write(written: object, days: tuple[int, ...]) -> None:
    assert parse_days(written) == days


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ([1, 5], r"ambiguous \(days 1 and 5, or days 1 to 5\?\): write '1-5' for the range or '1, 5'"),
        ("5-1", "must come after the first"),
        ("-5--3", "write a range with a negative day as '-5 to -3'"),
        ("1, 1", "each day once, in order"),
        ("one", "not a whole number"),
        (True, "not a day"),
    ],
)
def test_day_syntax_refuses_what_could_be_misread(written: object, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_days(written)


def test_spans_and_cycles() -> None:
    assert parse_span("1-9") == (1, 9) and parse_span(2) == (2, 2)
    assert parse_cycles(1) == (1, 1) and parse_cycles("3-5") == (3, 5) and parse_cycles("from 1") == (1, None)
    with pytest.raises(ValueError, match="a list is not a run"):
        parse_span([1, 9])
    with pytest.raises(ValueError, match="cycle numbers start at 1"):
        parse_cycles([1, 1])


def test_ambiguous_days_in_a_file_are_refused_naming_file_key_and_value(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "nelarabine_adult.yaml"
    f.write_text(f.read_text().replace("days: [1, 3, 5]", "days: [1, 5]"))
    with pytest.raises(ContentError, match=r"nelarabine_adult\.yaml: field cycles\.0\.doses\.0\.days: .*\[1, 5\]"):
        load_from(root)
    root = _copy(tmp_path / "b")
    f = root / "regimens" / "blinatumomab_rr.yaml"
    f.write_text(f.read_text().replace("hospital: 1-9", "hospital: [1, 9]"))
    with pytest.raises(ContentError, match=r"blinatumomab_rr\.yaml: field cycles\.0\.hospital: .*\[1, 9\]"):
        load_from(root)


# Every regimen's day lists against clinical-facts section 2: (cycle, choices) -> dose days.
FACT_DAYS = {
    "clofarabine_pediatric": {(1, ()): [1, 2, 3, 4, 5], (2, ()): [1, 2, 3, 4, 5]},
    "clofarabine_adult": {(1, ()): [1, 2, 3, 4, 5]},
    "nelarabine_adult": {(1, ()): [1, 3, 5], (2, ()): [1, 3, 5]},
    "nelarabine_pediatric": {(1, ()): [1, 2, 3, 4, 5], (2, ()): [1, 2, 3, 4, 5]},
    "vincristine_liposomal": {(1, ()): [1], (2, ()): [1]},
    "blinatumomab_rr": {(c, ()): list(range(1, 29)) for c in range(1, 10)},
    "blinatumomab_mrd": {(c, ()): list(range(1, 29)) for c in range(1, 5)},
    "inotuzumab": {
        (c, (("response", r),)): [1, 8, 15] for c in range(1, 7) for r in ("cr", "cr_after_2", "cr_after_3")
    },
}
FACT_GAPS = {  # (regimen, cycle) -> (cycle length, treatment-free days, hospital days), section 2
    ("blinatumomab_rr", 1): (42, (29, 42), (1, 9)),
    ("blinatumomab_rr", 2): (42, (29, 42), (1, 2)),
    ("blinatumomab_rr", 3): (42, (29, 42), None),
    ("blinatumomab_rr", 6): (84, (29, 84), None),
    ("blinatumomab_mrd", 1): (42, (29, 42), (1, 3)),
    ("blinatumomab_mrd", 2): (42, (29, 42), (1, 2)),
    ("inotuzumab", 1): (21, None, None),
    ("clofarabine_pediatric", 1): (28, None, None),
    ("nelarabine_adult", 1): (21, None, None),
    ("nelarabine_pediatric", 1): (21, None, None),
    ("vincristine_liposomal", 1): (7, None, None),
}


@pytest.mark.parametrize("rid", sorted(FACT_DAYS))
def test_every_regimen_day_list_matches_the_facts(rid: str) -> None:
    adult = Patient(age_years=40, height_cm=170, weight_kg=70)
    for (cycle, choices), days in FACT_DAYS[rid].items():
        frame = alledu.schedule(rid, adult, cycles=cycle, **dict(choices))
        assert frame[frame.cycle == cycle].day.tolist() == days, (rid, cycle, choices)
    for (gap_rid, cycle), (length, free, stay) in FACT_GAPS.items():
        if gap_rid == rid:
            info = alledu.timeline(rid, cycle, response="cr") if rid == "inotuzumab" else alledu.timeline(rid, cycle)
            assert (info[-1].length_days, info[-1].treatment_free, info[-1].hospital) == (length, free, stay)
