"""Typed, frozen models of the content files.

Why: a malformed YAML file must fail when it is loaded, with the file, the field and the bad
value in the message, never later as a wrong dose. Every numeric fact is an `Amount` that
carries its own citation (filled in from the enclosing regimen when the file does not repeat
it), so whatever shows a number can also show where it came from.

What was true when: one mechanism, `History` (think of OpenFisca's dated parameters). A fact
that the 2021 review and the US label state differently, or that the label changed, is a
History: the review's statement (dated by meta.core_review.date) and the label's values, each
with the date it came into force, oldest first. A plain value in a file means "both sources
agree" and is read as a History whose review and label say the same. Judging a patient uses
the label in force on the content-checked date by default; the review's view is one argument
away (`view="review"`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

T = TypeVar("T")
View = Literal["label", "review"]
VIEWS: tuple[str, ...] = ("label", "review")


class Frozen(BaseModel):
    """Base: immutable, and unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Said(Frozen, Generic[T]):
    """What one source said about a fact: the review's statement or one dated label entry.

    `since` is the date a label entry came into force (None for the review, whose date is the
    review's, and for a label entry whose date is not verified: then `date_note` says so).
    `month_only` marks a date the source gives to the month (shown as YYYY-MM); `at_latest`
    marks a date by which the entry was in the label, its exact date not verified ("by 2019-02").

    `outdates_review` is the only thing that lets the suite say "the review was already out of
    date on its own date": this entry changed what the label *means* before the review's date,
    and the review still states the older meaning. A difference in wording never says so.
    """

    value: T
    since: dt.date | None = None
    month_only: bool = False
    at_latest: bool = False
    date_note: str | None = None
    outdates_review: bool = False
    cite: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _dated_claims(self) -> Said[T]:
        if self.at_latest and self.since is None:
            raise ValueError("at_latest needs the date by which the entry was in the label ('since')")
        if self.outdates_review and self.since is None:
            raise ValueError("outdates_review needs the date the label's meaning changed ('since')")
        return self

    def when(self) -> str:
        """The date as a learner reads it: '2017-07-11', '2016-09', 'by 2019-02' or 'date not verified'."""
        if self.since is None:
            return "date not verified"
        shown = self.since.strftime("%Y-%m") if self.month_only else self.since.isoformat()
        return f"by {shown}" if self.at_latest else shown

    def dated(self) -> str:
        """The date in a sentence: 'since 2017-07-11', 'by 2019-02 at the latest', '(date ... not verified)'."""
        if self.since is None:
            return "(date of this wording not verified)"
        return f"{self.when()} at the latest (exact date not verified)" if self.at_latest else f"since {self.when()}"


class History(Frozen, Generic[T]):
    """A fact over time: the review's statement and the label's dated values, oldest first.

    `review: None` means the review says nothing about it; an empty `label` means the label
    says nothing (e.g. off-label use). Plain values in YAML become a History where both agree.
    """

    review: Said[T] | None = None
    label: tuple[Said[T], ...] = ()
    plain: bool = False  # written as a plain value: both sources agree, nothing dated

    @model_validator(mode="before")
    @classmethod
    def _wrap_plain(cls, data: Any) -> Any:
        if isinstance(data, dict) and data and set(data) <= {"review", "label"}:
            return data
        if isinstance(data, History):
            return data
        return {"review": {"value": data}, "label": [{"value": data}], "plain": True}

    @model_validator(mode="after")
    def _dated(self) -> History[T]:
        if self.review is None and not self.label:
            raise ValueError("a history needs a review statement or at least one label entry")
        if self.review is not None and self.review.since is not None:
            raise ValueError("the review's statement takes the review's date (meta.yaml): give no 'since'")
        dates = [s.since for s in self.label if s.since is not None]
        if dates != sorted(dates):
            raise ValueError(f"label entries must be oldest first, got {[d.isoformat() for d in dates]}")
        if not self.plain:
            for s in self.label:
                if s.since is None and not s.date_note:
                    raise ValueError("an undated label entry needs a date_note saying why there is no date")
        return self

    def said(self, view: View) -> Said[T] | None:
        """The review's statement, or the label entry in force now (the newest)."""
        if view == "review":
            return self.review
        return self.label[-1] if self.label else None

    def value(self, view: View, default: Any = None) -> Any:
        s = self.said(view)
        return default if s is None else s.value

    def differs(self) -> bool:
        """Do the review and the label in force mean different things?

        A review that says nothing about the fact (no statement at all) is silent, not in
        disagreement. Criteria are compared by what they test (field operator and value), not
        by the words explaining them.
        """
        if self.plain or self.review is None:
            return False
        return _meaning(self.value("review")) != _meaning(self.value("label"))

    def outdated_review(self) -> Said[T] | None:
        """The label entry that had changed the meaning before the review's date, if one says so."""
        return next((s for s in reversed(self.label) if s.outdates_review), None)


