"""Hostile and careless input, as property tests (issue 10).

The only outcomes allowed anywhere: a correct result, or InvalidInput with a one-line message
naming the field (CLI: exit 2 and one line on stderr). Widgets, fed states the way a browser
(or someone crafting websocket messages) can, show a correct dose or a visible message and no
dose. Each failure listed in the issue also has its own test at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import random
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ipywidgets
import numpy as np
import pandas as pd
import pytest
import traitlets
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import alledu
from alledu import validate
from alledu.cli import main
from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.rounding import round_dose
from alledu.schedule import cycles_allowed, dose_steps, regimen, regimen_ids
from alledu.validate import limits
from alledu.widgets.dose import DoseCalculator
from alledu.widgets.exercise import Quiz
from alledu.widgets.timeline import ScheduleTimeline

FORMULAS = list(content().bsa.formulas)
LIMITS = limits()  # every accepted range: numeric patient fields, BSA, cycles drawn

# ---- strategies --------------------------------------------------------------------------

reals = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.fractions(),
    st.floats(width=32, allow_nan=True).map(np.float32),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(np.int64),
    st.floats().map(np.float64),
    st.sampled_from([5e-324, -1e-310, -0.0, 10**400, Decimal("sNaN"), Decimal("1e400"), Fraction(10**400, 3)]),
)
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.just(np.bool_(True)),
    st.text(max_size=8),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.just(float),
)


def plausible(field: str) -> st.SearchStrategy[float]:
    lim = LIMITS[field]
    return st.floats(min_value=lim.min, max_value=lim.max)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], share: float = 0.8) -> st.SearchStrategy[Any]:
    """`good` in about `share` of the examples, else `bad`: enough right results to check them."""
    return st.floats(0, 1).flatmap(lambda u: good if u < share else bad)


def any_value(field: str) -> st.SearchStrategy[Any]:
    """Mostly values a learner could mean (as any number type), often hostile ones."""
    typed = plausible(field).flatmap(
        lambda x: st.sampled_from([x, Decimal(repr(x)), np.float64(x), np.float32(x), Fraction(x)])
    )
    return mostly(st.one_of(plausible(field), typed), st.one_of(reals, junk), 0.85)


formulas = mostly(
    st.one_of(st.none(), st.sampled_from(FORMULAS)),
    st.one_of(st.sampled_from(["", "nope", "MOSTELLER", "mosteller "]), junk),
)


def refused(exc: InvalidInput, *fields: str) -> None:
    """The one acceptable failure: a one-line message naming a field (one of `fields`, if given)."""
    msg = str(exc)
    assert "\n" not in msg and len(msg) < 400, msg
    assert msg.startswith(f"{exc.field}: ") and "is not accepted; accepted: " in msg, msg
    if fields:
        assert exc.field in fields, msg


# ---- domain ------------------------------------------------------------------------------
SEEN: Counter[str] = Counter()  # outcomes of the examples of the fuzz test running now


def both_ways(run: Any, least: int) -> None:
    """Run a hypothesis test and fail unless its examples reached both outcomes: a fuzz test whose
    every example is refused (or accepted) proves nothing about the other path (issue 23)."""
    SEEN.clear()
    run()
    assert SEEN["accepted"] >= least and SEEN["refused"] >= least, dict(SEEN)


@settings(max_examples=600, deadline=None)
@given(field=st.sampled_from(sorted(k for k in LIMITS if k != "display_cycles")), data=st.data())
def _number_is_right_or_refused_examples(field: str, data: st.DataObject) -> None:
    value = data.draw(any_value(field))
    try:
        x = validate.number(field, value)
    except InvalidInput as exc:
        refused(exc, field)
        event(f"refused: {exc.field}")  # pytest --hypothesis-show-statistics shows the mix
        SEEN["refused"] += 1
        return
    event("number")
    SEEN["accepted"] += 1
    assert type(x) is float and math.isfinite(x) and x == float(value)
    assert LIMITS[field].min <= x <= LIMITS[field].max and not isinstance(value, bool | np.bool_)


@settings(max_examples=600, deadline=None)
@given(height=any_value("height_cm"), weight=any_value("weight_kg"), formula=formulas)
def _bsa_is_right_or_refused_examples(height: Any, weight: Any, formula: Any) -> None:
    try:
        value = alledu.bsa(height_cm=height, weight_kg=weight, formula=formula)
    except InvalidInput as exc:
        refused(exc, "height_cm", "weight_kg", "formula")
        event(f"refused: {exc.field}")
        SEEN["refused"] += 1
        return
    event("bsa")
    SEEN["accepted"] += 1
    assert formula is None or (isinstance(formula, str) and formula in FORMULAS)
    h, w = float(height), float(weight)
    assert value == alledu.bsa(height_cm=h, weight_kg=w, formula=formula or "mosteller")
    if formula in (None, "mosteller"):
        assert value == pytest.approx(math.sqrt(h * w / 3600), rel=1e-12)


def test_number_is_right_or_refused() -> None:
    both_ways(_number_is_right_or_refused_examples, 10)


def test_bsa_is_right_or_refused() -> None:
    both_ways(_bsa_is_right_or_refused_examples, 10)


choice_values = st.one_of(
    st.sampled_from(["cr", "no_cr", "21", "28", "full", "step1", "step3", "yes", "no"]),
    st.sampled_from([21, 28, True, None]),
    junk,
)
starts = st.one_of(
    st.none(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(),
    st.dates().map(str),
    st.sampled_from(["20260105", "9999-12-31", "2026-02-30", "２０２６-01-05", "2199-12-31", "1899-12-31"]),
    st.just(pd.NaT),
    st.dates().map(pd.Timestamp),
    junk,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    regimen_id=mostly(st.sampled_from(regimen_ids()), junk, 0.95),
    age=any_value("age_years"),
    height=any_value("height_cm"),
    weight=any_value("weight_kg"),
    cycles=mostly(st.integers(1, 2), st.one_of(st.integers(-1, 13), st.integers(1, 3).map(np.int64), junk)),
    start=mostly(st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1))), starts, 0.7),
    formula=mostly(st.sampled_from(FORMULAS), formulas, 0.9),
    bsa_m2=mostly(st.none(), any_value("bsa_m2"), 0.7),
    choices=mostly(
        st.just({}),
        st.dictionaries(
            st.sampled_from(["response", "cycle1_days", "dose_step", "continued_therapy", "colour"]), choice_values
        ),
        0.4,
    ),
)
def _schedule_is_right_or_refused_examples(
    regimen_id: Any,
    age: Any,
    height: Any,
    weight: Any,
    cycles: Any,
    start: Any,
    formula: Any,
    bsa_m2: Any,
    choices: dict,
) -> None:
    try:
        patient = alledu.Patient(age_years=age, height_cm=height, weight_kg=weight)
        frame = alledu.schedule(regimen_id, patient, cycles, start, formula, bsa_m2=bsa_m2, **choices)
    except InvalidInput as exc:
        refused(exc)
        event(f"refused: {exc.field}")
        SEEN["refused"] += 1
        return
    event("schedule")
    SEEN["accepted"] += 1
    assert len(frame) > 0 and isinstance(formula, str) and formula in FORMULAS
    for row in frame.itertuples():  # one dose, or a labelled range with two ends (never both)
        if math.isnan(row.dose):
            assert 0 < row.dose_low < row.dose_high and math.isfinite(row.dose_high)
        else:
            assert math.isfinite(row.dose) and row.dose > 0 and math.isnan(row.dose_low)
    if start is not None:
        assert frame["date"].notna().all()
        first_day = 0 if alledu.regimen(regimen_id).day_zero else 1  # a start date is day 0 of a CAR-T course
        want = validate.date("start", start) + dt.timedelta(days=int(frame["day"].iloc[0]) - first_day)
        assert frame["date"].iloc[0] == want
    for row in frame.itertuples():
        low = row.dose_low if math.isnan(row.dose) else row.dose
        if row.capped:
            assert row.dose == row.cap and row.dose_before_cap > row.cap
        elif row.basis == "fixed":
            assert low == row.basis_amount
        elif row.basis == "per kg":  # cells per kg of body weight: never BSA
            assert math.isnan(row.bsa_m2) and low == pytest.approx(row.basis_amount * patient.weight_kg)
        else:
            assert LIMITS["bsa_m2"].min <= row.bsa_m2 and row.dose == pytest.approx(row.basis_amount * row.bsa_m2)


# ---- command line ------------------------------------------------------------------------

number_texts = mostly(
    st.one_of(st.sampled_from(["170", "70.5", "130", "40", "60.25"]), st.floats(40, 200).map(lambda x: f"{x:.2f}")),
    st.one_of(
        st.sampled_from(["1_70", "١٧٠", "１７０", "+2", "-5", "nan", "inf", "1e400", "9" * 500, "", " 170", "0x10"]),
        st.sampled_from(["1e2", "20260105", "--", "-h", ".5"]),
        st.floats().map(str),
        st.integers().map(str),
        st.text(max_size=6),
    ),
    0.85,
)
date_texts = mostly(
    st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)).map(str),
    st.one_of(st.dates().map(str), st.sampled_from(["20260105", "9999-12-31", "2026-13-01", "x"])),
)


def test_schedule_is_right_or_refused() -> None:
    both_ways(_schedule_is_right_or_refused_examples, 10)


def run_main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse usage errors and --help
            code = stop.code if isinstance(stop.code, int) else 2
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(["bsa", "schedule", "eligibility"]),
    regimen_id=mostly(st.sampled_from(regimen_ids()), st.text(max_size=5), 0.95),
    age=number_texts,
    height=number_texts,
    weight=number_texts,
    cycles=mostly(st.sampled_from(["1", "2"]), number_texts),
    start=st.one_of(st.none(), date_texts),
    choice=st.one_of(st.none(), st.sampled_from(["response=cr", "cycle1_days=28", "dose_step=", "x", "=", "a=b=c"])),
    extra=st.sampled_from(
        [[], ["--format", "json"], ["--format", "ics"], ["--mrd", "1_0"], ["--prior-regimens", "+1"]]
    ),
)
def test_cli_prints_a_result_or_one_line(
    command: str,
    regimen_id: str,
    age: str,
    height: str,
    weight: str,
    cycles: str,
    start: str | None,
    choice: str | None,
    extra: list[str],
) -> None:
    argv = [command] + ([regimen_id] if command == "schedule" else [])
    argv += [f"--height-cm={height}", f"--weight-kg={weight}"]
    if command != "bsa":
        argv += [f"--age={age}"]
    if command == "schedule":
        argv += [f"--cycles={cycles}"] + ([f"--start={start}"] if start else [])
        argv += [f"--choice={choice}"] if choice else []
    if command != "bsa" and extra:
        argv += extra if extra[0] != "--format" or command == "schedule" else []
    code, out, err = run_main(argv)
    event(f"exit {code}")
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err
    if code == 2:
        assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("alledu: "), (argv, err)
    elif "-h" not in argv and "--help" not in argv:
        assert err == "" and out.strip(), argv


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            [
                "schedule",
                "inotuzumab",
                "--age",
                "40",
                "--height-cm",
                "170",
                "--weight-kg",
                "70",
                "--cycles",
                "2",
                "--choice",
                "response=cr",
                "--start",
                "9999-12-31",
            ],
            "start: '9999-12-31' is not accepted",
        ),
        (["bsa", "--height-cm", "1_70", "--weight-kg", "70"], "height_cm: '1_70' is not accepted"),
        (["bsa", "--height-cm", "١٧٠", "--weight-kg", "70"], "height_cm: '١٧٠' is not accepted"),
        (["bsa", "--height-cm", "１７０", "--weight-kg", "70"], "height_cm: '１７０' is not accepted"),
        (["bsa", "--height-cm", "170", "--weight-kg", "+2"], "weight_kg: '+2' is not accepted"),
        (
            [
                "schedule",
                "blinatumomab_rr",
                "--age",
                "9",
                "--height-cm",
                "130",
                "--weight-kg",
                "30",
                "--start",
                "20260105",
            ],
            "start: '20260105' is not accepted",
        ),
        (["bsa", "--height-cm", "1" + "0" * 400, "--weight-kg", "70"], "height_cm: "),
    ],
)
def test_cli_subprocess_exit_2_one_line(args: list[str], needle: str) -> None:
    r = subprocess.run([sys.executable, "-m", "alledu", *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    assert needle in r.stderr


def test_cli_reader_closing_early_is_not_an_error() -> None:
    """`alledu schedule ... | head -1`: the pipe closes before the output is written."""
    args = ["schedule", "blinatumomab_rr", "--age", "9", "--height-cm", "130", "--weight-kg", "30", "--format", "csv"]
    proc = subprocess.Popen([sys.executable, "-m", "alledu", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before the interpreter has even imported pandas
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and err == b""


# ---- widgets: states a browser can send --------------------------------------------------

STATE_VALUES = [None, True, 0, -1, 1, 45, 44.9, 130, 170, 250.1, 300, 1e308, -1e308, 1e-320, 10**30, "70", "", [], {}]


def _widget_value(rng: random.Random, widget: Any, key: str) -> Any:
    """Mostly what the page itself sends, sometimes what only a crafted message would."""
    if rng.random() < 0.3:
        return rng.choice(STATE_VALUES)
    if key == "index":
        return rng.randrange(len(widget.options))
    return round(rng.uniform(-50, 400), rng.choice([0, 1, 3]))


def _dose_targets(calc: DoseCalculator) -> list[tuple[Any, str]]:
    """(widget, state key) pairs the lesson's page can change."""
    targets: list[tuple[Any, str]] = []
    for entry in (calc.height, calc.weight, calc.age):
        targets += [(entry.text, "value"), (entry.slider, "value")]
    targets += [(w, "index") for w in (calc.units, calc.formula, calc.regimen, calc.rounding)]
    targets += [(dd, "index") for dd in calc.choices.children if isinstance(dd, ipywidgets.Dropdown)]
    return targets


