"""Quiz questions and case scenarios: loaded from content, answered by the domain.

Why: a quiz answer typed by hand drifts from the regimen files; here numeric answers are
computed by the same code that builds schedules (or read from the cited fact), and scenario
answers come from eligibility, prognosis and schedule. Checking a learner's answer is pure
code, so it is tested without a browser.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from alledu.authoring.asked import Asked
from alledu.authoring.folder import TeacherCase, teacher_content
from alledu.content_loader import content
from alledu.eligibility import eligibility, scope_line
from alledu.errors import ContentError, InvalidInput
from alledu.models import DoseSpec, Question, QuestionBank, Scenario, Step
from alledu.patient import Patient
from alledu.prognosis import first_relapse
from alledu.schedule import regimen, safety_notes, schedule, timeline
from alledu.validate import accepted_range, number, read_decimal

__all__ = ["Asked", "DoseSpec", "Feedback", "Question", "QuestionBank", "Scenario", "Step", "TeacherCase"]


@dataclasses.dataclass(frozen=True)
class Feedback:
    """A marked answer. `safety` holds the regimen's safety notes when a dose is shown."""

    correct: bool
    text: str
    expected: Any
    cite: tuple[str, ...]
    safety: tuple[str, ...] = ()


# ---- loading (validated with the rest of the content) -------------------------------------
def question_bank() -> QuestionBank:
    return content().quiz


def scenarios() -> tuple[Scenario, ...]:
    return content().scenarios


def scenario(scenario_id: str) -> Scenario:
    for s in scenarios():
        if s.id == scenario_id:
            return s
    raise InvalidInput("scenario", scenario_id, ", ".join(s.id for s in scenarios()))


# ---- answers ----------------------------------------------------------------------------
def content_value(path: str) -> float:
    """Read a fact by dotted path, e.g. 'evidence.first_relapse.figures.cr2_percent'."""
    node: Any = content()
    for part in path.split("."):
        if isinstance(node, dict):
            node = node[part]
        elif isinstance(node, tuple):
            node = node[int(part)]
        else:
            node = getattr(node, part)
    return float(getattr(node, "value", node))


def dose_of(spec: DoseSpec | Step, patient: Patient, choices: dict[str, str] | None = None) -> float:
    """The dose on (cycle, day) of a regimen for a patient, as alledu.schedule computes it."""
    frame = schedule(spec.regimen or "", patient, cycles=spec.cycle, **(choices or {}))
    row = frame[(frame.cycle == spec.cycle) & (frame.day == spec.day)]
    if row.empty:
        raise ContentError(f"no dose on cycle {spec.cycle} day {spec.day} of {spec.regimen}")
    return float(row.dose.iloc[0])


def _safety(regimen_id: str, age_years: float | None) -> tuple[str, ...]:
    """The safety notes that must stand beside any dose of this regimen shown as an answer."""
    return tuple(n.text for n in safety_notes(regimen_id, age_years))


def numeric_answer(q: Question) -> float:
    assert q.answer is not None
    if q.answer.dose is not None:
        spec = q.answer.dose
        return dose_of(spec, Patient(**spec.patient), spec.choices)
    return content_value(q.answer.content or "")


def within(given: float, expected: float, tolerance_percent: float) -> bool:
    """Inside the stated tolerance (percent of the expected value; exact when it is 0)."""
    if expected == 0:
        return abs(given) <= 1e-9
    return abs(given - expected) / abs(expected) * 100 <= tolerance_percent + 1e-9


def _number(value: Any, unit: str | None = None) -> float:
    """A numeric answer as typed ('44%', '5,2' and ' 5.2 ' all read), inside what could be true.

    An impossible value (negative, a percentage over 100, 1e9) raises InvalidInput so the page
    shows a message and the question stays open: it is never marked, and the answer never shown.
    """
    key = "answer_percent" if unit == "%" else "answer"
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()  # "44%" is how people write a percentage
        x = read_decimal(text)
        if x is None:
            raise InvalidInput("answer", value.strip(), accepted_range(key), "must be a number like 5.2")
        value = x
    return number("answer", value, limit=key)


NONE_OF_THESE = "None of these"  # the tick-box answer meaning the empty set (an answer, not a blank)


def recorded(kind: str, given: Any, unit: str | None) -> Any:
    """An answer as a live class stores it: a number as a number (never the text typed, whatever
    its length), choices as they are. Only called after the answer was marked, so it reads."""
    return _number(given, unit) if kind == "numeric" else given