def _meaning(value: Any) -> Any:
    """What a value says, without its explaining words (a Criterion's `why`)."""
    if isinstance(value, BaseModel) and {"op", "value"} <= set(type(value).model_fields):
        return (value.op, value.value)  # type: ignore[attr-defined]
    return value


class Amount(Frozen):
    """A number with its unit and citation; a dose cap is an Amount on the dose it limits.

    `high` makes it a labelled range, `value` to `high` (a CAR-T cell dose the label gives as a
    range): both ends are computed and shown, never a single number picked from between them.
    """

    value: float
    unit: str
    cite: tuple[str, ...] = ()
    label: str | None = None
    cap: Amount | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _range(self) -> Amount:
        if self.high is not None and self.high <= self.value:
            raise ValueError(f"a range runs from value to high: {self.value} to {self.high}")
        return self


class Criterion(Frozen):
    """An operator and a value on a patient field, e.g. `years_between [1, 21]`.

    Ages: `years_between [a, b]` and `years_at_most b` read ages as people say them: "1 to 21
    years old" runs up to the 22nd birthday (21.9 is inside, 22.0 is not). `months_at_least n`
    on an age in years reads a label's "one month and older" (a 2-week-old is not inside).
    """

    op: Literal["eq", "in", "ge", "gt", "le", "lt", "between", "years_between", "years_at_most", "months_at_least"]
    value: Any
    why: str | None = None


class Check(Criterion):
    """One criterion on a patient field that every source states the same way."""

    field: str


class DatedCheck(Frozen):
    """A criterion that the review and the label state differently, or that the label changed.

    A `null` value in a source means "no criterion on this field in that source".
    """

    field: str
    history: History[Criterion | None]


