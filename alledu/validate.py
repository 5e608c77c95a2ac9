"""Input checks shared by every entry point (library, CLI, widgets).

Why: one place decides what a valid number is, so the message a learner sees is the same
wherever the value was typed, and always names the field (in learner words), the value and
the accepted range. Patient fields are checked against their declaration in
content/patient_fields.yaml; other limits come from content/limits.yaml.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import sys
from decimal import Decimal
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
    """Any real number type counts (int, float, numpy scalars, Decimal, Fraction); bools do not.

    NaN, infinities, values too large for a float and subnormal values are refused.
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        raise InvalidInput(field, value, _range_text(lim), "must be a number")
    try:
        x = float(value)
    except (OverflowError, ValueError):  # 10**400, Decimal('sNaN')
        raise InvalidInput(field, value, _range_text(lim), "must be a finite number") from None
    if not math.isfinite(x):
        raise InvalidInput(field, value, _range_text(lim), "must be a finite number")
    if x != 0 and abs(x) < sys.float_info.min:
        raise InvalidInput(field, value, _range_text(lim), "too small to be a measurement")
    if not lim.min <= x <= lim.max:
        raise InvalidInput(field, value, _range_text(lim))
    return x


def number(field: str, value: Any, *, limit: str | None = None) -> float:
    """A finite real number inside the field's limits (limits key defaults to the field)."""
    return _number(field, value, _limit(limit or field))


# Typed text: plain ASCII decimal notation only. float()/int() would also take "1_70",
# non-ASCII digits ("١٧٠", "１７０"), "+2", "inf", "nan" and "1e3": slips, never meant values.
DECIMAL_TEXT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
WHOLE_TEXT = re.compile(r"-?[0-9]+")
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_DATE, LAST_DATE = dt.date.fromisoformat("1900-01-01"), dt.date.fromisoformat("2199-12-31")


COMMA_DECIMAL = re.compile(r"-?[0-9]+,[0-9]+")


def read_decimal(text: str) -> float | None:
    """A number as a person types it, or None: '70.5', '70,5' (a decimal comma, never 705), ' 70 '.

    Only plain ASCII decimal notation: no '1_70', no other scripts' digits, no '+2', '1e3' or 'nan'.
    """
    if not isinstance(text, str):
        return None
    text = text.strip(" \t")
    if COMMA_DECIMAL.fullmatch(text):
        text = text.replace(",", ".")
    return float(text) if DECIMAL_TEXT.fullmatch(text) else None


def parse_number(field: str, text: str, *, limit: str | None = None) -> float:
    """A number typed as text (command line, text box); the message names the field's range."""
    x = read_decimal(text)
    if x is None:
        raise InvalidInput(field, text, accepted_range(limit or field), "must be a number like 170 or 70.5")
    return x


def parse_whole(field: str, text: str) -> int:
    """A whole number typed as text."""
    if not isinstance(text, str) or not WHOLE_TEXT.fullmatch(text.strip(" \t")):
        raise InvalidInput(field, text, accepted_range(field), "must be a whole number")
    return int(text)


def _whole(field: str, value: Any, lim: Limit) -> int:
    """A whole number inside the limits (2.0 counts; 2.5 and True do not)."""
    x = _number(field, value, lim)
    if not x.is_integer():
        raise InvalidInput(field, value, _range_text(lim), "must be a whole number")
    return int(x)


def date(field: str, value: Any) -> dt.date | None:
    """A calendar date (date, datetime, pandas Timestamp or 'YYYY-MM-DD'), or None when not given.

    Dates are kept between FIRST_DATE and LAST_DATE so every later cycle still has a date.
    """
    accepted = f"a date from {FIRST_DATE} to {LAST_DATE} (YYYY-MM-DD)"
    if value is None:
        return None
    day: dt.date | None = None
    if isinstance(value, str):
        if DATE_TEXT.fullmatch(value):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                day = None
    elif isinstance(value, dt.datetime):
        day = None if value != value else value.date()  # pd.NaT is a datetime unequal to itself
    elif isinstance(value, dt.date):
        day = value
    if not isinstance(day, dt.date) or not FIRST_DATE <= day <= LAST_DATE:
        raise InvalidInput(field, value, accepted)
    return day


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
