"""Input checks shared by every entry point (library, CLI, widgets).

Why: one place decides what a valid number is, so the message a learner sees is the same
wherever the value was typed, and always names the field, the value and the range.
"""

from __future__ import annotations

import math
from typing import Any

from alledu.content_loader import content
from alledu.errors import InvalidInput


def accepted_range(field: str) -> str:
    """Human text for a field's accepted range, from limits.yaml."""
    lim = content().limits[field]
    return f"{lim.min:g} to {lim.max:g} {lim.unit}"


def number(field: str, value: Any, *, limit: str | None = None) -> float:
    """A finite real number inside the field's limits (limits.yaml key defaults to field)."""
    key = limit or field
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(field, value, accepted_range(key), "must be a number")
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        raise InvalidInput(field, value, accepted_range(key), "must be a finite number")
    lim = content().limits[key]
    if not lim.min <= x <= lim.max:
        raise InvalidInput(field, value, accepted_range(key))
    return x


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


def whole(field: str, value: Any) -> int:
    """A whole number inside the field's limits."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InvalidInput(field, value, accepted_range(field), "must be a whole number")
    number(field, value)
    return int(value)


def one_of(field: str, value: Any, options: list[str] | tuple[str, ...]) -> str:
    """One of a fixed set of strings (exact match)."""
    if value not in options:
        raise InvalidInput(field, value, "one of " + ", ".join(repr(o) for o in options))
    return value


def flag(field: str, value: Any) -> bool:
    """A real boolean: True or False, not 'yes' or 1."""
    if not isinstance(value, bool):
        raise InvalidInput(field, value, "True or False (or None when unknown)")
    return value