class Rule(Frozen):
    """A node of an eligibility tree: exactly one of all / any / check / dated."""

    all: tuple[Rule, ...] | None = None
    any: tuple[Rule, ...] | None = None
    check: Check | None = None
    dated: DatedCheck | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        kinds = [k for k in ("all", "any", "check", "dated") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a rule node needs exactly one of all/any/check/dated, got {kinds or 'none'}")
        return self


# ---- day and cycle numbers: a syntax that cannot be misread ------------------------------
# Protocols write "days 1-5", "days 1, 8, 15", "day 0" and "day -5". A YAML list of two numbers
# could be read either way ([1, 5]: days 1 and 5, or days 1 to 5), so it is refused at load.
_RANGE = re.compile(r"^\s*(-?\d+)\s*(?:(-)|\s+to\s+)\s*(-?\d+)\s*$")
_FROM = re.compile(r"^\s*from\s+(\d+)\s*$")


def _whole(text: str, what: str) -> int:
    if not re.fullmatch(r"\s*-?\d+\s*", text):
        raise ValueError(f"{what} {text.strip()!r} is not a whole number")
    return int(text)


def _range(text: str, what: str) -> tuple[int, int]:
    """'1-5' or '-5 to -3' (a dash between negative numbers is hard to read: use 'to')."""
    m = _RANGE.match(text)
    if m is None:
        raise ValueError(f"{what} {text.strip()!r} is not a range (write 1-5, or -5 to -3)")
    first, dash, last = int(m.group(1)), m.group(2), int(m.group(3))
    if dash and (first < 0 or last < 0):
        raise ValueError(f"{what} {text.strip()!r}: write a range with a negative day as '{first} to {last}'")
    if last <= first:
        raise ValueError(f"{what} {text.strip()!r}: the last {what} must come after the first")
    return first, last


def parse_days(value: Any) -> tuple[int, ...]:
    """Days as protocols write them: 3, '1-5', '-5 to -3', '1, 8, 15', [1, 8, 15].

    A list of two numbers that are not neighbours ([1, 5]) is refused: it reads as a range in
    one place and as two days in another, and either reading gives a schedule without an error.
    """
    if isinstance(value, bool):
        raise ValueError(f"days {value!r} is not a day")
    if isinstance(value, int):
        return (value,)
    if isinstance(value, (list, tuple)):
        if not value or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise ValueError(f"days {list(value)!r}: a list holds whole day numbers, e.g. [1, 8, 15]")
        if len(value) == 2 and abs(value[1] - value[0]) > 1:
            a, b = sorted(value)
            raise ValueError(
                f"days {list(value)!r} is ambiguous (days {a} and {b}, or days {a} to {b}?): "
                f"write '{a}-{b}' for the range or '{a}, {b}' for the two days"
            )
        days = tuple(value)
    elif isinstance(value, str):
        days = ()
        for part in value.split(","):
            if _RANGE.match(part):
                first, last = _range(part, "day")
                days += tuple(range(first, last + 1))
            else:
                days += (_whole(part, "day"),)
    else:
        raise ValueError(f"days {value!r}: write 3, '1-5', '-5 to -3' or '1, 8, 15'")
    if list(days) != sorted(set(days)):
        raise ValueError(f"days {value!r}: each day once, in order")
    return days


def parse_span(value: Any) -> tuple[int, int]:
    """One run of days (hospital stay, treatment-free gap): 3 or '1-9' (first, last)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, str):
        return _range(value, "day")
    raise ValueError(f"days {value!r}: one run of days is written 3 or '1-9' (a list is not a run)")


def parse_cycles(value: Any) -> tuple[int, int | None]:
    """Cycle numbers: 1, '3-5', or 'from 1' (open-ended); (first, last or None)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value, value
    if isinstance(value, str):
        m = _FROM.match(value)
        if m:
            if int(m.group(1)) < 1:
                raise ValueError(f"cycles {value!r}: write 1, '3-5' or 'from 1' (cycle numbers start at 1)")
            return int(m.group(1)), None
        first, last = _range(value, "cycle")
        if first >= 1:
            return first, last
    raise ValueError(f"cycles {value!r}: write 1, '3-5' or 'from 1' (cycle numbers start at 1)")


Days = Annotated[tuple[int, ...], BeforeValidator(parse_days)]
Span = Annotated[tuple[int, int], BeforeValidator(parse_span)]
Cycles = Annotated[tuple[int, int | None], BeforeValidator(parse_cycles)]


class Dose(Frozen):
    """Doses given on some days of a cycle: per m2 of BSA, fixed, or both (size_rule picks)."""

    days: Days
    when: dict[str, str | None] = {}
    per_m2: Amount | None = None
    per_kg: Amount | None = None  # cells per kg of body weight (CAR-T): never BSA
    fixed: Amount | None = None
    # another drug given within this regimen (lymphodepletion before a CAR-T infusion), from drugs.yaml
    drug: str | None = None
    unit: str | None = None  # the row's unit when it is not the regimen's dose_unit
    route: str | None = None  # the row's route when it is not the regimen's (lymphodepletion before a CAR-T)
    note: str | None = None

    @model_validator(mode="after")
    def _has_amount(self) -> Dose:
        if self.per_m2 is None and self.fixed is None and self.per_kg is None:
            raise ValueError("a dose needs per_m2, per_kg or fixed")
        if self.per_m2 is not None and self.per_kg is not None:
            raise ValueError("a dose is per m2 or per kg, not both")
        return self

    def day_list(self) -> list[int]:
        return list(self.days)


Population = Literal["all", "adults", "children"]


class Premedication(Frozen):
    """Premedication on named days, for whom (adults / children / all) it is stated.

    `dose` (optional) is computed like a drug dose (per m2 with a cap, or fixed) and shown
    beside the text. Where the sources state nothing for a population, its text says so.
    """

    days: Days
    who: Population = "all"
    text: str
    dose: Amount | None = None


class CyclePlan(Frozen):
    """What happens in a run of cycles (first, last; last None = open-ended)."""

    cycles: Cycles
    when: dict[str, str | None] = {}
    phase: str | None = None
    length_days: History[int | None]
    treatment_free: Span | None = None
    hospital: Span | None = None
    # after a CAR-T infusion (days counted from day 0): stay near the centre, and no driving; dated
    near_centre: History[Span] | None = None
    no_driving: History[Span] | None = None
    premedication: tuple[Premedication, ...] = ()
    doses: tuple[Dose, ...]

    def covers(self, cycle: int) -> bool:
        first, last = self.cycles
        return cycle >= first and (last is None or cycle <= last)


class Choice(Frozen):
    """An explicit option a regimen offers (e.g. inotuzumab response after cycle 1)."""

    name: str
    label: str
    options: dict[str, str]
    default: str | None = None
    needed_from_cycle: int | None = None
    explain: str | None = None


class MaxCycles(Frozen):
    """The most cycles for some choices; `null` = the sources set none (display limit)."""

    when: dict[str, str | None] = {}
    value: History[int | None]
    note: str | None = None


class SizeRule(Frozen):
    """Which basis a dose uses by weight: at least N kg (blinatumomab) or above N kg (tisagenlecleucel)."""

    weight_kg_at_least: Amount | None = None
    weight_kg_above: Amount | None = None
    explain: str

    @model_validator(mode="after")
    def _one_edge(self) -> SizeRule:
        if (self.weight_kg_at_least is None) == (self.weight_kg_above is None):
            raise ValueError("a size rule gives weight_kg_at_least or weight_kg_above (one of them)")
        return self

    @property
    def edge(self) -> Amount:
        return self.weight_kg_at_least or self.weight_kg_above  # type: ignore[return-value]

    def big(self, weight_kg: float) -> bool:
        """Does this weight take the fixed (flat) dose?"""
        if self.weight_kg_at_least is not None:
            return weight_kg >= self.weight_kg_at_least.value
        return weight_kg > self.edge.value


class Note(Frozen):
    """A teaching note shown wherever the regimen is shown."""

    text: str
    cite: tuple[str, ...] = ()


class Drug(Frozen):
    """A drug, whatever the regimen: names, mechanism, safety notes (drugs.yaml)."""

    name: str
    aliases: tuple[str, ...] = ()
    mechanism: str
    safety: tuple[Note, ...] = ()


class Regimen(Frozen):
    """One regimen: the facts needed to build its schedule and judge who it fits.

    drug_name, aliases, mechanism and the drug's safety notes come from drugs.yaml (the loader
    fills them in); a regimen file adds only what is its own.
    """

    id: str
    drug: str
    drug_name: str
    aliases: tuple[str, ...] = ()
    title: str
    short_title: str
    mechanism: str
    indication: History[str]
    cite: tuple[str, ...]
    status: History[Literal["available", "withdrawn"]] = Field(
        default_factory=lambda: History.model_validate("available")
    )
    off_label: str | None = None  # why this use is outside the label (shown next to every dose)
    relapse_goal: bool = True  # verdicts restate the CR2 -> alloSCT goal (not for MRD use)
    route: str
    dose_unit: str
    # days count from the infusion day 0 (lymphodepletion on negative days); a start date is day 0
    day_zero: bool = False
    size_rule: SizeRule | None = None
    choices: tuple[Choice, ...] = ()
    max_cycles: tuple[MaxCycles, ...] = ()
    cycles: tuple[CyclePlan, ...] = ()
    # Why no dose plan is given (yet): judged for eligibility, never dosed by the suite.
    dose_note: str | None = None
    # After a CAR-T infusion: proximity, monitoring and driving, as a dated history (REMS until 2025-06-26)
    monitoring: History[str] | None = None
    safety: tuple[Note, ...] = ()
    notes: tuple[Note, ...] = ()
    dated_notes: tuple[Said[str], ...] = ()
    eligibility: Rule

    @model_validator(mode="before")
    @classmethod
    def _inherit_cite(cls, data: Any) -> Any:
        """Give every Amount the regimen's citations unless it states its own."""
        if isinstance(data, dict) and data.get("cite") is not None:
            _fill(data.get("cycles"), {"cite": data["cite"]})
            _fill(data.get("size_rule"), {"cite": data["cite"]})
        return data

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)

    @model_validator(mode="after")
    def _days_in_their_course(self) -> Regimen:
        if not self.day_zero:  # day 0 and negative days belong to an infusion-day course
            early = [d for plan in self.cycles for dose in plan.doses for d in dose.days if d < 1]
            early += [d for plan in self.cycles for p in plan.premedication for d in p.days if d < 1]
            if early:
                raise ValueError(f"days {early} come before day 1; only a course with day_zero: true has them")
        return self

    @model_validator(mode="after")
    def _plan_or_why_not(self) -> Regimen:
        if bool(self.cycles) == bool(self.dose_note):
            raise ValueError("a regimen has cycles with doses, or no cycles and a dose_note saying why (not both)")
        if bool(self.cycles) != bool(self.max_cycles):
            raise ValueError("max_cycles goes with cycles")
        return self

    def has_dose_plan(self) -> bool:
        return bool(self.cycles)

    def in_review(self) -> bool:
        """Does the 2021 review name this use? Agents it does not name are 'not in the review'."""
        return self.indication.review is not None

    def withdrawn(self, view: View = "label") -> Said[str] | None:
        """The withdrawal entry in force in this view, or None when available."""
        s = self.status.said(view)
        return s if s is not None and s.value == "withdrawn" else None