def tolerance_words(percent: float | None) -> str:
    """How close a number must be, in words: 'accepted within ±5%', or 'the exact value' for 0."""
    return f"accepted within ±{percent:g}%" if percent else "the exact value is expected"


def check_question(q: Question, given: Any) -> Feedback:
    """Mark one answer: an option id, a set of option ids, or a number."""
    if q.kind == "numeric":
        expected = numeric_answer(q)
        value = _number(given, q.unit)
        ok = within(value, expected, q.tolerance_percent or 0)
        unit = f" {q.unit}" if q.unit and q.unit != "%" else (q.unit or "")
        text = (
            f"{'Correct' if ok else 'Not quite'}: the answer is {expected:.2f}{unit} "
            f"({tolerance_words(q.tolerance_percent)}). {q.explain}"
        )
        safety = ()
        if q.answer and q.answer.dose:
            safety = _safety(q.answer.dose.regimen, q.answer.dose.patient.get("age_years"))
        return Feedback(ok, text, expected, q.cite, safety)
    wanted = {q.correct} if isinstance(q.correct, str) else set(q.correct or ())
    got = {given} if isinstance(given, str) else set(given or ())
    ok = got == wanted
    names = "; ".join(q.options[k] for k in q.options if k in wanted)
    text = f"{'Correct' if ok else 'Not quite'}: {names}."
    if not ok and q.kind == "multiple":
        text += _missed_and_wrong(q.options, wanted, got)
    return Feedback(ok, f"{text} {q.explain}", sorted(wanted), q.cite)


def _missed_and_wrong(labels: dict[str, str], wanted: set[str], got: set[str]) -> str:
    """Name what the learner left out and what they ticked that does not belong."""
    missed = [labels.get(k, k) for k in labels if k in wanted - got]
    wrong = [labels.get(k, k) for k in labels if k in got - wanted]
    text = ""
    if missed:
        text += " You missed: " + "; ".join(missed) + "."
    if wrong:
        text += " Not correct: " + "; ".join(wrong) + "."
    return text


def shuffled(seed: int) -> list[Question]:
    """The bank in a reproducible random order (same seed, same order)."""
    order = list(question_bank().questions)
    random.Random(seed).shuffle(order)
    return order


def quiz_items(seed: int) -> list[Question | Asked]:
    """The quiz as served: the bank and the teacher's questions ($ALLEDU_CONTENT, read again when
    a file changed), or the teacher's alone when the folder is served "instead"; shuffled by seed."""
    folder = teacher_content()
    items: list[Question | Asked] = [] if folder and folder.only else list(question_bank().questions)
    items += list(folder.questions) if folder else []
    random.Random(seed).shuffle(items)
    return items


def case_items() -> list[Scenario | TeacherCase]:
    """The cases as served: built-in vignettes and the teacher's (or the teacher's alone)."""
    folder = teacher_content()
    items: list[Scenario | TeacherCase] = [] if folder and folder.only else list(scenarios())
    return items + list(folder.cases if folder else ())


def case_item(case_id: str) -> Scenario | TeacherCase:
    for c in case_items():
        if c.id == case_id:
            return c
    raise InvalidInput("scenario", case_id, ", ".join(c.id for c in case_items()))


def option_order(q: Question, seed: int) -> list[str]:
    keys = list(q.options)
    random.Random(f"{seed}-{q.id}").shuffle(keys)
    return keys


def scenario_patient(s: Scenario) -> Patient:
    return Patient(**s.patient)


def regimen_ids_in(chosen: set[str]) -> list[str]:
    """The chosen ids that are regimens, in lesson order."""
    return [rid for rid in content().meta.regimens if rid in chosen]


def step_answer(s: Scenario, step: Step) -> Any:
    """What the domain says the answer to a scenario step is."""
    p = scenario_patient(s)
    match step.kind:
        case "factors":
            return sorted(f.id for f in first_relapse(p).factors if f.present)
        case "eligible":
            # "under the current label": an off-label use is not a label answer (it is the review's)
            return [
                v.regimen_id
                for v in eligibility(p, view=step.view)
                if v.eligible and not (step.view == "label" and v.off_label)
            ]
        case "dose":
            return dose_of(step, p)
        case "cycle_start":
            return timeline(step.regimen or "", 2)[1].start_day
        case "single":
            return step.correct
    raise AssertionError(step.kind)


