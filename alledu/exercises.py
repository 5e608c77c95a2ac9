"""Quiz questions and case scenarios: loaded from content, answered by the domain.

Why: a quiz answer typed by hand drifts from the regimen files; here numeric answers are
computed by the same code that builds schedules (or read from the cited fact), and scenario
answers come from eligibility, prognosis and schedule. Checking a learner's answer is pure
code, so it is tested without a browser.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from importlib import resources
from typing import Any, Literal

from pydantic import Field, model_validator

from alledu.content_loader import content, parse, read_yaml
from alledu.eligibility import eligibility
from alledu.errors import ContentError, InvalidInput
from alledu.models import Frozen
from alledu.patient import Patient
from alledu.prognosis import first_relapse
from alledu.schedule import regimen, schedule, timeline


class DoseSpec(Frozen):
    regimen: str
    patient: dict[str, float]
    cycle: int = 1
    day: int = 1
    choices: dict[str, str] = Field(default_factory=dict)


class Answer(Frozen):
    dose: DoseSpec | None = None
    content: str | None = None


class Question(Frozen):
    id: str
    kind: Literal["single", "multiple", "numeric"]
    prompt: str
    options: dict[str, str] = Field(default_factory=dict)
    correct: str | tuple[str, ...] | None = None
    answer: Answer | None = None
    unit: str | None = None
    tolerance_percent: float | None = None
    explain: str
    cite: tuple[str, ...]

    @model_validator(mode="after")
    def _complete(self) -> Question:
        if self.kind == "numeric":
            if self.answer is None or self.tolerance_percent is None:
                raise ValueError("a numeric question needs answer and tolerance_percent")
        else:
            wanted = (self.correct,) if isinstance(self.correct, str) else tuple(self.correct or ())
            if not wanted or any(w not in self.options for w in wanted):
                raise ValueError(f"correct {self.correct!r} must name options among {list(self.options)}")
            if self.kind == "single" and not isinstance(self.correct, str):
                raise ValueError("a single-choice question has one correct option")
        return self


class QuestionBank(Frozen):
    questions: tuple[Question, ...]


class Step(Frozen):
    kind: Literal["factors", "eligible", "dose", "cycle_days", "single"]
    prompt: str
    regimen: str | None = None
    cycle: int = 1
    day: int = 1
    tolerance_percent: float = 0
    options: dict[str, str] = Field(default_factory=dict)
    correct: str | None = None
    explain: str | None = None
    cite: tuple[str, ...] = ()


class Scenario(Frozen):
    id: str
    title: str
    vignette: str
    patient: dict[str, Any]
    steps: tuple[Step, ...]
    expected: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Feedback:
    correct: bool
    text: str
    expected: Any
    cite: tuple[str, ...]


# ---- loading ----------------------------------------------------------------------------
@functools.cache
def question_bank() -> QuestionBank:
    root = resources.files("alledu").joinpath("content")
    bank = parse(QuestionBank, read_yaml(root, "quiz.yaml"), "quiz.yaml")
    for q in bank.questions:
        for key in q.cite:
            if key not in content().citations:
                raise ContentError(f"quiz.yaml: field {q.id}.cite: {key!r} is not defined in citations.yaml")
    return bank


@functools.cache
def scenarios() -> tuple[Scenario, ...]:
    root = resources.files("alledu").joinpath("content").joinpath("scenarios")
    names = sorted(p.name for p in root.iterdir() if p.name.endswith(".yaml"))
    return tuple(parse(Scenario, read_yaml(root, name), f"scenarios/{name}") for name in names)


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


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise InvalidInput("answer", value, "a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInput("answer", value, "a number") from None


def check_question(q: Question, given: Any) -> Feedback:
    """Mark one answer: an option id, a set of option ids, or a number."""
    if q.kind == "numeric":
        expected = numeric_answer(q)
        value = _number(given)
        ok = within(value, expected, q.tolerance_percent or 0)
        unit = f" {q.unit}" if q.unit and q.unit != "%" else (q.unit or "")
        text = (
            f"{'Correct' if ok else 'Not quite'}: the answer is {expected:.2f}{unit} "
            f"(accepted within ±{q.tolerance_percent:g}%). {q.explain}"
        )
        return Feedback(ok, text, expected, q.cite)
    wanted = {q.correct} if isinstance(q.correct, str) else set(q.correct or ())
    got = {given} if isinstance(given, str) else set(given or ())
    ok = got == wanted
    names = "; ".join(q.options[k] for k in q.options if k in wanted)
    return Feedback(ok, f"{'Correct' if ok else 'Not quite'}: {names}. {q.explain}", sorted(wanted), q.cite)


def shuffled(seed: int) -> list[Question]:
    """The bank in a reproducible random order (same seed, same order)."""
    order = list(question_bank().questions)
    random.Random(seed).shuffle(order)
    return order


def option_order(q: Question, seed: int) -> list[str]:
    keys = list(q.options)
    random.Random(f"{seed}-{q.id}").shuffle(keys)
    return keys


def scenario_patient(s: Scenario) -> Patient:
    return Patient(**s.patient)


def step_answer(s: Scenario, step: Step) -> Any:
    """What the domain says the answer to a scenario step is."""
    p = scenario_patient(s)
    match step.kind:
        case "factors":
            return sorted(f.id for f in first_relapse(p).factors if f.present)
        case "eligible":
            return [v.regimen_id for v in eligibility(p) if v.eligible]
        case "dose":
            return dose_of(step, p)
        case "cycle_days":
            return timeline(step.regimen or "", 2)[1].start_day - 1
        case "single":
            return step.correct
    raise AssertionError(step.kind)


def step_options(s: Scenario, step: Step) -> dict[str, str]:
    """The choices shown for a step (regimen titles, factor labels, or authored options)."""
    if step.kind == "eligible":
        return {rid: regimen(rid).title for rid in content().meta.regimens}
    if step.kind == "factors":
        return {f.id: f.label for f in content().evidence.first_relapse.favourable_factors}
    return dict(step.options)


def check_step(s: Scenario, step: Step, given: Any) -> Feedback:
    """Mark a learner's answer to one scenario step, with an explanation and sources."""
    expected = step_answer(s, step)
    if step.kind in ("dose", "cycle_days"):
        value = _number(given)
        ok = within(value, expected, step.tolerance_percent)
        reg = regimen(step.regimen or "")
        if step.kind == "dose":
            unit = reg.dose_unit
            why = (
                f"{reg.title}, cycle {step.cycle} day {step.day}: {expected:.2f} {unit} "
                f"(accepted within ±{step.tolerance_percent:g}%)."
            )
        else:
            why = f"Cycle 2 starts {expected:g} days after cycle 1 day 1: the cycle length, gap included."
        return Feedback(ok, f"{'Correct' if ok else 'Not quite'}: {why}", expected, reg.cite)
    if step.kind == "single":
        ok = given == expected
        text = f"{'Correct' if ok else 'Not quite'}: {step.options.get(expected, expected)}. {step.explain or ''}"
        return Feedback(ok, text, expected, step.cite)
    got = set(given or ())
    ok = got == set(expected)
    labels = step_options(s, step)
    names = ", ".join(labels[k] for k in expected) or "none of them"
    if step.kind == "eligible":
        verdicts = {v.regimen_id: v for v in eligibility(scenario_patient(s))}
        wrong = sorted(got - set(expected))
        reasons = [
            f"{regimen(r).title}: " + "; ".join(x for x in verdicts[r].reasons if "(not met)" in x) for r in wrong
        ]
        text = f"{'Correct' if ok else 'Not quite'}: the agents that fit are {names}." + (
            " Ruled out: " + " | ".join(reasons) if reasons else ""
        )
        cites = tuple(dict.fromkeys(c for r in expected for c in verdicts[r].citations))
        return Feedback(ok, text, expected, cites)
    text = f"{'Correct' if ok else 'Not quite'}: favourable factors present: {names}."
    return Feedback(ok, text, expected, content().evidence.first_relapse.cite)
