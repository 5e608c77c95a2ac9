"""What a teacher may write in a content folder: questions of six kinds, and cases.

Why: teachers adapt a session to their group (their own patients, questions, level) without
editing the package. These models are the one description of that material: the YAML loader
(`alledu.authoring.folder`), the GIFT reader and writer (`alledu.authoring.gift`) and the
lessons all read them. Unknown keys are errors (a typo must not pass silently); sizes are
bounded so a folder cannot flood a page. Text is never trusted as HTML: it is rendered by
`alledu.authoring.text` (Markdown without raw HTML, sanitised HTML, or plain text).

Kinds follow Moodle's question bank, so GIFT maps one to one: `single` (one right option,
partial credit allowed), `multiple` (weights that add up to 100, negatives for wrong ones),
`truefalse`, `numeric` (value with an absolute tolerance, or a min..max range, several answers
with weights), `short` (typed text, case-insensitive) and `computed`, the suite's own: the
answer is worked out by the domain from a patient and a regimen when the folder loads.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from alledu.models import Frozen, View

Format = Literal["markdown", "plain", "html"]
Kind = Literal["single", "multiple", "truefalse", "numeric", "short", "computed"]
KINDS: tuple[str, ...] = ("single", "multiple", "truefalse", "numeric", "short", "computed")
Ask = Literal["dose", "bsa", "cycle_start", "eligible"]

# Bounds: what a folder may hold (a page shows a question whole; a live class stores its answers).
# Operational limits, not clinical facts; one table, read below and by folder.py, asked.py, cli.py.
AUTHORING_LIMITS: dict[str, float] = {
    "text": 4000,  # characters in a prompt, vignette or feedback
    "short": 500,  # characters in an option, an accepted answer, a source
    "title": 200,  # characters in a title or category
    "unit": 40,  # characters in a unit
    "options": 20,  # options (or accepted answers, or numbers) of one question
    "steps": 20,  # steps of one case
    "questions": 500,  # questions in one file
    "cases": 100,  # cases in one file
    "cycle": 20,  # highest cycle a computed question may ask about
    "first_day": -30,  # lowest day of a cycle (lymphodepletion counts down to day 0)
    "last_day": 400,  # highest day of a cycle
    "tolerance_percent": 50,  # widest margin of a computed answer
    "file_bytes": 1_000_000,  # one file (YAML or GIFT)
    "files": 200,  # content files in a folder
    "folder_bytes": 10_000_000,  # all of them (a folder is read again on a page load after a change)
    "shown": 60,  # characters of a bad value quoted in a problem message
    "typed": 200,  # characters of a typed answer that are read
    "number": 1e12,  # largest number a typed answer may be
    "digits": 6,  # decimals a computed answer keeps in an export
}
L = AUTHORING_LIMITS
MAX_TEXT, MAX_SHORT, MAX_OPTIONS, MAX_STEPS = int(L["text"]), int(L["short"]), int(L["options"]), int(L["steps"])
ID = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Long = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SHORT)]
Weight = Annotated[float, Field(ge=-100, le=100)]  # percent of the question's mark (GIFT %50%)


class Option(Frozen):
    """A choice. `weight` 100 is the right answer; 0 wrong; between: partial credit; below 0: a
    penalty for ticking it (multiple choice)."""

    text: Short
    weight: Weight = 0
    feedback: Long = ""


class Number(Frozen):
    """One accepted number: `value` with an absolute `tolerance`, or a `min`..`max` range."""

    value: float | None = None
    tolerance: Annotated[float, Field(ge=0)] = 0
    min: float | None = None
    max: float | None = None
    weight: Weight = 100
    feedback: Long = ""

    @model_validator(mode="after")
    def _one_form(self) -> Number:
        ranged = self.min is not None or self.max is not None
        if ranged == (self.value is not None):
            raise ValueError("give either value (with tolerance) or min and max")
        if ranged and (self.min is None or self.max is None or self.min > self.max):
            raise ValueError(f"a range needs min <= max (min {self.min}, max {self.max})")
        for x in (self.value, self.min, self.max, self.tolerance):
            if x is not None and not math.isfinite(x):
                raise ValueError(f"{x} is not a finite number")
        return self

    def accepts(self, x: float) -> bool:
        if self.value is None:
            return (self.min or 0) - 1e-9 <= x <= (self.max or 0) + 1e-9
        return abs(x - self.value) <= self.tolerance + 1e-9 * max(1.0, abs(self.value))


class Accepted(Frozen):
    """A typed answer that earns `weight` (compared ignoring case and extra spaces)."""

    text: Short
    weight: Weight = 100
    feedback: Long = ""


class Computed(Frozen):
    """An answer the domain works out: a dose on a cycle and day, a BSA by a formula, the day
    (or, with `start`, the date) a cycle begins, or whether a regimen fits the patient.

    `patient` holds the declared patient fields (alledu/content/patient_fields.yaml); inside a
    case it may be left out and the case's patient is used.
    """

    ask: Ask
    regimen: str | None = None
    patient: dict[str, Any] | None = None
    cycle: Annotated[int, Field(ge=1, le=int(L["cycle"]))] = 1
    day: Annotated[int, Field(ge=int(L["first_day"]), le=int(L["last_day"]))] = 1
    formula: str | None = None
    start: dt.date | None = None
    view: View = "label"
    choices: dict[str, str] = Field(default_factory=dict)
    tolerance_percent: Annotated[float, Field(ge=0, le=L["tolerance_percent"])] = 0

    @model_validator(mode="after")
    def _needs(self) -> Computed:
        if self.ask in ("dose", "cycle_start", "eligible") and not self.regimen:
            raise ValueError(f"ask: {self.ask} needs a regimen")
        if self.ask == "cycle_start" and self.cycle < 2:
            raise ValueError("ask: cycle_start asks when cycle 2 or a later one begins (cycle >= 2)")
        return self


class Question(Frozen):
    """One question (or one step of a case). Which fields apply depends on `kind`:

    single/multiple: `options`; truefalse: `answer`, `feedback_true`, `feedback_false` (shown to
    who answered true / false); numeric: `numbers` (+ `wrong_feedback`, `unit`); short: `accepted`;
    computed: `computed` (+ `unit` is the domain's). Every kind: `feedback` (general, shown after
    any answer), `cite` (keys of alledu's citations) and `source` (the teacher's own reference).
    """

    id: ID
    kind: Kind
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    title: Annotated[str, StringConstraints(max_length=int(L["title"]))] | None = None
    format: Format = "markdown"
    category: Annotated[str, StringConstraints(max_length=int(L["title"]))] | None = None
    options: Annotated[tuple[Option, ...], Field(max_length=MAX_OPTIONS)] = ()
    answer: bool | None = None
    feedback_true: Long = ""
    feedback_false: Long = ""
    numbers: Annotated[tuple[Number, ...], Field(max_length=MAX_OPTIONS)] = ()
    wrong_feedback: Long = ""
    unit: Annotated[str, StringConstraints(max_length=int(L["unit"]))] | None = None
    accepted: Annotated[tuple[Accepted, ...], Field(max_length=MAX_OPTIONS)] = ()
    computed: Computed | None = None
    feedback: Long = ""
    cite: tuple[str, ...] = ()
    source: Annotated[str, StringConstraints(max_length=MAX_SHORT)] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Question:
        k = self.kind
        used = {
            "options": bool(self.options),
            "answer": self.answer is not None,
            "numbers": bool(self.numbers),
            "accepted": bool(self.accepted),
            "computed": self.computed is not None,
        }
        wanted = {"single": "options", "multiple": "options", "truefalse": "answer", "numeric": "numbers"}
        need = wanted.get(k, {"short": "accepted", "computed": "computed"}.get(k, ""))
        if not used[need]:
            raise ValueError(f"a {k} question needs `{need}`")
        extra = [name for name, present in used.items() if present and name != need]
        if extra:
            raise ValueError(f"a {k} question does not take {', '.join(extra)}")
        if k in ("single", "multiple") and len(self.options) < 2:
            raise ValueError(f"a {k} question needs at least 2 options (has {len(self.options)})")
        if k == "single" and not any(o.weight == 100 for o in self.options):
            raise ValueError("a single-choice question needs one option with weight 100 (the right one)")
        if k == "single" and sum(o.weight == 100 for o in self.options) > 1:
            raise ValueError("a single-choice question has one right option; use kind: multiple for more")
        if k == "multiple":
            total = sum(o.weight for o in self.options if o.weight > 0)
            if abs(total - 100) > 1:
                raise ValueError(
                    f"the positive weights of a multiple-choice question add up to 100 (they add up to {total:g})"
                )
        if k == "numeric" and not any(n.weight == 100 for n in self.numbers):
            raise ValueError("a numeric question needs one answer with weight 100")
        if k == "short" and not any(a.weight == 100 for a in self.accepted):
            raise ValueError("a short-answer question needs one accepted answer with weight 100")
        if k != "truefalse" and (self.feedback_true or self.feedback_false):
            raise ValueError("feedback_true and feedback_false belong to truefalse questions")
        if k != "numeric" and self.wrong_feedback:
            raise ValueError("wrong_feedback belongs to numeric questions")
        return self

    @property
    def right(self) -> tuple[int, ...]:
        """Indexes of the options that make a full answer (weight 100 for single, > 0 for multiple)."""
        if self.kind == "single":
            return tuple(i for i, o in enumerate(self.options) if o.weight == 100)
        return tuple(i for i, o in enumerate(self.options) if o.weight > 0)


class Case(Frozen):
    """A patient and steps to answer about them. A computed step without its own patient is
    asked about the case's patient."""

    id: ID
    title: Annotated[str, StringConstraints(min_length=1, max_length=int(L["title"]))]
    vignette: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    format: Format = "markdown"
    patient: dict[str, Any]
    steps: Annotated[tuple[Question, ...], Field(min_length=1, max_length=MAX_STEPS)]
    cite: tuple[str, ...] = ()
    source: Annotated[str, StringConstraints(max_length=MAX_SHORT)] | None = None

    @model_validator(mode="after")
    def _step_ids(self) -> Case:
        ids = [s.id for s in self.steps]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"step ids are used twice: {', '.join(twice)} (each step its own id)")
        return self


class ContentFile(Frozen):
    """One YAML file of a teacher's folder: questions, cases, or both."""

    questions: Annotated[tuple[Question, ...], Field(max_length=int(L["questions"]))] = ()
    cases: Annotated[tuple[Case, ...], Field(max_length=int(L["cases"]))] = ()
