"""Typed, frozen models of the content files.

Why: a malformed YAML file must fail when it is loaded, with the file, the field and the bad
value in the message, never later as a wrong dose. Every numeric fact is an `Amount` that
carries its own citation, layer and status (filled in from the enclosing regimen when the
file does not repeat them), so whatever shows a number can also show where it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    """Base: immutable, and unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Layer(Frozen):
    """Which body of knowledge a fact belongs to: the 2021 core review or a later update."""

    name: Literal["core-2021", "update"]
    date: dt.date | None = None
    date_note: str | None = None

    @model_validator(mode="after")
    def _update_is_dated(self) -> Layer:
        if self.name == "update" and self.date is None and not self.date_note:
            raise ValueError("an 'update' layer needs a date, or a date_note saying why none")
        return self

    def describe(self) -> str:
        """Short label for pages: '2021 core' or 'Update 2024-03-06'."""
        if self.name == "core-2021":
            return "2021 core"
        return f"Update {self.date.isoformat()}" if self.date else "Update (undated)"


CORE = Layer(name="core-2021")


class Status(Frozen):
    """Whether a fact or regimen is current, or withdrawn (with its date)."""

    name: Literal["current", "withdrawn"]
    date: dt.date | None = None
    cite: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _withdrawn_is_dated(self) -> Status:
        if self.name == "withdrawn" and self.date is None:
            raise ValueError("a withdrawn status needs its date")
        return self


CURRENT = Status(name="current")


class Amount(Frozen):
    """A number with its unit and provenance."""

    value: float
    unit: str
    cite: tuple[str, ...] = ()
    layer: Layer = CORE
    status: Status = CURRENT
    label: str | None = None
    cap: Amount | None = None


class Check(Frozen):
    """One criterion on a patient field, e.g. age_years between [1, 21]."""

    field: str
    op: Literal["eq", "in", "ge", "gt", "le", "lt", "between"]
    value: Any
    why: str | None = None
    update: CheckUpdate | None = None


class CheckUpdate(Frozen):
    """A later change to one criterion: replaced by another, or dropped (replace_with: null)."""

    date: dt.date | None = None
    date_note: str | None = None
    cite: tuple[str, ...] = ()
    note: str
    replace_with: Check | None = None

    @property
    def layer(self) -> Layer:
        return Layer(name="update", date=self.date, date_note=self.date_note or None)


class Rule(Frozen):
    """A node of an eligibility tree: exactly one of all / any / check."""

    all: tuple[Rule, ...] | None = None
    any: tuple[Rule, ...] | None = None
    check: Check | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        kinds = [k for k in ("all", "any", "check") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a rule node needs exactly one of all/any/check, got {kinds or 'none'}")
        return self


class DayRange(Frozen):
    from_: int = Field(alias="from", ge=1)
    to: int = Field(ge=1)


class Dose(Frozen):
    """Doses given on some days of a cycle: per m2 of BSA, fixed, or both (size_rule picks)."""

    days: tuple[int, ...] | DayRange
    when: dict[str, str | None] = {}
    per_m2: Amount | None = None
    fixed: Amount | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _has_amount(self) -> Dose:
        if self.per_m2 is None and self.fixed is None:
            raise ValueError("a dose needs per_m2 or fixed")
        return self

    def day_list(self) -> list[int]:
        if isinstance(self.days, DayRange):
            return list(range(self.days.from_, self.days.to + 1))
        return list(self.days)


class Premedication(Frozen):
    days: tuple[int, ...]
    text: str


class CyclePlan(Frozen):
    """What happens in a run of cycles (inclusive [first, last]; last None = open-ended)."""

    cycles: tuple[int, int | None]
    when: dict[str, str | None] = {}
    phase: str | None = None
    layer: Layer | None = None
    length_days: Amount | None
    length_note: str | None = None
    treatment_free: tuple[int, int] | None = None
    hospital: tuple[int, int] | None = None
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


class MaxCycles(Frozen):
    when: dict[str, str | None] = {}
    value: int | None
    note: str | None = None
    layer: Layer = CORE


class SizeRule(Frozen):
    weight_kg_at_least: Amount
    explain: str


class Note(Frozen):
    text: str
    cite: tuple[str, ...] = ()
    layer: Layer = CORE


class Regimen(Frozen):
    """One regimen: the facts needed to build its schedule and judge who it fits."""

    id: str
    drug: str
    drug_name: str
    aliases: tuple[str, ...] = ()
    title: str
    mechanism: str
    indication: str
    cite: tuple[str, ...]
    layer: Layer
    status: Status
    route: str
    dose_unit: str
    size_rule: SizeRule | None = None
    choices: tuple[Choice, ...] = ()
    max_cycles: tuple[MaxCycles, ...]
    cycles: tuple[CyclePlan, ...]
    notes: tuple[Note, ...] = ()
    eligibility: Rule
    relapse_goal: bool = True  # verdicts restate the CR2 -> alloSCT goal (not for MRD use)

    @model_validator(mode="before")
    @classmethod
    def _inherit_provenance(cls, data: Any) -> Any:
        """Give every Amount the regimen's citations, layer and status unless it states its own."""
        if not isinstance(data, dict):
            return data
        defaults = {k: data.get(k) for k in ("cite", "layer", "status") if data.get(k) is not None}
        _fill(data.get("cycles"), defaults)
        _fill(data.get("size_rule"), defaults)
        return data

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)


def _fill(node: Any, defaults: dict[str, Any]) -> None:
    """Walk raw YAML; a block's own `layer` becomes the default for what it contains."""
    if isinstance(node, list):
        for item in node:
            _fill(item, defaults)
        return
    if not isinstance(node, dict):
        return
    local = dict(defaults)
    if isinstance(node.get("layer"), dict) and "value" not in node:
        local["layer"] = node["layer"]
    if "value" in node and "unit" in node:
        for key, val in local.items():
            node.setdefault(key, val)
    for key, val in node.items():
        if key not in ("layer", "status"):
            _fill(val, local)


class Citation(Frozen):
    text: str
    kind: str


class Limit(Frozen):
    min: float
    max: float
    unit: str


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
    label: str
    step: float | None
    explain: str


class Rounding(Frozen):
    tolerance_percent: Amount
    default: str
    policies: dict[str, RoundingPolicy]


class CoreReview(Frozen):
    date: dt.date
    cite: tuple[str, ...]


class Meta(Frozen):
    title: str
    core_review: CoreReview
    content_checked: dt.date
    notice: str
    regimens: tuple[str, ...]


class Question(Frozen):
    field: str
    label: str
    options: dict[str | bool, str] | None = None
    unit: str | None = None


class EligibilityQuestions(Frozen):
    questions: tuple[Question, ...]


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


class Lesson(Frozen):
    id: str
    title: str
    purpose: str
    minutes: int
    objectives: tuple[str, ...]
    recap: tuple[str, ...]
    cite: tuple[str, ...]


class LessonDefaults(Frozen):
    patient: dict[str, float]
    regimen: str
    compare_with: str
    start: dt.date
    factors: dict[str, dict[str, float]]


class Lessons(Frozen):
    lessons: tuple[Lesson, ...]
    defaults: LessonDefaults


Check.model_rebuild()
Rule.model_rebuild()
Amount.model_rebuild()