def _fill(node: Any, defaults: dict[str, Any]) -> None:
    """Walk raw YAML and give each {value, unit} mapping the defaults it lacks."""
    if isinstance(node, list):
        for item in node:
            _fill(item, defaults)
        return
    if not isinstance(node, dict):
        return
    if "value" in node and "unit" in node:
        for key, val in defaults.items():
            node.setdefault(key, val)
    for val in node.values():
        _fill(val, defaults)


class Citation(Frozen):
    text: str
    kind: str


class Limit(Frozen):
    min: float
    max: float
    unit: str


class PatientField(Frozen):
    """One patient field, declared once: everything else (checks, CLI, tree, labels) reads it."""

    kind: Literal["number", "whole", "flag", "choice"]
    label: str
    unit: str | None = None
    options: dict[str | bool, str] | None = None
    min: float | None = None
    max: float | None = None
    required: bool = False
    flag: str
    help: str
    ask: int | None = None  # asked by the eligibility tree at this position (1 = first)
    # asked only when another field's answer is one of these, or still unknown (MRD: in remission)
    ask_if: dict[str, tuple[str | bool, ...]] | None = None

    @model_validator(mode="after")
    def _complete(self) -> PatientField:
        if self.kind in ("number", "whole") and (self.min is None or self.max is None or self.unit is None):
            raise ValueError(f"a {self.kind} field needs min, max and unit (its accepted range)")
        if self.kind in ("flag", "choice") and not self.options:
            raise ValueError(f"a {self.kind} field needs options")
        if self.kind == "flag" and set(self.options or {}) != {True, False}:
            raise ValueError("a flag field's options are exactly true and false")
        if not self.flag.startswith("--"):
            raise ValueError(f"flag {self.flag!r} must start with --")
        return self

    def limit(self) -> Limit:
        assert self.min is not None and self.max is not None
        return Limit(min=self.min, max=self.max, unit=self.unit or "")


