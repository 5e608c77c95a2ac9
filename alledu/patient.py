"""The patient a lesson reasons about.

Why: every calculation starts from the same frozen record, validated once. Unknown facts
are None, never a guess, so eligibility can say which missing fact would decide a verdict.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from alledu import validate
from alledu.errors import InvalidInput

Lineage = Literal["B", "T"]
DiseaseStatus = Literal["relapsed", "refractory", "remission"]

LINEAGES: tuple[str, ...] = ("B", "T")
STATUSES: tuple[str, ...] = ("relapsed", "refractory", "remission")
_FLOATS = (
    "mrd_percent",
    "cr1_duration_months",
    "platelets_1e9_per_l",
    "albumin_g_dl",
    "marrow_blasts_percent",
)
_INTS = ("prior_regimens", "relapse_number", "remission_number")
_BOOLS = ("ph_positive", "cd19_positive", "cd22_positive")


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Patient:
    """A learner's patient. Required: age, height, weight; everything else may be None."""

    age_years: float
    height_cm: float
    weight_kg: float
    lineage: Lineage | None = None
    ph_positive: bool | None = None
    cd19_positive: bool | None = None
    cd22_positive: bool | None = None
    disease_status: DiseaseStatus | None = None
    prior_regimens: int | None = None
    relapse_number: int | None = None
    remission_number: int | None = None
    mrd_percent: float | None = None
    cr1_duration_months: float | None = None
    platelets_1e9_per_l: float | None = None
    albumin_g_dl: float | None = None
    marrow_blasts_percent: float | None = None

    def __post_init__(self) -> None:
        fix = object.__setattr__
        for name in ("age_years", "height_cm", "weight_kg"):
            fix(self, name, validate.number(name, getattr(self, name)))
        for name in _FLOATS:
            if getattr(self, name) is not None:
                fix(self, name, validate.number(name, getattr(self, name)))
        for name in _INTS:
            if getattr(self, name) is not None:
                fix(self, name, validate.whole(name, getattr(self, name)))
        for name in _BOOLS:
            if getattr(self, name) is not None:
                validate.flag(name, getattr(self, name))
        if self.lineage is not None:
            lineage = self.lineage.upper() if isinstance(self.lineage, str) else self.lineage
            fix(self, "lineage", validate.one_of("lineage", lineage, LINEAGES))
        if self.disease_status is not None:
            validate.one_of("disease_status", self.disease_status, STATUSES)

    def replace(self, **changes: Any) -> Patient:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def known(self) -> dict[str, Any]:
        """Fields that are not None, for display."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


PATIENT_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Patient))


def check_field(name: str, value: Any) -> Any:
    """Validate one patient field on its own (for step-by-step entry, e.g. the decision tree)."""
    if value is None:
        return None
    if name in ("age_years", "height_cm", "weight_kg", *_FLOATS):
        return validate.number(name, value)
    if name in _INTS:
        return validate.whole(name, value)
    if name in _BOOLS:
        return validate.flag(name, value)
    if name == "lineage":
        return validate.one_of(name, value.upper() if isinstance(value, str) else value, LINEAGES)
    if name == "disease_status":
        return validate.one_of(name, value, STATUSES)
    raise InvalidInput("field", name, "one of " + ", ".join(PATIENT_FIELDS))


@dataclasses.dataclass(frozen=True)
class Answers:
    """Some patient facts, each validated, the rest unknown: what a decision tree has so far.

    Eligibility needs no body size, so a learner walking the tree is not asked for one.
    """

    values: dict[str, Any]

    @classmethod
    def of(cls, **values: Any) -> Answers:
        return cls({k: check_field(k, v) for k, v in values.items()})

    def __getattr__(self, name: str) -> Any:
        if name in PATIENT_FIELDS:
            return self.values.get(name)
        raise AttributeError(name)