def input_kind(step: Step) -> str:
    """How a step is answered: 'multiple' (tick boxes), 'single' (one choice) or 'numeric'."""
    return {"factors": "multiple", "eligible": "multiple", "single": "single"}.get(step.kind, "numeric")


def step_unit(step: Step) -> str | None:
    """The unit a numeric step's answer is in (the dose's unit, or a day of the course)."""
    if step.kind == "dose":
        return regimen(step.regimen or "").dose_unit
    if step.kind == "cycle_start":
        return "day of the course"
    return None


def step_options(s: Scenario, step: Step) -> dict[str, str]:
    """The choices shown for a step (regimen titles, factor labels, or authored options)."""
    if step.kind == "eligible":
        return {rid: regimen(rid).short_title for rid in content().meta.regimens}
    if step.kind == "factors":
        return {f.id: f.label for f in content().evidence.first_relapse.favourable_factors}
    return dict(step.options)


def check_step(s: Scenario, step: Step, given: Any) -> Feedback:
    """Mark a learner's answer to one scenario step, with an explanation and sources."""
    expected = step_answer(s, step)
    if step.kind in ("dose", "cycle_start"):
        value = _number(given, step_unit(step))
        ok = within(value, expected, step.tolerance_percent)
        reg = regimen(step.regimen or "")
        if step.kind == "dose":
            unit = reg.dose_unit
            why = (
                f"{reg.title}, cycle {step.cycle} day {step.day}: {expected:.2f} {unit} "
                f"({tolerance_words(step.tolerance_percent)})."
            )
            if step.explain:
                why += f" {step.explain}"
            safety = _safety(reg.id, s.patient.get("age_years"))
            return Feedback(ok, f"{'Correct' if ok else 'Not quite'}: {why}", expected, reg.cite, safety)
        why = (
            f"Cycle 2 begins on day {expected:g} of the course, that is {expected - 1:g} days after cycle 1 day 1 "
            "(a full cycle, treatment-free days included)."
        )
        return Feedback(ok, f"{'Correct' if ok else 'Not quite'}: {why}", expected, reg.cite)
    if step.kind == "single":
        ok = given == expected
        text = f"{'Correct' if ok else 'Not quite'}: {step.options.get(expected, expected)}. {step.explain or ''}"
        return Feedback(ok, text, expected, step.cite)
    got = set(given or ())
    neutral: list[str] = []
    if step.kind == "eligible" and step.view == "review":
        # an agent the review does not name is never marked wrong in its view: it is not counted
        judged = {v.regimen_id: v for v in eligibility(scenario_patient(s), view="review")}
        neutral = [r for r in regimen_ids_in(got) if not judged[r].in_review]
        got -= set(neutral)
    ok = got == set(expected)
    labels = step_options(s, step)
    names = ", ".join(labels[k] for k in expected) or "none of them"
    extra = "" if ok else _missed_and_wrong(labels, set(expected), got)
    if step.kind == "eligible":
        verdicts = {v.regimen_id: v for v in eligibility(scenario_patient(s), view=step.view)}
        wrong = sorted(got - set(expected))
        reasons = [
            f"{regimen(r).short_title}: "
            + "; ".join(
                [x for x in verdicts[r].reasons if "(not met)" in x or x.startswith("No longer")]
                + ([f"off-label ({verdicts[r].off_label})"] if verdicts[r].off_label and verdicts[r].eligible else [])
            )
            for r in wrong
        ]
        source = "by the label in force" if step.view == "label" else "in the 2021 review's view"
        text = f"{'Correct' if ok else 'Not quite'}: {source}, the agents that fit are {names}.{extra}" + (
            " Why not: " + " | ".join(reasons) if reasons else ""
        )
        if neutral:
            text += " Not counted: " + "; ".join(
                f"{regimen(r).short_title} ({judged[r].reasons[0].removeprefix('Not in the review: ')})"
                for r in neutral
            )
        text += f" {scope_line()}"  # the list of options is never taken for every option there is
        cites = tuple(dict.fromkeys(c for r in [*expected, *wrong] for c in verdicts[r].citations))
        return Feedback(ok, text, expected, cites)
    text = f"{'Correct' if ok else 'Not quite'}: favourable factors present: {names}.{extra}"
    return Feedback(ok, text, expected, content().evidence.first_relapse.cite)
