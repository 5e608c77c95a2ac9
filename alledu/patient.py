"""The patient a lesson reasons about, built from the field declarations.

Why: every calculation starts from the same frozen record, validated once. Each field is
declared once, in content/patient_fields.yaml (kind, unit, label, options, limits); the
Patient class, its checks, the command line's flags, the eligibility tree's questions and the
labels on screen are all derived from that file. Unknown facts are None, never a guess, so
eligibility can say which missing fact would decide a verdict.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from alledu import validate
from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.models import PatientField

_PY_TYPES = {"number": float, "whole": int, "flag": bool, "choice": str}


def declarations() -> dict[str, PatientField]:
    """Every patient field's declaration, in file order."""
    return dict(content().patient_fields)


class _PatientBase:
    """Behaviour shared by the generated Patient class."""

    __slots__ = ()

    def __post_init__(self) -> None:
        for name, decl in declarations().items():
            value = getattr(self, name)
            if value is None and decl.required:
                raise InvalidInput(name, None, validate.accepted_range(name), "required")
            object.__setattr__(self, name, validate.field_value(name, decl, value))

    def replace(self, **changes: Any) -> Patient:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def known(self) -> dict[str, Any]:
        """Fields that are not None, for display."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}  # type: ignore[call-overload]


def _build() -> type:
    fields: list[tuple[str, Any, Any]] = []
    for name, decl in declarations().items():
        kind = _PY_TYPES[decl.kind]
        if decl.required:
            fields.append((name, kind, dataclasses.field()))
        else:
            fields.append((name, kind | None, dataclasses.field(default=None)))
    cls = dataclasses.make_dataclass("Patient", fields, bases=(_PatientBase,), frozen=True, kw_only=True, slots=True)
    cls.__module__ = __name__
    cls.__doc__ = (
        "A learner's patient (fields from content/patient_fields.yaml). Required: "
        + ", ".join(n for n, d in declarations().items() if d.required)
        + "; everything else may be None (unknown)."
    )
    return cls


Patient: Any = _build()
PATIENT_FIELDS: tuple[str, ...] = tuple(declarations())


def check_field(name: str, value: Any) -> Any:
    """Validate one patient field on its own (for step-by-step entry, e.g. the decision tree)."""
    decl = declarations().get(name)
    if decl is None:
        raise InvalidInput("field", name, "one of " + ", ".join(PATIENT_FIELDS))
    return validate.field_value(name, decl, value)


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