class BsaFormula(Frozen):
    label: str
    kind: Literal["sqrt", "power", "boyd"]
    cite: tuple[str, ...]
    divisor: float | None = None
    coefficient: float | None = None
    height_exponent: float | None = None
    weight_exponent: float | None = None
    weight_base: float | None = None
    weight_log_slope: float | None = None

    @model_validator(mode="after")
    def _has_constants(self) -> BsaFormula:
        needed = {
            "sqrt": ("divisor",),
            "power": ("coefficient", "height_exponent", "weight_exponent"),
            "boyd": ("coefficient", "height_exponent", "weight_base", "weight_log_slope"),
        }[self.kind]
        missing = [n for n in needed if getattr(self, n) is None]
        if missing:
            raise ValueError(f"formula kind '{self.kind}' needs {', '.join(missing)}")
        return self


class BsaFormulas(Frozen):
    default: str
    formulas: dict[str, BsaFormula]


class RoundingPolicy(Frozen):
    """`{unit}` in label and explain is replaced by the dose's unit (mg, mcg/day...)."""

    label: str
    step: float | None
    explain: str


class Rounding(Frozen):
    tolerance_percent: Amount
    obese_dosing: Note
    default: str
    policies: dict[str, RoundingPolicy]


class CoreReview(Frozen):
    date: dt.date
    cite: tuple[str, ...]


class Scope(Frozen):
    """What the suite judges and doses, and what it leaves out: said wherever options are listed."""

    not_covered: tuple[str, ...]
    cite: tuple[str, ...] = ()


class Meta(Frozen):
    title: str
    core_review: CoreReview
    content_checked: dt.date
    notice: str
    adult_from_years: Amount
    regimens: tuple[str, ...]
    scope: Scope


