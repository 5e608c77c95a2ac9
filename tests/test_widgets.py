"""Widget classes, headless: set values, click, and assert on the numbers and text shown."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import pytest

from alledu import exercises as E
from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.schedule import regimen
from alledu.widgets import page
from alledu.widgets.dose import DoseCalculator
from alledu.widgets.exercise import CaseScenario, Quiz, State
from alledu.widgets.prognosis import ADVERSE, NOT_ADVERSE, NOT_MARKED, FactorExplorer
from alledu.widgets.timeline import ScheduleTimeline
from alledu.widgets.tree import EligibilityTree, TreeState

# ---- dose calculator --------------------------------------------------------------------


def test_dose_calculator_issue_example() -> None:
    calc = DoseCalculator()
    assert calc.bsa_m2 == pytest.approx(math.sqrt(130 * 30 / 3600))
    assert calc.summary.splitlines()[:4] == [
        "BSA 1.0408 m2 (Mosteller)",
        "Cycle 1 days 1-7: 5.20 mcg/day (per m2)",
        "Cycle 1 days 8-28: 15.61 mcg/day (per m2)",
        "Cycle 2 days 1-28: 15.61 mcg/day (per m2)",
    ]
    # the safety notes stand beside the dose: a child's premedication, hospital days
    assert "Safety: In hospital: cycle 1 days 1-9; cycle 2 days 1-2." in calc.summary
    assert "Dexamethasone 5 mg/m2 (max 20 mg)" in calc.working.value
    assert "cap 9 mcg/day not reached" in calc.working.value
    assert "5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day" in calc.working.value
    assert "◀ used" in calc.bsa_table.value and "1.0393" in calc.bsa_table.value  # DuBois shown beside


def test_dose_calculator_45kg_switch() -> None:
    calc = DoseCalculator()
    calc.weight.slider.value = 44.9
    assert "Cycle 1 days 1-7: " in calc.summary and "(per m2)" in calc.summary
    week1 = 5 * math.sqrt(130 * 44.9 / 3600)
    assert f"Cycle 1 days 1-7: {week1:.2f} mcg/day (per m2)" in calc.summary
    assert "BSA-based" in calc.size_rule.value and "44.9 kg < 45 kg" in calc.size_rule.value
    calc.weight.set(45.0)
    assert "Cycle 1 days 1-7: 9.00 mcg/day (fixed)" in calc.summary
    assert "Cycle 1 days 8-28: 28.00 mcg/day (fixed)" in calc.summary
    assert "Fixed" in calc.size_rule.value


def test_dose_calculator_cap_flag_with_large_child() -> None:
    calc = DoseCalculator()
    calc.set_patient(height_cm=250, weight_kg=44)  # BSA 1.74: close to, but under, the cap
    assert "CAPPED" not in calc.summary
    calc.regimen.value = "blinatumomab_mrd"
    assert "Cycle 1 days 1-28: " in calc.summary and "CAPPED" not in calc.summary


def test_dose_calculator_invalid_entry_shows_message_and_no_dose() -> None:
    calc = DoseCalculator()
    calc.weight.set(0)
    assert "Weight: “0” is not accepted. Accepted: 1 to 300 kg" in calc.message.value
    assert calc.working.value == "" and calc.bsa_m2 is None and "mcg" not in calc.summary
    assert calc.about.value == ""
    calc.weight.set(30)
    assert calc.message.value == "" and "5.20 mcg/day" in calc.summary


def test_dose_calculator_imperial_round_trip() -> None:
    calc = DoseCalculator()
    calc.units.value = "Imperial"
    assert calc.height.unit == "in" and calc.weight.value == pytest.approx(66.14, abs=0.01)
    assert "5.20 mcg/day" in calc.summary
    calc.weight.set(99.21)  # 45.0018 kg
    assert "9.00 mcg/day (fixed)" in calc.summary
    calc.units.value = "Metric"
    assert calc.weight.value == pytest.approx(45.0, abs=0.01)


def test_dose_calculator_formula_rounding_and_choices() -> None:
    calc = DoseCalculator(regimen_id="inotuzumab", age_years=40, height_cm=170, weight_kg=70)
    assert calc.summary.splitlines()[1:4] == [
        "Cycle 1 day 1: 1.45 mg (per m2)",
        "Cycle 1 day 8: 0.91 mg (per m2)",
        "Cycle 1 day 15: 0.91 mg (per m2)",
    ]
    assert "Later cycles: choose “Response (CR/CRi) reached” above" in calc.working.value
    calc.choices.set("response", "cr")
    assert "Cycle 2 day 15: 0.91 mg (per m2)" in calc.summary
    calc.formula.value = "dubois"
    assert calc.summary.startswith("BSA 1.8097 m2 (DuBois & DuBois)")
    calc.rounding.value = "tenth"
    assert "Cycle 1 day 1: 1.4 mg" in calc.summary
    assert "within the 10%" in calc.rounding_note.value
    calc.rounding.value = "five"
    assert "OUTSIDE the 10%" in calc.rounding_note.value


def test_dose_calculator_withdrawn_badge() -> None:
    calc = DoseCalculator(regimen_id="vincristine_liposomal", age_years=40, height_cm=170, weight_kg=70)
    assert "Withdrawn since 2022-05-02" in calc.working.value
    assert "Verify the drug name and dose" in calc.working.value
    assert "the label sets no cap" in calc.working.value
    assert "Cycle 1 day 1: 4.09 mg (per m2)" in calc.summary


def test_dose_calculator_says_whom_the_dose_is_for() -> None:
    calc = DoseCalculator(regimen_id="nelarabine_adult")  # the lesson's 9-year-old
    assert "Whom this dose is for" in calc.working.value and "this patient is 9 years old" in calc.working.value
    assert "Boxed warning: neurologic toxicity" in calc.working.value
    calc.age.set(40)
    assert "Whom this dose is for" not in calc.working.value
    calc.regimen.value = "nelarabine_pediatric"
    assert "this patient is 40 years old" in calc.working.value
    calc.regimen.value = "clofarabine_adult"
    assert "Off-label" in calc.working.value and "no cap is stated" in calc.working.value
    assert "Only cycle 1 is shown" in calc.working.value and "no cycle length for adults" in calc.working.value


def test_rounding_labels_follow_the_dose_unit() -> None:
    calc = DoseCalculator()
    assert ("Nearest 5 mcg/day", "five") in calc.rounding.options
    calc.rounding.value = "five"
    assert "nearest 5 mcg/day" in calc.rounding_note.value
    calc.regimen.value = "nelarabine_adult"
    assert ("Nearest 5 mg", "five") in calc.rounding.options and calc.rounding.value == "five"
    assert "nearest 5 mg," in calc.rounding_note.value


def test_dose_calculator_shows_label_and_review_side_by_side() -> None:
    calc = DoseCalculator()
    about = calc.about.value
    assert "The 2021 review (2021-07-02)" in about and "The label in force (since 2024-06-14)" in about
    assert "already out of date on its own date" in about
    assert "Bispecific T-cell engager" in about


# ---- timeline ---------------------------------------------------------------------------


def test_timeline_two_regimens_and_dates() -> None:
    t = ScheduleTimeline()
    lines = t.summary.splitlines()
    assert lines[0] == (
        "blinatumomab_rr: 2 cycle(s), 56 administration days, 28 treatment-free days, 11 hospital days, "
        "2 premedication days, 2026-01-05 to 2026-03-15"
    )
    assert lines[1].startswith("inotuzumab: 1 cycle(s), 3 administration days")
    assert "showing 1 of the 2 cycles asked for" in t.notes.value
    names = {lane.label for lane in t.lanes}
    assert "Blinatumomab, relapsed/refractory: treatment-free" in names
    assert "Blinatumomab, relapsed/refractory: hospital" in names
    assert "<title>Cycle 1 days 8-28 (continuous infusion): 15.61 mcg/day" in t.plot.value
    assert "2026-01-05" in t.plot.value and t.plot.value.startswith("<svg")
    t.choices_b.set("response", "cr")
    assert t.summary.splitlines()[1].startswith("inotuzumab: 2 cycle(s), 6 administration days")


def test_timeline_bars_are_focusable_with_their_details_on_a_line_in_the_chart() -> None:
    """Touch has no hover: every bar can take focus (a tap, Tab) and carries its details as a tip
    line, hidden by attribute until focused, starting inside the chart's 1000 units (issue 21)."""
    from alledu.widgets.svg import TIP_CHARS, WIDTH, tip_lines

    t = ScheduleTimeline()
    svg = t.plot.value
    texts = [s.text for lane in t.lanes for s in lane.spans]
    assert svg.count('class="alledu-bar" tabindex="0"') == len(texts) > 5
    assert svg.count('class="alledu-tip" visibility="hidden"') == len(texts)
    assert "15.61 mcg/day - 15 mcg/m2/day x 1.0408 m2" in svg and 'role="group"' in svg
    for x in re.findall(r'<tspan x="([0-9.]+)"', svg):
        assert 10 <= float(x) <= WIDTH - 10
    assert tip_lines("a " * 100)[0] == ("a " * (TIP_CHARS // 2)).strip() and all(
        len(line) <= TIP_CHARS for line in tip_lines("word " * 90)
    )


def test_timeline_start_cycles_and_downloads() -> None:
    t = ScheduleTimeline(compare_with=None)
    t.start.value = dt.date(2026, 3, 2)
    t.cycles.value = "3"
    assert t.summary.splitlines()[0] == (
        "blinatumomab_rr: 3 cycle(s), 84 administration days, 42 treatment-free days, 11 hospital days, "
        "2 premedication days, 2026-03-02 to 2026-06-21"
    )
    assert "Prepare downloads" in t.downloads.value and "download=" not in t.downloads.value
    t.prepare.click()
    assert 'download="blinatumomab_rr.ics"' in t.downloads.value and "Printable page" in t.downloads.value
    page_html = t.printable_html()
    assert "Educational use only" in page_html
    assert "Patient: age 9 years, height 130 cm, weight 30 kg" in page_html
    assert "BSA: 1.0408 m2 (Mosteller, unrounded)" in page_html
    assert "In hospital: cycle 1 days 1-9; cycle 2 days 1-2." in page_html
    t.age.set(40)  # an adult: dexamethasone before every cycle
    assert t.summary.splitlines()[0].startswith("blinatumomab_rr: 3 cycle(s), 84 administration days")
    assert "4 premedication days" in t.summary.splitlines()[0]
    t.start.value = None
    assert t.summary.splitlines()[0].endswith("day 1 to day 112") and ">day 1<" in t.plot.value
    t.prepare.click()
    assert "blinatumomab_rr.ics" not in t.downloads.value and "blinatumomab_rr.csv" in t.downloads.value


def test_timeline_bad_size_shows_message() -> None:
    t = ScheduleTimeline(compare_with=None)
    t.height.set(400)
    assert "Height: “400” is not accepted" in t.message.value
    assert t.table.value == "" and t.plot.value == ""


# ---- eligibility tree -------------------------------------------------------------------


def answer_all(tree: EligibilityTree, answers: dict) -> None:
    """Answer whatever the tree asks next until it is done (it passes over questions that do not apply)."""
    while tree.question is not None:
        tree.answer(answers.get(tree.question.field))


def asked() -> int:
    """How many questions the content gives the tree (patient fields with `ask: N`)."""
    return sum(field.ask is not None for field in content().patient_fields.values())


def step_of(tree: EligibilityTree, field: str) -> int:
    """The tree's step that asks `field` (its place follows `ask: N` in the content)."""
    return [q.field for q in tree.questions].index(field)


def test_tree_verdicts_after_answers() -> None:
    tree = EligibilityTree()
    assert tree.state is TreeState.ASKING and f"Question 1 of {asked()}" in tree.prompt.value
    answer_all(
        tree,
        {
            "lineage": "B",
            "ph_positive": False,
            "cd19_positive": False,
            "cd22_positive": True,
            "disease_status": "relapsed",
            "prior_regimens": 1,
            "relapse_number": 1,
            "age_years": 50,
        },
    )
    assert tree.state is TreeState.DONE
    verdicts = dict(line.split(": ") for line in tree.summary.splitlines())
    assert list(verdicts) == list(content().meta.regimens)  # one line per regimen, in the content's order
    golden = {
        "clofarabine_pediatric": "not eligible",
        "clofarabine_adult": "not eligible",  # first relapse after one regimen: never offered
        "nelarabine_adult": "not eligible",
        "nelarabine_pediatric": "not eligible",
        "vincristine_liposomal": "not eligible",
        "blinatumomab_rr": "not eligible",
        "blinatumomab_mrd": "not eligible",
        "inotuzumab": "eligible",
    }
    assert {rid: verdicts[rid] for rid in golden} == golden
    assert "✗ CD19 on the blasts: CD19-positive" in tree.drawing.value


def test_tree_back_unknown_and_views() -> None:
    tree = EligibilityTree()
    tree.answer("B")
    tree.answer(True)  # Ph-positive
    tree.back_button.click()
    assert tree.step == 1 and tree.choice.value is True
    tree.answer(True)
    for value in (True, None, "relapsed"):
        tree.answer(value)
    assert "blinatumomab_rr: undecided" in tree.summary  # age unknown: the label covers one month and older
    tree.go(step_of(tree, "age_years"))
    tree.answer("40")
    assert "blinatumomab_rr: eligible" in tree.summary  # the label in force: Ph-positive included
    assert "By the 2021 review: ✗ Not eligible" in tree.verdicts.value
    assert "already out of date on its own date" in tree.verdicts.value
    tree.view.value = "review"
    assert "blinatumomab_rr: not eligible" in tree.summary  # the review: Ph-negative only
    assert "By the label in force: ✓ Eligible" in tree.verdicts.value
    assert "WITHDRAWN 2022-05-02" in tree.drawing.value


def test_tree_rejects_bad_number_with_message() -> None:
    tree = EligibilityTree()
    age = step_of(tree, "age_years")
    tree.go(age)
    tree.answer("abc")
    assert "Age: “abc” is not accepted. Accepted: 0 to 120 years" in tree.message.value
    assert tree.step == age
    tree.answer("21")
    assert tree.answers["age_years"] == 21 and tree.step == age + 1


def test_tree_marks_mrd_boundary() -> None:
    tree = EligibilityTree()
    answer_all(
        tree,
        {
            "lineage": "B",
            "cd19_positive": True,
            "disease_status": "remission",
            "remission_number": 1,
            "mrd_percent": "0.1",
            "age_years": "40",
        },
    )
    assert "blinatumomab_mrd: eligible" in tree.summary
    tree.go(step_of(tree, "mrd_percent"))
    tree.answer("0.09")
    assert "blinatumomab_mrd: not eligible" in tree.summary


def test_tree_asks_mrd_only_in_remission_and_drops_a_stale_one() -> None:
    """Issue 21: lesson 04 asked the MRD of a relapsed patient."""
    tree = EligibilityTree()
    seen = []
    answers = {"lineage": "B", "cd19_positive": True, "disease_status": "relapsed", "age_years": "40"}
    while tree.question is not None:
        seen.append((tree.question.field, tree.prompt.value.split(":")[0]))
        tree.answer(answers.get(tree.question.field))
    fields = [f for f, _ in seen]
    assert "mrd_percent" not in fields and len(fields) == asked() - 1
    assert seen[-1][1] == f"Question {asked() - 1} of {asked() - 1}"  # counted among what is asked
    for _ in range(4):  # from the end: KMT2A, other TKI, T315I, then past MRD to age
        tree.back_button.click()
    assert tree.question.field == "age_years"
    # in remission, MRD is asked; an MRD given then is dropped when the status becomes relapsed
    tree.go(step_of(tree, "disease_status"))
    tree.answer("remission")
    tree.go(step_of(tree, "mrd_percent"))
    assert tree.question.field == "mrd_percent"
    tree.answer("2")
    assert tree.answers["mrd_percent"] == 2
    tree.go(step_of(tree, "disease_status"))
    tree.answer("relapsed")
    assert "mrd_percent" not in tree.answers


def test_tree_verdicts_open_with_a_line_of_who_fits_and_the_goal_once() -> None:
    """Issue 21: every row repeated the CR2/transplant paragraph, with no one-line summary."""
    tree = EligibilityTree()
    answer_all(
        tree,
        {"lineage": "B", "ph_positive": False, "cd19_positive": True, "disease_status": "relapsed", "age_years": "40"},
    )
    shown = tree.verdicts.value
    goal = content().evidence.goal.text
    assert shown.count(esc_text(goal)) == 1
    glance = shown.split("alledu-glance")[1].split("</p>")[0]
    fits = [esc_text(regimen(v.regimen_id).short_title) for v in tree.results() if v.eligible]
    assert fits and all(name in glance for name in fits)
    assert "<b>Fits:</b>" in glance and "<b>Does not fit:</b>" in glance
    assert "(off-label) (off-label)" not in shown
    assert shown.index("alledu-glance") < shown.index("<table")


# ---- prognosis --------------------------------------------------------------------------


def test_factor_explorer() -> None:
    f = FactorExplorer()
    f.cr1.set(13)
    f.platelets.set(101)
    f.transplant.value = True
    assert f.summary.splitlines()[:3] == [
        "Any transplant performed in CR2: yes",
        "First remission (CR1) lasted more than 1 year: yes",
        "Platelets above 100 x10^9/L at relapse: yes",
    ]
    f.cr1.set(20)
    f.platelets.set(30)
    assert "expected CR rate 7%" in f.summary
    for key in ("albumin", "platelets", "marrow_blasts"):
        f.marks[key].value = ADVERSE
    assert "1 of 4 factors not marked (3 adverse, 0 not adverse so far)" in f.summary
    assert "expected 12-month survival 0% to 8%, depending on the unmarked factor" in f.summary
    f.marks["cr1_duration"].value = NOT_ADVERSE
    assert "All 4 factors marked, 3 adverse: expected 12-month survival 8%" in f.summary
    assert "Low albumin: adverse" in f.summary and "Short CR1 duration: not adverse" in f.summary
    assert "not trial data" in f.figure.value and "<svg" in f.figure.value
    assert "median DFS, CR2 patients (50%)" in f.figure.value and "Disease-free, patients in CR2" in f.figure.value


def test_factor_explorer_unmarked_factors_are_not_counted_absent() -> None:
    """A fresh lesson gives no single 12-month figure; marking all four "Not adverse" gives 33%."""
    f = FactorExplorer()
    single_33 = re.compile(r"(?<!to )\b33%")  # 33% on its own, not as the top of a range
    for shown in (f.second.value, f.summary):
        assert "4 of 4 factors not marked" in shown and "0% to 33%" in shown
        assert not single_33.search(shown) and "0 adverse" not in shown
    assert 'class="alledu-warn"' in f.second.value.split("</div>")[1]  # the survival line: not a result
    assert all(group.value == NOT_MARKED for group in f.marks.values())
    for group in f.marks.values():
        group.value = NOT_ADVERSE
    for shown in (f.second.value, f.summary):
        assert "All 4 factors marked, 0 adverse: expected 12-month survival 33%" in shown
        assert single_33.search(shown)
    f.marks["platelets"].value = NOT_MARKED  # back to unknown: a range again (all of it in the 0-1 band)
    assert "1 of 4 factors not marked" in f.summary and "All 4 factors marked" not in f.summary


def test_factor_marks_are_named_radio_groups() -> None:
    """Each factor is one named group (its label) of three options, so a screen reader says which factor."""
    f = FactorExplorer()
    labels = [group.description for group in f.marks.values()]
    assert labels == ["Short CR1 duration", "High bone marrow blast percentage", "Low platelet count", "Low albumin"]
    for group in f.marks.values():
        assert group._labels == ["Not marked", "Adverse", "Not adverse"] and group.index == 0
        assert "alledu-factor" in group._dom_classes
    f.marks["albumin"].index = 1  # what a click, or one arrow key from "Not marked", sets in the browser
    assert f.marks["albumin"].value == ADVERSE and "Low albumin: adverse" in f.summary


# ---- quiz and scenarios -----------------------------------------------------------------


def test_quiz_numeric_inside_and_outside_tolerance() -> None:
    quiz = Quiz(seed=1)
    while quiz.current.id != "dose_blin_child":
        quiz.answer(None if quiz.current.kind == "numeric" else quiz.current.correct) if False else None
        quiz.index += 1
        quiz._show()
    quiz.answer("5.25")  # 5.204 * 1.009: inside +-2%
    assert quiz.state is State.CHECKED and "✓ Correct: the answer is 5.20 mcg/day" in quiz.feedback.value
    quiz2 = Quiz(seed=1)
    quiz2.index = [q.id for q in quiz2.questions].index("dose_blin_child")
    quiz2._show()
    quiz2.answer("5.35")  # +2.8%: outside
    assert "✗ Not quite" in quiz2.feedback.value and quiz2.score == 0


def test_quiz_score_retry_and_seeded_order() -> None:
    assert [q.id for q in Quiz(seed=7).questions] == [q.id for q in E.shuffled(7)]
    assert [q.id for q in E.shuffled(7)] != [q.id for q in E.shuffled(8)]
    quiz = Quiz(seed=7)
    right = 0
    for i in range(len(quiz.questions)):
        q = quiz.current
        if q.kind == "numeric":
            quiz.answer(E.numeric_answer(q))
        elif i % 2 == 0:
            quiz.answer(q.correct if q.kind == "single" else list(q.correct))
        else:
            wrong = next(k for k in q.options if k != (q.correct if q.kind == "single" else q.correct[0]))
            quiz.answer(wrong if q.kind == "single" else [wrong])
        right += "✓" in quiz.feedback.value
        quiz.next_button.click()
    assert quiz.state is State.FINISHED and quiz.summary == f"score {right}/{len(quiz.questions)}"
    assert len(quiz.questions) >= 15
    quiz.retry_button.click()
    assert quiz.seed == 8 and quiz.score == 0 and quiz.state is State.ANSWERING


def test_quiz_header_at_the_end_agrees_with_the_final_score() -> None:
    """Issue 21: the header kept "score so far 4" above "Final score: 5 / 21"."""
    quiz = Quiz(seed=3)
    for _ in quiz.questions:
        q = quiz.current
        quiz.answer(E.numeric_answer(q) if q.kind == "numeric" else q.correct)
        quiz.next_button.click()
    total = len(quiz.questions)
    assert quiz.score == total
    assert quiz.progress.value == f"All {total} questions answered · final score {total} / {total}"
    assert f"Final score: {total} / {total}" in quiz.scoreline.value


def test_exact_numeric_answers_say_so_not_plus_minus_zero() -> None:
    quiz = Quiz(seed=1)
    quiz.index = [q.id for q in quiz.questions].index("lala94_cr2")
    quiz._show()
    assert "±0" not in quiz.prompt.value and "the exact value is expected" in quiz.prompt.value
    quiz.answer(str(E.numeric_answer(quiz.current)))
    assert "±0" not in quiz.feedback.value and "(the exact value is expected)" in quiz.feedback.value


def test_quiz_single_needs_a_choice() -> None:
    quiz = Quiz(seed=2)
    while quiz.current.kind != "single":
        quiz.index += 1
        quiz._show()
    quiz.check_button.click()
    assert "Choose an answer first" in quiz.message.value and quiz.state is State.ANSWERING


@pytest.mark.parametrize("scenario", E.scenarios(), ids=lambda s: s.id)
def test_case_scenario_walkthrough(scenario: E.Scenario) -> None:
    case = CaseScenario(scenario.id)
    for step in scenario.steps:
        case.answer(E.step_answer(scenario, step) if step.kind != "dose" else f"{E.step_answer(scenario, step):.4f}")
        assert "✓ Correct" in case.feedback.value, case.feedback.value
        case.next_button.click()
    assert (
        case.state is State.FINISHED
        and case.summary == f"{scenario.id}: score {len(scenario.steps)}/{len(scenario.steps)}"
    )


def test_case_empty_tick_boxes_ask_and_none_of_these_is_an_answer() -> None:
    """Issue 21: an empty multi-select was marked wrong and locked the step, though "none" can be right."""
    case = CaseScenario("adult_first_relapse_short_cr1")  # step 1: favourable factors; none present
    assert case.input.none.description == "None of these"
    case.check_button.click()  # nothing ticked
    assert "Tick an answer, or “None of these”" in case.message.value
    assert case.state is State.ANSWERING and case.feedback.value == "" and not case.check_button.disabled
    first = next(iter(case.input.boxes.values()))
    first.value = True
    case.input.none.value = True  # "None of these" clears the ticked answer...
    assert not first.value and case.input.value() == []
    first.value = True  # ...and an answer clears "None of these"
    assert not case.input.none.value and case.input.value() == [next(iter(case.input.boxes))]
    case.input.none.value = True
    case.check_button.click()
    assert case.state is State.CHECKED and case.message.value == ""
    assert "✓ Correct: favourable factors present: none of them." in case.feedback.value


def test_case_facts_say_one_relapse_not_one_relapses() -> None:
    """Issue 21: vignettes read "1 relapses", "1 regimens"."""
    shown = " ".join(CaseScenario(s.id).vignette.value for s in E.scenarios())
    assert "Relapse number: 1 relapse," in shown or "Relapse number: 1 relapse<" in shown
    assert not re.search(r"\b1 (relapses|regimens)\b", shown)
    assert "Number of prior regimens: 2 regimens" in shown


def test_case_scenario_wrong_agent_explained() -> None:
    case = CaseScenario("cd19_negative_relapse")
    case.answer([])  # factors step: wrong (two factors present)
    assert "✗ Not quite" in case.feedback.value
    case.next_button.click()
    case.answer(["blinatumomab_rr", "inotuzumab"])
    assert "Not correct: Blinatumomab, relapsed/refractory." in case.feedback.value
    assert "Why not: Blinatumomab, relapsed/refractory: CD19" in case.feedback.value


def test_page_pieces() -> None:
    head = page.header("02_bsa_and_dosing").value
    assert "Educational use only" in head and "2021-07-02" in head and "objectives, about 20 minutes)" in head
    foot = page.footer("02_bsa_and_dosing", DoseCalculator()).value
    assert "[blincyto]" in foot and "BLINCYTO (blinatumomab) US prescribing information." in foot
    assert "[mosteller1987]" in foot and "Recap" in foot
    index = page.lesson_index().value
    linked = re.findall(r"<li><a href='([^']+)\.ipynb'>", index)
    assert linked == [lesson.id for lesson in content().lessons.lessons if lesson.id != "00_start_here"]
    assert "06_self_check_quiz.ipynb" in index


def test_label_history_shown_beside_the_review_and_footer_follows_regimen() -> None:
    calc = DoseCalculator(regimen_id="inotuzumab", age_years=40, height_cm=170, weight_kg=70)
    assert "The label in force (since 2024-03-06)" in calc.about.value
    assert "The 2021 review (2021-07-02)" in calc.about.value
    foot = page.footer("02_bsa_and_dosing", calc)
    assert "BESPONSA" in foot.value and "ARRANON" not in foot.value
    calc.regimen.value = "nelarabine_adult"
    assert "ARRANON (nelarabine) US prescribing information." in foot.value
    calc.regimen.value = "vincristine_liposomal"
    assert "Withdrawn since 2022-05-02" in calc.working.value and "[marqibo_withdrawal]" in foot.value
    t = ScheduleTimeline(regimen_id="vincristine_liposomal", compare_with=None)
    assert "Withdrawn since 2022-05-02" in t.notes.value and "marqibo_withdrawal" in t.citations


# ---- inputs are never misread (issue 9) ----------------------------------------------------


@pytest.mark.parametrize(("typed", "kg"), [("12,5", 12.5), ("12.5", 12.5), (" 30 ", 30.0)])
def test_typed_weight_is_read_as_written(typed: str, kg: float) -> None:
    calc = DoseCalculator()
    calc.weight.text.value = typed
    assert calc.message.value == "" and calc.weight.value == kg
    assert f"weight {kg:.1f} kg" in calc.bsa_table.value  # a decimal comma is a decimal, never x10
    assert "(fixed)" not in calc.summary  # below 45 kg: never an adult fixed dose


@pytest.mark.parametrize(
    ("typed", "needle"),
    [
        ("", "Weight: empty is not accepted. Accepted: 1 to 300 kg"),
        ("abc", "Weight: “abc” is not accepted. Accepted: 1 to 300 kg"),
        ("1_70", "Weight: “1_70” is not accepted"),
        ("-5", "Weight: “-5” is not accepted. Accepted: 1 to 300 kg"),
        ("12,5,0", "Weight: “12,5,0” is not accepted"),
    ],
)
def test_bad_typed_weight_gets_a_message_and_no_dose(typed: str, needle: str) -> None:
    calc = DoseCalculator()
    calc.weight.text.value = typed
    assert needle in calc.message.value
    assert calc.weight.text.value == typed  # nothing silently restored
    assert calc.working.value == "" and "mcg" not in calc.summary
    example = page.check(calc)
    assert "hidden while an entry above needs correcting" in example.value and "mcg" not in example.value
    calc.weight.text.value = "30"
    assert "5.20 mcg/day" in example.value and calc.message.value == ""


def test_months_with_a_comma_in_lesson_01() -> None:
    f = FactorExplorer()
    f.cr1.text.value = "1,5"
    assert f.cr1.value == 1.5 and f.message.value == ""
    f.cr1.text.value = "xyz"
    assert "CR1 duration: “xyz” is not accepted" in f.message.value and f.first.value == ""


@pytest.mark.parametrize("typed", ["0", "13", "2.5", "", "two"])
def test_cycles_out_of_range_get_a_message_not_a_clamp(typed: str) -> None:
    t = ScheduleTimeline(compare_with=None)
    t.cycles.value = typed
    assert "Cycles: " in t.message.value and "Accepted: a whole number from 1 to 12 cycles" in t.message.value
    assert t.cycles.value == typed and t.table.value == "" and t.downloads.value == ""
    t.cycles.value = "3"
    assert t.message.value == "" and t.summary.startswith("blinatumomab_rr: 3 cycle(s)")


@pytest.mark.parametrize("typed", ["-5", "1e9", "100000.5", "abc"])
def test_impossible_numeric_answer_keeps_the_question_open(typed: str) -> None:
    quiz = Quiz(seed=1)
    while quiz.current.kind != "numeric":
        quiz.index += 1
        quiz._show()
    quiz.answer(typed)
    assert "Your answer" in quiz.message.value and "is not accepted" in quiz.message.value
    assert quiz.state is State.ANSWERING and not quiz.check_button.disabled
    assert quiz.feedback.value == "" and quiz.score == 0  # not marked, answer not revealed


def test_imperial_entry_messages_in_its_own_unit() -> None:
    calc = DoseCalculator()
    calc.units.value = "Imperial"
    calc.weight.text.value = "1000"
    assert "Weight (lb): “1000” is not accepted. Accepted: 2.2 to 661.4 lb" in calc.message.value
    calc.weight.text.value = "abc"
    calc.units.value = "Metric"  # a unit change keeps what was typed, and keeps saying it is wrong
    assert calc.weight.text.value == "abc" and "Weight: “abc” is not accepted" in calc.message.value


# ---- the lessons read as a course (issue 9 polish) -----------------------------------------


def test_quiz_end_lists_missed_questions_with_answers() -> None:
    quiz = Quiz(seed=5)
    missed = None
    while quiz.state is not State.FINISHED:
        q = quiz.current
        if q.kind == "numeric":
            quiz.answer("1")  # wrong for every numeric question in the bank
            missed = missed or q.prompt
        else:
            quiz.answer(q.correct if isinstance(q.correct, str) else list(q.correct))
        quiz.next_button.click()
    assert "Questions to look at again" in quiz.scoreline.value
    assert esc_text(missed) in quiz.scoreline.value and "the answer is" in quiz.scoreline.value


def esc_text(text: str) -> str:
    import html

    return html.escape(text)


def test_case_end_reviews_every_step_and_can_be_retried() -> None:
    case = CaseScenario("mrd_positive_cr1")
    case.answer(["blinatumomab_mrd"])
    case.next_button.click()
    case.answer("28")
    case.next_button.click()
    case.answer("42")  # a gap, not the course day: wrong
    case.next_button.click()
    case.answer("pred")
    case.next_button.click()
    assert case.state is State.FINISHED and "3 of 4 steps right" in case.scoreline.value
    review = case.scoreline.value
    assert review.count("<li>") == 4 and "✗ <b>Counting cycle 1 day 1 as day 1" in review
    case.retry_button.click()
    assert case.state is State.ANSWERING and case.index == 0 and case.score == 0


def test_footer_links_to_previous_and_next_lessons() -> None:
    foot = page.footer("03_schedule_timeline").value
    assert "href='02_bsa_and_dosing.ipynb' rel='prev'>◀ Previous: BSA and dosing" in foot
    assert "href='04_eligibility_tree.ipynb' rel='next'>Next: Eligibility decision tree ▶" in foot
    assert "rel='prev'" not in page.footer("00_start_here").value


def test_open_choice_is_shown_not_blank_and_references_list_every_bsa_source() -> None:
    calc = DoseCalculator(regimen_id="inotuzumab", age_years=40, height_cm=170, weight_kg=70)
    response = calc.choices._dropdowns["response"]
    assert response.label.startswith("(not chosen yet")
    assert calc.choices.values == {"cycle1_days": "21", "transplant": "no"}
    assert {"mosteller1987", "dubois1916", "haycock1978", "gehan1970", "boyd1935"} <= set(calc.citations)


def test_verdicts_come_before_the_tree_and_day_table_is_readable() -> None:
    tree = EligibilityTree()
    kids = list(tree.children)
    assert kids.index(tree.verdicts) < kids.index(tree.drawing)
    t = ScheduleTimeline(compare_with=None)
    assert "<th scope='col'>Premedication</th>" in t.table.value and "basis_amount" not in t.table.value
    assert "alledu-scroll" in t.table.value


def test_text_version_names_regimens_not_ids() -> None:
    t = ScheduleTimeline()
    shown = page.check(t).value
    assert "Blinatumomab, relapsed/refractory: 2 cycle(s)" in shown and "blinatumomab_rr" not in shown


def test_request_states_answer_is_ipywidgets_own_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's request for every widget's state gets ipywidgets' own reply, with half the work."""
    import json

    from ipywidgets import Widget

    from alledu.widgets import states

    DoseCalculator()  # lesson 02's widgets (with whatever earlier tests left alive)
    sent: list[str] = []
    calls = {"n": 0}

    class ControlComm:  # what ipywidgets calls on its control comm
        def send(self, data: dict, buffers: list | None = None) -> None:
            sent.append(json.dumps(data, sort_keys=True))

    original_get_state = Widget.get_state

    def counting_get_state(self: Widget, *args: object, **kwargs: object) -> dict:
        calls["n"] += 1
        return original_get_state(self, *args, **kwargs)

    monkeypatch.setattr(Widget, "_control_comm", ControlComm())
    monkeypatch.setattr(Widget, "get_state", counting_get_state)
    request = {"content": {"data": {"method": "request_states"}}}
    try:
        states.uninstall()
        Widget._handle_control_comm_msg(request)
        theirs = calls["n"]
    finally:
        states.install()
    Widget._handle_control_comm_msg(request)
    ours = calls["n"] - theirs
    assert sent[0] == sent[1] and json.loads(sent[1])["method"] == "update_states"
    assert len(json.loads(sent[1])["states"]) > 50
    assert ours * 2 == theirs
    with pytest.raises(RuntimeError, match="Unknown"):  # anything else: ipywidgets' own handling
        Widget._handle_control_comm_msg({"content": {"data": {"method": "nonsense"}}})


@pytest.mark.parametrize("rid", ["tisagenlecleucel", "dasatinib", "nope"])
def test_lessons_02_03_refuse_a_regimen_they_cannot_show_by_name(rid):
    """A CAR-T or judged-only id is refused with the field, value and accepted ids (no traitlets traceback)."""
    for build in (lambda: DoseCalculator(regimen_id=rid), lambda: ScheduleTimeline(regimen_id=rid)):
        with pytest.raises(InvalidInput) as err:
            build()
        assert err.value.field == "regimen_id" and err.value.value == rid
        assert "inotuzumab" in str(err.value)
    with pytest.raises(InvalidInput, match="compare_with: 'brexucabtagene'.*lesson 08"):
        ScheduleTimeline(compare_with="brexucabtagene")
    if rid == "tisagenlecleucel":
        with pytest.raises(InvalidInput, match="lesson 08"):
            DoseCalculator(regimen_id=rid)


# ---- progress kept in the browser (issue 21) ----------------------------------------------------


def reload(make, lesson_id: str, act) -> tuple[Any, Any]:
    """A page: its panel and the browser's copy (set as the page's script sets it); `act` works on
    it; then a new page (a reload, a new kernel) is handed the copy. Returns (before, after)."""
    from alledu.widgets.progress import remember

    before = make()
    box = remember(before, lesson_id)
    box.restore = "{}"  # a first visit: nothing kept yet
    act(before)
    kept = box.state
    assert kept and kept != "{}"
    after = make()
    remember(after, lesson_id).restore = kept
    return before, after


def test_quiz_reload_comes_back_at_the_same_question_with_the_score() -> None:
    def act(quiz: Quiz) -> None:
        for i in range(5):
            q = quiz.current
            right = E.numeric_answer(q) if q.kind == "numeric" else q.correct
            wrong: Any = []
            if q.kind == "numeric":
                wrong = f"{E.numeric_answer(q) / 2:g}"
            elif q.kind == "single":
                wrong = next(k for k in q.options if k != q.correct)
            quiz.answer(right if i % 2 == 0 else wrong)
            quiz.next_button.click()
        q = quiz.current
        quiz.answer(E.numeric_answer(q) if q.kind == "numeric" else q.correct)  # checked, Next not pressed

    before, after = reload(lambda: Quiz(seed=4), "06_self_check_quiz", act)
    assert (after.seed, after.index, after.score, after.record) == (before.seed, 6, before.score, before.record)
    assert after.progress.value == f"Question 7 of {len(after.questions)} · score so far {before.score}"
    assert after.state is State.ANSWERING


def test_case_reload_keeps_the_case_and_the_step() -> None:
    def act(case: CaseScenario) -> None:
        case.picker.value = "cd19_negative_relapse"
        case.answer(["cr1_over_1_year", "platelets_over_100"])
        case.next_button.click()

    _, after = reload(CaseScenario, "05_case_scenarios", act)
    assert after.picker.value == "cd19_negative_relapse" and after.index == 1 and after.score == 1
    assert after.progress.value.startswith("Step 2 of")


def test_tree_reload_keeps_answers_view_and_question() -> None:
    def act(tree: EligibilityTree) -> None:
        for value in ("B", False, True):
            tree.answer(value)
        tree.view.value = "review"

    before, after = reload(EligibilityTree, "04_eligibility_tree", act)
    assert after.answers == before.answers and after.step == 3 and after.view.value == "review"
    assert after.summary == before.summary


def test_calculator_and_timeline_reload_keep_the_inputs() -> None:
    def dose(calc: DoseCalculator) -> None:
        calc.regimen.value = "inotuzumab"
        calc.weight.text.value = "45"

    before, after = reload(DoseCalculator, "02_bsa_and_dosing", dose)
    assert after.regimen.value == "inotuzumab" and after.weight.text.value == "45"
    assert after.summary == before.summary and "inotuzumab" in after.summary.lower()

    def plan(t: ScheduleTimeline) -> None:
        t.cycles.value = "3"
        t.start.value = dt.date(2027, 2, 1)

    before, after = reload(ScheduleTimeline, "03_schedule_timeline", plan)
    assert after.cycles.value == "3" and after.start.value == dt.date(2027, 2, 1)
    assert after.summary == before.summary


def test_a_kept_copy_that_no_longer_fits_starts_fresh() -> None:
    from alledu.widgets.progress import remember

    quiz = Quiz(seed=2)
    box = remember(quiz, "06_self_check_quiz")
    box.restore = json.dumps({"seed": 2, "ids": ["gone"], "score": 3, "record": []})
    assert quiz.index == 0 and quiz.score == 0 and box.state  # fresh, and the copy is replaced


def test_tree_prints_a_compact_handout_with_the_answers() -> None:
    """Issue 21: lesson 04 printed 13 pages, most with one agent, without the patient's answers."""
    from alledu.widgets.print_css import PRINT_ONLY, SCREEN_ONLY

    tree = EligibilityTree()
    answer_all(tree, {"lineage": "T", "disease_status": "relapsed", "age_years": "30", "prior_regimens": 2})
    text = tree.printout()
    assert text.startswith(
        "Patient: Lineage: T-cell; Disease status: Relapsed; Number of prior regimens: 2 regimens; Age: 30 years"
    )
    lines = text.splitlines()
    assert lines[1] == "Judged by the label in force." and len(lines) == 2 + len(tree.results())
    assert "Inotuzumab ozogamicin: ✗ Not eligible - " in text and "(not met)" in text
    printed = next(c for c in tree.children if PRINT_ONLY in c._dom_classes)
    assert "Nelarabine, adult dose" in printed.value and "Patient: Lineage: T-cell" in printed.value
    assert SCREEN_ONLY in tree.verdicts._dom_classes and SCREEN_ONLY in tree.drawing._dom_classes


def test_prognosis_and_car_t_reload_keep_the_inputs() -> None:
    """Lessons 01 and 08 keep their inputs too (issue 21)."""
    from alledu.widgets.cart import CarTJourney

    def factors(f: FactorExplorer) -> None:
        f.cr1.text.value = "7"
        f.transplant.value = True
        first = next(iter(f.marks))
        f.marks[first].value = ADVERSE

    before, after = reload(FactorExplorer, "01_relapse_and_prognosis", factors)
    first = next(iter(after.marks))
    assert after.cr1.text.value == "7" and after.transplant.value is True and after.marks[first].value == ADVERSE
    assert after.summary == before.summary

    def journey(j: CarTJourney) -> None:
        j.age.text.value = "30"
        j.infusion.value = dt.date(2027, 3, 1)

    before, after = reload(CarTJourney, "08_car_t_journey", journey)
    assert after.age.text.value == "30" and after.infusion.value == dt.date(2027, 3, 1)
    assert after.summary == before.summary
