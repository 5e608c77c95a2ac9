"""Input checks shared by every entry point (library, CLI, widgets).

Why: one place decides what a valid number is, so the message a learner sees is the same
wherever the value was typed, and always names the field (in learner words), the value and
the accepted range. Patient fields are checked against their declaration in
content/patient_fields.yaml; other limits come from content/limits.yaml.
"""

from __future__ import annotations

import math
from typing import Any

from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.models import Limit, PatientField


def _limit(key: str) -> Limit:
    c = content()
    if key in c.patient_fields:
        return c.patient_fields[key].limit()
    return c.limits[key]


def limits() -> dict[str, Limit]:
    """Every accepted range: numeric patient fields and the other limits (BSA, cycles drawn)."""
    c = content()
    out = {k: f.limit() for k, f in c.patient_fields.items() if f.kind in ("number", "whole")}
    return {**out, **c.limits}


def _range_text(lim: Limit) -> str:
    unit = f" {lim.unit}" if lim.unit else ""
    return f"{lim.min:g} to {lim.max:g}{unit}"


def accepted_range(field: str) -> str:
    """Human text for a field's accepted range."""
    return _range_text(_limit(field))


def field_label(field: str) -> str:
    """The learner's name for a field ('Weight', 'Cycles'), from patient_fields.yaml or labels.yaml."""
    decl = content().patient_fields.get(field)
    return decl.label if decl else content().labels.get(field, field)


def _number(field: str, value: Any, lim: Limit) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(field, value, _range_text(lim), "must be a number")
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        raise InvalidInput(field, value, _range_text(lim), "must be a finite number")
    if not lim.min <= x <= lim.max:
        raise InvalidInput(field, value, _range_text(lim))
    return x


def number(field: str, value: Any, *, limit: str | None = None) -> float:
    """A finite real number inside the field's limits (limits key defaults to the field)."""
    return _number(field, value, _limit(limit or field))


def parse_number(field: str, text: str, *, limit: str | None = None) -> float:
    """A number typed as text (command line, text box); the message names the field's range."""
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(field, text, accepted_range(limit or field), "must be a number") from None


def parse_whole(field: str, text: str) -> int:
    """A whole number typed as text."""
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(field, text, accepted_range(field), "must be a whole number") from None


def _whole(field: str, value: Any, lim: Limit) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InvalidInput(field, value, _range_text(lim), "must be a whole number")
    _number(field, value, lim)
    return int(value)


def whole(field: str, value: Any) -> int:
    """A whole number inside the field's limits."""
    return _whole(field, value, _limit(field))


def one_of(field: str, value: Any, options: list[str] | tuple[str, ...]) -> str:
    """One of a fixed set of strings (exact match)."""
    if isinstance(value, bool) or value not in options:
        raise InvalidInput(field, value, "one of " + ", ".join(repr(o) for o in options))
    return value


def flag(field: str, value: Any) -> bool:
    """A real boolean: True or False, not 'yes' or 1."""
    if not isinstance(value, bool):
        raise InvalidInput(field, value, "True or False (or None when unknown)")
    return value


def field_value(name: str, decl: PatientField, value: Any) -> Any:
    """Check one patient field's value against its declaration; None means unknown."""
    if value is None:
        return None
    if decl.kind == "number":
        return _number(name, value, decl.limit())
    if decl.kind == "whole":
        return _whole(name, value, decl.limit())
    if decl.kind == "flag":
        return flag(name, value)
    options = [k for k in decl.options or {} if isinstance(k, str)]
    if name == "lineage" and isinstance(value, str):
        value = value.upper()
    return one_of(name, value, options)