def expected_summary(calc: DoseCalculator) -> str:
    """What the calculator must show for its current controls, computed by the library."""
    height, weight = calc.height_cm(), calc.weight_kg()
    patient = alledu.Patient(age_years=calc.age.value, height_cm=height, weight_kg=weight)
    reg, choices = regimen(calc.regimen.value), calc.choices.values
    cycles = min(2, cycles_allowed(reg.id, **choices))
    frame = alledu.schedule(reg.id, patient, cycles=cycles, bsa_formula=calc.formula.value, **choices)
    body = alledu.bsa(height_cm=height, weight_kg=weight, formula=calc.formula.value)
    lines = [f"BSA {body:.4f} m2 ({content().bsa.formulas[calc.formula.value].label})"]
    for step in dose_steps(frame):
        shown = round_dose(step.dose, calc.rounding.value).text()
        lines.append(
            f"Cycle {step.cycle} {step.days_text}: {shown} {step.unit} ({step.basis})"
            + (f" CAPPED from {step.dose_before_cap:.2f}" if step.capped else "")
        )
    return "\n".join(lines)


def assert_dose_or_message(calc: DoseCalculator) -> str:
    if calc.message.value:
        assert 'role="alert"' in calc.message.value
        assert calc.working.value == "" and calc.bsa_m2 is None
        assert " mg" not in calc.summary and "mcg" not in calc.summary
        return "message"
    want = expected_summary(calc).splitlines()
    got = calc.summary.splitlines()
    assert got[: len(want)] == want
    # after the doses: only whom the dose is for and the safety notes, never another number line
    assert all(line.startswith(("Whom this dose is for: ", "Safety: ")) for line in got[len(want) :])
    assert any(line.startswith("Safety: ") for line in got[len(want) :])
    return "dose"