class Factor(Frozen):
    """A prognostic factor: checked on a patient field, or set by the learner (`input`)."""

    id: str
    label: str
    p_value: str | None = None
    input: str | None = None
    check: Check | None = None


class Statements(Frozen):
    cite: tuple[str, ...]
    statements: tuple[str, ...]


class Goal(Frozen):
    text: str
    cite: tuple[str, ...]


class FirstRelapse(Frozen):
    trial: str
    cite: tuple[str, ...]
    cohort_note: str
    figures: dict[str, Amount]
    favourable_factors: tuple[Factor, ...]
    no_influence: tuple[str, ...]
    best_subset: str


class LowCrRule(Frozen):
    label: str
    all: tuple[Check, ...]
    expected_cr_percent: Amount


class SurvivalFactor(Frozen):
    id: str
    label: str


class SurvivalBand(Frozen):
    min: int
    max: int
    survival_12m_percent: Amount


class SecondSalvage(Frozen):
    trial: str
    cite: tuple[str, ...]
    figures: dict[str, Amount]
    low_cr_rule: LowCrRule
    survival_factors: tuple[SurvivalFactor, ...]
    survival_factors_note: str
    survival_by_adverse_count: tuple[SurvivalBand, ...]


class ModelPoint(Frozen):
    months: float
    survival: float
    label: str


class CureModel(Frozen):
    label: str
    axis: str
    x_axis: str
    cite: tuple[str, ...]
    points: tuple[ModelPoint, ModelPoint]


class Evidence(Frozen):
    general: Statements
    goal: Goal
    first_relapse: FirstRelapse
    second_salvage: SecondSalvage
    model: CureModel

    @model_validator(mode="before")
    @classmethod
    def _inherit_cite(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for section in ("first_relapse", "second_salvage"):
                part = data.get(section)
                if isinstance(part, dict) and part.get("cite"):
                    _fill(part, {"cite": part["cite"]})
        return data


class PagePanel(Frozen):
    """What a lesson page shows between its header and footer: one widget, under a heading.
    The lesson notebooks are written from this by `tools/notebooks.py build` (one source)."""

    widget: str = Field(pattern=r"^alledu\.widgets\.[a-z_]+\.[A-Z][A-Za-z]+$")  # module.Class
    heading: str


class Lesson(Frozen):
    id: str
    title: str
    purpose: str
    minutes: int
    for_teachers: bool = False  # the teacher's page: a class is never sized for it (alledu/serve/kernels.py)
    objectives: tuple[str, ...]
    recap: tuple[str, ...]
    cite: tuple[str, ...]
    panel: PagePanel | None = None  # None: the landing page (the list of lessons)


class CarTDefaults(Frozen):
    """Lesson 08: the products it compares, the patient it starts with, and the planned infusion day."""

    products: tuple[str, ...]
    patient: dict[str, Any]
    infusion: dt.date


class LessonDefaults(Frozen):
    patient: dict[str, float]
    regimen: str
    compare_with: str
    start: dt.date
    factors: dict[str, dict[str, float]]
    car_t: CarTDefaults


class Lessons(Frozen):
    lessons: tuple[Lesson, ...]
    defaults: LessonDefaults


# ---- quiz and case scenarios ------------------------------------------------------------
class DoseSpec(Frozen):
    """A dose the domain computes: regimen, patient, cycle and day (and choices)."""

    regimen: str
    patient: dict[str, Any]
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
    """One step of a case. Kinds: factors, eligible, dose, cycle_start (course day), single."""

    kind: Literal["factors", "eligible", "dose", "cycle_start", "single"]
    prompt: str
    view: View = "label"  # eligible steps: judge by the label in force, or by the 2021 review
    regimen: str | None = None
    cycle: int = 1
    day: int = 1
    tolerance_percent: float = 0
    options: dict[str, str] = Field(default_factory=dict)
    correct: str | None = None
    explain: str | None = None
    cite: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> Step:
        if self.kind in ("dose", "cycle_start") and not self.regimen:
            raise ValueError(f"a {self.kind} step names its regimen")
        if self.kind == "single" and (self.correct not in self.options or not self.explain or not self.cite):
            raise ValueError("a single step needs options, a correct option among them, explain and cite")
        return self


class Scenario(Frozen):
    id: str
    title: str
    vignette: str
    patient: dict[str, Any]
    steps: tuple[Step, ...]
    expected: dict[str, Any]


Rule.model_rebuild()
Amount.model_rebuild()