def test_dose_calculator_set_state_fuzz() -> None:
    """2,000 states through set_state: each ends in the right dose or a message and no dose."""
    rng = random.Random(2000)
    calc = DoseCalculator()
    outcomes = {"dose": 0, "message": 0, "rejected": 0}
    for i in range(2000):
        if i % 400 == 399:
            calc = DoseCalculator()  # fresh pages too, not only one long session
        widget, key = rng.choice(_dose_targets(calc))
        try:
            widget.set_state({key: _widget_value(rng, widget, key)})
        except traitlets.TraitError:  # the widget refused the state: the page keeps what it had
            outcomes["rejected"] += 1
        outcomes[assert_dose_or_message(calc)] += 1
    assert outcomes["dose"] > 300 and outcomes["message"] > 100 and outcomes["rejected"] > 100, outcomes


DATES = [
    {"year": 2026, "month": 0, "date": 5},
    {"year": 2199, "month": 11, "date": 31},
    {"year": 9999, "month": 11, "date": 31},
    {"year": 1, "month": 0, "date": 1},
    None,
]


def test_timeline_set_state_fuzz() -> None:
    """Lesson 03 (slow: every state redraws the timeline): each state ends in plans the library agrees with, or a
    message with no table, downloads or bars."""
    rng = random.Random(3)
    t = ScheduleTimeline()
    outcomes = {"plan": 0, "message": 0}
    for _ in range(120):
        targets = [(t.start, "value"), (t.cycles, "value"), (t.regimen_a, "index"), (t.regimen_b, "index")]
        targets += [(e.text, "value") for e in (t.height, t.weight, t.age)]
        targets += [
            (dd, "index")
            for dd in (*t.choices_a.children, *t.choices_b.children)
            if isinstance(dd, ipywidgets.Dropdown)
        ]
        widget, key = rng.choice(targets)
        if widget is t.start:
            value = rng.choice(DATES)
        elif widget is t.cycles:
            value = rng.choice([1, 2, 3, 12, 13, 0, -1, None, "2"])
        elif widget is t.age.text:
            value = rng.choice([0.5, 9, 17.9, 18, 21.9, 40, 70, -1, 130, None])
        else:
            value = _widget_value(rng, widget, key)
        with contextlib.suppress(traitlets.TraitError):
            widget.set_state({key: value})
        if t.message.value:
            assert 'role="alert"' in t.message.value and t.table.value == "" and t.downloads.value == ""
            assert t.plot.value == "" and t.lanes == []
            outcomes["message"] += 1
            continue
        patient = alledu.Patient(age_years=t.age.value, height_cm=t.height.value, weight_kg=t.weight.value)
        lines = [line for line in t.summary.splitlines() if " safety: " not in line and " whom for: " not in line]
        assert len(t.plans) == 1 + bool(t.regimen_b.value) == len(lines)
        for plan, line in zip(t.plans, lines, strict=True):
            frame = alledu.schedule(plan.regimen_id, patient, plan.cycles, t.start.value, **plan_choices(t, plan))
            assert frame["dose"].tolist() == plan.frame["dose"].tolist()
            assert line.startswith(f"{plan.regimen_id}: {plan.cycles} cycle(s), {len(frame)} administration days")
        outcomes["plan"] += 1
    assert outcomes["plan"] > 20 and outcomes["message"] > 10, outcomes


def plan_choices(t: ScheduleTimeline, plan: Any) -> dict:
    return t.choices_a.values if plan is t.plans[0] else t.choices_b.values


def test_quiz_crafted_events_never_change_the_score_wrongly() -> None:
    """Click events for every button, enabled or not, and set_state on the answer controls."""
    rng = random.Random(6)
    quiz = Quiz(seed=3)
    checked = 0
    for _ in range(600):
        button = rng.choice([quiz.check_button, quiz.next_button, quiz.retry_button])
        if rng.random() < 0.3:
            for child in quiz.input.children:
                with contextlib.suppress(traitlets.TraitError):
                    child.set_state({"value": rng.choice([None, "1", "x", True, 0, "a", "b"])})
        was_enabled, index = not button.disabled, quiz.index
        button._handle_button_msg(None, {"event": "click"}, [])  # what a browser's click sends
        if button is quiz.retry_button:
            checked = 0
        elif button is quiz.check_button and was_enabled and quiz.index == index and quiz.feedback.value:
            checked = quiz.index + 1
        assert quiz.score <= max(checked, quiz.index + (quiz.state.value == "checked"))
        assert quiz.score <= quiz.index + 1 <= len(quiz.questions) + 1


# ---- each failure from the issue ---------------------------------------------------------


@pytest.fixture
def adult() -> alledu.Patient:
    return alledu.Patient(age_years=40, height_cm=170, weight_kg=70)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": pd.NaT}, "start"),
        ({"start": "9999-12-31"}, "start"),
        ({"start": "20260105"}, "start"),
        ({"bsa_formula": "nope", "bsa_m2": 1.5}, "formula"),
        ({"bsa_formula": "", "bsa_m2": 1.5}, "formula"),
        ({"bsa_formula": ["mosteller"]}, "formula"),
        ({"response": ["cr"]}, "response"),
        ({"response": {"cr": 1}}, "response"),
        ({"cycle1_days": None}, "cycle1_days"),
    ],
)
def test_issue_schedule_cases_are_refused(adult: alledu.Patient, kwargs: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        alledu.schedule("inotuzumab", adult, 1, **kwargs)
    refused(err.value, field)


def test_issue_dose_step_none_names_dose_step(adult: alledu.Patient) -> None:
    with pytest.raises(InvalidInput, match=r"^dose_step: None is not accepted; accepted: one of 'full'"):
        alledu.schedule("vincristine_liposomal", adult, 1, dose_step=None)


@pytest.mark.parametrize("formula", ["", False, 0, ["mosteller"]])
def test_issue_empty_or_false_formula_is_not_mosteller(formula: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        alledu.bsa(height_cm=170, weight_kg=70, formula=formula)
    refused(err.value, "formula")


def test_issue_bsa_below_content_minimum_gives_no_dose() -> None:
    tiny = alledu.Patient(age_years=1, height_cm=30, weight_kg=1)
    with pytest.raises(InvalidInput, match=r"^bsa_m2: 0\.0913 is not accepted; accepted: 0\.1 to 4 m2"):
        alledu.schedule("inotuzumab", tiny, 1)
    assert alledu.bsa(height_cm=30, weight_kg=1) == pytest.approx(0.0913, abs=1e-4)  # the formula itself stays


@pytest.mark.parametrize(
    "value",
    [10**400, -(10**400), float("nan"), float("inf"), Decimal("NaN"), 5e-324],
    ids=["1e400", "-1e400", "nan", "inf", "Decimal-NaN", "subnormal"],
)
def test_issue_huge_tiny_and_nan_are_refused(value: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        alledu.Patient(age_years=40, height_cm=value, weight_kg=70)
    refused(err.value, "height_cm")


@pytest.mark.parametrize(
    "height", [np.int64(170), np.float32(170), np.float64(170), Decimal("170"), Fraction(170), np.int32(170)]
)
def test_issue_numpy_decimal_fraction_are_numbers(height: Any) -> None:
    assert alledu.bsa(height_cm=height, weight_kg=70) == alledu.bsa(height_cm=170.0, weight_kg=70)
    p = alledu.Patient(age_years=np.int64(40), height_cm=height, weight_kg=Fraction(70))
    assert (p.height_cm, p.age_years, p.weight_kg) == (170.0, 40.0, 70.0)
    assert alledu.Patient(age_years=40, height_cm=170, weight_kg=70, prior_regimens=np.int64(2)).prior_regimens == 2


def test_issue_disabled_check_button_ignores_crafted_clicks() -> None:
    quiz = Quiz(seed=1)
    q = quiz.current
    quiz.answer(q.answer if q.kind == "numeric" else q.correct if q.kind == "single" else list(q.correct or ()))
    assert quiz.check_button.disabled and quiz.scoreline.value == f"<p>Score: {quiz.score} / 1</p>"
    for _ in range(5):
        quiz.check_button._handle_button_msg(None, {"event": "click"}, [])
    assert quiz.score <= 1 and quiz.scoreline.value == f"<p>Score: {quiz.score} / 1</p>"
